package synth

import (
	"context"
	"errors"
	"testing"
	"time"

	"causerie/media"
)

func TestNewCameraValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  CameraConfig
		want error
	}{
		{"ok", CameraConfig{Width: 640, Height: 360, FPS: 30}, nil},
		{"max", CameraConfig{Width: 16382, Height: 2, FPS: 240}, nil},
		{"odd width", CameraConfig{Width: 641, Height: 360, FPS: 30}, ErrInvalidSize},
		{"odd height", CameraConfig{Width: 640, Height: 361, FPS: 30}, ErrInvalidSize},
		{"zero width", CameraConfig{Width: 0, Height: 360, FPS: 30}, ErrInvalidSize},
		{"negative height", CameraConfig{Width: 640, Height: -360, FPS: 30}, ErrInvalidSize},
		{"too wide", CameraConfig{Width: 16384, Height: 360, FPS: 30}, ErrInvalidSize},
		{"zero fps", CameraConfig{Width: 640, Height: 360, FPS: 0}, ErrInvalidFPS},
		{"negative fps", CameraConfig{Width: 640, Height: 360, FPS: -1}, ErrInvalidFPS},
		{"too fast", CameraConfig{Width: 640, Height: 360, FPS: 241}, ErrInvalidFPS},
	}
	for _, tt := range tests {
		cam, err := NewCamera(tt.cfg)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if (err == nil) != (cam != nil) {
			t.Errorf("%s: camera %v with error %v", tt.name, cam, err)
		}
	}
}

func newFakeCamera(t testing.TB, fps int) (*Camera, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: wholeSecond.Add(123 * time.Millisecond)}
	cam, err := NewCamera(CameraConfig{Width: 320, Height: 180, FPS: fps, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	cam.wait.sleep = clk.sleep
	return cam, clk
}

func TestCameraPacing(t *testing.T) {
	const fps = 30
	cam, clk := newFakeCamera(t, fps)
	ctx := context.Background()
	img := &media.I420{}
	start := clk.t

	// A caller that keeps up gets slot n at start + n/fps, stamped.
	for n := range int64(10) {
		got, err := cam.ReadFrame(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		if want := start.Add(offset(n, fps)); !got.Equal(want) {
			t.Fatalf("frame %d captured at %v, want %v", n, got.Sub(start), want.Sub(start))
		}
		if ms, ok := ReadStamp(img); !ok || ms != got.UnixMilli() {
			t.Fatalf("frame %d stamp = %d, %v; want %d", n, ms, ok, got.UnixMilli())
		}
	}
	if clk.sleeps != 9 {
		t.Fatalf("%d sleeps for 10 frames, want 9 (the first is immediate)", clk.sleeps)
	}

	// The caller stalls 3.5 frame periods past slot 10's due time: it gets
	// one frame at once, then the next at slot 14, not a burst of slots
	// 10..13.
	clk.t = start.Add(offset(10, fps) + 7*offset(1, fps)/2)
	sleeps := clk.sleeps
	late := clk.t
	got, err := cam.ReadFrame(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(late) || clk.sleeps != sleeps {
		t.Fatalf("late read: captured %v after %d sleeps; want %v at once", got.Sub(start), clk.sleeps-sleeps, late.Sub(start))
	}
	got, err = cam.ReadFrame(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(offset(14, fps)); !got.Equal(want) {
		t.Fatalf("after late read: captured %v, want %v (slot 14)", got.Sub(start), want.Sub(start))
	}
}

func TestCameraRealClock(t *testing.T) {
	const fps, frames = 100, 6
	cam, err := NewCamera(CameraConfig{Width: 320, Height: 180, FPS: fps})
	if err != nil {
		t.Fatal(err)
	}
	img := &media.I420{}
	var first, last time.Time
	for n := range frames {
		ts, err := cam.ReadFrame(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			first = ts
		}
		last = ts
	}
	// Frames 1..5 are due 10..50 ms after frame 0; a timer never fires
	// early. The upper bound only catches a gross pacing error.
	if d := last.Sub(first); d < 50*time.Millisecond || d > time.Second {
		t.Fatalf("%d frames at %d fps took %v, want 50ms", frames, fps, d)
	}
}

func TestCameraContext(t *testing.T) {
	cam, err := NewCamera(CameraConfig{Width: 320, Height: 180, FPS: 1})
	if err != nil {
		t.Fatal(err)
	}
	img := &media.I420{}
	if _, err := cam.ReadFrame(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	// The next frame is due in a second; the context ends first.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if _, err := cam.ReadFrame(ctx, img); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(t0); d > 500*time.Millisecond {
		t.Fatalf("ReadFrame returned %v after the context ended", d)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := cam.ReadFrame(ctx, img); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
}

func TestCameraDrawMoves(t *testing.T) {
	cam, err := NewCamera(CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	a, b := &media.I420{}, &media.I420{}
	cam.Draw(a, wholeSecond)
	cam.Draw(b, wholeSecond.Add(33*time.Millisecond))
	if a.Width != 640 || a.Height != 360 || a.YStride != 640 {
		t.Fatalf("Draw made %dx%d stride %d", a.Width, a.Height, a.YStride)
	}
	// Outside the barcode the pictures differ: the pattern moves.
	changed := 0
	for i := 64 * a.YStride; i < len(a.Y); i++ {
		if a.Y[i] != b.Y[i] {
			changed++
		}
	}
	if changed < len(a.Y)/4 {
		t.Fatalf("only %d of %d luma samples changed in 33 ms", changed, len(a.Y))
	}
	// And the same time draws the same picture.
	cam.Draw(b, wholeSecond)
	if string(a.Y) != string(b.Y) || string(a.U) != string(b.U) || string(a.V) != string(b.V) {
		t.Fatal("Draw is not a function of the capture time")
	}
}

func TestCameraNoAllocs(t *testing.T) {
	cam, _ := newFakeCamera(t, 30)
	img := media.NewI420(320, 180)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		if _, err := cam.ReadFrame(ctx, img); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("ReadFrame allocates %v times per frame", n)
	}
}

func BenchmarkCameraDraw640x360(b *testing.B) {
	cam, err := NewCamera(CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		b.Fatal(err)
	}
	img := media.NewI420(640, 360)
	ts := wholeSecond
	b.ReportAllocs()
	for b.Loop() {
		cam.Draw(img, ts)
		ts = ts.Add(33 * time.Millisecond)
	}
}
