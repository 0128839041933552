package desktop

import (
	"context"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"causerie/client"
	"causerie/media"
	"causerie/ui/i18n"
)

// AppID is the application's identifier: preferences, the desktop entry
// and notifications are filed under it (FyneApp.toml says the same).
const AppID = "fr.causerie.app"

// JoinRequest is what the user chose on the home and pre-join screens.
type JoinRequest struct {
	// Link is a Visio meeting link; or URL and Token reach a LiveKit room.
	Link       string
	URL, Token string
	Name       string
	// MicOff and CameraOff join with the device open but muted.
	MicOff, CameraOff bool
	// From the settings (Preferences): the devices ("" the default),
	// the highest video resolution sent ("" auto), processing stages
	// switched off.
	Camera, Mic, Speaker, Quality             string
	NoEchoCancel, NoNoiseSuppress, NoAutoGain bool
	// Test makes it a test call (Options.TestCall) rather than the
	// meeting; leaving it comes back to the pre-join screen.
	Test bool
}

// VideoSink receives each decoded remote picture on its decoder's
// goroutine; the picture is reused once it returns.
type VideoSink func(participant, trackSID string, img *media.I420)

// Meeting is a session as the desktop drives it: client.Session and
// whatever the connector opened with it (devices, speaker), all released
// by Leave.
type Meeting interface {
	// Events is the session's ordered stream, closed after Left.
	Events() <-chan client.Event
	// Join enters the room (through the lobby if there is one).
	Join(ctx context.Context) error
	SetMicMuted(muted bool) error
	SetCameraMuted(muted bool) error
	SendChat(text string) error
	SendReaction(emoji string) error
	RaiseHand(ctx context.Context, raised bool) error
	// SetVideoView says at what size a remote video track is shown (0×0:
	// not shown), so the SFU sends no more than that.
	SetVideoView(trackSID string, width, height int) error
	// Report is the session's running statistics (process start given).
	Report(start time.Time) client.Report
	// Leave leaves and waits until the session and its devices stopped.
	Leave()
}

// Connector prepares a meeting for req, with decoded pictures going to
// video. It fails fast on what can be checked without the network (a
// malformed link, a device that does not open).
type Connector func(req JoinRequest, video VideoSink) (Meeting, error)

// Options configure the desktop front end.
type Options struct {
	Printer *i18n.Printer
	Connect Connector
	// Join, when it names a meeting (Link, or URL and Token), opens on
	// the pre-join screen for it.
	Join JoinRequest
	// Preview, when set, runs the camera named (as in Preferences) for
	// the pre-join screen until ctx ends, giving each picture to sink (on
	// its goroutine).
	Preview func(ctx context.Context, camera string, sink func(*media.I420)) error
	// Start is when the process started, for the statistics.
	Start time.Time
	// Managed tells which settings keys (Key*) the organisation's policy
	// locks: the settings screen shows them, disabled. Nil: none.
	Managed func(key string) bool
	// Devices lists the cameras, microphones and speakers by name, for
	// the settings; nil offers the synthetic ones only.
	Devices func() (cameras, mics, speakers []string)
	// ListDevices lists the cameras, microphones and speakers there are,
	// the system's default marked, for the pre-join screen's pickers. It
	// is called as that screen opens (on Fyne's thread, as Devices is),
	// then every 2 s off it while the screen shows, so devices plugged in
	// appear. Nil offers the synthetic ones only.
	ListDevices func() DeviceLists
	// OpenMeter opens the microphone named (as in Preferences) for the
	// pre-join screen's level meter; release closes it once the meter's
	// Run has returned. A nil meter: nothing to measure ("none"). It is
	// called off Fyne's thread.
	OpenMeter func(mic string) (m LevelMeter, release func(), err error)
	// TestSpeaker plays the test sound on the speakers named (as in
	// Preferences) and returns once it has been heard, or when ctx ends;
	// it fails with ErrNoSoundDevice when there is nothing to play it
	// on. It is called off Fyne's thread.
	TestSpeaker func(ctx context.Context, speaker string) error
	// TestCall, when set, prepares a test call as Connect prepares a
	// meeting, with the devices of req: a call with ourselves through the
	// whole media path, without a server. room and peer name the call
	// and the participant who echoes us, in the user's language.
	TestCall func(req JoinRequest, room, peer string, video VideoSink) (Meeting, error)
	// thread replaces fyne.Do/DoAndWait (tests: Fyne's test driver runs
	// them on the caller's goroutine).
	thread func(fn func(), wait bool)
}

// App is the desktop front end: one window whose content is the current
// screen. Its methods run on Fyne's thread.
type App struct {
	o     Options
	p     *i18n.Printer
	fa    fyne.App
	win   fyne.Window
	prefs prefs

	// stop ends what the current screen runs (preview, call); nil when
	// it runs nothing.
	stop func()
	call *callScreen
	// last is the latest call, kept for Stats once it ended.
	last *callScreen
	// foreground tells whether the window has the focus: notifications
	// go to the system only when it does not.
	foreground bool
	// closed is set when the window closes; the app then shows nothing.
	closed atomic.Bool
	// thread runs fn on Fyne's thread, waiting for it or not: fyne.Do
	// and fyne.DoAndWait, or the tests' stand-in (Fyne's test driver
	// runs functions on the caller's goroutine).
	thread func(fn func(), wait bool)
	// The current screen's widgets, for the tests.
	home     *homeScreen
	pre      *preJoinScreen
	status   *statusScreen
	settings *settingsDialog
}

// New builds the window on fa, showing the home screen, or the pre-join
// screen when o.Join names a meeting. Show it with ShowAndRun (or use Run).
func New(fa fyne.App, o Options) *App {
	if o.Start.IsZero() {
		o.Start = time.Now()
	}
	fa.SetIcon(appIcon)
	a := &App{o: o, p: o.Printer, fa: fa, prefs: prefs{fa.Preferences()}, thread: fyneThread}
	if o.thread != nil {
		a.thread = o.thread // the tests' stand-in, before any screen starts a goroutine
	}
	a.applyPreferences()
	a.win = fa.NewWindow(a.p.T("app.title"))
	a.win.SetIcon(appIcon)
	a.win.Resize(fyne.NewSize(1100, 700))
	a.win.SetOnClosed(func() {
		if !a.closed.Swap(true) {
			a.closeScreen()
		}
	})
	a.foreground = true
	fa.Lifecycle().SetOnEnteredForeground(func() { a.setForeground(true) })
	fa.Lifecycle().SetOnExitedForeground(func() { a.setForeground(false) })
	if o.Join.Link != "" || o.Join.URL != "" {
		req := o.Join
		if req.Name == "" {
			req.Name = a.prefs.name()
		}
		if msg := a.checkRequest(req); msg != "" {
			a.showHome(msg)
		} else {
			a.showPreJoin(req)
		}
	} else {
		a.showHome("")
	}
	return a
}

func fyneThread(fn func(), wait bool) {
	if wait {
		fyne.DoAndWait(fn)
	} else {
		fyne.Do(fn)
	}
}

// do runs fn on Fyne's thread later; doWait runs it and waits. Only
// goroutines other than Fyne's may call them.
func (a *App) do(fn func())     { a.thread(fn, false) }
func (a *App) doWait(fn func()) { a.thread(fn, true) }

// Window is the application's window.
func (a *App) Window() fyne.Window { return a.win }

// setScreen replaces the window's content, stopping what the previous
// screen ran.
func (a *App) setScreen(content fyne.CanvasObject, stop func()) {
	a.closeScreen()
	a.home, a.status = nil, nil
	a.stop = stop
	a.win.SetContent(content)
}

func (a *App) closeScreen() {
	if a.stop != nil {
		stop := a.stop
		a.stop = nil
		stop()
	}
}

// notify shows a system notification when the window is not focused
// (Fyne sends it through the desktop's notification service).
func (a *App) notify(title, text string) {
	a.fa.SendNotification(fyne.NewNotification(title, text))
}

// Wait returns once the meeting running when the window closed (if any)
// has left and released its devices. Call it after ShowAndRun.
func (a *App) Wait() {
	if !a.closed.Swap(true) {
		a.closeScreen() // the loop has ended: nothing else touches the widgets
	}
	if c := a.call; c != nil {
		c.end()
		<-c.ended
	}
}

// TileStats is what one tile showed of a participant's camera.
type TileStats struct {
	Participant string  `json:"participant"`
	Name        string  `json:"name"`
	Frames      uint64  `json:"frames_shown"`
	FPS         float64 `json:"fps"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
}

// Stats reports the latest call: the session's report and what each
// tile showed. ok is false when no call took place. Call it once the
// app has stopped (after Wait).
func (a *App) Stats() (r client.Report, tiles []TileStats, ok bool) {
	c := a.last
	if c == nil {
		return r, nil, false
	}
	for _, id := range c.rosterOrder() {
		ps := c.people[id]
		f := ps.tile.feed
		if f == nil || ps.p.Local {
			continue
		}
		ts := TileStats{Participant: id, Name: ps.p.DisplayName(), Frames: f.frames.Load(), FPS: f.fps()}
		if f.front != nil {
			ts.Width, ts.Height = f.front.Rect.Dx(), f.front.Rect.Dy()
		}
		tiles = append(tiles, ts)
	}
	return c.m.Report(a.o.Start), tiles, true
}

// Quit closes the window, which leaves the call and ends ShowAndRun;
// once closed, it does nothing.
func (a *App) Quit() {
	if a.closed.Swap(true) {
		return
	}
	// The window's OnClosed is queued behind the shutdown and may never
	// run: stop the screen's goroutines here.
	a.closeScreen()
	a.win.Close()
}

// OpenLink brings the app to a meeting link another launch handed over:
// its pre-join screen, unless a call is on (the link then waits in a
// toast: leaving one meeting for another is the user's decision).
func (a *App) OpenLink(link string) {
	if a.closed.Load() {
		return
	}
	a.win.RequestFocus()
	if a.call != nil {
		a.call.toast(a.p.T("link.received_in_call", "link", link))
		return
	}
	req := JoinRequest{Link: link, Name: a.prefs.name()}
	if msg := a.checkRequest(req); msg != "" {
		a.showHome(msg)
		return
	}
	a.showPreJoin(req)
}
