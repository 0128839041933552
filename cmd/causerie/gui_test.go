//go:build !nogui

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"causerie/client/livekit/lkserver"
)

// xserver is an Xvfb of our own for one test.
type xserver struct {
	t       *testing.T
	display string
}

// startXvfb starts Xvfb at 1366×768 on a free display, or skips the test
// when Xvfb or xdotool is missing (fails instead under
// CAUSERIE_REQUIRE_XVFB, as `make test` sets).
func startXvfb(t *testing.T) *xserver {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "xwd"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CAUSERIE_REQUIRE_XVFB") != "" {
				t.Fatalf("%s is missing and CAUSERIE_REQUIRE_XVFB is set: scripts/deps.sh installs it", tool)
			}
			t.Skipf("%s is not installed: the desktop's end-to-end tests need it (scripts/deps.sh)", tool)
		}
	}
	// Xvfb picks a free display itself and writes its number on -displayfd
	// once it accepts clients: no race with another test's server for
	// the same number, no socket polling.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var errb bytes.Buffer
	// -noreset: the server does not reset when its last client (an
	// xdotool, the binary's display check) hangs up, so a client that
	// connects next never meets a server in the middle of a reset.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1366x768x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { stopXvfb(cmd) })
	number := make(chan string, 1)
	go func() { // ends when Xvfb writes or exits (the pipe closes)
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n == "" {
			t.Fatalf("Xvfb exited without a display: %s", &errb)
		}
		return &xserver{t: t, display: ":" + n}
	case <-time.After(10 * time.Second):
		t.Fatalf("Xvfb gave no display within 10 s: %s", &errb)
	}
	return nil
}

// stopXvfb ends Xvfb with SIGTERM, so it removes its lock file and socket
// (a killed server leaves both behind, and the next server to take that
// display number has to clear them), and kills it if it has not gone
// within 5 s.
func stopXvfb(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (x *xserver) env() []string { return []string{"DISPLAY=" + x.display} }

// tool runs an X tool on the display.
func (x *xserver) tool(limit time.Duration, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), x.env()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.Bytes(), fmt.Errorf("%s %v: %v: %s", name, args, err, errb.String())
		}
		return out.Bytes(), nil
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		return nil, fmt.Errorf("%s %v: still running after %v", name, args, limit)
	}
}

// waitWindow waits for a window whose name contains title and returns
// when it appeared.
func (x *xserver) waitWindow(title string, limit time.Duration, p *proc) (string, time.Time) {
	x.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out, err := x.tool(2*time.Second, "xdotool", "search", "--onlyvisible", "--name", title)
		if err == nil && len(bytes.TrimSpace(out)) > 0 {
			return strings.Fields(string(out))[0], time.Now()
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("no %q window within %v\nstderr:\n%s", title, limit, &p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (x *xserver) key(window, key string) {
	x.t.Helper()
	if _, err := x.tool(5*time.Second, "xdotool", "key", "--window", window, key); err != nil {
		x.t.Fatal(err)
	}
}

// shot captures the screen.
func (x *xserver) shot() *image.RGBA {
	x.t.Helper()
	out, err := x.tool(10*time.Second, "xwd", "-root", "-silent")
	if err != nil {
		x.t.Fatal(err)
	}
	img, err := decodeXWD(bytes.NewReader(out))
	if err != nil {
		x.t.Fatal(err)
	}
	return img
}

// changed is the share of pixels in r that differ between a and b.
func changed(a, b *image.RGBA, r image.Rectangle) float64 {
	var n, diff int
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			n++
			if !bytes.Equal(a.Pix[a.PixOffset(x, y):a.PixOffset(x, y)+3], b.Pix[b.PixOffset(x, y):b.PixOffset(x, y)+3]) {
				diff++
			}
		}
	}
	return float64(diff) / float64(max(1, n))
}

// guiStatsFile reads what `causerie gui --stats-json` wrote.
func guiStatsFile(t *testing.T, path string) guiStats {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s guiStats
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return s
}

// TestGUISmoke runs the real binary's desktop window under Xvfb: it opens
// on the pre-join screen of a LiveKit room, Enter joins, the other
// participant's tile shows their moving picture (pixels change between
// two screenshots), and SIGTERM leaves and quits cleanly with the
// statistics written.
func TestGUISmoke(t *testing.T) {
	x := startXvfb(t)
	srv := startSFU(t)
	dir := t.TempDir()
	bobToken, err := srv.Token("smoke", "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	annToken, err := srv.Token("smoke", "ann", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	bob := causerie(t, nil, "join", "--url", srv.URL, "--token", bobToken, "--duration", "60s")
	stats := filepath.Join(dir, "gui.json")
	start := time.Now()
	gui := causerie(t, append(x.env(), "HOME="+dir, "XDG_CONFIG_HOME="+dir),
		"gui", "--url", srv.URL, "--token", annToken, "--stats-json", stats)
	win, shown := x.waitWindow("Causerie", 20*time.Second, gui)
	t.Logf("window after %v", shown.Sub(start).Round(time.Millisecond))
	x.key(win, "Return")
	waitLine(t, bob, 20*time.Second, "Ann joined")

	// Bob's tile is the second of two: the right half of the stage. His
	// camera's pattern moves, so his tile changes from one screenshot to
	// the next once his video plays.
	tile := image.Rect(600, 120, 1050, 520)
	time.Sleep(3 * time.Second)
	var moved float64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		a := x.shot()
		time.Sleep(time.Second)
		b := x.shot()
		if moved = changed(a, b, tile); moved > 0.05 {
			break
		}
	}
	if moved <= 0.05 {
		t.Fatalf("Bob's tile did not change: %.1f%% of its pixels", moved*100)
	}
	t.Logf("Bob's tile: %.0f%% of pixels changed in 1 s", moved*100)
	if raceEnabled {
		// The race build paints about a frame a second while the other
		// packages' tests run (CI: 4 frames, 1.3 fps, by this point):
		// it gets the time to show the frames counted below.
		time.Sleep(4 * time.Second)
	}

	if err := gui.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := gui.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("gui exited %d\nstderr:\n%s", code, &gui.stderr)
	}
	s := guiStatsFile(t, stats)
	// Pictures kept coming (the frame rate is the benchmark's business:
	// here the other test packages share the cores with the window).
	if len(s.Tiles) != 1 || s.Tiles[0].Participant != "bob" || s.Tiles[0].Frames < 5 {
		t.Fatalf("tiles %+v", s.Tiles)
	}
	t.Logf("Bob's tile: %d frames at %.1f fps, %d×%d; process %.1f s CPU, %.0f MB", s.Tiles[0].Frames, s.Tiles[0].FPS,
		s.Tiles[0].Width, s.Tiles[0].Height, s.Process.CPUSeconds, s.Process.MaxRSSMB)
}

// procSample is one reading of a process's CPU time and memory.
type procSample struct {
	at    time.Time
	cpu   time.Duration
	rssKB int
	// pssKB is the proportional set size: shared pages split among the
	// processes mapping them, the fair figure against a browser's many
	// processes (TestBrowserTabPerf).
	pssKB int
}

func sampleProc(t *testing.T, pid int) procSample {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var rss int
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	var pss int
	if rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		for _, line := range strings.Split(string(rollup), "\n") {
			if v, ok := strings.CutPrefix(line, "Pss:"); ok {
				pss, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			}
		}
	}
	return procSample{at: time.Now(), cpu: time.Duration(utime+stime) * time.Second / ticks, rssKB: rss, pssKB: pss}
}

// startSenders joins four synthetic participants to room for d, sending
// 360p camera and microphone and receiving nothing, as participants on
// other machines would: here they share the two cores with what is
// measured. It returns their names.
func startSenders(t *testing.T, srv *lkserver.Server, room string, d time.Duration) []string {
	t.Helper()
	names := []string{"Bob", "Carole", "Dan", "Eve"}
	for _, n := range names {
		tok, err := srv.Token(room, strings.ToLower(n), n)
		if err != nil {
			t.Fatal(err)
		}
		causerie(t, nil, "join", "--url", srv.URL, "--token", tok, "--duration", d.String(), "--send-only")
	}
	return names
}

// GUIBench is what scripts/bench-gui.sh writes (bench-results/gui.json).
type GUIBench struct {
	Machine        string            `json:"machine"`
	ColdStartMs    int64             `json:"cold_start_to_window_ms"`
	IdleRSSMB      float64           `json:"idle_home_rss_mb"`
	IdleCPUPercent float64           `json:"idle_home_cpu_percent"`
	CallSeconds    float64           `json:"call_measured_s"`
	CallRSSMBMax   float64           `json:"call_rss_mb_max"`
	CallPSSMBMax   float64           `json:"call_pss_mb_max"`
	CallCPUPercent float64           `json:"call_cpu_percent"`
	Participants   int               `json:"remote_participants"`
	Tiles          []TileBench       `json:"tiles"`
	Goals          map[string]string `json:"goals"`
	Met            map[string]bool   `json:"met"`
	Report         *guiStats         `json:"report,omitempty"`
	// FyneFloor is scripts/fynefloor's figures on the same display: a
	// bare Fyne window of the same size with 1 and 4 images replaced 30
	// times a second, what the toolkit costs before any of Causerie.
	FyneFloor []json.RawMessage `json:"fyne_floor"`
}

// TileBench is one tile's measured frame rate.
type TileBench struct {
	Name   string  `json:"name"`
	FPS    float64 `json:"fps"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
}

// TestGUIPerf measures the desktop app as issue 6 asks, under Xvfb on
// this machine: cold start to a visible home window; idle on the home
// screen (memory, CPU); joined to a real livekit-server with four other
// synthetic participants sending 360p (memory, CPU, frames shown per
// second per tile). It runs with CAUSERIE_GUI_BENCH=FILE
// (scripts/bench-gui.sh), never in make test: a measurement, not a check.
func TestGUIPerf(t *testing.T) {
	out := os.Getenv("CAUSERIE_GUI_BENCH")
	if out == "" {
		t.Skip("a measurement: scripts/bench-gui.sh runs it (CAUSERIE_GUI_BENCH=FILE)")
	}
	x := startXvfb(t)
	dir := t.TempDir()
	env := append(x.env(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	var res GUIBench
	res.Goals = map[string]string{"call_rss_mb_max": "< 180", "call_cpu_percent": "< 60", "tile_fps": ">= 25",
		"idle_home_rss_mb": "< 80", "idle_home_cpu_percent": "~0", "cold_start_to_window_ms": "< 1000"}

	// Idle on the home screen.
	start := time.Now()
	home := causerie(t, env, "gui")
	_, shown := x.waitWindow("Causerie", 20*time.Second, home)
	res.ColdStartMs = shown.Sub(start).Milliseconds()
	time.Sleep(3 * time.Second)
	s0 := sampleProc(t, home.cmd.Process.Pid)
	time.Sleep(10 * time.Second)
	s1 := sampleProc(t, home.cmd.Process.Pid)
	res.IdleRSSMB = float64(s1.rssKB) / 1024
	res.IdleCPUPercent = float64(s1.cpu-s0.cpu) / float64(s1.at.Sub(s0.at)) * 100
	_ = home.cmd.Process.Signal(syscall.SIGTERM)
	if code := home.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("home: exit %d\n%s", code, &home.stderr)
	}

	// A call with four others.
	srv := startSFU(t)
	names := startSenders(t, srv, "perf", 90*time.Second)
	res.Participants = len(names)
	tok, err := srv.Token("perf", "ann", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	stats := filepath.Join(dir, "gui.json")
	gui := causerie(t, env, "gui", "--url", srv.URL, "--token", tok, "--stats-json", stats)
	win, _ := x.waitWindow("Causerie", 20*time.Second, gui)
	x.key(win, "Return")
	time.Sleep(8 * time.Second) // joined, every track subscribed and decoding
	first := sampleProc(t, gui.cmd.Process.Pid)
	last := first
	maxRSS, maxPSS := first.rssKB, first.pssKB
	for range 20 {
		time.Sleep(time.Second)
		last = sampleProc(t, gui.cmd.Process.Pid)
		maxRSS, maxPSS = max(maxRSS, last.rssKB), max(maxPSS, last.pssKB)
	}
	res.CallSeconds = last.at.Sub(first.at).Seconds()
	res.CallCPUPercent = float64(last.cpu-first.cpu) / float64(last.at.Sub(first.at)) * 100
	res.CallRSSMBMax = float64(maxRSS) / 1024
	res.CallPSSMBMax = float64(maxPSS) / 1024
	_ = gui.cmd.Process.Signal(syscall.SIGTERM)
	if code := gui.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("gui: exit %d\n%s", code, &gui.stderr)
	}
	s := guiStatsFile(t, stats)
	res.Report = &s
	minFPS := 1000.0
	for _, tile := range s.Tiles {
		res.Tiles = append(res.Tiles, TileBench{Name: tile.Name, FPS: tile.FPS, Width: tile.Width, Height: tile.Height})
		minFPS = min(minFPS, tile.FPS)
	}
	floor := filepath.Join(dir, "fynefloor")
	if out, err := exec.Command("go", "build", "-o", floor, "../../scripts/fynefloor").CombinedOutput(); err != nil {
		t.Fatalf("build fynefloor: %v\n%s", err, out)
	}
	for _, n := range []string{"1", "4"} {
		cmd := exec.Command(floor, "-images", n)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fynefloor: %v", err)
		}
		res.FyneFloor = append(res.FyneFloor, json.RawMessage(bytes.TrimSpace(out)))
	}
	host, _ := os.Hostname()
	res.Machine = fmt.Sprintf("%s, %d CPUs", host, runtime.NumCPU())
	res.Met = map[string]bool{
		"call_rss_mb_max":         res.CallRSSMBMax < 180,
		"call_cpu_percent":        res.CallCPUPercent < 60,
		"tile_fps":                len(s.Tiles) == len(names) && minFPS >= 25,
		"idle_home_rss_mb":        res.IdleRSSMB < 80,
		"idle_home_cpu_percent":   res.IdleCPUPercent < 2,
		"cold_start_to_window_ms": res.ColdStartMs < 1000,
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
}
