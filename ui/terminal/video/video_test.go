package video

import (
	"strings"
	"sync"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
)

func uniform(w, h int, y, u, v byte) *media.I420 {
	img := media.NewI420(w, h)
	for i := range img.Y {
		img.Y[i] = y
	}
	for i := range img.U {
		img.U[i], img.V[i] = u, v
	}
	return img
}

// BT.601 limited range: black is Y 16, white Y 235, and the primaries
// come out within rounding of full scale.
func TestDownscaleColours(t *testing.T) {
	cases := []struct {
		y, u, v byte
		want    RGB
	}{
		{16, 128, 128, RGB{0, 0, 0}},
		{235, 128, 128, RGB{255, 255, 255}},
		{126, 128, 128, RGB{128, 128, 128}},
		{81, 90, 240, RGB{255, 0, 0}},
		{145, 54, 34, RGB{0, 255, 0}},
		{41, 240, 110, RGB{0, 0, 255}},
	}
	for _, c := range cases {
		var p Picture
		Downscale(&p, uniform(64, 36, c.y, c.u, c.v), 8, 4)
		got := p.Pix[13]
		near := func(a, b uint8) bool { return int(a)-int(b) <= 2 && int(b)-int(a) <= 2 }
		if !near(got.R, c.want.R) || !near(got.G, c.want.G) || !near(got.B, c.want.B) {
			t.Errorf("YUV %d,%d,%d → %v, want %v", c.y, c.u, c.v, got, c.want)
		}
	}
}

// Area averaging: a 1-pixel checkerboard averages to mid grey, where
// point sampling would give black or white.
func TestDownscaleAverages(t *testing.T) {
	img := uniform(64, 64, 16, 128, 128)
	for y := range 64 {
		for x := range 64 {
			if (x+y)%2 == 0 {
				img.Y[y*img.YStride+x] = 236
			}
		}
	}
	var p Picture
	Downscale(&p, img, 16, 16)
	for _, px := range p.Pix {
		if px.R < 120 || px.R > 135 {
			t.Fatalf("pixel %v, want mid grey", px)
		}
	}
	// Odd sizes and a destination larger than the source do not panic.
	Downscale(&p, uniform(7, 5, 100, 128, 128), 13, 11)
	if p.W != 13 || p.H != 11 {
		t.Fatalf("size %dx%d", p.W, p.H)
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct{ w, h, cols, rows, pw, ph int }{
		{640, 360, 47, 19, 47, 26},  // width-bound
		{640, 360, 200, 20, 71, 40}, // height-bound
		{360, 640, 80, 24, 27, 48},  // portrait
		{640, 360, 0, 10, 0, 0},
	} {
		if pw, ph := Fit(c.w, c.h, c.cols, c.rows); pw != c.pw || ph != c.ph {
			t.Errorf("Fit(%d,%d,%d,%d) = %d,%d, want %d,%d", c.w, c.h, c.cols, c.rows, pw, ph, c.pw, c.ph)
		}
	}
}

func TestLines(t *testing.T) {
	p := Picture{W: 2, H: 2, Pix: []RGB{{255, 0, 0}, {255, 0, 0}, {0, 0, 255}, {0, 0, 0}}}
	lines := Lines(&p, 6, 3)
	want := []string{
		"      ",
		"  \x1b[38;2;255;0;0;48;2;0;0;255m▀\x1b[48;2;0;0;0m▀\x1b[m  ",
		"      ",
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
}

// The store drops pictures that come faster than MaxFPS and those of
// participants not shown, and hands the newest to the UI once.
func TestStore(t *testing.T) {
	now := time.Unix(0, 0)
	s := NewStore(func() time.Time { return now })
	img := uniform(64, 36, 235, 128, 128)
	s.Put("TR_a", img) // not shown: dropped
	var p Picture
	if _, ok := s.Latest("TR_a", 0, &p); ok {
		t.Fatal("picture kept for a participant not shown")
	}
	s.Want("TR_a", 8, 4)
	s.Put("TR_a", img)
	seq, ok := s.Latest("TR_a", 0, &p)
	if !ok || seq != 1 || p.W != 8 || p.H != 4 || p.Pix[0] != (RGB{255, 255, 255}) {
		t.Fatalf("seq %d ok %v picture %dx%d %v", seq, ok, p.W, p.H, p.Pix)
	}
	if _, ok := s.Latest("TR_a", seq, &p); ok {
		t.Fatal("same picture twice")
	}
	now = now.Add(time.Second / 30)
	s.Put("TR_a", img) // too soon after the last
	if _, ok := s.Latest("TR_a", seq, &p); ok {
		t.Fatal("more than MaxFPS")
	}
	now = now.Add(time.Second / 30)
	s.Put("TR_a", img)
	if seq2, ok := s.Latest("TR_a", seq, &p); !ok || seq2 != 2 {
		t.Fatal("picture after 1/15 s dropped")
	}
}

// Decoders put while the UI takes: run with -race.
func TestStoreConcurrent(t *testing.T) {
	s := NewStore(nil)
	s.Want("a", 40, 12)
	s.Want("b", 40, 12)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, id := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img := uniform(320, 180, 100, 120, 140)
			for {
				select {
				case <-stop:
					return
				default:
					s.Put(id, img)
				}
			}
		}()
	}
	var p Picture
	var seen uint64
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		seen, _ = s.Latest("a", seen, &p)
		_ = Lines(&p, 40, 12)
		s.Want("b", 30, 10)
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if seen == 0 || !strings.Contains(strings.Join(Lines(&p, 40, 12), ""), upperHalf) {
		t.Fatalf("no picture taken (seq %d)", seen)
	}
}

// benchmarkCells is the video package's share of a frame: downscaling a
// 640×360 decoded picture to the tile of a w×h terminal's active speaker
// and turning it into lines of cells (the rest is Bubble Tea's renderer,
// measured by the terminal package's BenchmarkRender*).
func benchmarkCells(b *testing.B, cols, rows int) {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		b.Fatal(err)
	}
	pics := make([]*media.I420, 30)
	for i := range pics {
		pics[i] = &media.I420{}
		cam.Draw(pics[i], time.UnixMilli(int64(i)*1000/MaxFPS))
	}
	var p Picture
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w, h := Fit(640, 360, cols, rows)
		Downscale(&p, pics[i%len(pics)], w, h)
		_ = Lines(&p, cols, rows)
	}
}

// Tile sizes of the speaker view in 80×24 and 200×60 terminals.
func BenchmarkCells80x24(b *testing.B)  { benchmarkCells(b, 47, 19) }
func BenchmarkCells200x60(b *testing.B) { benchmarkCells(b, 151, 55) }
