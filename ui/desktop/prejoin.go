package desktop

import (
	"context"
	"errors"
	"image/color"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/media"
)

// preJoinScreen is the pre-join screen: its widgets (kept for the tests)
// and what it runs. Its fields are Fyne's thread's.
type preJoinScreen struct {
	a                    *App
	req                  JoinRequest
	micOff, camOff       *widget.Check
	join, back           *widget.Button
	settings             *widget.Button
	testCall             *widget.Button
	testSpeakers         *widget.Button
	camera, mic, speaker *devicePicker
	level                *levelBar
	// micNote says the microphone could not be opened, speakerNote how
	// the speaker test went, problem why the last test call failed.
	micNote, speakerNote, problem *widget.Label
	preview                       *feed
	previewFrames                 func() uint64
	previewDisabled               *widget.Label

	// ctx ends when the screen goes (release). wg counts the screen's
	// goroutines besides the preview and the meter, which their stop
	// functions end and wait for.
	ctx                    context.Context
	cancel                 context.CancelFunc
	wg                     sync.WaitGroup
	stopPreview, stopMeter func()
	speakerBusy            bool
}

const (
	// previewW and previewH are the preview's size on screen.
	previewW, previewH = 480, 270
	// sideW is the width of the column of choices beside the preview.
	sideW = 420
	// meterFPS is how often the level meter moves: smooth to the eye, at
	// half the redraws of the cameras' 30.
	meterFPS = 15
	// deviceRefresh is how often the pickers look for devices plugged in
	// or out (the issue asks for 2 s).
	deviceRefresh = 2 * time.Second
)

// showPreJoin shows the camera preview, the device pickers with the
// microphone's level and the speaker test, and the join options for req.
func (a *App) showPreJoin(req JoinRequest) {
	p := a.p
	ctx, cancel := context.WithCancel(context.Background())
	s := &preJoinScreen{a: a, req: req, ctx: ctx, cancel: cancel}

	var fresh atomic.Bool
	s.preview = newFeed(&fresh)
	// The presenter stops when the screen goes; nobody waits for it (it
	// may be waiting for this thread), it returns within a tick.
	stopPresenting := make(chan struct{})
	go func() {
		presenter(&fresh, presentFPS, stopPresenting, a.doWait, s.preview.prepare, func() {
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

	// The pickers start on the saved choices; a choice is saved at once,
	// for this call and the next ones.
	cur := a.prefs.load()
	managed := func(key string) bool { return a.o.Managed != nil && a.o.Managed(key) }
	s.camera = newDevicePicker(p, []choice{{"", p.T("settings.default")}, {"test", p.T("settings.camera_test")},
		{"none", p.T("settings.none")}}, cur.Camera, managed(KeyCamera), func(v string) {
		a.savePreference(func(pr *Preferences) { pr.Camera = v })
		s.refreshPreview()
	})
	s.mic = newDevicePicker(p, []choice{{"", p.T("settings.default")}, {"test", p.T("settings.mic_test")},
		{"none", p.T("settings.none")}}, cur.Mic, managed(KeyMic), func(v string) {
		a.savePreference(func(pr *Preferences) { pr.Mic = v })
		s.haltMeter()
		s.startMeter()
	})
	s.speaker = newDevicePicker(p, []choice{{"", p.T("settings.default")}, {"null", p.T("settings.speaker_null")}},
		cur.Speaker, managed(KeySpeaker), func(v string) {
			a.savePreference(func(pr *Preferences) { pr.Speaker = v })
			s.speakerNote.Hide()
		})
	s.level = newLevelBar()
	note := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Hide()
		return l
	}
	s.micNote, s.speakerNote, s.problem = note(), note(), note()
	s.micNote.Importance = widget.DangerImportance
	s.problem.Importance = widget.DangerImportance
	s.testSpeakers = widget.NewButtonWithIcon(p.T("prejoin.test_speakers"), theme.VolumeUpIcon(), s.playChime)

	s.camOff = widget.NewCheck(p.T("prejoin.camera_off_check"), func(bool) { s.refreshPreview() })
	s.camOff.SetChecked(req.CameraOff)
	s.micOff = widget.NewCheck(p.T("prejoin.mic_off_check"), func(off bool) {
		// Joining muted: the microphone is not opened here either.
		if off {
			s.haltMeter()
		} else {
			s.startMeter()
		}
	})
	s.micOff.SetChecked(req.MicOff)

	where := req.Link
	if where == "" {
		where = req.URL
	}
	title := widget.NewLabelWithStyle(p.T("prejoin.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	sub := widget.NewLabel(p.T("prejoin.meeting", "where", where))
	sub.Wrapping = fyne.TextWrapWord
	as := widget.NewLabel(p.T("prejoin.as", "name", displayOr(req.Name, p.T("prejoin.no_name"))))
	as.Wrapping = fyne.TextWrapWord

	s.back = widget.NewButtonWithIcon(p.T("prejoin.back"), theme.NavigateBackIcon(), func() { a.showHome("") })
	s.join = widget.NewButtonWithIcon(p.T("prejoin.join"), iconCamera, func() {
		req := s.request()
		s.release() // the call opens the devices the screen had
		a.startCall(req)
	})
	s.join.Importance = widget.HighImportance
	s.testCall = widget.NewButtonWithIcon(p.T("prejoin.test_call"), theme.MediaPlayIcon(), func() {
		req := s.request()
		req.Test = true
		s.release()
		a.startCall(req)
	})
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

	micBox := container.NewVBox(s.mic.sel, s.level.box, s.micNote)
	if a.o.OpenMeter == nil {
		s.level.box.Hide()
	}
	speakerBox := container.NewVBox(s.speaker.sel, container.NewHBox(s.testSpeakers), s.speakerNote)
	if a.o.TestSpeaker == nil {
		s.testSpeakers.Hide()
	}
	form := widget.NewForm(
		widget.NewFormItem(p.T("settings.camera"), s.camera.sel),
		widget.NewFormItem(p.T("settings.mic"), micBox),
		widget.NewFormItem(p.T("settings.speaker"), speakerBox),
	)
	hint := widget.NewLabel(p.T("prejoin.test_call_hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	testBox := container.NewVBox(container.NewHBox(s.testCall), hint)
	if a.o.TestCall == nil {
		testBox.Hide()
	}
	previewBox := container.NewStack(stage, s.preview.img, container.NewCenter(s.previewDisabled))
	left := container.NewVBox(previewBox, s.micOff, s.camOff)
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(sideW, 0))
	right := container.NewStack(pad, container.NewVBox(
		title, sub, as,
		form,
		testBox,
		s.problem,
		container.NewHBox(s.back, s.settings, layout.NewSpacer(), s.join),
	))
	content := container.NewHBox(left, right)

	s.refreshPreview()
	if !req.MicOff {
		s.startMeter()
	}
	s.watchDevices()
	defer func() { a.pre = s }()
	a.setScreen(centered(content, previewW+sideW+2*theme.Padding()), func() {
		s.release()
		s.preview.close()
		close(stopPresenting)
		a.pre = nil
		a.win.Canvas().SetOnTypedKey(nil)
	})
}

// request is the join request as the screen has it now.
func (s *preJoinScreen) request() JoinRequest {
	req := s.req
	req.MicOff, req.CameraOff = s.micOff.Checked, s.camOff.Checked
	req.Camera, req.Mic, req.Speaker = s.camera.value, s.mic.value, s.speaker.value
	return req
}

// release stops what the screen runs and waits for it, closing the
// devices it opened; it may run more than once.
func (s *preJoinScreen) release() {
	s.cancel()
	s.haltPreview()
	s.haltMeter()
	// The goroutines only queue their updates (a.do), so waiting for
	// them here cannot hold them up.
	s.wg.Wait()
}

// refreshPreview runs the chosen camera in the preview, or says the
// camera is off when it is (or when the choice is none).
func (s *preJoinScreen) refreshPreview() {
	s.haltPreview()
	if s.camOff.Checked || s.camera.value == "none" {
		s.preview.img.Hide()
		s.previewDisabled.Show()
		return
	}
	s.preview.img.Show()
	s.previewDisabled.Hide()
	s.startPreview()
}

// startPreview runs the chosen camera into the preview.
func (s *preJoinScreen) startPreview() {
	a := s.a
	if a.o.Preview == nil || s.stopPreview != nil || s.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	camera := s.camera.value
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.o.Preview(ctx, camera, func(img *media.I420) { s.preview.put(img) })
	}()
	s.stopPreview = func() { cancel(); <-done }
}

func (s *preJoinScreen) haltPreview() {
	if s.stopPreview != nil {
		s.stopPreview()
		s.stopPreview = nil
	}
}

// startMeter opens the chosen microphone and shows its level.
func (s *preJoinScreen) startMeter() {
	a := s.a
	if a.o.OpenMeter == nil || s.stopMeter != nil || s.micOff.Checked || s.ctx.Err() != nil {
		return
	}
	s.micNote.Hide()
	ctx, cancel := context.WithCancel(s.ctx)
	mic := s.mic.value
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runMeter(ctx, mic)
	}()
	s.stopMeter = func() { cancel(); <-done }
}

// haltMeter stops the meter, closing its microphone, and empties the bar.
func (s *preJoinScreen) haltMeter() {
	if s.stopMeter != nil {
		s.stopMeter()
		s.stopMeter = nil
	}
	s.level.set(0)
}

// runMeter opens mic and shows its level meterFPS times a second until
// ctx ends; it runs on a goroutine of its own, which owns the meter's.
func (s *preJoinScreen) runMeter(ctx context.Context, mic string) {
	a := s.a
	// Updates queued before the meter stopped are dropped.
	show := func(fn func()) {
		a.do(func() {
			if ctx.Err() == nil {
				fn()
			}
		})
	}
	failed := func(err error) {
		show(func() {
			s.micNote.SetText(a.p.T("prejoin.mic_failed", "detail", err.Error()))
			s.micNote.Show()
		})
	}
	m, release, err := a.o.OpenMeter(mic)
	if err != nil {
		failed(err)
		return
	}
	if m == nil {
		return
	}
	if release != nil {
		defer release()
	}
	ran := make(chan error, 1)
	go func() { ran <- m.Run(ctx) }()
	tick := time.NewTicker(time.Second / meterFPS)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			<-ran
			return
		case err := <-ran:
			if err != nil {
				failed(err)
			}
			return
		case <-tick.C:
			l := m.Level()
			show(func() { s.level.set(l) })
		}
	}
}

// playChime plays the test sound on the chosen speakers and says how it
// went.
func (s *preJoinScreen) playChime() {
	a, p := s.a, s.a.p
	if a.o.TestSpeaker == nil || s.speakerBusy || s.ctx.Err() != nil {
		return
	}
	s.speakerBusy = true
	s.testSpeakers.Disable()
	s.speakerNote.SetText(p.T("prejoin.speaker_playing"))
	s.speakerNote.Show()
	ctx, speaker := s.ctx, s.speaker.value
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := a.o.TestSpeaker(ctx, speaker)
		a.do(func() {
			if ctx.Err() != nil {
				return // the screen went
			}
			s.speakerBusy = false
			s.testSpeakers.Enable()
			switch {
			case err == nil:
				s.speakerNote.SetText(p.T("prejoin.speaker_played"))
			case errors.Is(err, ErrNoSoundDevice):
				s.speakerNote.SetText(p.T("prejoin.no_speaker"))
			default:
				s.speakerNote.SetText(p.Error(err))
			}
		})
	}()
}

// watchDevices fills the pickers with the devices there are, then looks
// again every deviceRefresh until the screen goes, showing the lists
// when they changed. The first look is made here, on Fyne's thread (as
// the settings screen does): the screen opens with its devices named.
func (s *preJoinScreen) watchDevices() {
	a := s.a
	if a.o.ListDevices == nil {
		return
	}
	last := a.o.ListDevices()
	s.showDevices(last)
	ctx := s.ctx
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(deviceRefresh)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if l := a.o.ListDevices(); !l.equal(last) {
				last = l
				a.do(func() {
					if ctx.Err() == nil {
						s.showDevices(l)
					}
				})
			}
		}
	}()
}

func (s *preJoinScreen) showDevices(l DeviceLists) {
	s.camera.show(l.Cameras, true)
	s.mic.show(l.Mics, true)
	s.speaker.show(l.Speakers, true)
}

// savePreference changes one of the saved preferences.
func (a *App) savePreference(change func(*Preferences)) {
	pr := a.prefs.load()
	change(&pr)
	a.prefs.save(pr)
}

// errNoTestCall: a test call asked of an app without Options.TestCall
// (its button is hidden then).
var errNoTestCall = errors.New("desktop: no test call in this build")

// connect prepares the meeting of req: through Options.Connect, or for a
// test call, Options.TestCall.
func (a *App) connect(req JoinRequest, video VideoSink) (Meeting, error) {
	if !req.Test {
		return a.o.Connect(req, video)
	}
	if a.o.TestCall == nil {
		return nil, errNoTestCall
	}
	return a.o.TestCall(req, a.p.T("prejoin.test_room"), a.p.T("prejoin.test_peer"), video)
}

// testCallOver brings back the pre-join screen a test call started from,
// saying why the call failed, if it did.
func (a *App) testCallOver(req JoinRequest, err error) {
	req.Test = false
	a.showPreJoin(req)
	if err != nil && a.pre != nil {
		a.pre.problem.SetText(a.p.T("prejoin.test_call_failed", "detail", a.p.Error(err)))
		a.pre.problem.Show()
	}
}

func displayOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
