package desktop

import (
	"context"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/media"
)

// preJoinScreen holds the pre-join screen's widgets, for the tests.
type preJoinScreen struct {
	req             JoinRequest
	micOff, camOff  *widget.Check
	join, back      *widget.Button
	settings        *widget.Button
	preview         *feed
	previewFrames   func() uint64
	previewDisabled *widget.Label
}

// previewW and previewH are the preview's size on screen.
const previewW, previewH = 480, 270

// showPreJoin shows the camera preview and the join options for req.
func (a *App) showPreJoin(req JoinRequest) {
	p := a.p
	s := &preJoinScreen{req: req}

	var fresh atomic.Bool
	s.preview = newFeed(&fresh)
	// The presenter stops when the screen goes; nobody waits for it (it
	// may be waiting for this thread), it returns within a tick.
	stopPresenting := make(chan struct{})
	go func() {
		presenter(&fresh, presentFPS, stopPresenting, a.doWait, func() {
			if !a.closed.Load() {
				s.preview.present()
			}
		})
	}()
	s.preview.setSize(previewW, previewH)
	s.previewFrames = s.preview.frames.Load
	stage := canvas.NewRectangle(colorTile)
	stage.CornerRadius = 8
	stage.SetMinSize(fyne.NewSize(previewW, previewH))
	s.previewDisabled = widget.NewLabelWithStyle(p.T("prejoin.camera_off"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.previewDisabled.Hide()

	var stopPreview func()
	startPreview := func() {
		if a.o.Preview == nil || stopPreview != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = a.o.Preview(ctx, a.prefs.load().Camera, func(img *media.I420) { s.preview.put(img) })
		}()
		stopPreview = func() { cancel(); wg.Wait() }
	}
	halt := func() {
		if stopPreview != nil {
			stopPreview()
			stopPreview = nil
		}
	}

	s.camOff = widget.NewCheck(p.T("prejoin.camera_off_check"), func(off bool) {
		if off {
			halt()
			s.preview.img.Hide()
			s.previewDisabled.Show()
		} else {
			s.preview.img.Show()
			s.previewDisabled.Hide()
			startPreview()
		}
	})
	s.camOff.SetChecked(req.CameraOff)
	s.micOff = widget.NewCheck(p.T("prejoin.mic_off_check"), nil)
	s.micOff.SetChecked(req.MicOff)

	where := req.Link
	if where == "" {
		where = req.URL
	}
	title := widget.NewLabelWithStyle(p.T("prejoin.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	sub := widget.NewLabel(p.T("prejoin.meeting", "where", where))
	sub.Wrapping = fyne.TextWrapWord
	as := widget.NewLabel(p.T("prejoin.as", "name", displayOr(req.Name, p.T("prejoin.no_name"))))

	s.back = widget.NewButtonWithIcon(p.T("prejoin.back"), theme.NavigateBackIcon(), func() { a.showHome("") })
	s.join = widget.NewButtonWithIcon(p.T("prejoin.join"), iconCamera, func() {
		req := s.req
		req.MicOff, req.CameraOff = s.micOff.Checked, s.camOff.Checked
		a.startCall(req)
	})
	s.join.Importance = widget.HighImportance
	// Enter joins, Escape goes back, unless a widget has the keyboard.
	a.win.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) {
		if a.pre != s || a.win.Canvas().Focused() != nil {
			return
		}
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			s.join.OnTapped()
		case fyne.KeyEscape:
			s.back.OnTapped()
		}
	})

	s.settings = widget.NewButtonWithIcon(p.T("settings.title"), theme.SettingsIcon(), func() {
		req := s.req
		req.MicOff, req.CameraOff = s.micOff.Checked, s.camOff.Checked
		a.showSettings(func() { a.showPreJoin(req) })
	})
	previewBox := container.NewStack(stage, s.preview.img, container.NewCenter(s.previewDisabled))
	content := container.NewVBox(
		title, sub, as,
		previewBox,
		s.micOff, s.camOff,
		container.NewHBox(s.back, s.settings, layout.NewSpacer(), s.join),
	)
	if !req.CameraOff {
		startPreview()
	}
	defer func() { a.pre = s }()
	a.setScreen(centered(content, previewW+40), func() {
		halt()
		s.preview.close()
		close(stopPresenting)
		a.pre = nil
		a.win.Canvas().SetOnTypedKey(nil)
	})
}

func displayOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
