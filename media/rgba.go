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
	if dw <= 0 || dh <= 0 || !src.valid() || dst.Stride < 4*dw ||
		len(dst.Pix) < dst.PixOffset(b.Min.X, b.Min.Y)+(dh-1)*dst.Stride+4*dw {
		return
	}
	pix := dst.Pix[dst.PixOffset(b.Min.X, b.Min.Y):]
	if dw == src.Width && dh == src.Height {
		toABGR(pix, dst.Stride, src)
		return
	}
	tile := tiles.Get().(*I420)
	tile.Resize(dw, dh)
	scaleBox(tile, src)
	toABGR(pix, dst.Stride, tile)
	tiles.Put(tile)
}

// tiles holds the YUV pictures ToRGBA scales into, one per concurrent
// call, kept at the largest size they served: steady drawing reuses them.
var tiles = sync.Pool{New: func() any { return new(I420) }}
