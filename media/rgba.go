package media

import (
	"image"
	"sync"
)

// ToRGBA draws src into dst, scaled to dst's size, converting BT.601
// limited-range YUV — what VP8 and VP9 decoders give — to opaque RGBA.
// dst keeps its size and memory: a tile converts every frame into the same
// buffer without allocating.
//
// It is the front ends' path from a decoded picture to the screen, through
// libyuv (Debian's libyuv0), whose SIMD rows convert a 720p picture in
// about 0.3 ms: see BenchmarkToRGBA, against the standard library's
// image.YCbCr and draw.Draw, which take 4–6 ms and cannot scale. A tile of
// another size is scaled first, in YUV, with libyuv's box filter when it
// shrinks (each pixel the average of the block it covers, so fine detail
// does not alias) and bilinear when it grows. A malformed picture or
// destination (planes or pixels shorter than their sizes say) draws
// nothing.
func ToRGBA(dst *image.RGBA, src *I420) {
	b := dst.Rect
	dw, dh := b.Dx(), b.Dy()
	if dw <= 0 || dh <= 0 || !src.Valid() || dst.Stride < 4*dw ||
		len(dst.Pix) < dst.PixOffset(b.Min.X, b.Min.Y)+(dh-1)*dst.Stride+4*dw {
		return
	}
	pix := dst.Pix[dst.PixOffset(b.Min.X, b.Min.Y):]
	if dw == src.Width && dh == src.Height {
		toABGR(pix, dst.Stride, src)
		return
	}
	tile := tiles.take()
	tile.Resize(dw, dh)
	scaleBox(tile, src)
	toABGR(pix, dst.Stride, tile)
	tiles.give(tile)
}

// tiles keeps the YUV pictures ToRGBA scales into, one per concurrent
// call, each at the largest size it served: steady drawing allocates
// nothing. (A sync.Pool drops its entries at every collection, and at
// random under the race detector.)
var tiles scratch

// scratch is a free list of pictures, at most 8 kept.
type scratch struct {
	mu   sync.Mutex
	free []*I420
}

func (s *scratch) take() *I420 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		img := s.free[n-1]
		s.free = s.free[:n-1]
		return img
	}
	return new(I420)
}

func (s *scratch) give(img *I420) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) < 8 {
		s.free = append(s.free, img)
	}
}
