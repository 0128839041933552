package media

// Downscale draws src into dst at dst's size, which the caller sets
// beforehand (NewI420 or Resize); dst must be no larger than src. Each
// destination pixel is the average of the source pixels it covers (a box
// filter), so a reduced picture does not alias the way point sampling
// would on fine detail. Halving a plane exactly, the simulcast case, goes
// through libyuv's box rows (about 0.05 ms for a 720p picture's three
// planes, 0.4 ms in Go), which round as the general case does. It does not
// allocate. Pictures whose planes are shorter than their sizes and
// strides say are left alone.
func Downscale(dst, src *I420) {
	if !src.Valid() || !dst.Valid() {
		return
	}
	scalePlane(dst.Y, dst.YStride, dst.Width, dst.Height, src.Y, src.YStride, src.Width, src.Height)
	dcw, dch := (dst.Width+1)/2, (dst.Height+1)/2
	scw, sch := (src.Width+1)/2, (src.Height+1)/2
	scalePlane(dst.U, dst.CStride, dcw, dch, src.U, src.CStride, scw, sch)
	scalePlane(dst.V, dst.CStride, dcw, dch, src.V, src.CStride, scw, sch)
}

func scalePlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh int) {
	switch {
	case dw <= 0 || dh <= 0:
	case dw == sw && dh == sh:
		for y := range dh {
			copy(dst[y*dstStride:y*dstStride+dw], src[y*srcStride:y*srcStride+sw])
		}
	case sw == 2*dw && sh == 2*dh:
		halvePlane(dst, dstStride, dw, dh, src, srcStride, sw, sh)
	default:
		boxPlane(dst, dstStride, dw, dh, src, srcStride, sw, sh)
	}
}

// boxPlane is the general case: destination pixel x covers source
// columns [x·sw/dw, (x+1)·sw/dw), at least one, and likewise for rows.
// It serves the sizes that are not exact halves (a 960×540 camera's
// 480×270 layer rounded to an even height), where speed matters less.
func boxPlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh int) {
	for y := range dh {
		y0 := y * sh / dh
		y1 := max(y0+1, (y+1)*sh/dh)
		out := dst[y*dstStride : y*dstStride+dw]
		for x := range dw {
			x0 := x * sw / dw
			x1 := max(x0+1, (x+1)*sw/dw)
			sum := uint(0)
			for sy := y0; sy < y1; sy++ {
				row := src[sy*srcStride+x0 : sy*srcStride+x1]
				for _, p := range row {
					sum += uint(p)
				}
			}
			n := uint((y1 - y0) * (x1 - x0))
			out[x] = byte((sum + n/2) / n)
		}
	}
}
