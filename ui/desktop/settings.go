package desktop

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/ui/i18n"
)

// Preferences is what the settings screen changes, persisted per user.
// The zero value of each field means "the default".
type Preferences struct {
	// Lang is "en" or "fr"; "" follows the system.
	Lang string
	// Theme is "light" or "dark"; "" follows the system.
	Theme string
	// Camera, Mic and Speaker name the devices: "test", "none", a
	// device's name; "" is the default.
	Camera, Mic, Speaker string
	// Quality caps the video we send: "720p", "360p", "180p"; "" is auto.
	Quality string
	// NoEchoCancel, NoNoiseSuppress and NoAutoGain switch a processing
	// stage off (each is on by default).
	NoEchoCancel, NoNoiseSuppress, NoAutoGain bool
}

// Preference keys: the names client/settings gives the same settings, so
// Options.Managed can say which ones IT locks.
const (
	KeyLang          = "ui.language"
	KeyTheme         = "ui.theme"
	KeyCamera        = "media.camera"
	KeyMic           = "media.microphone"
	KeySpeaker       = "media.speaker"
	KeyQuality       = "media.max_resolution"
	KeyEchoCancel    = "media.echo_cancel"
	KeyNoiseSuppress = "media.noise_suppress"
	KeyAutoGain      = "media.auto_gain"
)

func (p prefs) load() Preferences {
	return Preferences{
		Lang: p.String(KeyLang), Theme: p.String(KeyTheme),
		Camera: p.String(KeyCamera), Mic: p.String(KeyMic), Speaker: p.String(KeySpeaker),
		Quality:         p.String(KeyQuality),
		NoEchoCancel:    !p.BoolWithFallback(KeyEchoCancel, true),
		NoNoiseSuppress: !p.BoolWithFallback(KeyNoiseSuppress, true),
		NoAutoGain:      !p.BoolWithFallback(KeyAutoGain, true),
	}
}

func (p prefs) save(s Preferences) {
	p.SetString(KeyLang, s.Lang)
	p.SetString(KeyTheme, s.Theme)
	p.SetString(KeyCamera, s.Camera)
	p.SetString(KeyMic, s.Mic)
	p.SetString(KeySpeaker, s.Speaker)
	p.SetString(KeyQuality, s.Quality)
	p.SetBool(KeyEchoCancel, !s.NoEchoCancel)
	p.SetBool(KeyNoiseSuppress, !s.NoNoiseSuppress)
	p.SetBool(KeyAutoGain, !s.NoAutoGain)
}

// applyPreferences puts the user's language and theme into effect.
func (a *App) applyPreferences() {
	s := a.prefs.load()
	if s.Lang != "" {
		a.p = i18n.New(s.Lang)
	} else {
		a.p = a.o.Printer
	}
	var v *fyne.ThemeVariant
	switch s.Theme {
	case "light":
		l := theme.VariantLight
		v = &l
	case "dark":
		d := theme.VariantDark
		v = &d
	}
	t := newTheme()
	t.variant = v
	a.fa.Settings().SetTheme(t)
}

// settingsDialog holds the settings form's widgets, for the tests.
type settingsDialog struct {
	lang, themeSel, camera, mic, speaker, quality *widget.Select
	echo, noise, gain                             *widget.Check
	dlg                                           *dialog.ConfirmDialog
}

// choice is one option of a select: the value stored, the label shown.
type choice struct{ value, label string }

func newSelect(choices []choice, current string, locked bool) *widget.Select {
	labels := make([]string, len(choices))
	selected := labels[0:0]
	for i, c := range choices {
		labels[i] = c.label
		if c.value == current {
			selected = labels[i : i+1]
		}
	}
	s := widget.NewSelect(labels, nil)
	if len(selected) == 1 {
		s.SetSelected(selected[0])
	} else {
		s.SetSelectedIndex(0)
	}
	if locked {
		s.Disable()
	}
	return s
}

func selectedValue(s *widget.Select, choices []choice) string {
	if i := s.SelectedIndex(); i >= 0 && i < len(choices) {
		return choices[i].value
	}
	return ""
}

// showSettings opens the settings; saving stores them and redraws the
// current screen in the chosen language and theme.
func (a *App) showSettings(onSaved func()) *settingsDialog {
	p := a.p
	cur := a.prefs.load()
	managed := func(key string) bool { return a.o.Managed != nil && a.o.Managed(key) }
	langs := []choice{{"", p.T("settings.system")}, {"en", "English"}, {"fr", "Français"}}
	themes := []choice{{"", p.T("settings.system")}, {"light", p.T("settings.theme_light")}, {"dark", p.T("settings.theme_dark")}}
	cameras := []choice{{"", p.T("settings.default")}, {"test", p.T("settings.camera_test")}, {"none", p.T("settings.none")}}
	mics := []choice{{"", p.T("settings.default")}, {"test", p.T("settings.mic_test")}, {"none", p.T("settings.none")}}
	speakers := []choice{{"", p.T("settings.default")}, {"null", p.T("settings.speaker_null")}}
	if a.o.Devices != nil {
		cams, ms, sps := a.o.Devices()
		for _, d := range cams {
			cameras = append(cameras, choice{d, d})
		}
		for _, d := range ms {
			mics = append(mics, choice{d, d})
		}
		for _, d := range sps {
			speakers = append(speakers, choice{d, d})
		}
	}
	qualities := []choice{{"", p.T("settings.quality_auto")}, {"720p", "720p"}, {"360p", "360p"}, {"180p", "180p"}}

	d := &settingsDialog{
		lang:     newSelect(langs, cur.Lang, managed(KeyLang)),
		themeSel: newSelect(themes, cur.Theme, managed(KeyTheme)),
		camera:   newSelect(cameras, cur.Camera, managed(KeyCamera)),
		mic:      newSelect(mics, cur.Mic, managed(KeyMic)),
		speaker:  newSelect(speakers, cur.Speaker, managed(KeySpeaker)),
		quality:  newSelect(qualities, cur.Quality, managed(KeyQuality)),
	}
	check := func(label string, on, locked bool) *widget.Check {
		c := widget.NewCheck(label, nil)
		c.SetChecked(on)
		if locked {
			c.Disable()
		}
		return c
	}
	d.echo = check(p.T("settings.echo_cancel"), !cur.NoEchoCancel, managed(KeyEchoCancel))
	d.noise = check(p.T("settings.noise_suppress"), !cur.NoNoiseSuppress, managed(KeyNoiseSuppress))
	d.gain = check(p.T("settings.auto_gain"), !cur.NoAutoGain, managed(KeyAutoGain))

	form := widget.NewForm(
		widget.NewFormItem(p.T("settings.camera"), d.camera),
		widget.NewFormItem(p.T("settings.mic"), d.mic),
		widget.NewFormItem(p.T("settings.speaker"), d.speaker),
		widget.NewFormItem(p.T("settings.quality"), d.quality),
		widget.NewFormItem(p.T("settings.processing"), container.NewVBox(d.echo, d.noise, d.gain)),
		widget.NewFormItem(p.T("settings.language"), d.lang),
		widget.NewFormItem(p.T("settings.theme"), d.themeSel),
	)
	var items []fyne.CanvasObject
	items = append(items, form)
	if a.o.Managed != nil {
		for _, k := range []string{KeyCamera, KeyMic, KeySpeaker, KeyQuality, KeyEchoCancel, KeyNoiseSuppress, KeyAutoGain, KeyLang, KeyTheme} {
			if managed(k) {
				note := widget.NewLabel(p.T("settings.managed_note"))
				note.Importance = widget.LowImportance
				note.Wrapping = fyne.TextWrapWord
				items = append(items, note)
				break
			}
		}
	}
	save := func(ok bool) {
		if !ok {
			return
		}
		s := Preferences{
			Lang: selectedValue(d.lang, langs), Theme: selectedValue(d.themeSel, themes),
			Camera: selectedValue(d.camera, cameras), Mic: selectedValue(d.mic, mics),
			Speaker: selectedValue(d.speaker, speakers), Quality: selectedValue(d.quality, qualities),
			NoEchoCancel: !d.echo.Checked, NoNoiseSuppress: !d.noise.Checked, NoAutoGain: !d.gain.Checked,
		}
		a.prefs.save(s)
		a.applyPreferences()
		if onSaved != nil {
			onSaved()
		}
	}
	d.dlg = dialog.NewCustomConfirm(p.T("settings.title"), p.T("settings.save"), p.T("settings.cancel"),
		container.NewVBox(items...), save, a.win)
	d.dlg.Resize(fyne.NewSize(520, 0))
	d.dlg.Show()
	a.settings = d
	return d
}

// withPreferences completes a join request with the saved preferences.
func (a *App) withPreferences(req JoinRequest) JoinRequest {
	s := a.prefs.load()
	req.Camera, req.Mic, req.Speaker, req.Quality = s.Camera, s.Mic, s.Speaker, s.Quality
	req.NoEchoCancel, req.NoNoiseSuppress, req.NoAutoGain = s.NoEchoCancel, s.NoNoiseSuppress, s.NoAutoGain
	return req
}
