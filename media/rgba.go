package media

import "image"

// ToRGBA draws src into dst, scaled to dst's size (nearest sample, which
// at the downscales a tile needs reads a quarter or less of the source),
// converting BT.601 limited-range YUV — what VP8 and VP9 decoders give —
// to opaque RGBA. dst keeps its size and memory: a tile converts every
// frame into the same buffer without allocating.
//
// It is the front ends' path from a decoded picture to the screen, and
// does in one pass what the standard library needs two for (an
// image.YCbCr wrapper, then draw.Draw, which cannot scale): see
// BenchmarkToRGBA.
func ToRGBA(dst *image.RGBA, src *I420) {
	b := dst.Rect
	dw, dh := b.Dx(), b.Dy()
	if dw <= 0 || dh <= 0 || src.Width <= 0 || src.Height <= 0 {
		return
	}
	// Source column of each destination column, in 16.16 fixed point
	// stepped per pixel; the chroma column is half of it.
	xstep := (src.Width << 16) / dw
	ystep := (src.Height << 16) / dh
	for y := range dh {
		sy := (y*ystep + ystep/2) >> 16
		yrow := src.Y[sy*src.YStride:]
		crow := (sy / 2) * src.CStride
		urow, vrow := src.U[crow:], src.V[crow:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		sx := xstep / 2
		for x := 0; x < len(out); x += 4 {
			ix := sx >> 16
			sx += xstep
			yy := (int32(yrow[ix]) - 16) * 76309 // 1.164 << 16
			cb := int32(urow[ix/2]) - 128
			cr := int32(vrow[ix/2]) - 128
			r := (yy + 104597*cr + 1<<15) >> 16 // 1.596
			g := (yy - 25675*cb - 53279*cr + 1<<15) >> 16
			bl := (yy + 132201*cb + 1<<15) >> 16 // 2.018
			out[x] = clamp8(r)
			out[x+1] = clamp8(g)
			out[x+2] = clamp8(bl)
			out[x+3] = 0xff
		}
	}
}

func clamp8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}
