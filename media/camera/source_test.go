package camera

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/camera/cameratest"
	"causerie/media/synth"
)

// changeLog collects a source's changes.
type changeLog chan Change

func (l changeLog) on(c Change) { l <- c }

// waitFor reads changes until one of reason r, failing after d.
func (l changeLog) waitFor(t *testing.T, r Reason, d time.Duration) Change {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case c := <-l:
			if c.Reason == r {
				return c
			}
		case <-timeout:
			t.Fatalf("no %v change within %v", r, d)
		}
	}
}

// fakeBackend lists the test cameras.
var fakeBackend = Drivers{Query: cameratest.Query}

// frameKind reads one frame and tells what it is: a camera frame (the
// synthetic camera's stamp reads back) of its size, or black.
func readKind(t *testing.T, s *Source, pic *media.I420) (camera, black bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := s.ReadFrame(ctx, pic); err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	if _, ok := synth.ReadStamp(pic); ok {
		return true, false
	}
	for _, v := range pic.Y {
		if v != 16 {
			return false, false
		}
	}
	return false, true
}

func TestSourceUnpluggedMidStream(t *testing.T) {
	a := cameratest.New(t, "a;video0", "Test Webcam", cameratest.YUYV([3]int{640, 360, 30}, [3]int{1280, 720, 10}, [3]int{1280, 720, 30})...)
	b := cameratest.New(t, "b;video1", "Other Camera", cameratest.YUYV([3]int{640, 360, 30})...)
	log := make(changeLog, 64)
	src, err := Open(Config{Backend: fakeBackend, Target: Target{1280, 720, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if cur, ok := src.Current(); !ok || cur.Name != "Test Webcam" || !cur.Default {
		t.Fatalf("current camera %+v, %v; want the default, Test Webcam", cur, ok)
	}
	if f, _ := src.Format(); f != (Format{YUYV, 1280, 720, 30}) {
		t.Fatalf("format %v, want YUYV 1280x720@30", f)
	}
	pic := &media.I420{}
	for i := 0; i < 10; i++ {
		if cam, _ := readKind(t, src, pic); !cam || pic.Width != 1280 || pic.Height != 720 {
			t.Fatalf("frame %d: camera frame %v at %dx%d", i, cam, pic.Width, pic.Height)
		}
	}

	// Unplugged mid-stream: the default's place goes to the other camera,
	// and reading goes on without an error.
	a.FailAfter(3)
	for i := 0; i < 10; i++ {
		if cam, _ := readKind(t, src, pic); !cam {
			t.Fatalf("frame %d after the failure is not a camera's", i)
		}
	}
	if c := log.waitFor(t, Lost, time.Second); c.From != "Test Webcam" || c.To != "Other Camera" {
		t.Fatalf("lost change %+v", c)
	}
	if pic.Width != 640 || pic.Height != 360 {
		t.Fatalf("other camera's frames are %dx%d", pic.Width, pic.Height)
	}
	if a.Opened() != 0 {
		t.Fatal("the failed camera was not closed")
	}

	// The last camera goes too: black pictures, at the size before, at
	// noCameraFPS.
	b.FailAfter(2)
	start := time.Now()
	blacks := 0
	for blacks < 5 {
		if _, black := readKind(t, src, pic); black {
			blacks++
		}
	}
	if c := log.waitFor(t, Lost, time.Second); c.From != "Other Camera" || c.To != "" {
		t.Fatalf("lost change %+v", c)
	}
	if pic.Width != 640 || pic.Height != 360 {
		t.Fatalf("black pictures are %dx%d", pic.Width, pic.Height)
	}
	if _, ok := src.Current(); ok {
		t.Fatal("a current camera with none left")
	}
	// Five at 5 a second: about 0.8 s from the first, which comes at once.
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Fatalf("5 black pictures in %v: not paced", el)
	}

	// Plugged back: listed and in use within 2 s.
	a.Plug()
	plugged := time.Now()
	for {
		if cam, _ := readKind(t, src, pic); cam {
			break
		}
		if time.Since(plugged) > 3*time.Second {
			t.Fatal("the camera plugged back gave no frame in 3 s")
		}
	}
	took := time.Since(plugged)
	if c := log.waitFor(t, Found, time.Second); c.To != "Test Webcam" || c.From != "" {
		t.Fatalf("found change %+v", c)
	}
	if took > 2*time.Second {
		t.Fatalf("the camera plugged in was used after %v", took)
	}
	t.Logf("camera plugged in: frames after %v", took)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-src.done:
	default:
		t.Fatal("the watcher still runs after Close")
	}
	if a.Opened() != 0 || b.Opened() != 0 {
		t.Fatal("a camera left open after Close")
	}
	if _, err := src.ReadFrame(context.Background(), pic); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadFrame after Close: %v", err)
	}
}

// TestSourceNamedCameraComesBack: the camera asked for by name is
// replaced while away and taken back when it returns.
func TestSourceNamedCameraComesBack(t *testing.T) {
	cameratest.New(t, "a;video0", "Integrated Camera", cameratest.YUYV([3]int{640, 360, 30})...)
	usb := cameratest.New(t, "b;video2", "USB Camera", cameratest.YUYV([3]int{640, 480, 30})...)
	log := make(changeLog, 64)
	src, err := Open(Config{Backend: fakeBackend, Device: "usb", Target: Target{640, 360, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if cur, _ := src.Current(); cur.Name != "USB Camera" {
		t.Fatalf("camera %q, want USB Camera (by part of its name)", cur.Name)
	}
	pic := &media.I420{}
	readKind(t, src, pic)
	// The USB camera is unplugged: the integrated one takes over.
	usb.FailAfter(0)
	for i := 0; i < 3; i++ {
		readKind(t, src, pic)
	}
	if c := log.waitFor(t, Lost, time.Second); c.From != "USB Camera" || c.To != "Integrated Camera" {
		t.Fatalf("lost %+v", c)
	}
	// Back: the source returns to it.
	usb.Plug()
	deadline := time.Now().Add(3 * time.Second)
	for pic.Height != 480 {
		if time.Now().After(deadline) {
			t.Fatal("not back on the USB camera")
		}
		readKind(t, src, pic)
	}
	if c := log.waitFor(t, Found, time.Second); c.From != "Integrated Camera" || c.To != "USB Camera" {
		t.Fatalf("found %+v", c)
	}
}

// TestSourceNoCamera: a machine without a camera gets black pictures
// at the target's size, and the first camera plugged in.
func TestSourceNoCamera(t *testing.T) {
	log := make(changeLog, 64)
	src, err := Open(Config{Backend: fakeBackend, Target: Target{1280, 720, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pic := &media.I420{}
	if _, black := readKind(t, src, pic); !black || pic.Width != 1280 || pic.Height != 720 {
		t.Fatalf("first picture black %v at %dx%d", black, pic.Width, pic.Height)
	}
	cameratest.New(t, "c;video4", "Late Camera", cameratest.YUYV([3]int{1280, 720, 30})...)
	plugged := time.Now()
	if c := log.waitFor(t, ListChanged, 2*time.Second); len(c.Devices) != 1 || c.Devices[0].Name != "Late Camera" {
		t.Fatalf("list change %+v", c)
	}
	for {
		if cam, _ := readKind(t, src, pic); cam {
			break
		}
		if time.Since(plugged) > 3*time.Second {
			t.Fatal("no frame from the camera plugged in")
		}
	}
	if c := log.waitFor(t, Found, time.Second); c.To != "Late Camera" {
		t.Fatalf("found %+v", c)
	}
}

func TestOpenUnknownCamera(t *testing.T) {
	cameratest.New(t, "a;video0", "Test Webcam", cameratest.YUYV([3]int{640, 360, 30})...)
	if _, err := Open(Config{Backend: fakeBackend, Device: "Nonexistent"}); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("Open(unknown) = %v, want ErrNoDevice", err)
	}
}

// TestReadFrameCancelled: a reader waiting for a frame returns when its
// context ends.
func TestReadFrameCancelled(t *testing.T) {
	src, err := Open(Config{Backend: fakeBackend, Target: Target{320, 180, 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.ReadFrame(ctx, &media.I420{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadFrame(cancelled) = %v", err)
	}
}

func TestListAndFind(t *testing.T) {
	cameratest.New(t, "x;video10", "Webcam", cameratest.YUYV([3]int{640, 360, 30})...)
	cameratest.New(t, "y;video2", "Webcam", cameratest.YUYV([3]int{640, 360, 30})...)
	cameratest.New(t, "z;video4", "Integrated Camera", cameratest.YUYV([3]int{640, 360, 30})...)
	list, err := fakeBackend.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{ID: cameratest.LabelPrefix + "y;video2", Name: "Webcam", Default: true},
		{ID: cameratest.LabelPrefix + "z;video4", Name: "Integrated Camera"},
		{ID: cameratest.LabelPrefix + "x;video10", Name: "Webcam (2)"},
	}
	if len(list) != len(want) {
		t.Fatalf("list %+v", list)
	}
	for i := range want {
		if list[i] != want[i] {
			t.Fatalf("list[%d] = %+v, want %+v", i, list[i], want[i])
		}
	}
	for q, id := range map[string]string{
		"Webcam (2)": "x;video10", "webcam": "y;video2", "integrated": "z;video4",
		cameratest.LabelPrefix + "x;video10": "x;video10",
		cameratest.LabelPrefix + "z":         "z;video4",
	} {
		if d, err := Find(list, q); err != nil || d.ID != cameratest.LabelPrefix+id {
			t.Errorf("Find(%q) = %+v, %v; want %s", q, d, err, id)
		}
	}
	for _, q := range []string{"", "cam", "Logitech"} { // "cam": all three
		if _, err := Find(list, q); !errors.Is(err, ErrNoDevice) {
			t.Errorf("Find(%q) = %v, want ErrNoDevice", q, err)
		}
	}
}

// scriptedBackend has one camera whose frames follow a script: nil for
// a good frame, an error to return instead.
type scriptedBackend struct {
	script []error
	opens  int
	busy   int // opens that fail with EBUSY first
	pos    int
}

func (b *scriptedBackend) List() ([]Device, error) {
	return []Device{{ID: "s;video0", Name: "Scripted", Default: true}}, nil
}

func (b *scriptedBackend) Open(d Device, t Target) (Stream, error) {
	b.opens++
	if b.opens <= b.busy {
		return nil, fmt.Errorf("camera: %s: %w", d.Name, syscall.EBUSY)
	}
	return &scriptedStream{b: b}, nil
}

// scriptedStream follows its backend's script from where the last
// stream left it.
type scriptedStream struct {
	b *scriptedBackend
}

func (s *scriptedStream) Format() Format { return Format{I420, 64, 36, 30} }

func (s *scriptedStream) Read(ctx context.Context, dst *media.I420) (time.Time, error) {
	if s.b.pos >= len(s.b.script) {
		return time.Time{}, errors.New("script over")
	}
	err := s.b.script[s.b.pos]
	s.b.pos++
	dst.Resize(64, 36)
	fill(dst.Y, 200)
	return time.Now(), err
}

func (s *scriptedStream) Close() error { return nil }

// TestSourceBadFrames: a few frames that do not decode are skipped (a
// camera starting up, a USB hiccup); a camera that sends nothing else is
// given up.
func TestSourceBadFrames(t *testing.T) {
	script := []error{nil, ErrBadFrame, ErrShortFrame, ErrBadFrame, nil}
	for range maxBadFrames + 1 {
		script = append(script, ErrBadFrame)
	}
	b := &scriptedBackend{script: script}
	log := make(changeLog, 8)
	src, err := Open(Config{Backend: b, Target: Target{64, 36, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pic := &media.I420{}
	for i := 0; i < 2; i++ {
		if _, err := src.ReadFrame(context.Background(), pic); err != nil || pic.Y[0] != 200 {
			t.Fatalf("frame %d: %v, Y %d", i, err, pic.Y[0])
		}
	}
	if _, ok := src.Current(); !ok {
		t.Fatal("camera given up after three bad frames")
	}
	// Then only bad frames: lost, and (the one camera still listed, but
	// failed) none instead.
	if _, black := readKind(t, src, pic); !black {
		t.Fatal("no black picture after a camera that sends only bad frames")
	}
	if c := log.waitFor(t, Lost, time.Second); c.From != "Scripted" || c.To != "" {
		t.Fatalf("lost %+v", c)
	}
	if b.opens != 1 {
		t.Fatalf("the failed camera was opened %d times; still listed, it must wait to be unplugged", b.opens)
	}
}

// TestSourceBusyCamera: a camera another program (or our own preview,
// letting go) holds for a moment is waited for, not given up.
func TestSourceBusyCamera(t *testing.T) {
	b := &scriptedBackend{script: []error{nil, nil}, busy: 3}
	src, err := Open(Config{Backend: b, Target: Target{64, 36, 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if cur, ok := src.Current(); !ok || cur.Name != "Scripted" || b.opens != 4 {
		t.Fatalf("camera %+v, %v after %d opens", cur, ok, b.opens)
	}
	b2 := &scriptedBackend{busy: 1}
	src2, err := Open(Config{Backend: b2, Device: "Scripted"})
	if err != nil || b2.opens != 2 {
		t.Fatalf("named busy camera: %v after %d opens", err, b2.opens)
	}
	src2.Close()
}

// TestSourceRetriesFailedCamera: a camera that failed but stayed listed
// (stalled, or taken by another program) is tried again after
// failedRetry while there is no camera, and taken back when it works.
func TestSourceRetriesFailedCamera(t *testing.T) {
	var script []error
	for range maxBadFrames + 1 {
		script = append(script, ErrBadFrame)
	}
	for range 100 {
		script = append(script, nil)
	}
	b := &scriptedBackend{script: script}
	log := make(changeLog, 8)
	src, err := Open(Config{Backend: b, Target: Target{64, 36, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pic := &media.I420{}
	if _, black := readKind(t, src, pic); !black {
		t.Fatal("no black picture after a camera that sends only bad frames")
	}
	lost := time.Now()
	log.waitFor(t, Lost, time.Second)
	for {
		_, black := readKind(t, src, pic)
		if !black {
			break
		}
		if time.Since(lost) > failedRetry+2*time.Second {
			t.Fatalf("the camera was not tried again within %v", failedRetry+2*time.Second)
		}
	}
	if el := time.Since(lost); el < failedRetry-time.Second {
		t.Fatalf("the failed camera was tried again after %v, before %v", el, failedRetry)
	}
	if c := log.waitFor(t, Found, time.Second); c.To != "Scripted" || b.opens != 2 {
		t.Fatalf("found %+v after %d opens", c, b.opens)
	}
}

// TestSourceStalledCamera: a camera whose driver stops delivering
// without an error (DirectShow's, unplugged) is given up after
// driverStalled for the other one, and closed without waiting for it.
func TestSourceStalledCamera(t *testing.T) {
	a := cameratest.New(t, "a;video0", "Stalling Camera", cameratest.YUYV([3]int{320, 180, 30})...)
	cameratest.New(t, "b;video1", "Other Camera", cameratest.YUYV([3]int{320, 240, 30})...)
	log := make(changeLog, 16)
	src, err := Open(Config{Backend: fakeBackend, Target: Target{320, 180, 30}, OnChange: log.on})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pic := &media.I420{}
	readKind(t, src, pic)
	a.Hang()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), driverStalled+3*time.Second)
	defer cancel()
	for pic.Height != 240 {
		if _, err := src.ReadFrame(ctx, pic); err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
	}
	if el := time.Since(start); el < driverStalled-time.Second {
		t.Fatalf("other camera after %v, before the stall was noticed", el)
	}
	if c := log.waitFor(t, Lost, time.Second); c.From != "Stalling Camera" || c.To != "Other Camera" {
		t.Fatalf("lost %+v", c)
	}
	if a.Opened() != 0 {
		t.Fatal("the stalled camera is still open")
	}
}
