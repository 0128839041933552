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
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"causerie/client"
	"causerie/media"
	"causerie/media/audio"
	"causerie/ui/i18n"
	"causerie/ui/terminal"
	"causerie/ui/terminal/video"
)

type tuiFlags struct {
	meetingFlags
	graphics graphicsFlag
}

// graphicsFlag is --graphics: auto (what the environment tells), kitty
// or cells. A wrong value fails the parsing, as any malformed option.
type graphicsFlag struct{ v string }

func (g *graphicsFlag) String() string { return g.v }

func (g *graphicsFlag) Set(s string) error {
	switch s {
	case "auto", "kitty", "cells":
		g.v = s
		return nil
	}
	return errors.New("want auto, kitty or cells")
}

// mode is how the terminal client draws pictures.
func (g graphicsFlag) mode(getenv func(string) string) video.Graphics {
	switch g.v {
	case "kitty":
		return video.Kitty
	case "cells":
		return video.Cells
	}
	return video.DetectGraphics(getenv)
}

// runTUI is `causerie tui`: a whole meeting in the terminal.
func runTUI(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f tuiFlags
	fs := flag.NewFlagSet("causerie tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	f.graphics.v = "auto"
	fs.Var(&f.graphics, "graphics", "how video is drawn, `mode`: auto (kitty graphics where the terminal has them, else cells), kitty, or cells (true-colour half blocks)")
	p, code, ok := f.parse(fs, args, stderr, p)
	if !ok {
		return code
	}
	out, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		fmt.Fprintln(stderr, p.T("cli.tui_interactive"))
		return exitUsage
	}

	cfg, lm, err := f.config()
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
	defer lm.close()
	defer runSpeaker(lm.speaker)()

	sess := client.New(cfg)
	lm.attach(sess)
	joinCtx, cancelJoin := f.joinContext(ctx)
	defer cancelJoin()
	joined := make(chan struct{})
	go func() {
		defer close(joined)
		_ = sess.Join(joinCtx) // a failure ends the stream with Left, which the UI shows
	}()
	ts := &tuiSession{Session: sess, cancelJoin: cancelJoin}

	graphics := f.graphics.mode(os.Getenv)
	tuiOpts := terminal.Options{Session: ts, Printer: p, Video: store, Graphics: graphics,
		Styles: terminal.DefaultStyles(),
		Stats:  func() terminal.Stats { return tuiStats(sess.Report(processStart)) }}
	tuiOpts.Devices, tuiOpts.SelectDevice = soundDevicePicker(lm, f.mic, f.speaker)
	model := terminal.New(tuiOpts)
	opts := []tea.ProgramOption{tea.WithOutput(out), tea.WithContext(ctx)}
	if graphics == video.Kitty {
		// Placeholder cells name their image by a 256-colour index,
		// which a 16-colour profile would round away; a terminal that
		// has kitty graphics has 256 colours whatever TERM says.
		if colorprofile.Detect(out, os.Environ()) < colorprofile.ANSI256 {
			opts = append(opts, tea.WithColorProfile(colorprofile.ANSI256))
		}
	}
	prog := tea.NewProgram(model, opts...)
	_, runErr := prog.Run()
	// Ended by a signal, the program left no time to delete the pictures.
	if s := model.KittyCleanup(); s != "" {
		_, _ = io.WriteString(out, s)
	}

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

// soundDevicePicker gives the terminal client the sound devices the call
// can switch between: microphones when the microphone is a sound device
// (not the synthetic one or none), speakers when the speakers are; nil
// functions when neither is.
func soundDevicePicker(lm localMedia, mic, speaker string) (func() []terminal.Device, func(terminal.DeviceKind, string) error) {
	e := lm.audio
	micDevice := mic != "test" && mic != "none"
	speakerDevice := speaker != "null"
	if e == nil || (!micDevice && !speakerDevice) {
		return nil, nil
	}
	list := func() []terminal.Device {
		var out []terminal.Device
		devs := e.Devices()
		if micDevice {
			inUse := e.InUse(audio.KindMicrophone)
			for _, d := range devs.Microphones {
				out = append(out, terminal.Device{Kind: terminal.Microphone, Name: d.Name, Current: d.Name == inUse})
			}
		}
		if speakerDevice {
			inUse := e.InUse(audio.KindSpeaker)
			for _, d := range devs.Speakers {
				out = append(out, terminal.Device{Kind: terminal.Speaker, Name: d.Name, Current: d.Name == inUse})
			}
		}
		return out
	}
	choose := func(k terminal.DeviceKind, name string) error {
		set := e.SetSpeaker
		if k == terminal.Microphone {
			set = e.SetMic
		}
		if err := set(name); err != nil {
			return fmt.Errorf("%w: %s: %v", client.ErrMediaDevice, name, err)
		}
		return nil
	}
	return list, choose
}
