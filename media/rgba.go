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
// BenchmarkToRGBA. Each sample's contribution comes from a table, and a
// row pair shares its chroma, as 4:2:0 does.
func ToRGBA(dst *image.RGBA, src *I420) {
	b := dst.Rect
	dw, dh := b.Dx(), b.Dy()
	if dw <= 0 || dh <= 0 || src.Width <= 0 || src.Height <= 0 {
		return
	}
	if dw == src.Width && dh == src.Height {
		toRGBAFull(dst, src)
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
			put(out[x:x+4:x+4], yrow[ix], urow[ix/2], vrow[ix/2])
		}
	}
}

// toRGBAFull converts at the same size, two rows and two columns per
// chroma sample.
func toRGBAFull(dst *image.RGBA, src *I420) {
	w, h := src.Width, src.Height
	for y := 0; y < h; y += 2 {
		crow := (y / 2) * src.CStride
		urow, vrow := src.U[crow:crow+(w+1)/2], src.V[crow:crow+(w+1)/2]
		y0 := src.Y[y*src.YStride : y*src.YStride+w]
		o0 := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		var y1, o1 []byte
		if y+1 < h {
			y1 = src.Y[(y+1)*src.YStride : (y+1)*src.YStride+w]
			o1 = dst.Pix[(y+1)*dst.Stride : (y+1)*dst.Stride+w*4]
		}
		for cx := range urow {
			u, v := urow[cx], vrow[cx]
			rv, gu, gv, bu := crTab[v], cbgTab[u], crgTab[v], cbTab[u]
			for x := 2 * cx; x < 2*cx+2 && x < w; x++ {
				l := lumaTab[y0[x]]
				p := o0[x*4 : x*4+4 : x*4+4]
				p[0], p[1], p[2], p[3] = clamp8(l+rv), clamp8(l-gu-gv), clamp8(l+bu), 0xff
				if y1 != nil {
					l := lumaTab[y1[x]]
					p := o1[x*4 : x*4+4 : x*4+4]
					p[0], p[1], p[2], p[3] = clamp8(l+rv), clamp8(l-gu-gv), clamp8(l+bu), 0xff
				}
			}
		}
	}
}

// put writes one pixel.
func put(p []byte, yy, u, v byte) {
	l := lumaTab[yy]
	p[0] = clamp8(l + crTab[v])
	p[1] = clamp8(l - cbgTab[u] - crgTab[v])
	p[2] = clamp8(l + cbTab[u])
	p[3] = 0xff
}

// The BT.601 limited-range coefficients in 16.16 fixed point, per sample
// value, the rounding half included in the luma term:
// R = 1.164(Y-16) + 1.596(V-128), G = 1.164(Y-16) - 0.391(U-128) -
// 0.813(V-128), B = 1.164(Y-16) + 2.018(U-128).
var lumaTab, crTab, cbgTab, crgTab, cbTab [256]int32

func init() {
	for i := range 256 {
		c := int32(i) - 128
		lumaTab[i] = (int32(i)-16)*76309 + 1<<15
		crTab[i] = 104597 * c
		cbgTab[i] = 25675 * c
		crgTab[i] = 53279 * c
		cbTab[i] = 132201 * c
	}
}

// clamp8 takes a 16.16 value to 0..255.
func clamp8(v int32) uint8 {
	v >>= 16
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}
