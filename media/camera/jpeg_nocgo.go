//go:build !cgo

package camera

import (
	"bytes"
	"fmt"
	"image/jpeg"

	"causerie/media"
)

// jpegDecoder, without cgo, is image/jpeg: it allocates its picture on
// each frame and takes six times libjpeg-turbo's time; it does not
// decode the MJPEG frames that leave out their Huffman tables.
type jpegDecoder struct {
	rd bytes.Reader
}

func (d *jpegDecoder) close() {}

func (d *jpegDecoder) decode(dst *media.I420, src []byte) error {
	if len(src) < 4 || src[0] != 0xFF || src[1] != 0xD8 {
		return fmt.Errorf("%w: not a JPEG frame", ErrBadFrame)
	}
	d.rd.Reset(src)
	img, err := jpeg.Decode(&d.rd)
	d.rd.Reset(nil)
	if err != nil {
		return fmt.Errorf("%w: MJPEG: %v", ErrBadFrame, err)
	}
	return FromYCbCr(dst, img)
}
