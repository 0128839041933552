package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"causerie/ui/terminal/video"
)

// The test binary runs `causerie tui` itself when asked to (see TestMain):
// this hook does it before TestMain, so it works whether or not run()
// dispatches "tui" yet.

// tmuxServer is a tmux server of our own (its own socket), killed at the
// end of the test.
type tmuxServer struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T) *tmuxServer {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CAUSERIE_REQUIRE_TMUX") != "" {
			t.Fatal("tmux is missing and CAUSERIE_REQUIRE_TMUX is set: apt-get install tmux")
		}
		t.Skip("tmux is not installed: the terminal client's end-to-end test needs it (apt-get install tmux)")
	}
	s := &tmuxServer{t: t, socket: fmt.Sprintf("causerie-test-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxServer) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			s.t.Fatalf("tmux %v: %v\n%s", args, err, &errb)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		s.t.Fatalf("tmux %v hangs", args)
	}
	return out.String()
}

// capture is the pane's text; with colours, its escape sequences too.
func (s *tmuxServer) capture(colours bool) string {
	args := []string{"capture-pane", "-p", "-t", "tui"}
	if colours {
		args = append(args, "-e")
	}
	return s.run(args...)
}

// waitScreen waits until the pane shows every one of want.
func (s *tmuxServer) waitScreen(limit time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		screen := s.capture(false)
		missing := ""
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the pane does not show %q after %v:\n%s", missing, limit, screen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// videoRows are the lines of a colour capture that hold video cells.
func videoRows(capture string) string {
	var rows []string
	for _, l := range strings.Split(capture, "\n") {
		if strings.Contains(l, "▀") {
			rows = append(rows, l)
		}
	}
	return strings.Join(rows, "\n")
}

// waitLine waits until a line of a process's stdout holds every one of
// want.
func waitLine(t *testing.T, p *proc, limit time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out := p.stdout.String()
		for _, line := range strings.Split(out, "\n") {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q within %v:\n%s\nstderr:\n%s", want, limit, out, &p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUI runs `causerie tui` in a tmux pane against a real SFU with a
// synthetic camera and microphone, and a headless participant on the
// other side: what the pane shows, and what the keys do to the other side.
func TestTUI(t *testing.T) {
	tm := startTmux(t)
	srv := startSFU(t)
	dir := t.TempDir()
	camille, err := srv.Token("tui", "camille", "Camille")
	if err != nil {
		t.Fatal(err)
	}
	ana, err := srv.Token("tui", "ana", "Ana")
	if err != nil {
		t.Fatal(err)
	}

	status, logs := filepath.Join(dir, "status"), filepath.Join(dir, "stderr")
	script := fmt.Sprintf("%q tui --url %q --token %q --camera test --mic test --speaker null 2>%q; echo $? >%q.tmp; mv %q.tmp %q; sleep 30",
		os.Args[0], srv.URL, camille, logs, status, status, status)
	tm.run("new-session", "-d", "-s", "tui", "-x", "120", "-y", "40",
		"env", "CAUSERIE_AS_MAIN=1", "LC_ALL=", "LC_MESSAGES=", "LANG=C.UTF-8", "TERM=xterm-256color", "COLORTERM=truecolor",
		"sh", "-c", script)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logs)
			t.Logf("pane:\n%s\ntui stderr:\n%s", tm.capture(false), b)
		}
	})
	tm.waitScreen(20*time.Second, "Camille (you)", "connected")

	other := causerie(t, nil, "join", "--url", srv.URL, "--token", ana, "--headless", "--camera", "test", "--mic", "test",
		"--chat", "salut", "--print-events", "--duration", "60s")
	tm.waitScreen(20*time.Second, "Ana", "Ana: salut")
	waitLine(t, other, 10*time.Second, `"event":"participant_joined"`, `"identity":"camille"`)

	// The video area: half-block cells, whose colours move.
	deadline := time.Now().Add(15 * time.Second)
	var first string
	for first == "" {
		first = videoRows(tm.capture(true))
		if time.Now().After(deadline) {
			t.Fatalf("no video cells:\n%s", tm.capture(true))
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if second := videoRows(tm.capture(true)); second == first {
		t.Fatal("the video area did not change in a second")
	}

	// m mutes the microphone: the other side sees it.
	tm.run("send-keys", "-t", "tui", "m")
	waitLine(t, other, 10*time.Second, `"event":"track_muted"`, `"identity":"camille"`, `"kind":"audio"`, `"muted":true`)
	tm.waitScreen(5*time.Second, "mic off", "kbit/s")

	// Enter, a message, Enter: the other side receives it.
	tm.run("send-keys", "-t", "tui", "Enter")
	tm.run("send-keys", "-t", "tui", "-l", "bonjour depuis tmux")
	tm.run("send-keys", "-t", "tui", "Enter")
	waitLine(t, other, 10*time.Second, `"event":"chat"`, `"identity":"camille"`, `"text":"bonjour depuis tmux"`)
	screen := tm.waitScreen(5*time.Second, "Camille: bonjour depuis tmux")
	t.Logf("pane before leaving:\n%s", screen)

	// q leaves cleanly: the other side sees us go, the command exits 0.
	tm.run("send-keys", "-t", "tui", "q")
	waitLine(t, other, 15*time.Second, `"event":"participant_left"`, `"identity":"camille"`)
	deadline = time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(status)
		if err == nil {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Fatalf("causerie tui exited %s", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("causerie tui did not exit after q")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if b, _ := os.ReadFile(logs); strings.Contains(string(b), "DATA RACE") || strings.Contains(string(b), "panic") {
		t.Fatalf("tui stderr:\n%s", b)
	}

	_ = other.cmd.Process.Signal(os.Interrupt)
	if code := other.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("the other participant exited %d\n%s", code, &other.stderr)
	}
}

// The command line's mistakes end at once with status 2 and a sentence,
// before anything is drawn.
func TestTUIUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing token", []string{"--url", "ws://127.0.0.1:9"}, "--token is required"},
		{"link and url", []string{"https://visio.example.fr/abc-defg-hij", "--url", "ws://127.0.0.1:9"}, "not both"},
		{"bad camera", []string{"--url", "ws://127.0.0.1:9", "--token", "t", "--camera", "usb"}, "--camera takes"},
		{"bad speaker", []string{"--url", "ws://127.0.0.1:9", "--token", "t", "--speaker", "hdmi"}, "--speaker takes"},
		{"bad graphics", []string{"--url", "ws://127.0.0.1:9", "--token", "t", "--graphics", "sixel"},
			`Invalid option: invalid value "sixel" for flag -graphics: want auto, kitty or cells`},
		{"no terminal", []string{"--url", "ws://127.0.0.1:9", "--token", "t"}, "needs a terminal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := causerie(t, nil, append([]string{"tui"}, c.args...)...)
			if code := p.wait(t, 10*time.Second); code != exitUsage || !strings.Contains(p.stderr.String(), c.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, &p.stderr, exitUsage, c.want)
			}
		})
	}
}

// --graphics: a value forces the renderer, auto asks the environment.
func TestGraphicsFlag(t *testing.T) {
	kitty := func(k string) string { return map[string]string{"TERM": "xterm-kitty"}[k] }
	none := func(string) string { return "" }
	for _, c := range []struct {
		v    string
		env  func(string) string
		want video.Graphics
	}{
		{"auto", kitty, video.Kitty}, {"auto", none, video.Cells},
		{"cells", kitty, video.Cells}, {"kitty", none, video.Kitty},
	} {
		var g graphicsFlag
		if err := g.Set(c.v); err != nil {
			t.Fatal(err)
		}
		if got := g.mode(c.env); got != c.want {
			t.Errorf("--graphics %s: %v, want %v", c.v, got, c.want)
		}
	}
	if err := (&graphicsFlag{}).Set("sixel"); err == nil {
		t.Fatal("--graphics sixel accepted")
	}
}
