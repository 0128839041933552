package desktop

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusScreen is a message with one button: joining, the lobby, an
// error. The call keeps running behind the joining and lobby screens.
type statusScreen struct {
	message *widget.Label
	button  *widget.Button
}

func (a *App) statusContent(title, message, button string, icon fyne.Resource, busy bool, onButton func()) (fyne.CanvasObject, *statusScreen) {
	s := &statusScreen{}
	s.message = widget.NewLabel(message)
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Alignment = fyne.TextAlignCenter
	s.button = widget.NewButtonWithIcon(button, icon, onButton)
	items := []fyne.CanvasObject{
		widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
	}
	if busy {
		items = append(items, widget.NewProgressBarInfinite())
	}
	items = append(items, s.message, container.NewCenter(s.button))
	return centered(container.NewVBox(items...), 440), s
}

// showError shows why the meeting could not go on, and the way home.
func (a *App) showError(message string) {
	content, s := a.statusContent(a.p.T("error.title"), message, a.p.T("error.back_home"), theme.HomeIcon(), false,
		func() { a.showHome("") })
	s.button.Importance = widget.HighImportance
	a.setScreen(content, nil)
	a.status = s
}
