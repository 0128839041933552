package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/media/camera"
	"causerie/media/camera/cameratest"
	"causerie/media/playout"
)

// A --camera that names no camera of this machine is a usage error,
// said before connecting, in the user's language.
func TestCameraFlagUnknown(t *testing.T) {
	for _, c := range []struct{ lang, want string }{
		{"C", "--camera takes “test”, “none”, “default” or the name of a camera"},
		{"fr_FR.UTF-8", "aucune caméra ne s'appelle « HD Pro Webcam C920 »"},
	} {
		p := causerie(t, []string{"LANG=" + c.lang, "LC_ALL="}, "join", "--url", "ws://127.0.0.1:9", "--token", "t", "--camera", "HD Pro Webcam C920")
		if code := p.wait(t, 20*time.Second); code != exitUsage || !strings.Contains(p.stderr.String(), c.want) {
			t.Fatalf("%s: exit %d, stderr:\n%s\nwant %d and %q", c.lang, code, &p.stderr, exitUsage, c.want)
		}
	}
}

// cameraEvents collects a session's camera events, reading the whole
// stream as a front end must.
type cameraEvents struct {
	mu   sync.Mutex
	seen []client.DeviceChanged
	more chan struct{}
}

func (c *cameraEvents) read(sess *client.Session) {
	for ev := range sess.Events() {
		if d, ok := ev.(client.DeviceChanged); ok && d.Device == "camera" {
			c.mu.Lock()
			c.seen = append(c.seen, d)
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		}
	}
}

// waitFor waits for a camera event of reason r from from to to.
func (c *cameraEvents) waitFor(t *testing.T, r client.DeviceReason, from, to string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		for _, ev := range c.seen {
			if ev.Reason == r && ev.From == from && ev.To == to {
				c.mu.Unlock()
				return time.Since(start)
			}
		}
		seen := append([]client.DeviceChanged(nil), c.seen...)
		c.mu.Unlock()
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("no camera %s event from %q to %q within %v; seen %+v", r, from, to, d, seen)
		}
	}
}

// The camera loss, in a real call: Ann's camera (a test camera
// through the mediadevices driver manager, as a machine's) fails
// mid-stream and is unplugged; her call goes on with the other camera
// (at another size), then with none (black pictures) when that one goes
// too, then with the first when it is plugged back. Each change is a DeviceChanged event,
// and Bob, in another process, keeps receiving her video throughout.
func TestCameraUnpluggedMidCall(t *testing.T) {
	srv := startSFU(t)
	room := "cameras"
	annToken, err := srv.Token(room, "ann", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	bobToken, err := srv.Token(room, "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bob := causerie(t, nil, "join", "--url", srv.URL, "--token", bobToken, "--headless", "--camera", "none",
		"--mic", "none", "--duration", "16s", "--stats-json", filepath.Join(dir, "bob.json"))

	webcam := cameratest.New(t, "ann-a;video0", "Test Webcam", cameratest.YUYV([3]int{640, 480, 30}, [3]int{640, 360, 30})...)
	other := cameratest.New(t, "ann-b;video1", "Other Camera", cameratest.YUYV([3]int{320, 240, 30})...) // another size: the sender follows
	backend, err := livekit.New(srv.URL, annToken, livekit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lm := localMedia{events: &deviceEvents{}}
	src, err := camera.Open(camera.Config{Backend: camera.Drivers{Query: cameratest.Query},
		Target: camera.Target{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS}, OnChange: lm.events.postCamera})
	if err != nil {
		t.Fatal(err)
	}
	lm.camera = src
	sess := client.New(client.Config{Backend: backend, Camera: src, Speaker: playout.NewNull()})
	lm.attach(sess)
	events := &cameraEvents{more: make(chan struct{}, 1)}
	go events.read(sess)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sess.Join(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()

	time.Sleep(3 * time.Second)
	webcam.FailAfter(0)
	events.waitFor(t, client.DeviceLost, "Test Webcam", "Other Camera", 3*time.Second)
	time.Sleep(2 * time.Second)
	other.FailAfter(0)
	events.waitFor(t, client.DeviceLost, "Other Camera", "", 3*time.Second)
	time.Sleep(2 * time.Second)
	webcam.Plug()
	took := events.waitFor(t, client.DeviceFound, "", "Test Webcam", 3*time.Second)
	if took > 2*time.Second {
		t.Errorf("the camera plugged back in was in use after %v (2 s at most)", took)
	}
	time.Sleep(3 * time.Second)
	report := sess.Report(start)
	sess.Leave()
	lm.closeCamera()
	if err := sess.Err(); err != nil {
		t.Fatalf("Ann's call ended with %v", err)
	}
	if code := bob.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("Bob exited %d\n%s", code, &bob.stderr)
	}
	if webcam.Opened() != 0 || other.Opened() != 0 {
		t.Fatal("a camera left open")
	}
	// About 3 s + 2 s at 30 frames a second, 2 s of black at 5, 3 s at 30.
	if v := report.Local.Video; v == nil || v.FramesEncoded < bar(200) {
		t.Fatalf("Ann encoded %+v", report.Local.Video)
	}
	var decoded uint64
	for _, r := range readReport(t, filepath.Join(dir, "bob.json")).Remote {
		if r.Participant == "ann" && r.Kind == "video" {
			decoded += r.FramesDecoded
		}
	}
	t.Logf("Ann encoded %d frames; Bob decoded %d; the camera plugged back was used after %v",
		report.Local.Video.FramesEncoded, decoded, took)
	if decoded < bar(150) {
		t.Fatalf("Bob decoded %d of Ann's frames", decoded)
	}
	if _, err := src.ReadFrame(context.Background(), nil); !errors.Is(err, camera.ErrClosed) {
		t.Fatalf("camera after the call: %v", err)
	}
}

// --camera default on a machine without a camera (this one: no
// /dev/video*): the call goes on with a black picture at the usual size,
// five a second, which the other side receives, until a camera comes.
func TestCameraDefaultWithoutCamera(t *testing.T) {
	if nodes, _ := filepath.Glob("/dev/video*"); len(nodes) > 0 {
		t.Skip("this machine has video nodes")
	}
	srv := startSFU(t)
	annToken, err := srv.Token("nocamera", "ann", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	bobToken, err := srv.Token("nocamera", "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bob := causerie(t, nil, "join", "--url", srv.URL, "--token", bobToken, "--headless", "--camera", "none",
		"--mic", "none", "--duration", "8s", "--stats-json", filepath.Join(dir, "bob.json"))
	ann := causerie(t, nil, "join", "--url", srv.URL, "--token", annToken, "--headless", "--camera", "default",
		"--mic", "none", "--duration", "6s", "--stats-json", filepath.Join(dir, "ann.json"))
	if code := ann.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("Ann exited %d\n%s", code, &ann.stderr)
	}
	if code := bob.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("Bob exited %d\n%s", code, &bob.stderr)
	}
	a := readReport(t, filepath.Join(dir, "ann.json"))
	if v := a.Local.Video; v == nil || v.FramesEncoded < bar(15) || v.Width != cameraWidth || v.Height != cameraHeight {
		t.Fatalf("Ann sent %+v", a.Local.Video)
	}
	var decoded uint64
	for _, r := range readReport(t, filepath.Join(dir, "bob.json")).Remote {
		if r.Participant == "ann" && r.Kind == "video" {
			decoded += r.FramesDecoded
		}
	}
	if decoded < bar(10) {
		t.Fatalf("Bob decoded %d of Ann's black frames", decoded)
	}
	t.Logf("Ann encoded %d black frames in 6 s; Bob decoded %d", a.Local.Video.FramesEncoded, decoded)
}
