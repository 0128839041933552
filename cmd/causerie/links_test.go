package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"causerie/client/visio"
	"causerie/ui/i18n"
	"causerie/ui/instance"
)

func TestMeetingLink(t *testing.T) {
	for in, want := range map[string]string{
		"causerie://visio.example.fr/abc-defg-hij":       "https://visio.example.fr/abc-defg-hij",
		"CAUSERIE://Visio.Example.fr/ABCDEFGHIJ":         "https://visio.example.fr/abc-defg-hij",
		"causerie://visio.example.fr:8443/abc-defg-hij/": "https://visio.example.fr:8443/abc-defg-hij",
		"causerie://visio.example.fr/abc-defg-hij?x=1":   "https://visio.example.fr/abc-defg-hij",
		"https://visio.numerique.gouv.fr/abc-defg-hij":   "https://visio.numerique.gouv.fr/abc-defg-hij",
		" https://visio.numerique.gouv.fr/abcdefghij ":   "https://visio.numerique.gouv.fr/abc-defg-hij",
		"http://localhost:8071/abc-defg-hij":             "http://localhost:8071/abc-defg-hij",
		// The scheme only says which program opens the link: a
		// causerie:// link to this machine is reached over https too.
		"causerie://localhost:8071/abc-defg-hij": "https://localhost:8071/abc-defg-hij",
	} {
		l, err := meetingLink(in)
		if err != nil {
			t.Errorf("meetingLink(%q): %v", in, err)
			continue
		}
		if l.String() != want {
			t.Errorf("meetingLink(%q) = %s, want %s", in, l, want)
		}
	}
	for _, in := range []string{
		"causerie:visio.example.fr/abc-defg-hij",           // no //
		"causerie://",                                      // nothing
		"causerie:///abc-defg-hij",                         // no host
		"causerie://https://visio.example.fr/abc-defg-hij", // a link inside a link
		"causerie://visio.example.fr/",                     // no code
		"causerie://visio.example.fr/abc",                  // not a code
		"causerie://visio.example.fr/a/abc-defg-hij",       // a path
		"causerie://me@evil.example/abc-defg-hij",          // user info
		"http://visio.example.fr/abc-defg-hij",             // http away from this machine
		"ftp://visio.example.fr/abc-defg-hij",
		"visio.example.fr/abc-defg-hij", // not what the system hands over
		"abc-defg-hij",
	} {
		if l, err := meetingLink(in); !errors.Is(err, visio.ErrBadLink) {
			t.Errorf("meetingLink(%q) = %v, %v; want ErrBadLink", in, l, err)
		}
	}
}

func TestIsLinkArg(t *testing.T) {
	for arg, want := range map[string]bool{
		"causerie://visio.example.fr/abc-defg-hij": true,
		"Causerie:whatever":                        true, // a malformed link, reported as such
		"https://visio.example.fr/abc-defg-hij":    true,
		"HTTP://localhost/abc-defg-hij":            true,
		"join":                                     false,
		"jion":                                     false,
		"--version":                                false,
		"visio.example.fr/abc-defg-hij":            false,
	} {
		if got := isLinkArg(arg); got != want {
			t.Errorf("isLinkArg(%q) = %v, want %v", arg, got, want)
		}
	}
}

// linkDir is a private directory for a single-instance endpoint, short
// enough for a Unix socket's path.
func linkDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "cl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "causerie")
}

// With nothing running, a link opens in the desktop app where there is a
// display, else in the terminal client where there is a terminal, options
// kept; with neither, nothing joins.
func TestRunLinkOpensHere(t *testing.T) {
	p := i18n.New("en")
	var ran string
	var got []string
	lr := linkRun{dir: linkDir(t),
		gui: func(args []string) int { ran, got = "gui", args; return 0 },
		tui: func(args []string) int { ran, got = "tui", args; return 0 }}
	args := []string{"causerie://visio.example.fr/ABCDEFGHIJ", "--name", "Camille"}
	want := []string{"https://visio.example.fr/abc-defg-hij", "--name", "Camille"}
	for _, tc := range []struct {
		display, interactive bool
		front                string
	}{{true, true, "gui"}, {true, false, "gui"}, {false, true, "tui"}} {
		ran, got = "", nil
		lr.display, lr.interactive = tc.display, tc.interactive
		var stdout, stderr bytes.Buffer
		if code := runLink(args, &stdout, &stderr, p, lr); code != exitOK {
			t.Fatalf("%+v: exit %d, stderr %s", tc, code, stderr.String())
		}
		if ran != tc.front || !slices.Equal(got, want) {
			t.Errorf("display %v, terminal %v: ran %s %q, want %s %q", tc.display, tc.interactive, ran, got, tc.front, want)
		}
	}

	ran = ""
	lr.display, lr.interactive = false, false
	var stdout, stderr bytes.Buffer
	if code := runLink([]string{"https://visio.example.fr/abc-defg-hij"}, &stdout, &stderr, p, lr); code != exitUsage {
		t.Fatalf("with neither display nor terminal: exit %d, want %d", code, exitUsage)
	}
	if ran != "" {
		t.Errorf("with neither display nor terminal, %s ran", ran)
	}
	if !strings.Contains(stderr.String(), "causerie join https://visio.example.fr/abc-defg-hij --headless") {
		t.Errorf("with neither display nor terminal, the message names no command: %q", stderr.String())
	}
}

// noDisplay keeps a child process from opening a window, whatever the
// test's environment has.
var noDisplay = []string{"DISPLAY=", "WAYLAND_DISPLAY="}

// The command line, in a process of its own, hands a link to the running
// instance, which gets it in its https form.
func TestLinkHandedToRunningInstance(t *testing.T) {
	dir := linkDir(t)
	received := make(chan string, 4)
	stop := acceptLinks(dir, func(link string) { received <- link })
	defer func() { stop() }()
	env := append([]string{"XDG_RUNTIME_DIR=" + filepath.Dir(dir)}, noDisplay...)

	c := causerie(t, env, "causerie://Visio.Example.fr/ABCDEFGHIJ")
	if code := c.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, c.stderr.String())
	}
	select {
	case l := <-received:
		if l != "https://visio.example.fr/abc-defg-hij" {
			t.Errorf("the running instance got %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the running instance got nothing")
	}
	if want := "The running Causerie got the link https://visio.example.fr/abc-defg-hij."; !strings.Contains(c.stdout.String(), want) {
		t.Errorf("stdout %q, want %q", c.stdout.String(), want)
	}

	// In French too.
	c = causerie(t, append(env, "LC_ALL=fr_FR.UTF-8"), "https://visio.example.fr/klm-nopq-rst")
	if code := c.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, c.stderr.String())
	}
	if l := <-received; l != "https://visio.example.fr/klm-nopq-rst" {
		t.Errorf("the running instance got %q", l)
	}
	if want := "Le Causerie déjà lancé a reçu le lien https://visio.example.fr/klm-nopq-rst."; !strings.Contains(c.stdout.String(), want) {
		t.Errorf("stdout %q, want %q", c.stdout.String(), want)
	}

	// Another program may hand anything over: what is not a meeting link
	// is not opened.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := instance.Send(ctx, dir, "causerie://visio.example.fr/not-a-code"); err != nil {
		t.Fatalf("Send: %v", err)
	}

	// A malformed link is refused before anything is handed over.
	c = causerie(t, env, "causerie://visio.example.fr/nope")
	if code := c.wait(t, 20*time.Second); code != exitBadAddress {
		t.Fatalf("malformed link: exit %d, want %d", code, exitBadAddress)
	}
	if !strings.Contains(c.stderr.String(), "This is not a Visio meeting link.") {
		t.Errorf("malformed link: stderr %q", c.stderr.String())
	}
	select {
	case l := <-received:
		t.Errorf("a malformed link was opened as %q", l)
	default:
	}

	// Once the running instance stops, the next launch opens the link
	// itself (here: neither display nor terminal, so it says what to
	// run).
	stop()
	stop = func() {}
	c = causerie(t, env, "causerie://visio.example.fr/abc-defg-hij")
	if code := c.wait(t, 20*time.Second); code != exitUsage {
		t.Fatalf("after the instance stopped: exit %d, want %d; stderr %s", code, exitUsage, c.stderr.String())
	}
}

// With nobody running, no display and no terminal (the test's pipes),
// the command says what to run instead and joins nothing.
func TestLinkWithoutDisplayOrTerminal(t *testing.T) {
	env := append([]string{"XDG_RUNTIME_DIR=" + filepath.Dir(linkDir(t))}, noDisplay...)
	c := causerie(t, env, "causerie://visio.example.fr/abc-defg-hij")
	if code := c.wait(t, 20*time.Second); code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitUsage, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "causerie tui https://visio.example.fr/abc-defg-hij") {
		t.Errorf("stderr %q names no command", c.stderr.String())
	}
}
