package camera

import (
	"errors"
	"fmt"
	"image"

	"causerie/media"
)

// ErrShortFrame is returned for a frame smaller than its format and size
// need: a camera that delivered part of a picture (some do while being
// unplugged).
var ErrShortFrame = errors.New("camera: frame shorter than its format needs")

// ErrBadFrame is returned for a compressed frame that does not decode.
var ErrBadFrame = errors.New("camera: frame does not decode")

// ErrUnsupported is returned for a layout Converter does not read.
var ErrUnsupported = errors.New("camera: unsupported pixel format")

// Converter turns camera frames into I420, with no allocation once dst
// (and, for MJPEG, the decoder's planes) have grown to the picture's
// size: the raw layouts are converted straight into dst's planes, MJPEG
// decoded by libjpeg-turbo. A Converter is not safe for concurrent use;
// Close releases the decoder.
type Converter struct {
	jpeg jpegDecoder
}

// Close releases what the Converter holds outside Go's memory.
func (c *Converter) Close() { c.jpeg.close() }

// Convert reads one frame of format f (its Pixel, Width and Height) from
// src, with rows of the packed or luma plane stride bytes apart (0: as
// narrow as the format allows), into dst, which it resizes.
func (c *Converter) Convert(dst *media.I420, src []byte, f Format, stride int) error {
	w, h := f.Width, f.Height
	if w <= 0 || h <= 0 {
		return fmt.Errorf("camera: bad frame size %dx%d", w, h)
	}
	switch f.Pixel {
	case YUYV, UYVY:
		if stride == 0 {
			stride = 2 * ((w + 1) &^ 1)
		}
		if len(src) < stride*(h-1)+2*((w+1)&^1) {
			return fmt.Errorf("%w: %s %dx%d in %d bytes", ErrShortFrame, f.Pixel, w, h, len(src))
		}
		dst.Resize(w, h)
		packed422(dst, src, stride, f.Pixel)
		return nil
	case NV12, NV21:
		if stride == 0 {
			stride = w
		}
		cw, ch := (w+1)/2, (h+1)/2
		ySize := stride * h
		if len(src) < ySize+stride*(ch-1)+2*cw {
			return fmt.Errorf("%w: %s %dx%d in %d bytes", ErrShortFrame, f.Pixel, w, h, len(src))
		}
		dst.Resize(w, h)
		semiPlanar(dst, src, src[ySize:], stride, f.Pixel)
		return nil
	case I420:
		if stride == 0 {
			stride = w
		}
		cs := (stride + 1) / 2
		cw, ch := (w+1)/2, (h+1)/2
		ySize, cSize := stride*h, cs*ch
		if len(src) < ySize+cSize+cs*(ch-1)+cw {
			return fmt.Errorf("%w: %s %dx%d in %d bytes", ErrShortFrame, f.Pixel, w, h, len(src))
		}
		dst.Resize(w, h)
		copyPlane(dst.Y, dst.YStride, src, stride, w, h)
		copyPlane(dst.U, dst.CStride, src[ySize:], cs, cw, ch)
		copyPlane(dst.V, dst.CStride, src[ySize+cSize:], cs, cw, ch)
		return nil
	case MJPEG:
		return c.jpeg.decode(dst, src)
	}
	return fmt.Errorf("%w: %s", ErrUnsupported, f.Pixel)
}

func copyPlane(dst []byte, dstStride int, src []byte, srcStride, w, h int) {
	if dstStride == w && srcStride == w {
		copy(dst[:w*h], src[:w*h])
		return
	}
	for y := 0; y < h; y++ {
		copy(dst[y*dstStride:y*dstStride+w], src[y*srcStride:y*srcStride+w])
	}
}

// FromYCbCr converts a decoded picture (what image/jpeg and
// mediadevices' readers give) into dst: 4:2:0 is copied, the other
// subsamplings averaged down to it, grey pictures get neutral chroma.
func FromYCbCr(dst *media.I420, img image.Image) error {
	switch m := img.(type) {
	case *image.YCbCr:
		fromYCbCr(dst, m)
		return nil
	case *image.Gray:
		b := m.Rect
		w, h := b.Dx(), b.Dy()
		dst.Resize(w, h)
		copyPlane(dst.Y, dst.YStride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
		fill(dst.U, 128)
		fill(dst.V, 128)
		return nil
	}
	return fmt.Errorf("%w: picture of type %T", ErrUnsupported, img)
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// fromYCbCr reads m's chroma at 4:2:0 positions: for each output sample
// the mean of the source samples under its 2×2 luma block.
func fromYCbCr(dst *media.I420, m *image.YCbCr) {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	dst.Resize(w, h)
	copyPlane(dst.Y, dst.YStride, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h)
	cw, ch := (w+1)/2, (h+1)/2
	// Luma pixels per chroma sample, across and down.
	sx, sy := 2, 2
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		sx, sy = 1, 1
	case image.YCbCrSubsampleRatio422:
		sy = 1
	case image.YCbCrSubsampleRatio440:
		sx = 1
	case image.YCbCrSubsampleRatio411:
		sx, sy = 4, 1
	case image.YCbCrSubsampleRatio410:
		sx = 4
	}
	off := m.COffset(b.Min.X, b.Min.Y)
	if sx == 2 && sy == 2 {
		copyPlane(dst.U, dst.CStride, m.Cb[off:], m.CStride, cw, ch)
		copyPlane(dst.V, dst.CStride, m.Cr[off:], m.CStride, cw, ch)
		return
	}
	srcW, srcH := (w+sx-1)/sx, (h+sy-1)/sy
	downsample(dst.U, dst.CStride, cw, ch, m.Cb[off:], m.CStride, srcW, srcH, sx, sy)
	downsample(dst.V, dst.CStride, cw, ch, m.Cr[off:], m.CStride, srcW, srcH, sx, sy)
}

func average2(dst, a, b []byte) {
	b = b[:len(dst)]
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = byte((uint(a[i]) + uint(b[i]) + 1) >> 1)
	}
}

// downsample brings a chroma plane of sx×sy luma pixels a sample (srcW
// by srcH samples, rows srcStride apart) to 4:2:0: each output sample is
// the mean of the source samples under its 2×2 luma block.
func downsample(dst []byte, dstStride, cw, ch int, src []byte, srcStride, srcW, srcH, sx, sy int) {
	if sx == 2 && sy == 1 {
		// 4:2:2, the usual webcam MJPEG: two rows for each row.
		for y := 0; y < ch; y++ {
			r0 := min(2*y, srcH-1) * srcStride
			r1 := min(2*y+1, srcH-1) * srcStride
			average2(dst[y*dstStride:y*dstStride+cw], src[r0:r0+cw], src[r1:r1+cw])
		}
		return
	}
	for y := 0; y < ch; y++ {
		r0, r1 := min(2*y/sy, srcH-1)*srcStride, min((2*y+1)/sy, srcH-1)*srcStride
		row := dst[y*dstStride : y*dstStride+cw]
		for x := range row {
			x0, x1 := min(2*x/sx, srcW-1), min((2*x+1)/sx, srcW-1)
			s := uint(src[r0+x0]) + uint(src[r0+x1]) + uint(src[r1+x0]) + uint(src[r1+x1])
			row[x] = byte((s + 2) >> 2)
		}
	}
}
