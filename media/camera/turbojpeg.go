//go:build cgo

package camera

// #cgo pkg-config: libturbojpeg
// #include <stdlib.h>
// #include <turbojpeg.h>
//
// // decode_planes decodes into three planes given one by one: the plane
// // and stride arrays TurboJPEG wants live on this stack, so no Go
// // pointer is ever stored in memory Go does not own.
// static int decode_planes(tjhandle h, const unsigned char *src, unsigned long n,
//                          unsigned char *y, unsigned char *u, unsigned char *v,
//                          int ys, int us, int vs, int w, int hgt) {
//   unsigned char *planes[3] = {y, u, v};
//   int strides[3] = {ys, us, vs};
//   return tjDecompressToYUVPlanes(h, src, n, planes, w, strides, hgt, 0);
// }
import "C"

import (
	"fmt"
	"unsafe"

	"causerie/media"
)

// jpegDecoder decodes MJPEG frames with libjpeg-turbo straight into YUV
// planes: no colour conversion, no allocation once its planes have
// grown, about six times faster than image/jpeg (BenchmarkConvertMJPEG
// against BenchmarkStdlibJPEGDecode). It also decodes the frames many
// UVC cameras send without Huffman tables: libjpeg-turbo falls back to
// the standard ones, as motion JPEG expects.
type jpegDecoder struct {
	h C.tjhandle
	// hdr receives the header's width, height, subsampling and colour
	// space: kept here, as variables whose address goes to C would be
	// allocated on each frame.
	hdr [4]C.int
	// Planes for the JPEG's own subsampling when it is not 4:2:0 at the
	// picture's size; then brought to dst.
	y, u, v []byte
}

func (d *jpegDecoder) close() {
	if d.h != nil {
		C.tjDestroy(d.h)
		d.h = nil
	}
}

func (d *jpegDecoder) errorf(what string) error {
	return fmt.Errorf("%w: MJPEG %s: %s", ErrBadFrame, what, C.GoString(C.tjGetErrorStr2(d.h)))
}

// ok tells whether a TurboJPEG call's result is a picture: a warning
// (a frame cut short, extraneous bytes, as cameras send now and then)
// still leaves one, mostly right, which beats dropping the frame.
func (d *jpegDecoder) ok(rc C.int) bool {
	return rc == 0 || C.tjGetErrorCode(d.h) == C.TJERR_WARNING
}

func (d *jpegDecoder) decode(dst *media.I420, src []byte) error {
	if len(src) < 4 || src[0] != 0xFF || src[1] != 0xD8 {
		return fmt.Errorf("%w: not a JPEG frame", ErrBadFrame)
	}
	if d.h == nil {
		if d.h = C.tjInitDecompress(); d.h == nil {
			return fmt.Errorf("camera: cannot start libjpeg-turbo")
		}
	}
	data := (*C.uchar)(unsafe.Pointer(&src[0]))
	n := C.ulong(len(src))
	if !d.ok(C.tjDecompressHeader3(d.h, data, n, &d.hdr[0], &d.hdr[1], &d.hdr[2], &d.hdr[3])) {
		return d.errorf("header")
	}
	cw, ch, subsamp := d.hdr[0], d.hdr[1], d.hdr[2]
	w, h := int(cw), int(ch)
	if w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return fmt.Errorf("%w: MJPEG of %dx%d", ErrBadFrame, w, h)
	}
	dst.Resize(w, h)
	pw := func(c int) int { return int(C.tjPlaneWidth(C.int(c), cw, subsamp)) }
	ph := func(c int) int { return int(C.tjPlaneHeight(C.int(c), ch, subsamp)) }
	if subsamp == C.TJSAMP_GRAY {
		if pw(0) != w || ph(0) != h {
			d.y = grow(d.y, pw(0)*ph(0))
			if !d.ok(C.decode_planes(d.h, data, n, bp(d.y), nil, nil, C.int(pw(0)), 0, 0, cw, ch)) {
				return d.errorf("decode")
			}
			copyPlane(dst.Y, dst.YStride, d.y, pw(0), w, h)
		} else if !d.ok(C.decode_planes(d.h, data, n, bp(dst.Y), nil, nil, C.int(dst.YStride), 0, 0, cw, ch)) {
			return d.errorf("decode")
		}
		fill(dst.U, 128)
		fill(dst.V, 128)
		return nil
	}
	cw2, ch2 := (w+1)/2, (h+1)/2
	if subsamp == C.TJSAMP_420 && pw(0) == w && ph(0) == h && pw(1) == cw2 && ph(1) == ch2 {
		// The picture is I420 already: decoded in place.
		if !d.ok(C.decode_planes(d.h, data, n, bp(dst.Y), bp(dst.U), bp(dst.V),
			C.int(dst.YStride), C.int(dst.CStride), C.int(dst.CStride), cw, ch)) {
			return d.errorf("decode")
		}
		return nil
	}
	// Another subsampling (webcams mostly send 4:2:2), or padded planes:
	// decoded into the JPEG's own planes, then brought to 4:2:0.
	yDirect := pw(0) == w && ph(0) == h
	yp, ys := dst.Y, dst.YStride
	if !yDirect {
		d.y = grow(d.y, pw(0)*ph(0))
		yp, ys = d.y, pw(0)
	}
	d.u = grow(d.u, pw(1)*ph(1))
	d.v = grow(d.v, pw(2)*ph(2))
	if !d.ok(C.decode_planes(d.h, data, n, bp(yp), bp(d.u), bp(d.v), C.int(ys), C.int(pw(1)), C.int(pw(2)), cw, ch)) {
		return d.errorf("decode")
	}
	if !yDirect {
		copyPlane(dst.Y, dst.YStride, d.y, pw(0), w, h)
	}
	// Luma pixels per chroma sample across and down.
	sx, sy := max(1, (w+pw(1)-1)/pw(1)), max(1, (h+ph(1)-1)/ph(1))
	downsample(dst.U, dst.CStride, cw2, ch2, d.u, pw(1), pw(1), ph(1), sx, sy)
	downsample(dst.V, dst.CStride, cw2, ch2, d.v, pw(2), pw(2), ph(2), sx, sy)
	return nil
}

func bp(b []byte) *C.uchar { return (*C.uchar)(unsafe.Pointer(&b[0])) }

func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}
