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

	"causerie/client"
	"causerie/media"
	"causerie/ui/i18n"
	"causerie/ui/terminal"
	"causerie/ui/terminal/video"
)

type tuiFlags struct {
	meetingFlags
	speaker string
}

// runTUI is `causerie tui`: a whole meeting in the terminal.
func runTUI(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f tuiFlags
	fs := flag.NewFlagSet("causerie tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&f.speaker, "speaker", "null", "speaker: null (decoded audio is played into nothing)")
	p, code, ok := f.parse(fs, args, stderr, p)
	if !ok {
		return code
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

	cfg, speaker, err := f.config()
	if err != nil {
		fmt.Fprintln(stderr, p.Error(err))
		return exitCode(err)
	}
	// Decoders hand their pictures to the store on their own goroutines;
	// the store downscales them there and the UI tick takes the latest.
	store := video.NewStore(nil)
	cfg.OnVideoFrame = func(_, trackSID string, img *media.I420) { store.Put(trackSID, img) }

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	defer runSpeaker(speaker)()

	sess := client.New(cfg)
	joinCtx, cancelJoin := f.joinContext(ctx)
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
