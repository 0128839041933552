package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	protoLogger "github.com/livekit/protocol/logger"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/visio"
	"causerie/media/apm"
	"causerie/media/audio"
	"causerie/media/camera"
	"causerie/ui/i18n"
)

// meetingFlags are the options `join` and `tui` share: where the meeting
// is, who we are in it, which devices we bring.
type meetingFlags struct {
	url, token, name    string
	link, sessionCookie string
	camera, mic         string
	// cameraHeight, when set, is the picture height asked of a machine's
	// camera (the desktop's quality setting; camera.go).
	cameraHeight int
	// speaker: "default", "null" or a device's name (devices.go);
	// noSoundDevice (join --headless) makes the default the null one.
	speaker       string
	noSoundDevice bool
	// The audio processing stages (media/apm), each on unless switched off.
	echoCancel, noiseSuppress, autoGain bool
	lang                                string
	verbose                             bool
	settings                            *meetingSettings // settings.go
	network                             networkFlags     // network.go
	// targetOptional: the command runs without a meeting (the desktop
	// app opens on its home screen).
	targetOptional bool
	// sendOnly (join --send-only) publishes without receiving anything.
	sendOnly bool
	// backend, when set, replaces the meeting's: the desktop's test call
	// (gui_prejoin.go).
	backend client.Backend
}

func (f *meetingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "SFU address, ws(s):// or http(s)://")
	fs.StringVar(&f.token, "token", "", "access token (JWT)")
	fs.StringVar(&f.name, "name", "", "display name (with --url, only when the token allows changing it)")
	fs.StringVar(&f.sessionCookie, "session-cookie", "", "Visio login: the value of the sessionid cookie of a logged-in browser")
	fs.StringVar(&f.camera, "camera", "test", "camera: test (synthetic), none, default (the system's) or a camera's name (causerie devices lists them)")
	fs.StringVar(&f.mic, "mic", "test", "microphone: test (synthetic), none, default (the system's) or a device's name (causerie devices lists them)")
	fs.StringVar(&f.speaker, "speaker", deviceDefault, "speaker: default (the system's, else null), null (plays into nothing) or a device's name (causerie devices lists them)")
	fs.BoolVar(&f.echoCancel, "echo-cancel", true, "cancel the speaker's echo in the microphone (--echo-cancel=false to switch off)")
	fs.BoolVar(&f.noiseSuppress, "noise-suppress", true, "suppress steady background noise in the microphone")
	fs.BoolVar(&f.autoGain, "auto-gain", true, "bring the microphone's speech to a steady level")
	fs.StringVar(&f.lang, "lang", "", "language of messages: en or fr (default: from the environment)")
	fs.BoolVar(&f.verbose, "verbose", false, "print the SFU library's logs to stderr")
	f.network.register(fs)
}

// parse reads args into fs, taking the meeting link wherever it stands
// among the options, and checks what the options say together. It returns
// the printer of the language asked for, and ok false with the exit
// status when the command must stop.
func (f *meetingFlags) parse(fs *flag.FlagSet, args []string, stderr io.Writer, p *i18n.Printer) (*i18n.Printer, int, bool) {
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return p, exitOK, false
			}
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
			return p, exitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		if f.link != "" {
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
			return p, exitUsage, false
		}
		f.link, rest = fs.Arg(0), fs.Args()[1:]
	}
	if f.lang != "" {
		p = i18n.New(f.lang)
	}
	if f.link != "" && (f.url != "" || f.token != "") {
		fmt.Fprintln(stderr, p.T("cli.link_and_url"))
		return p, exitUsage, false
	}
	if f.link == "" && !f.targetOptional {
		for _, req := range []struct{ name, v string }{{"url", f.url}, {"token", f.token}} {
			if req.v == "" {
				fmt.Fprintln(stderr, p.T("cli.missing_flag", "name", req.name))
				return p, exitUsage, false
			}
		}
	}
	p, code, ok := f.applySettings(fs, stderr, p)
	if !ok {
		return p, code, false
	}
	if code, ok = f.checkCameraFlag(stderr, p); !ok {
		return p, code, false
	}
	code, ok = f.checkAudioFlags(stderr, p)
	return p, code, ok
}

// localMedia is what config opens besides the session: the speaker, whose
// clock the caller runs (runSpeaker), and the audio processing, closed
// once the session and the speaker have stopped.
type localMedia struct {
	speaker speaker
	audio   *audio.Engine  // the sound device, nil without (devices.go)
	camera  *camera.Source // the machine's camera, nil without (camera.go)
	events  *deviceEvents  // its changes, to the session (attach)
	apm     *apm.Processor // nil without a microphone or with every stage off
}

func (m localMedia) close() {
	m.closeAudio()
	m.closeCamera()
	if m.apm != nil {
		_ = m.apm.Close()
	}
}

// config wires a session for the meeting: the Visio API's way in for a
// link, a LiveKit backend for a URL and token; the devices, with the
// microphone cleaned by the audio processing against what the speaker
// plays.
func (f *meetingFlags) config() (client.Config, localMedia, error) {
	var lm localMedia
	opts := livekit.Options{NoSubscribe: f.sendOnly}
	if f.verbose {
		opts.Logger = protoLogger.GetLogger()
	}
	var cfg client.Config
	network, err := f.network.open()
	if err != nil {
		return cfg, lm, err
	}
	opts.Network = network
	if f.backend != nil {
		cfg.Backend = f.backend
	} else if f.link != "" {
		resolve, err := visioResolver(f.link, f.name, f.sessionCookie, opts)
		if err != nil {
			return cfg, lm, err
		}
		cfg.Resolve = resolve
	} else {
		opts.Name = f.name
		backend, err := livekit.New(f.url, f.token, opts)
		if err != nil {
			return cfg, lm, err
		}
		cfg.Backend = backend
	}
	if err := openDevices(&cfg, &lm, f); err != nil {
		return cfg, lm, err
	}
	if err := f.wireSettings(&cfg); err != nil {
		return cfg, lm, err
	}
	proc := apm.Config{EchoCancel: f.echoCancel, NoiseSuppress: f.noiseSuppress, AutoGain: f.autoGain, HighPass: true}
	if cfg.Mic != nil && (proc.EchoCancel || proc.NoiseSuppress || proc.AutoGain) {
		p, err := apm.New(proc)
		if err != nil {
			return cfg, lm, fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		lm.apm = p
		c := apm.NewCapture(cfg.Mic, p)
		cfg.Mic, cfg.Voice = c, c
		lm.speaker.SetTap(func(pcm []int16, at time.Time) { _ = p.Played(pcm, at) })
	}
	return cfg, lm, nil
}

// joinContext bounds joining: a URL and token join within joinTimeout; a
// meeting link may keep us in the lobby for up to 10 minutes, and its API
// calls and the LiveKit join have time limits of their own.
func (f *meetingFlags) joinContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.link == "" {
		return context.WithTimeout(ctx, joinTimeout)
	}
	return context.WithCancel(ctx)
}

// runSpeaker starts the speaker's clock; the returned function stops it
// and waits for it.
func runSpeaker(speaker interface{ Run(context.Context) }) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); speaker.Run(ctx) }()
	return func() { cancel(); <-done }
}

// visioResolver prepares the way into a Visio meeting from its link.
func visioResolver(link, name, sessionCookie string, opts livekit.Options) (client.Resolver, error) {
	l, err := visio.ParseLink(link)
	if err != nil {
		return nil, err
	}
	vopts := []visio.Option{visio.WithHTTPClient(opts.Network.HTTPClient())}
	if sessionCookie != "" {
		vopts = append(vopts, visio.WithSession(sessionCookie))
	}
	api, err := visio.New(l.BaseURL, vopts...)
	if err != nil {
		return nil, err
	}
	return api.Resolver(l, name, func(url, token string) (client.Backend, error) {
		return livekit.New(url, token, opts)
	}), nil
}
