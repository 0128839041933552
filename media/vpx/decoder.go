package vpx

/*
#include <stdlib.h>
#include "cvpx.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"causerie/media"
)

// maxFrameBytes bounds one compressed frame. libvpx takes the size as an
// unsigned int; real frames are far below this even for 4K keyframes.
const maxFrameBytes = 64 << 20

// Decoder decompresses a VP8 or VP9 stream.
type Decoder struct {
	c       *C.cz_dec // nil after Close
	codec   Codec
	cleanup runtime.Cleanup
}

// NewDecoder creates a decoder for the given codec.
func NewDecoder(c Codec) (*Decoder, error) {
	return newDecoder(c, decoderThreads)
}

func newDecoder(c Codec, threads int) (*Decoder, error) {
	if !c.valid() {
		return nil, fmt.Errorf("%w: unknown codec %d", ErrInvalidConfig, int(c))
	}
	cd := (*C.cz_dec)(C.calloc(1, C.size_t(unsafe.Sizeof(C.cz_dec{}))))
	if cd == nil {
		return nil, fmt.Errorf("%w: out of memory", ErrCodec)
	}
	d := &Decoder{c: cd, codec: c}
	d.cleanup = runtime.AddCleanup(d, freeDecoder, cd)
	if rc := C.cz_dec_init(cd, C.int(c.isVP9()), C.uint(threads)); rc != C.VPX_CODEC_OK {
		err := fmt.Errorf("%w: %s decoder init: %s", ErrCodec, c, describe(&cd.ctx, rc))
		d.Close()
		return nil, err
	}
	return d, nil
}

// Decode decodes one compressed frame (a whole VP8 frame or a VP9 frame or
// superframe) and copies the picture into dst, resizing it as needed and
// reusing its memory.
//
// It returns ok=false with a nil error when the input produced no picture
// to show (a hidden VP9 frame). These return an error wrapping
// ErrCorruptFrame and leave dst's contents unspecified: empty, truncated or
// garbage input; input of the other codec; keyframes larger than
// MaxDimension on either axis (a guard against memory exhaustion by a
// hostile sender); pictures that are not 4:2:0 8-bit (VP9 profiles 1-3);
// and frames predicted from a damaged reference. The decoder stays usable
// and recovers at the next keyframe.
func (d *Decoder) Decode(frame []byte, dst *media.I420) (ok bool, err error) {
	if d.c == nil {
		return false, ErrClosed
	}
	if dst == nil {
		return false, fmt.Errorf("%w: nil destination picture", ErrBadPicture)
	}
	if len(frame) == 0 {
		return false, fmt.Errorf("%w: empty input", ErrCorruptFrame)
	}
	if len(frame) > maxFrameBytes {
		return false, fmt.Errorf("%w: %d bytes exceeds %d", ErrCorruptFrame, len(frame), maxFrameBytes)
	}
	rc := C.cz_dec_decode(d.c, (*C.uint8_t)(unsafe.Pointer(&frame[0])), C.size_t(len(frame)), MaxDimension)
	if d.c.oversize_w != 0 || d.c.oversize_h != 0 {
		err := fmt.Errorf("%w: %s picture %dx%d exceeds %d", ErrCorruptFrame, d.codec, d.c.oversize_w, d.c.oversize_h, MaxDimension)
		runtime.KeepAlive(d)
		return false, err
	}
	if rc != C.VPX_CODEC_OK {
		kind := ErrCorruptFrame
		if rc == C.VPX_CODEC_MEM_ERROR {
			kind = ErrCodec
		}
		err := fmt.Errorf("%w: %s: %s", kind, d.codec, describe(&d.c.ctx, rc))
		runtime.KeepAlive(d)
		return false, err
	}
	img := C.cz_dec_last(d.c)
	if img == nil {
		runtime.KeepAlive(d)
		return false, nil
	}
	if C.cz_dec_corrupted(d.c) != 0 {
		runtime.KeepAlive(d)
		return false, fmt.Errorf("%w: %s picture predicted from damaged data", ErrCorruptFrame, d.codec)
	}
	err = copyImage(dst, img)
	runtime.KeepAlive(d) // img points into the decoder's frame buffers
	return err == nil, err
}

// copyImage copies a decoded I420 picture out of libvpx's frame buffer,
// which is only valid until the next decode call.
func copyImage(dst *media.I420, img *C.vpx_image_t) error {
	if img.fmt != C.VPX_IMG_FMT_I420 {
		// VP9 profiles 1-3 (4:4:4, 4:2:2, high bit depth) carry formats
		// the engine cannot render.
		return fmt.Errorf("%w: unsupported picture format %#x", ErrCorruptFrame, int(img.fmt))
	}
	w, h := int(img.d_w), int(img.d_h)
	dst.Resize(w, h)
	cw, ch := (w+1)/2, (h+1)/2
	copyPlane(dst.Y, dst.YStride, img.planes[0], int(img.stride[0]), w, h)
	copyPlane(dst.U, dst.CStride, img.planes[1], int(img.stride[1]), cw, ch)
	copyPlane(dst.V, dst.CStride, img.planes[2], int(img.stride[2]), cw, ch)
	return nil
}

func copyPlane(dst []byte, dstStride int, src *C.uchar, srcStride, w, h int) {
	if w == 0 || h == 0 {
		return
	}
	s := unsafe.Slice((*byte)(unsafe.Pointer(src)), srcStride*(h-1)+w)
	for y := 0; y < h; y++ {
		copy(dst[y*dstStride:y*dstStride+w], s[y*srcStride:y*srcStride+w])
	}
}

// Close releases the decoder. It is idempotent; later calls to Decode
// return ErrClosed.
func (d *Decoder) Close() {
	if d.c == nil {
		return
	}
	d.cleanup.Stop()
	freeDecoder(d.c)
	d.c = nil
}

func freeDecoder(c *C.cz_dec) {
	C.vpx_codec_destroy(&c.ctx)
	C.free(unsafe.Pointer(c))
}
