package media

import "encoding/binary"

// Downscale draws src into dst at dst's size, which the caller sets
// beforehand (NewI420 or Resize); dst must be no larger than src. Each
// destination pixel is the average of the source pixels it covers (a box
// filter), so a reduced picture does not alias the way point sampling
// would on fine detail. Halving each axis exactly, the simulcast case, has
// a fast path that averages four source pixels per output eight bytes at
// a time. It does not allocate.
func Downscale(dst, src *I420) {
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
		halvePlane(dst, dstStride, dw, dh, src, srcStride)
	default:
		boxPlane(dst, dstStride, dw, dh, src, srcStride, sw, sh)
	}
}

// Masks and rounding for halvePlane's eight-byte lanes: the even bytes of
// a word, and 2 in each 16-bit lane (the +2 of a rounded division by 4).
const (
	evenBytes  = 0x00ff00ff00ff00ff
	roundLanes = 0x0002000200020002
)

// halvePlane averages each 2×2 block of src into one pixel of dst. Eight
// source bytes of two rows make four output bytes: the sums of four
// pixels (at most 1020) fit the 16-bit lanes of a 64-bit word, which is
// three times faster than a byte at a time in Go.
func halvePlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride int) {
	for y := range dh {
		r0 := src[2*y*srcStride : 2*y*srcStride+2*dw]
		r1 := src[(2*y+1)*srcStride : (2*y+1)*srcStride+2*dw]
		out := dst[y*dstStride : y*dstStride+dw]
		x := 0
		for ; x+8 <= dw; x += 8 {
			// Two words a row, so each output store is a whole word.
			a0 := binary.LittleEndian.Uint64(r0[2*x : 2*x+8])
			b0 := binary.LittleEndian.Uint64(r1[2*x : 2*x+8])
			a1 := binary.LittleEndian.Uint64(r0[2*x+8 : 2*x+16])
			b1 := binary.LittleEndian.Uint64(r1[2*x+8 : 2*x+16])
			lo := halveWords(a0, b0)
			hi := halveWords(a1, b1)
			binary.LittleEndian.PutUint64(out[x:x+8], lo|hi<<32)
		}
		for ; x < dw; x++ {
			out[x] = byte((uint(r0[2*x]) + uint(r0[2*x+1]) + uint(r1[2*x]) + uint(r1[2*x+1]) + 2) >> 2)
		}
	}
}

// halveWords averages the 2×2 blocks of two rows' eight bytes into four
// bytes, in the low half of the result.
func halveWords(a, b uint64) uint64 {
	s := a&evenBytes + a>>8&evenBytes + b&evenBytes + b>>8&evenBytes + roundLanes
	s = s >> 2 & evenBytes
	s = (s | s>>8) & 0x0000ffff0000ffff
	return (s | s>>16) & 0xffffffff
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
