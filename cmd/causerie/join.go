package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"causerie/client"
	"causerie/ui/headless"
	"causerie/ui/i18n"
)

// joinTimeout bounds connecting and entering the room: long enough for a
// slow TURN/TLS path, short enough that a dead server is reported while
// the user still waits for it.
const joinTimeout = 20 * time.Second

type joinFlags struct {
	meetingFlags
	headless    bool
	duration    time.Duration
	statsJSON   string
	chat        string
	printEvents bool
}

func runJoin(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f joinFlags
	fs := flag.NewFlagSet("causerie join", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.BoolVar(&f.headless, "headless", false, "no window and no audio device (decoded audio goes to a null speaker)")
	fs.DurationVar(&f.duration, "duration", 0, "leave after this long (0: stay until interrupted)")
	fs.StringVar(&f.statsJSON, "stats-json", "", "write statistics as JSON to this file when leaving")
	fs.StringVar(&f.chat, "chat", "", "send this chat message once joined")
	fs.BoolVar(&f.printEvents, "print-events", false, "print the meeting's events as JSON lines on stdout instead of sentences")
	fs.BoolVar(&f.sendOnly, "send-only", false, "send the camera and microphone but receive nobody's media (a presenter bot, a load generator)")
	p, code, ok := f.parse(fs, args, stderr, p)
	if !ok {
		return code
	}
	f.noSoundDevice = f.headless
	cfg, lm, err := f.config()
	if err != nil {
		fmt.Fprintln(stderr, p.Error(err))
		return exitCode(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer lm.close()
	defer runSpeaker(lm.speaker)()

	sess := client.New(cfg)
	lm.attach(sess)
	logged := make(chan error, 1)
	go func() {
		if f.printEvents {
			logged <- headless.JSONLines(stdout, sess.Events())
		} else {
			logged <- headless.Log(stdout, p, "", sess.Events())
		}
	}()

	joinCtx, cancelJoin := f.joinContext(ctx)
	err = sess.Join(joinCtx)
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

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
