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
// goroutine copies each picture (a memcpy of its planes) and leaves it as
// the newest; on each tick the screen's presenter converts the feeds'
// newest pictures to RGBA at the size their tiles show (never larger than
// the picture), then shows them all in one call on Fyne's thread, so three
// videos cost one repaint, not three, and a slow screen skips frames
// instead of queueing them. Only pictures that will be shown are
// converted: on a machine that paints 10 frames a second, the 20 others
// cost a copy, not a conversion. The decoder never waits.
//
// Three I420 buffers rotate (the decoder's copy, the newest waiting, the
// presenter's being converted), and three RGBA ones (the one on screen,
// Fyne's thread's; the newest converted; the one being converted).
type feed struct {
	img *canvas.Image // touched on Fyne's thread only

	// Target size in pixels, set by the tile's layout on Fyne's thread
	// and read by the presenter.
	w, h atomic.Int32

	in *media.I420 // the decoder's copy, touched by put only

	mu         sync.Mutex
	pending    *media.I420 // newest picture, not yet converted, if hasPending
	hasPending bool
	back       *image.RGBA // the presenter's
	ready      *image.RGBA // newest converted, not yet shown; nil if none
	closed     bool
	// fresh is set when pending holds a picture, for the presenter.
	fresh *atomic.Bool

	spare  *media.I420 // the presenter's, being converted
	front  *image.RGBA // on screen; Fyne's thread's
	frames atomic.Uint64
	// first and last are when the first and the latest picture were
	// shown (Fyne's thread's), for the frame rate.
	first, last time.Time
}

// newFeed makes a feed that raises fresh when it has a new picture.
func newFeed(fresh *atomic.Bool) *feed {
	f := &feed{img: canvas.NewImageFromImage(nil), fresh: fresh,
		in: &media.I420{}, pending: &media.I420{}, spare: &media.I420{}}
	f.img.FillMode = canvas.ImageFillContain
	f.img.ScaleMode = canvas.ImageScaleFastest
	return f
}

// setSize records the size the picture is drawn at, in device pixels.
func (f *feed) setSize(w, h int) {
	f.w.Store(int32(w))
	f.h.Store(int32(h))
}

// put keeps a copy of src as the newest picture; it runs on the decoder's
// goroutine, which may reuse src once put returns.
func (f *feed) put(src *media.I420) {
	if f.w.Load() <= 0 || f.h.Load() <= 0 || src.Width <= 0 || src.Height <= 0 {
		return // not laid out yet, or hidden: nothing to draw
	}
	copyI420(f.in, src)
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.in, f.pending = f.pending, f.in
	f.hasPending = true
	f.mu.Unlock()
	f.fresh.Store(true)
}

// prepare converts the newest picture for present; it runs on the
// presenter's goroutine, before the call to Fyne's thread.
func (f *feed) prepare() {
	f.mu.Lock()
	if !f.hasPending || f.closed {
		f.mu.Unlock()
		return
	}
	f.pending, f.spare = f.spare, f.pending
	f.hasPending = false
	back := f.back
	f.back = nil
	f.mu.Unlock()

	src := f.spare
	w, h := fitSize(src.Width, src.Height, int(f.w.Load()), int(f.h.Load()))
	if w == 0 {
		return
	}
	if back == nil || back.Rect.Dx() != w || back.Rect.Dy() != h {
		back = image.NewRGBA(image.Rect(0, 0, w, h)) // only when the size changes
	}
	media.ToRGBA(back, src)

	f.mu.Lock()
	f.back, f.ready = f.ready, back
	f.mu.Unlock()
}

// copyI420 copies src's planes into dst, resized to src's size.
func copyI420(dst, src *media.I420) {
	dst.Resize(src.Width, src.Height)
	cw, ch := (src.Width+1)/2, (src.Height+1)/2
	copyPlane(dst.Y, dst.YStride, src.Y, src.YStride, src.Width, src.Height)
	copyPlane(dst.U, dst.CStride, src.U, src.CStride, cw, ch)
	copyPlane(dst.V, dst.CStride, src.V, src.CStride, cw, ch)
}

func copyPlane(dst []byte, dstStride int, src []byte, srcStride, w, h int) {
	if dstStride == srcStride && len(src) >= h*srcStride {
		copy(dst[:h*dstStride], src[:h*srcStride])
		return
	}
	for y := range h {
		copy(dst[y*dstStride:y*dstStride+w], src[y*srcStride:y*srcStride+w])
	}
}

// present shows the newest converted picture; it runs on Fyne's thread,
// which also paints, so the buffer it retires is free for the presenter
// at once.
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

// presenter shows the feeds' new pictures at most fps times a second:
// prepareAll converts them here, then presentAll shows them all in one
// call on Fyne's thread (doWait gets there). It runs until stop is closed.
func presenter(fresh *atomic.Bool, fps int, stop <-chan struct{}, doWait func(func()), prepareAll, presentAll func()) {
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if fresh.Swap(false) {
				prepareAll()
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
