package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	protoLogger "github.com/livekit/protocol/logger"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/media"
	"causerie/media/playout"
	"causerie/ui/i18n"
	"causerie/ui/terminal"
	"causerie/ui/terminal/video"
)

type tuiFlags struct {
	url, token, name string
	camera, mic      string
	speaker          string
	lang             string
	verbose          bool
	link             string
	sessionCookie    string
}

// runTUI is `causerie tui`: a whole meeting in the terminal.
func runTUI(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f tuiFlags
	fs := flag.NewFlagSet("causerie tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "", "SFU address, ws(s):// or http(s)://")
	fs.StringVar(&f.token, "token", "", "access token (JWT)")
	fs.StringVar(&f.name, "name", "", "display name (with --url, only when the token allows changing it)")
	fs.StringVar(&f.sessionCookie, "session-cookie", "", "Visio login: the value of the sessionid cookie of a logged-in browser")
	fs.StringVar(&f.camera, "camera", "test", "camera: test (synthetic) or none")
	fs.StringVar(&f.mic, "mic", "test", "microphone: test (synthetic) or none")
	fs.StringVar(&f.speaker, "speaker", "null", "speaker: null (decoded audio is played into nothing)")
	fs.StringVar(&f.lang, "lang", "", "language of messages: en or fr (default: from the environment)")
	fs.BoolVar(&f.verbose, "verbose", false, "print the SFU library's logs to stderr")
	// The meeting link may stand before, between or after the options.
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		if f.link != "" {
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
			return exitUsage
		}
		f.link, rest = fs.Arg(0), fs.Args()[1:]
	}
	if f.lang != "" {
		p = i18n.New(f.lang)
	}
	if f.link != "" && (f.url != "" || f.token != "") {
		fmt.Fprintln(stderr, p.T("cli.link_and_url"))
		return exitUsage
	}
	if f.link == "" {
		for _, req := range []struct{ name, v string }{{"url", f.url}, {"token", f.token}} {
			if req.v == "" {
				fmt.Fprintln(stderr, p.T("cli.missing_flag", "name", req.name))
				return exitUsage
			}
		}
	}
	for _, dev := range []struct{ name, v string }{{"camera", f.camera}, {"mic", f.mic}} {
		if dev.v != "test" && dev.v != "none" {
			fmt.Fprintln(stderr, p.T("cli.bad_device", "name", dev.name, "value", dev.v))
			return exitUsage
		}
	}
	if f.speaker != "null" {
		fmt.Fprintln(stderr, p.T("cli.bad_speaker", "value", f.speaker))
		return exitUsage
	}
	out, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		fmt.Fprintln(stderr, p.T("cli.tui_interactive"))
		return exitUsage
	}

	opts := livekit.Options{}
	if f.verbose {
		opts.Logger = protoLogger.GetLogger()
	}
	var cfg client.Config
	if f.link != "" {
		resolve, err := visioResolver(f.link, f.name, f.sessionCookie, opts)
		if err != nil {
			fmt.Fprintln(stderr, p.Error(err))
			return exitCode(err)
		}
		cfg.Resolve = resolve
	} else {
		opts.Name = f.name
		backend, err := livekit.New(f.url, f.token, opts)
		if err != nil {
			fmt.Fprintln(stderr, p.Error(err))
			return exitCode(err)
		}
		cfg.Backend = backend
	}
	speaker := playout.NewNull()
	cfg.Speaker = speaker
	if err := openDevices(&cfg, f.camera, f.mic); err != nil {
		fmt.Fprintln(stderr, p.Error(err))
		return exitCode(err)
	}
	// Decoders hand their pictures to the store on their own goroutines;
	// the store downscales them there and the UI tick takes the latest.
	store := video.NewStore(nil)
	cfg.OnVideoFrame = func(_, trackSID string, img *media.I420) { store.Put(trackSID, img) }

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	speakerCtx, stopSpeaker := context.WithCancel(context.Background())
	speakerDone := make(chan struct{})
	go func() { defer close(speakerDone); speaker.Run(speakerCtx) }()
	defer func() { stopSpeaker(); <-speakerDone }()

	sess := client.New(cfg)
	// A meeting link may keep us in the lobby for up to 10 minutes; its
	// API calls and the LiveKit join have time limits of their own.
	joinCtx, cancelJoin := context.WithCancel(ctx)
	if f.link == "" {
		joinCtx, cancelJoin = context.WithTimeout(ctx, joinTimeout)
	}
	defer cancelJoin()
	joined := make(chan struct{})
	go func() {
		defer close(joined)
		_ = sess.Join(joinCtx) // a failure ends the stream with Left, which the UI shows
	}()
	ts := &tuiSession{Session: sess, cancelJoin: cancelJoin}

	model := terminal.New(terminal.Options{Session: ts, Printer: p, Video: store, Styles: terminal.DefaultStyles(),
		Stats: func() terminal.Stats { return tuiStats(sess.Report(processStart)) }})
	prog := tea.NewProgram(model, tea.WithOutput(out), tea.WithContext(ctx))
	_, runErr := prog.Run()

	// However the UI ended, the session ends and its stream is drained.
	go func() {
		for range sess.Events() {
		}
	}()
	ts.Leave()
	<-joined

	endErr := model.Err()
	switch {
	case endErr != nil:
		fmt.Fprintln(stderr, p.Error(endErr))
		return exitCode(endErr)
	case errors.Is(runErr, tea.ErrInterrupted) || ctx.Err() != nil:
		fmt.Fprintln(stderr, p.T("cli.interrupted")) // SIGINT, SIGTERM or SIGHUP: we left
	case runErr != nil:
		fmt.Fprintln(stderr, p.T("error.unexpected", "detail", runErr))
		return exitFailure
	}
	return exitOK
}

// tuiSession is the session as the terminal UI sees it: leaving also
// cancels a join still in progress (connecting, or waiting in the lobby).
type tuiSession struct {
	*client.Session
	cancelJoin context.CancelFunc
}

func (s *tuiSession) Leave() {
	s.cancelJoin()
	s.Session.Leave()
}

// tuiStats picks the status line's counters from a report.
func tuiStats(r client.Report) terminal.Stats {
	var s terminal.Stats
	if a := r.Local.Audio; a != nil {
		s.SentBytes += a.Bytes
	}
	if v := r.Local.Video; v != nil {
		s.SentBytes += v.Bytes
	}
	for _, rr := range r.Remote {
		s.PacketsReceived += rr.PacketsReceived
		s.PacketsLost += rr.PacketsLost
	}
	return s
}
