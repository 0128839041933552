package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"causerie/client/visio"
	"causerie/ui/i18n"
	"causerie/ui/instance"
)

// appScheme is Causerie's URL scheme. The desktop entry registers it
// (x-scheme-handler/causerie), so a web page or a mail can link to
// causerie://visio.example.fr/abc-defg-hij and the system starts
// `causerie causerie://visio.example.fr/abc-defg-hij`.
const appScheme = "causerie"

// isLinkArg tells whether a first argument is a link handed to the
// program (by a browser, a mail client, "open with", or a person) rather
// than a command.
func isLinkArg(arg string) bool {
	a := strings.ToLower(arg)
	return strings.HasPrefix(a, appScheme+":") || strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://")
}

// meetingLink reads a link as the system hands it over: a causerie://
// link, read as its https:// equivalent — the scheme says which program
// opens the link, not how to reach the meeting, so the meeting is always
// reached over https, whatever page made the link — or the meeting's web
// address, https://host/abc-defg-hij (http:// for this machine only, as
// everywhere). Errors wrap visio.ErrBadLink. The desktop front end reads
// the links handed to a running instance with it too.
func meetingLink(s string) (visio.Link, error) {
	s = strings.TrimSpace(s)
	if scheme, rest, ok := strings.Cut(s, ":"); ok && strings.EqualFold(scheme, appScheme) {
		host, ok := strings.CutPrefix(rest, "//")
		if !ok || host == "" || strings.Contains(host, "://") {
			return visio.Link{}, fmt.Errorf("%w: %q (want %s://<host>/abc-defg-hij)", visio.ErrBadLink, s, appScheme)
		}
		s = "https://" + host
	} else if !strings.Contains(s, "://") {
		// A bare code or host/code is not what a browser hands over; the
		// join and tui commands take those.
		return visio.Link{}, fmt.Errorf("%w: %q (want https://<host>/abc-defg-hij)", visio.ErrBadLink, s)
	}
	return visio.ParseLink(s)
}

// handOverTimeout bounds a second launch's wait for the running
// instance: it takes a link at once unless it is stuck, and the person
// who clicked is waiting.
const handOverTimeout = 10 * time.Second

// linkRun is what `causerie LINK` needs from its surroundings, apart so
// that tests can give their own.
type linkRun struct {
	// dir is the single-instance endpoint's directory (instance.Dir).
	dir string
	// display tells whether a window can open (hasDisplay); interactive,
	// whether stdout is a terminal.
	display, interactive bool
	// gui and tui run `causerie gui` and `causerie tui` with these
	// arguments.
	gui, tui func(args []string) int
}

// runLink is `causerie LINK [options]`, what the system runs for a
// meeting link (the desktop entry's Exec=causerie %u). A link alone goes
// to the Causerie already running, if there is one. Otherwise the meeting
// opens here: in the desktop app, on its pre-join screen, where there is
// a display; else in the terminal client when there is a terminal.
// Without either nothing joins: a meeting nobody sees, with the camera
// and microphone sent without a word, is not what a click on a link asks
// for; the message tells which command does what.
func runLink(args []string, stdout, stderr io.Writer, p *i18n.Printer, lr linkRun) int {
	l, err := meetingLink(args[0])
	if err != nil {
		fmt.Fprintln(stderr, p.Error(err))
		return exitCode(err)
	}
	link := l.String()
	if len(args) == 1 && lr.dir != "" {
		// With options, the person wants this launch as they asked; the
		// running instance has options of its own.
		ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
		err := instance.Send(ctx, lr.dir, link)
		cancel()
		switch {
		case err == nil:
			fmt.Fprintln(stdout, p.T("link.handed_over", "link", link))
			return exitOK
		case !errors.Is(err, instance.ErrNoInstance):
			// Something listens but did not take it: open it here.
			fmt.Fprintln(stderr, p.Error(err))
		}
	}
	rest := append([]string{link}, args[1:]...)
	switch {
	case lr.display:
		return lr.gui(rest)
	case lr.interactive:
		return lr.tui(rest)
	}
	fmt.Fprintln(stderr, p.T("link.nowhere", "link", link))
	return exitUsage
}

// defaultLinkRun is runLink's surroundings in the real program.
func defaultLinkRun(stdout, stderr io.Writer, p *i18n.Printer) linkRun {
	dir, err := instance.Dir()
	if err != nil {
		dir = "" // no place to meet another instance: open the link here
	}
	out, ok := stdout.(*os.File)
	return linkRun{
		dir:         dir,
		display:     hasDisplay(),
		interactive: ok && term.IsTerminal(out.Fd()),
		gui:         func(args []string) int { return runGUI(args, stdout, stderr, p) },
		tui:         func(args []string) int { return runTUI(args, stdout, stderr, p) },
	}
}

// acceptLinks makes this process the one later launches hand their links
// to, for as long as it runs: each link handed over is read again
// (meetingLink: the sender is another program) and given to open, on a
// goroutine of acceptLinks' own. The returned function stops it and gives
// the endpoint up. When another process already has the endpoint, or it
// cannot be had, links are not received and stop does nothing: this
// process works on its own.
//
// A front end that can open a meeting while it runs calls it (the
// desktop app: a link clicked while it is open goes to its pre-join
// screen).
func acceptLinks(dir string, open func(link string)) (stop func()) {
	in, err := instance.Listen(dir)
	if err != nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case s := <-in.Links():
				if l, err := meetingLink(s); err == nil {
					open(l.String())
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		_ = in.Close()
	}
}

// usage is the command's usage (usageText), with the forms this file
// adds among the commands.
func usage(p *i18n.Printer) string {
	u := usageText(p)
	if commands, rest, ok := strings.Cut(u, "\n\n"); ok {
		return commands + "\n" + p.T("link.usage") + "\n\n" + rest
	}
	return u + "\n" + p.T("link.usage")
}
