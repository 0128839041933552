package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	protoLogger "github.com/livekit/protocol/logger"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/visio"
	"causerie/media/playout"
	"causerie/ui/headless"
	"causerie/ui/i18n"
)

// joinTimeout bounds connecting and entering the room: long enough for a
// slow TURN/TLS path, short enough that a dead server is reported while
// the user still waits for it.
const joinTimeout = 20 * time.Second

type joinFlags struct {
	url, token, name string
	camera, mic      string
	headless         bool
	duration         time.Duration
	statsJSON        string
	lang             string
	verbose          bool
	chat             string
	printEvents      bool
	link             string
	sessionCookie    string
}

func runJoin(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f joinFlags
	fs := flag.NewFlagSet("causerie join", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "", "SFU address, ws(s):// or http(s)://")
	fs.StringVar(&f.token, "token", "", "access token (JWT)")
	fs.StringVar(&f.name, "name", "", "display name (with --url, only when the token allows changing it)")
	fs.StringVar(&f.sessionCookie, "session-cookie", "", "Visio login: the value of the sessionid cookie of a logged-in browser")
	fs.StringVar(&f.camera, "camera", "test", "camera: test (synthetic) or none")
	fs.StringVar(&f.mic, "mic", "test", "microphone: test (synthetic) or none")
	fs.BoolVar(&f.headless, "headless", false, "no window and no audio device (decoded audio goes to a null speaker)")
	fs.DurationVar(&f.duration, "duration", 0, "leave after this long (0: stay until interrupted)")
	fs.StringVar(&f.statsJSON, "stats-json", "", "write statistics as JSON to this file when leaving")
	fs.StringVar(&f.lang, "lang", "", "language of messages: en or fr (default: from the environment)")
	fs.BoolVar(&f.verbose, "verbose", false, "print the SFU library's logs to stderr")
	fs.StringVar(&f.chat, "chat", "", "send this chat message once joined")
	fs.BoolVar(&f.printEvents, "print-events", false, "print the meeting's events as JSON lines on stdout instead of sentences")
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	speakerCtx, stopSpeaker := context.WithCancel(context.Background())
	speakerDone := make(chan struct{})
	go func() { defer close(speakerDone); speaker.Run(speakerCtx) }()
	defer func() { stopSpeaker(); <-speakerDone }()

	sess := client.New(cfg)
	logged := make(chan error, 1)
	go func() {
		if f.printEvents {
			logged <- headless.JSONLines(stdout, sess.Events())
		} else {
			logged <- headless.Log(stdout, p, "", sess.Events())
		}
	}()

	// A meeting link may keep us in the lobby for up to 10 minutes; its
	// API calls and the LiveKit join have time limits of their own.
	joinCtx, cancelJoin := ctx, context.CancelFunc(func() {})
	if f.link == "" {
		joinCtx, cancelJoin = context.WithTimeout(ctx, joinTimeout)
	}
	err := sess.Join(joinCtx)
	cancelJoin()
	if err != nil {
		<-logged
		fmt.Fprintln(stderr, p.Error(err))
		return exitCode(err)
	}

	if f.chat != "" {
		if err := sess.SendChat(f.chat); err != nil {
			fmt.Fprintln(stderr, p.Error(err))
		}
	}

	var timeout <-chan time.Time
	if f.duration > 0 {
		timer := time.NewTimer(f.duration)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-timeout:
		sess.Leave()
	case <-ctx.Done():
		fmt.Fprintln(stderr, p.T("cli.interrupted"))
		sess.Leave()
	case <-sess.Done():
	}
	endErr := <-logged

	report := sess.Report(processStart)
	report.Process = processUsage()
	headless.Summary(stdout, p, sess.Self().DisplayName(), report)
	status := exitOK
	if f.statsJSON != "" {
		if err := writeJSON(f.statsJSON, report); err != nil {
			fmt.Fprintln(stderr, p.T("cli.stats_write", "file", f.statsJSON, "detail", err))
			status = exitFailure
		}
	}
	if endErr != nil {
		fmt.Fprintln(stderr, p.Error(endErr))
		return exitCode(endErr)
	}
	return status
}

// visioResolver prepares the way into a Visio meeting from its link.
func visioResolver(link, name, sessionCookie string, opts livekit.Options) (client.Resolver, error) {
	l, err := visio.ParseLink(link)
	if err != nil {
		return nil, err
	}
	var vopts []visio.Option
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

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
