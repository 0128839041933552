package desktop

import (
	"sync/atomic"
	"testing"

	"causerie/media"
)

// grey is a picture of one luma value, neutral chroma.
func grey(w, h int, luma byte) *media.I420 {
	img := media.NewI420(w, h)
	for i := range img.Y {
		img.Y[i] = luma
	}
	for i := range img.U {
		img.U[i], img.V[i] = 128, 128
	}
	return img
}

// TestFeedConvertsOnlyWhatIsShown: pictures that arrive between two
// presenter ticks are kept as copies, only the newest is converted, and
// the decoder may reuse its buffer as soon as put returns.
func TestFeedConvertsOnlyWhatIsShown(t *testing.T) {
	var fresh atomic.Bool
	f := newFeed(&fresh)
	src := grey(64, 36, 16) // black
	f.put(src)
	if fresh.Load() {
		t.Fatal("a feed not laid out yet took a picture")
	}
	f.setSize(32, 18)
	f.put(src)
	src.Resize(64, 36)
	for i := range src.Y {
		src.Y[i] = 235 // white: the decoder reuses its buffer
	}
	f.put(grey(64, 36, 126)) // the newest: mid grey
	if !fresh.Swap(false) {
		t.Fatal("no fresh picture signalled")
	}
	f.prepare()
	f.prepare() // nothing new: nothing to do
	f.present()
	img := f.front
	if img == nil || img.Rect.Dx() != 32 || img.Rect.Dy() != 18 {
		t.Fatalf("shown %v, want a 32×18 picture", img)
	}
	// Luma 126 in limited range is about 128 in full range.
	if r := img.Pix[0]; r < 120 || r > 136 {
		t.Errorf("shown red %d, want the newest picture's grey (~128)", r)
	}
	if n := f.frames.Load(); n != 1 {
		t.Errorf("%d frames shown, want 1", n)
	}
	// The next picture goes through the buffers the first one freed.
	f.put(src)
	f.prepare()
	f.present()
	if r := f.front.Pix[0]; r < 250 {
		t.Errorf("second picture shown red %d, want white", r)
	}
	if f.front == img {
		t.Error("the picture on screen was converted into")
	}
	f.close()
	f.put(src)
	f.prepare()
	f.present()
	if n := f.frames.Load(); n != 2 {
		t.Errorf("%d frames shown after close, want 2", n)
	}
}

// BenchmarkFeed is what a 360p picture costs on its way to a 558×312
// tile: "put" the decoder's share (a copy), "shown" the whole way (the
// presenter's conversion and the swap on Fyne's thread too).
func BenchmarkFeed(b *testing.B) {
	for _, shown := range []bool{false, true} {
		name := map[bool]string{false: "put", true: "shown"}[shown]
		b.Run(name, func(b *testing.B) {
			var fresh atomic.Bool
			f := newFeed(&fresh)
			f.setSize(558, 312)
			src := grey(640, 360, 100)
			b.ReportAllocs()
			for b.Loop() {
				f.put(src)
				if shown {
					f.prepare()
					f.present()
				}
			}
		})
	}
}
