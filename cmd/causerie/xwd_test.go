package main

// decodeXWD reads the X Window Dump files `xwd -root` writes, so the
// desktop tests can look at what an X server (Xvfb) really shows. Only
// the formats Xvfb produces at depth 24 are read: ZPixmap, true colour,
// 24 or 32 bits a pixel.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

const xwdHeaderWords = 25

func decodeXWD(r io.Reader) (*image.RGBA, error) {
	var h [xwdHeaderWords]uint32
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("xwd: header: %w", err)
	}
	headerSize, version, format := h[0], h[1], h[2]
	width, height := int(h[4]), int(h[5])
	byteOrder, bpp, bytesPerLine := h[7], h[11], int(h[12])
	redMask, greenMask, blueMask := h[14], h[15], h[16]
	ncolors := int(h[19])
	if version != 7 || format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("xwd: version %d format %d %d bpp: only ZPixmap at 24 or 32 bits is read", version, format, bpp)
	}
	px := int(bpp / 8)
	if width <= 0 || height <= 0 || width > 1<<15 || height > 1<<15 || bytesPerLine < width*px {
		return nil, errors.New("xwd: bad size")
	}
	// The window name, then the colour map (12 bytes an entry), unused
	// for true colour.
	if _, err := io.CopyN(io.Discard, r, int64(headerSize)-xwdHeaderWords*4+int64(ncolors)*12); err != nil {
		return nil, fmt.Errorf("xwd: header: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	line := make([]byte, bytesPerLine)
	shift := func(mask uint32) uint {
		s := uint(0)
		for mask != 0 && mask&1 == 0 {
			mask >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(redMask), shift(greenMask), shift(blueMask)
	for y := range height {
		if _, err := io.ReadFull(r, line); err != nil {
			return nil, fmt.Errorf("xwd: row %d: %w", y, err)
		}
		for x := range width {
			var v uint32
			b := line[x*px : x*px+px]
			for i := range px {
				if byteOrder == 0 { // LSBFirst
					v |= uint32(b[i]) << (8 * i)
				} else {
					v = v<<8 | uint32(b[i])
				}
			}
			o := img.PixOffset(x, y)
			img.Pix[o] = uint8((v & redMask) >> rs)
			img.Pix[o+1] = uint8((v & greenMask) >> gs)
			img.Pix[o+2] = uint8((v & blueMask) >> bs)
			img.Pix[o+3] = 0xff
		}
	}
	return img, nil
}
