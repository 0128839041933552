//go:build cgo

package camera

// #cgo LDFLAGS: -lyuv
// #include <libyuv/convert.h>
import "C"

import (
	"unsafe"

	"causerie/media"
)

// The raw layouts go through libyuv (Debian's libyuv0), whose SIMD rows
// convert a 720p YUYV frame in 0.1-0.3 ms, against 1.6-1.8 ms for a Go
// loop (BenchmarkConvertYUYV). Convert has checked the source's length and
// sized dst; without cgo, convert_nocgo.go's loops give the same bytes.

// packed422 converts YUYV or UYVY rows stride bytes apart into dst. Each
// 4:2:0 chroma sample is the mean, rounded up, of the two rows' 4:2:2
// samples it stands for.
func packed422(dst *media.I420, src []byte, stride int, p PixelFormat) {
	y, u, v := bytePtr(dst.Y), bytePtr(dst.U), bytePtr(dst.V)
	ys, cs, w, h := C.int(dst.YStride), C.int(dst.CStride), C.int(dst.Width), C.int(dst.Height)
	if p == UYVY {
		C.UYVYToI420(bytePtr(src), C.int(stride), y, ys, u, cs, v, cs, w, h)
	} else {
		C.YUY2ToI420(bytePtr(src), C.int(stride), y, ys, u, cs, v, cs, w, h)
	}
}

// semiPlanar copies the luma plane and splits the interleaved chroma
// plane (NV12: U first; NV21: V first) into dst's U and V, both planes
// stride bytes a row.
func semiPlanar(dst *media.I420, luma, uv []byte, stride int, p PixelFormat) {
	y, u, v := bytePtr(dst.Y), bytePtr(dst.U), bytePtr(dst.V)
	ys, cs, w, h := C.int(dst.YStride), C.int(dst.CStride), C.int(dst.Width), C.int(dst.Height)
	if p == NV21 {
		C.NV21ToI420(bytePtr(luma), C.int(stride), bytePtr(uv), C.int(stride), y, ys, u, cs, v, cs, w, h)
	} else {
		C.NV12ToI420(bytePtr(luma), C.int(stride), bytePtr(uv), C.int(stride), y, ys, u, cs, v, cs, w, h)
	}
}

func bytePtr(p []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&p[0])) }
