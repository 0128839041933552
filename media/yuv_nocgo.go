//go:build !cgo

package media

// Without cgo there is no libyuv: these plain loops keep the package
// building and correct for cross-compilation and vet checks (the app
// itself needs cgo for its codecs). They are slower and not tuned.

// toABGR converts src at its size into the RGBA pixels pix, rows stride
// bytes apart: BT.601 video range, in 16.16 fixed point.
func toABGR(pix []byte, stride int, src *I420) {
	for y := range src.Height {
		out := pix[y*stride : y*stride+4*src.Width]
		for x := range src.Width {
			l := (int32(src.Y[y*src.YStride+x])-16)*76309 + 1<<15
			cb := int32(src.U[(y/2)*src.CStride+x/2]) - 128
			cr := int32(src.V[(y/2)*src.CStride+x/2]) - 128
			p := out[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = clamp8(l+104597*cr), clamp8(l-25675*cb-53279*cr), clamp8(l+132201*cb), 0xff
		}
	}
}

func clamp8(v int32) byte { return byte(min(max(v>>16, 0), 255)) }

// scaleBox scales src to dst's size: box averages where it shrinks, the
// nearest sample where it grows.
func scaleBox(dst, src *I420) { Downscale(dst, src) }

// halvePlane is boxPlane's exact-half case.
func halvePlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh int) {
	boxPlane(dst, dstStride, dw, dh, src, srcStride, sw, sh)
}
