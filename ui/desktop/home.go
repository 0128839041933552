package desktop

import (
	"image/color"

	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/client/visio"
)

// homeScreen holds the home screen's widgets, for the tests.
type homeScreen struct {
	link, name, url, token *widget.Entry
	advanced               *widget.Accordion
	cont, settings         *widget.Button
	problem                *widget.Label
	recent                 []*widget.Button
}

// showHome shows the home screen, with problem (a translated sentence)
// under the form when the last attempt failed.
func (a *App) showHome(problem string) {
	h := &homeScreen{}
	p := a.p

	h.link = widget.NewEntry()
	h.link.SetPlaceHolder(p.T("home.link_placeholder"))
	h.name = widget.NewEntry()
	h.name.SetPlaceHolder(p.T("home.name_placeholder"))
	h.name.SetText(a.prefs.name())
	h.url = widget.NewEntry()
	h.url.SetPlaceHolder("wss://sfu.example.fr")
	h.token = widget.NewPasswordEntry()
	h.token.SetPlaceHolder(p.T("home.token_placeholder"))
	h.problem = widget.NewLabel(problem)
	h.problem.Importance = widget.DangerImportance
	h.problem.Wrapping = fyne.TextWrapWord
	if problem == "" {
		h.problem.Hide()
	}

	submit := func() {
		req := JoinRequest{Link: strings.TrimSpace(h.link.Text), URL: strings.TrimSpace(h.url.Text),
			Token: strings.TrimSpace(h.token.Text), Name: strings.TrimSpace(h.name.Text)}
		if msg := a.checkRequest(req); msg != "" {
			h.problem.SetText(msg)
			h.problem.Show()
			return
		}
		a.prefs.setName(req.Name)
		a.showPreJoin(req)
	}
	h.link.OnSubmitted = func(string) { submit() }
	h.name.OnSubmitted = func(string) { submit() }
	h.cont = widget.NewButtonWithIcon(p.T("home.continue"), theme.NavigateNextIcon(), submit)
	h.cont.Importance = widget.HighImportance
	h.settings = widget.NewButtonWithIcon(p.T("settings.title"), theme.SettingsIcon(), func() {
		link, name := h.link.Text, h.name.Text
		a.showSettings(func() {
			a.showHome("")
			a.home.link.SetText(link)
			a.home.name.SetText(name)
		})
	})

	h.advanced = widget.NewAccordion(widget.NewAccordionItem(p.T("home.advanced"),
		widget.NewForm(widget.NewFormItem(p.T("home.server"), h.url), widget.NewFormItem(p.T("home.token"), h.token))))

	title := canvas.NewText("Causerie", theme.Color(theme.ColorNameForeground))
	title.TextSize = 32
	title.TextStyle.Bold = true
	logo := canvas.NewImageFromResource(appIcon)
	logo.SetMinSize(fyne.NewSize(56, 56))
	logo.FillMode = canvas.ImageFillContain
	tagline := widget.NewLabel(p.T("home.tagline"))

	form := container.NewVBox(
		container.NewHBox(logo, container.NewVBox(title, tagline)),
		widget.NewSeparator(),
		widget.NewLabelWithStyle(p.T("home.link_label"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		h.link,
		widget.NewLabelWithStyle(p.T("home.name_label"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		h.name,
		h.advanced,
		h.problem,
		container.NewHBox(h.settings, layout.NewSpacer(), h.cont),
	)
	if recent := a.prefs.recent(); len(recent) > 0 {
		form.Add(widget.NewSeparator())
		form.Add(widget.NewLabelWithStyle(p.T("home.recent"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, link := range recent {
			b := widget.NewButtonWithIcon(link, theme.HistoryIcon(), func() {
				h.link.SetText(link)
				submit()
			})
			b.Alignment = widget.ButtonAlignLeading
			b.Importance = widget.LowImportance
			h.recent = append(h.recent, b)
			form.Add(b)
		}
	}
	a.setScreen(centered(form, 520), nil)
	a.home = h
	// The link field is not focused for the user: its blinking cursor
	// would repaint the window twice a second while the app sits idle.
}

// checkRequest returns what is wrong with req before any network traffic,
// as a sentence for the user, or "".
func (a *App) checkRequest(req JoinRequest) string {
	switch {
	case req.Link == "" && req.URL == "":
		return a.p.T("home.need_link")
	case req.Link != "" && req.URL != "":
		return a.p.T("home.link_or_server")
	case req.URL != "" && req.Token == "":
		return a.p.T("home.need_token")
	case req.Link != "":
		if _, err := visio.ParseLink(req.Link); err != nil {
			return a.p.Error(err)
		}
	}
	return ""
}

// centered puts content in the middle of the window, at most width wide,
// scrolling when the window is short.
func centered(content fyne.CanvasObject, width float32) fyne.CanvasObject {
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(width, 0))
	box := container.NewStack(pad, container.NewPadded(content))
	return container.NewVScroll(container.NewCenter(box))
}
