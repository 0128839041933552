package desktop

import (
	"image"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/canvas"

	"causerie/media"
)

// feed brings a video track's pictures to a canvas.Image. The decoder's
// goroutine converts each picture to RGBA at the size the tile shows
// (never larger than the picture) and leaves it as the newest; the
// screen's presenter shows every feed's newest on one tick of Fyne's
// thread, so three videos cost one repaint, not three, and a slow screen
// skips frames instead of queueing them. The decoder never waits.
//
// Three buffers rotate, so none is written while shown: the one on screen
// (Fyne's thread owns it), the newest finished one, and the one being
// converted (the decoder's).
type feed struct {
	img *canvas.Image // touched on Fyne's thread only

	// Target size in pixels, set by the tile's layout on Fyne's thread
	// and read by the decoder.
	w, h atomic.Int32

	mu     sync.Mutex
	back   *image.RGBA // the decoder's
	ready  *image.RGBA // newest finished, not yet shown; nil if none
	closed bool
	// fresh is set when ready holds a picture, for the presenter.
	fresh *atomic.Bool

	front  *image.RGBA // on screen; Fyne's thread's
	frames atomic.Uint64
	// first and last are when the first and the latest picture were
	// shown (Fyne's thread's), for the frame rate.
	first, last time.Time
}

// newFeed makes a feed that raises fresh when it has a new picture.
func newFeed(fresh *atomic.Bool) *feed {
	f := &feed{img: canvas.NewImageFromImage(nil), fresh: fresh}
	f.img.FillMode = canvas.ImageFillContain
	f.img.ScaleMode = canvas.ImageScaleFastest
	return f
}

// setSize records the size the picture is drawn at, in device pixels.
func (f *feed) setSize(w, h int) {
	f.w.Store(int32(w))
	f.h.Store(int32(h))
}

// put converts src and schedules it; it runs on the decoder's goroutine.
func (f *feed) put(src *media.I420) {
	w, h := fitSize(src.Width, src.Height, int(f.w.Load()), int(f.h.Load()))
	if w == 0 {
		return // not laid out yet, or hidden: nothing to draw
	}
	f.mu.Lock()
	back := f.back
	f.back = nil
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return
	}
	if back == nil || back.Rect.Dx() != w || back.Rect.Dy() != h {
		back = image.NewRGBA(image.Rect(0, 0, w, h)) // only when the size changes
	}
	media.ToRGBA(back, src)

	f.mu.Lock()
	f.back, f.ready = f.ready, back
	f.mu.Unlock()
	f.fresh.Store(true)
}

// present shows the newest picture; it runs on Fyne's thread, which also
// paints, so the buffer it retires is free for the decoder at once.
func (f *feed) present() {
	f.mu.Lock()
	if f.ready == nil || f.closed {
		f.mu.Unlock()
		return
	}
	old := f.front
	f.front, f.ready = f.ready, nil
	f.img.Image = f.front
	if f.back == nil {
		f.back = old
	}
	f.mu.Unlock()
	f.img.Refresh()
	if f.frames.Add(1) == 1 {
		f.first = time.Now()
	}
	f.last = time.Now()
}

// fps is the rate pictures were shown at, first to last.
func (f *feed) fps() float64 {
	n := f.frames.Load()
	if n < 2 {
		return 0
	}
	return float64(n-1) / f.last.Sub(f.first).Seconds()
}

// presenter shows the feeds' new pictures at most fps times a second,
// all in one call on Fyne's thread (doWait gets there). It runs until stop is closed.
func presenter(fresh *atomic.Bool, fps int, stop <-chan struct{}, doWait func(func()), presentAll func()) {
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if fresh.Swap(false) {
				doWait(presentAll)
			}
		}
	}
}

// close stops presenting; pictures put afterwards are dropped.
func (f *feed) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
}

// fitSize is the largest size with the picture's aspect ratio inside
// maxW×maxH, never larger than the picture itself; even, for the chroma.
func fitSize(pw, ph, maxW, maxH int) (int, int) {
	if pw <= 0 || ph <= 0 || maxW <= 0 || maxH <= 0 {
		return 0, 0
	}
	w, h := pw, ph
	if w > maxW {
		w, h = maxW, ph*maxW/pw
	}
	if h > maxH {
		w, h = pw*maxH/ph, maxH
	}
	return max(2, w&^1), max(2, h&^1)
}
