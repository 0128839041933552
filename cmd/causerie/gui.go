//go:build !nogui

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"causerie/client"
	"causerie/client/settings"
	"causerie/media"
	"causerie/media/audio"
	"causerie/media/synth"
	"causerie/ui/desktop"
	"causerie/ui/i18n"
	"causerie/ui/instance"
)

// guiBuilt tells whether this binary has the desktop front end (builds
// with -tags nogui do not: they run where X11 and GL are absent).
const guiBuilt = true

// runGUI opens the desktop app: on its home screen, or on the pre-join
// screen of the meeting link given.
func runGUI(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f meetingFlags
	fs := flag.NewFlagSet("causerie gui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	var duration time.Duration
	var statsJSON string
	fs.DurationVar(&duration, "duration", 0, "quit after this long (0: when the window closes)")
	fs.StringVar(&statsJSON, "stats-json", "", "write the last call's statistics (with the frames each tile showed) as JSON to this file when quitting")
	f.targetOptional = true
	p, code, ok := f.parse(fs, args, stderr, p)
	if !ok {
		return code
	}
	// Nobody chose a microphone (no flag, no settings file, no policy):
	// the desktop app uses the system's, where the command-line tools use
	// the synthetic one. Without a sound system the engine runs silent.
	if f.settings != nil && f.settings.eff.Origin("media.microphone").Layer == settings.LayerDefault {
		f.mic = deviceDefault
	}
	if key, args := displayProblem(); key != "" {
		fmt.Fprintln(stderr, p.T(key, args...))
		return exitUsage
	}

	fa := app.NewWithID(desktop.AppID)
	opts := desktop.Options{
		Printer: p,
		Join:    desktop.JoinRequest{Link: f.link, URL: f.url, Token: f.token, Name: f.name},
		Start:   processStart,
		Connect: func(req desktop.JoinRequest, video desktop.VideoSink) (desktop.Meeting, error) {
			return connectGUI(f, req, video)
		},
		Managed: func(key string) bool { return f.settings != nil && f.settings.eff.Locked(key) },
		Devices: func() (cameras, mics, speakers []string) {
			cameras = cameraNames()
			devs, err := audio.List(audio.Auto)
			if err != nil {
				return cameras, nil, nil
			}
			for _, d := range devs.Microphones {
				mics = append(mics, d.Name)
			}
			for _, d := range devs.Speakers {
				speakers = append(speakers, d.Name)
			}
			return cameras, mics, speakers
		},
		Preview: func(ctx context.Context, camera string, sink func(*media.I420)) error {
			if camera == "" {
				camera = f.camera
			}
			return previewCamera(ctx, camera, sink)
		},
		// The pre-join screen's device checks (gui_prejoin.go).
		ListDevices: guiDeviceLists,
		OpenMeter:   func(mic string) (desktop.LevelMeter, func(), error) { return openGUIMeter(f, mic) },
		TestSpeaker: func(ctx context.Context, speaker string) error { return playGUIChime(ctx, f, speaker) },
		TestCall: func(req desktop.JoinRequest, room, peer string, video desktop.VideoSink) (desktop.Meeting, error) {
			return testCallGUI(f, req, room, peer, video)
		},
	}
	if f.settings != nil && !f.settings.eff.Settings.Features.TestCall {
		opts.TestCall = nil // features.test_call = false: no Test call button
	}
	gui, err := newWindow(fa, opts)
	if err != nil {
		fmt.Fprintln(stderr, p.T("cli.window_failed", "reason", err))
		return exitFailure
	}
	// Ctrl-C, SIGTERM and --duration close the window, as the user would.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	// Links clicked while the app runs (causerie LINK from a browser or a
	// mail client) come here, to the pre-join screen.
	if dir, err := instance.Dir(); err == nil {
		stopLinks := acceptLinks(dir, func(link string) { fyne.Do(func() { gui.OpenLink(link) }) })
		defer stopLinks()
	}
	appDone, quitDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(quitDone)
		select {
		case <-ctx.Done():
			fyne.Do(gui.Quit) // harmless if the window closed meanwhile
		case <-appDone:
		}
	}()
	gui.Window().ShowAndRun()
	close(appDone)
	<-quitDone
	gui.Wait()

	if statsJSON == "" {
		return exitOK
	}
	report, tiles, _ := gui.Stats()
	report.Process = processUsage()
	if err := writeJSON(statsJSON, guiStats{Report: report, Tiles: tiles}); err != nil {
		fmt.Fprintln(stderr, p.T("cli.stats_write", "file", statsJSON, "detail", err))
		return exitFailure
	}
	return exitOK
}

// guiStats is what `causerie gui --stats-json` writes.
type guiStats struct {
	client.Report
	Tiles []desktop.TileStats `json:"tiles"`
}

// connectGUI prepares the meeting the desktop asks for, with the devices
// and processing of the command line's flags.
func connectGUI(base meetingFlags, req desktop.JoinRequest, video desktop.VideoSink) (desktop.Meeting, error) {
	f := base
	f.link, f.url, f.token, f.name = req.Link, req.URL, req.Token, req.Name
	// The settings screen's choices, over the command line's defaults.
	if req.Camera != "" {
		f.camera = req.Camera
	}
	if req.Mic != "" {
		f.mic = req.Mic
	}
	if req.Speaker != "" {
		f.speaker = req.Speaker
	}
	f.echoCancel = f.echoCancel && !req.NoEchoCancel
	f.noiseSuppress = f.noiseSuppress && !req.NoNoiseSuppress
	f.autoGain = f.autoGain && !req.NoAutoGain
	if _, h, ok := qualitySize(req.Quality); ok && f.camera != deviceTest {
		f.cameraHeight = h // what a machine's camera is asked for (camera.go)
	}
	cfg, lm, err := f.config()
	if err != nil {
		lm.close()
		return nil, err
	}
	cfg.OnVideoFrame = video
	cfg.MicMuted, cfg.CameraMuted = req.MicOff, req.CameraOff
	// The quality chosen in the settings, never above the organisation's
	// limit (config has applied it already).
	limit := cfg.Video.Height // set by config when the settings cap it
	if limit == 0 {
		limit = 1 << 30
	}
	if w, h, ok := qualitySize(req.Quality); ok && f.camera == "test" && h <= limit {
		cam, err := synth.NewCamera(synth.CameraConfig{Width: w, Height: h, FPS: cameraFPS})
		if err != nil {
			lm.close()
			return nil, fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		cfg.Camera = cam
		cfg.Video.Width, cfg.Video.Height = w, h
		cfg.Video.BitrateKbps = qualityKbps(h)
	}
	if cfg.Camera != nil {
		// Our own tile shows what the camera sends.
		cfg.Camera = selfView{cfg.Camera, func(img *media.I420) { video("", desktop.LocalVideo, img) }}
	}
	stopSpeaker := runSpeaker(lm.speaker)
	sess := client.New(cfg)
	lm.attach(sess) // device changes reach the call's events
	return &guiMeeting{Session: sess, release: func() { stopSpeaker(); lm.close() }}, nil
}

// qualitySize is the picture size of a video quality setting.
func qualitySize(q string) (w, h int, ok bool) {
	switch q {
	case "720p":
		return 1280, 720, true
	case "360p":
		return 640, 360, true
	case "180p":
		return 320, 180, true
	}
	return 0, 0, false
}

// qualityKbps is the camera's bitrate at a picture height, what browsers
// send for each simulcast layer.
func qualityKbps(h int) int {
	switch {
	case h >= 720:
		return 1700
	case h >= 360:
		return 800
	default:
		return 200
	}
}

// guiMeeting is a session and the devices opened for it.
type guiMeeting struct {
	*client.Session
	once    sync.Once
	release func()
}

// Leave leaves, then stops the speaker and the audio processing.
func (m *guiMeeting) Leave() {
	m.Session.Leave()
	m.once.Do(m.release)
}

// selfView is the camera, showing each picture on our own tile as the
// sender reads it.
type selfView struct {
	media.VideoSource
	show func(*media.I420)
}

func (s selfView) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	at, err := s.VideoSource.ReadFrame(ctx, dst)
	if err == nil {
		s.show(dst)
	}
	return at, err
}

// previewCamera runs the camera for the pre-join screen until ctx ends.
func previewCamera(ctx context.Context, camera string, sink func(*media.I420)) error {
	switch camera {
	case deviceNone:
		return nil
	case deviceTest:
	default:
		return previewMachineCamera(ctx, camera, sink)
	}
	cam, err := synth.NewCamera(synth.CameraConfig{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS})
	if err != nil {
		return err
	}
	img := &media.I420{}
	for {
		if _, err := cam.ReadFrame(ctx, img); err != nil {
			return nil // ctx ended
		}
		sink(img)
	}
}

// newWindow creates the desktop app's window. GLFW panics when it cannot
// start (an X server without GLX, a display gone since displayProblem
// knocked): that panic becomes an error, so the user reads a sentence and
// not a Go stack.
func newWindow(fa fyne.App, opts desktop.Options) (gui *desktop.App, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return desktop.New(fa, opts), nil
}
