//go:build cgo

package media

// #cgo LDFLAGS: -lyuv
// #include <libyuv/convert_argb.h>
// #include <libyuv/scale.h>
import "C"

import "unsafe"

// This file holds the calls into libyuv (Debian's libyuv0) that the
// picture operations share; the callers check sizes (I420.Valid) first,
// since C reads the planes without bounds. yuv_nocgo.go stands in for it
// where cgo is off (cross-compilation and vet checks; the app itself needs
// cgo for its codecs).

// toABGR converts src at its size into the RGBA pixels pix, rows stride
// bytes apart. libyuv names formats by their 32-bit word, little end
// last: its ABGR is the bytes R, G, B, A, image.RGBA's order.
func toABGR(pix []byte, stride int, src *I420) {
	C.I420ToABGR(plane(src.Y), C.int(src.YStride), plane(src.U), C.int(src.CStride), plane(src.V), C.int(src.CStride),
		plane(pix), C.int(stride), C.int(src.Width), C.int(src.Height))
}

// scaleBox scales src to dst's size with libyuv's box filter (bilinear
// where dst is larger). Both must be valid.
func scaleBox(dst, src *I420) {
	C.I420Scale(plane(src.Y), C.int(src.YStride), plane(src.U), C.int(src.CStride), plane(src.V), C.int(src.CStride),
		C.int(src.Width), C.int(src.Height),
		plane(dst.Y), C.int(dst.YStride), plane(dst.U), C.int(dst.CStride), plane(dst.V), C.int(dst.CStride),
		C.int(dst.Width), C.int(dst.Height), C.kFilterBox)
}

// halvePlane averages each 2×2 block of a sw×sh plane into one pixel of
// the dw×dh plane dst (dw = sw/2, dh = sh/2), rounding as boxPlane does.
func halvePlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh int) {
	C.ScalePlane(plane(src), C.int(srcStride), C.int(sw), C.int(sh),
		plane(dst), C.int(dstStride), C.int(dw), C.int(dh), C.kFilterBox)
}

func plane(p []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&p[0])) }
