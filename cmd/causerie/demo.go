package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/livekit/lkserver"
	"causerie/media/playout"
	"causerie/ui/headless"
	"causerie/ui/i18n"
)

// runDemo starts a livekit-server on loopback and puts two synthetic
// participants in one room: the whole media path, end to end, with no
// device and no network.
func runDemo(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	fs := flag.NewFlagSet("causerie demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 10*time.Second, "how long the two participants stay")
	sfu := fs.String("sfu", "", "livekit-server binary (default: found as `make sfu` installs it)")
	lang := fs.String("lang", "", "language of messages: en or fr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
		return exitUsage
	}
	if *lang != "" {
		p = i18n.New(*lang)
	}
	bin := *sfu
	if bin == "" {
		var err error
		if bin, err = lkserver.Find(); err != nil {
			fmt.Fprintln(stderr, p.T("demo.sfu_failed", "detail", err))
			return exitFailure
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintln(stdout, p.T("demo.sfu"))
	srv, err := lkserver.Start(ctx, bin, nil)
	if err != nil {
		fmt.Fprintln(stderr, p.T("demo.sfu_failed", "detail", err))
		return exitFailure
	}
	defer srv.Stop()

	const room = "demo"
	names := []string{"Alice", "Bob"}
	speaker := playout.NewNull()
	defer runSpeaker(speaker)()

	sessions := make([]*client.Session, len(names))
	var logs sync.WaitGroup
	for i, name := range names {
		s, err := demoSession(srv, room, name, speaker)
		if err != nil {
			fmt.Fprintln(stderr, p.Error(err))
			return exitFailure
		}
		sessions[i] = s
		logs.Add(1)
		go func() { defer logs.Done(); _ = headless.Log(stdout, p, name, s.Events()) }()
		joinCtx, cancel := context.WithTimeout(ctx, joinTimeout)
		err = s.Join(joinCtx)
		cancel()
		if err != nil {
			for _, prev := range sessions[:i] {
				prev.Leave()
			}
			logs.Wait()
			fmt.Fprintln(stderr, p.Error(err))
			return exitFailure
		}
	}
	fmt.Fprintln(stdout, p.T("demo.running", "room", room, "duration", duration.String()))
	select {
	case <-time.After(*duration):
	case <-ctx.Done():
		fmt.Fprintln(stderr, p.T("cli.interrupted"))
	}
	for _, s := range sessions {
		s.Leave()
	}
	logs.Wait()
	usage := processUsage()
	fmt.Fprintln(stdout)
	for i, s := range sessions {
		r := s.Report(processStart)
		r.Process = usage
		headless.Summary(stdout, p, names[i], r)
	}
	return exitOK
}

func demoSession(srv *lkserver.Server, room, name string, speaker client.Speaker) (*client.Session, error) {
	token, err := srv.Token(room, name, name)
	if err != nil {
		return nil, err
	}
	backend, err := livekit.New(srv.URL, token, livekit.Options{})
	if err != nil {
		return nil, err
	}
	cfg := client.Config{Backend: backend, Speaker: speaker}
	if err := openSynthetic(&cfg, "test", "test"); err != nil {
		return nil, err
	}
	return client.New(cfg), nil
}
