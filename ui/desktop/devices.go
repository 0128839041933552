package desktop

import (
	"context"
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/ui/i18n"
)

// Device is a camera, microphone or speaker the system offers.
type Device struct {
	Name string
	// Default: the system's choice when nobody says otherwise.
	Default bool
}

// DeviceLists are the devices there are, of each kind.
type DeviceLists struct {
	Cameras, Mics, Speakers []Device
}

func (l DeviceLists) equal(o DeviceLists) bool {
	return slices.Equal(l.Cameras, o.Cameras) && slices.Equal(l.Mics, o.Mics) && slices.Equal(l.Speakers, o.Speakers)
}

// LevelMeter measures a microphone for the pre-join screen (media/audio's
// Meter is one): Run reads it until ctx ends, Level is the loudness of
// what it read last, 0 (silence) to 1 (full scale), from any goroutine.
type LevelMeter interface {
	Run(ctx context.Context) error
	Level() float32
}

// ErrNoSoundDevice is what Options.TestSpeaker returns (wrapped) when
// there is no speaker to play the test sound on: no sound system, no
// device, or the null speaker chosen.
var ErrNoSoundDevice = errors.New("desktop: no sound device to play on")

// devicePicker is a select of one kind of device, whose list changes
// under it (devices plugged in and out) while it keeps the user's
// choice: a device chosen that went away stays, marked as not connected,
// until the user picks another.
type devicePicker struct {
	sel *widget.Select
	p   *i18n.Printer
	// fixed are the choices that are always there (the default, the
	// synthetic device, none); choices are they and the devices.
	fixed, choices []choice
	value          string
	onPick         func(value string)
}

func newDevicePicker(p *i18n.Printer, fixed []choice, value string, locked bool, onPick func(string)) *devicePicker {
	d := &devicePicker{p: p, fixed: fixed, value: value}
	d.sel = widget.NewSelect(nil, d.picked)
	d.show(nil, false)
	if locked {
		d.sel.Disable()
	}
	d.onPick = onPick
	return d
}

func (d *devicePicker) picked(string) {
	i := d.sel.SelectedIndex()
	if i < 0 || i >= len(d.choices) || d.choices[i].value == d.value {
		return
	}
	d.value = d.choices[i].value
	if d.onPick != nil {
		d.onPick(d.value)
	}
}

// show lists devs after the fixed choices, the system's default marked.
// known tells that devs is the system's list, so a chosen device missing
// from it is not connected (before the first list, it may just be
// unknown yet).
func (d *devicePicker) show(devs []Device, known bool) {
	choices := slices.Clone(d.fixed)
	for _, dev := range devs {
		label := dev.Name
		if dev.Default {
			label = d.p.T("prejoin.device_default", "name", dev.Name)
		}
		choices = append(choices, choice{dev.Name, label})
	}
	if !slices.ContainsFunc(choices, func(c choice) bool { return c.value == d.value }) {
		label := d.value
		if known {
			label = d.p.T("prejoin.device_missing", "name", d.value)
		}
		choices = append(choices, choice{d.value, label})
	}
	labels := make([]string, len(choices))
	selected := ""
	for i, c := range choices {
		labels[i] = c.label
		if c.value == d.value {
			selected = c.label
		}
	}
	d.choices = choices
	// Set directly rather than through SetSelected: the choice did not
	// change, so OnChanged must not run.
	d.sel.Options = labels
	d.sel.Selected = selected
	d.sel.Refresh()
}

// levelBar shows a microphone's loudness: a thin bar filled from the
// left. It is its own layout.
type levelBar struct {
	bg, fg *canvas.Rectangle
	box    *fyne.Container
	level  float32 // 0..1, Fyne's thread's
}

func newLevelBar() *levelBar {
	l := &levelBar{bg: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		fg: canvas.NewRectangle(theme.Color(theme.ColorNameSuccess))}
	l.bg.CornerRadius, l.fg.CornerRadius = 3, 3
	l.box = container.New(l, l.bg, l.fg)
	return l
}

func (l *levelBar) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	l.bg.Move(fyne.NewPos(0, 0))
	l.bg.Resize(size)
	l.fg.Move(fyne.NewPos(0, 0))
	l.fg.Resize(fyne.NewSize(size.Width*l.level, size.Height))
}

func (l *levelBar) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(120, 8) }

// set shows level, clamped to 0..1.
func (l *levelBar) set(level float32) {
	level = min(max(level, 0), 1)
	if level == l.level {
		return
	}
	l.level = level
	l.box.Refresh()
}
