package synth

import "causerie/media"

// Barcode layout.
//
// The stamp is a grid of barcodeCols x barcodeRows square blocks at the
// top-left corner of the luma plane, one bit per block, read row by row,
// most significant bit first:
//
//	byte 0     sync pattern 0xB2, so a plain or inverted picture is rejected
//	bytes 1-6  Unix time in milliseconds, low 48 bits, big-endian
//	byte 7     CRC-8 (polynomial 0x07) of bytes 0-6
//
// 48 bits of milliseconds last until the year 10889, where 41 bits would
// overflow in 2039. A 1 bit is a block of luma lumaWhite, a 0 bit a block of
// lumaBlack; the chroma under the barcode is neutral so that colour
// conversion and chroma subsampling in a codec cannot bleed into luma.
//
// The block size B is the largest power of two not above height/20, but at
// least minBlock: 8 px at 180p, 16 px at 360p, 32 px at 720p. Tying B to the
// height keeps the barcode the same fraction of the picture at every
// simulcast layer, so a 720p stamp scaled down by two is read by the 360p
// rule; powers of two from 16 up put every block on whole 16x16 macroblocks,
// and 8 px blocks at 180p still fill whole 8x8 transform blocks. If the
// barcode would be wider than the picture B is halved until it fits (for
// portrait pictures); a picture that cannot hold it at minBlock is neither
// stamped nor read.
const (
	barcodeCols  = 16
	barcodeRows  = 4
	barcodeBytes = barcodeCols * barcodeRows / 8

	// barcodeSync is the fixed first byte. Its mix of ones and zeros is
	// neither all-black, all-white nor alternating, the patterns a natural
	// or flat picture most often produces.
	barcodeSync = 0xB2

	// barcodeTimeBits is how many low bits of the Unix millisecond time are
	// carried.
	barcodeTimeBits = 48

	// heightPerBlock sets B near 1/20 of the height: blocks big enough that
	// a codec's quantiser keeps their mean (it preserves the DC of a
	// transform block best), small enough that the four rows take at most a
	// fifth of the picture.
	heightPerBlock = 20

	// minBlock is the smallest block: the VP8/VP9 transform size. Smaller
	// blocks share transform blocks with their neighbours and blur together.
	minBlock = 8

	// lumaBlack and lumaWhite are the limited-range (BT.601 "studio swing")
	// extremes, the values a codec pipeline maps black and white to, so no
	// stage clips them; neutralChroma is grey.
	lumaBlack     = 16
	lumaWhite     = 235
	neutralChroma = 128
)

// blockSize returns the barcode block size for a w x h picture, or 0 when
// the barcode does not fit.
func blockSize(w, h int) int {
	b := minBlock
	for b*2 <= h/heightPerBlock {
		b *= 2
	}
	for b > minBlock && b*barcodeCols > w {
		b /= 2
	}
	if b*barcodeCols > w || b*barcodeRows > h {
		return 0
	}
	return b
}

// Stamp writes unixMs into the top-left corner of img as a block barcode
// (see the layout above). Only the low 48 bits of unixMs are kept. A picture
// too small for the barcode, or whose planes do not match its size, is left
// unchanged.
func Stamp(img *media.I420, unixMs int64) {
	if !img.Valid() {
		return
	}
	b := blockSize(img.Width, img.Height)
	if b == 0 {
		return
	}
	var code [barcodeBytes]byte
	code[0] = barcodeSync
	t := uint64(unixMs)
	for i := range barcodeTimeBits / 8 {
		code[1+i] = byte(t >> (barcodeTimeBits - 8 - 8*i))
	}
	code[barcodeBytes-1] = crc8(code[:barcodeBytes-1])

	for y := range barcodeRows * b {
		row := img.Y[y*img.YStride:]
		bit := (y / b) * barcodeCols
		for col := range barcodeCols {
			v := byte(lumaBlack)
			if code[bit/8]&(0x80>>(bit%8)) != 0 {
				v = lumaWhite
			}
			fill(row[col*b:(col+1)*b], v)
			bit++
		}
	}
	cw, ch := barcodeCols*b/2, barcodeRows*b/2
	for y := range ch {
		fill(img.U[y*img.CStride:y*img.CStride+cw], neutralChroma)
		fill(img.V[y*img.CStride:y*img.CStride+cw], neutralChroma)
	}
}

// ReadStamp decodes a barcode written by Stamp, possibly after lossy coding
// or scaling by a power of two. Each bit is the mean luma of the central
// half (B/2 x B/2) of its block, where ringing and blur from the block's
// edges reach least, compared with mid-grey between lumaBlack and
// lumaWhite. ok is false when the picture holds no barcode or a misread one:
// wrong sync byte or failed CRC.
func ReadStamp(img *media.I420) (unixMs int64, ok bool) {
	if !img.Valid() {
		return 0, false
	}
	b := blockSize(img.Width, img.Height)
	if b == 0 {
		return 0, false
	}
	var code [barcodeBytes]byte
	in := b / 2                        // side of the sampled square
	margin := b / 4                    // its distance from the block edges
	n := in * in                       // pixels summed per block
	mid := (lumaBlack + lumaWhite) * n // twice the threshold sum
	for r := range barcodeRows {
		for c := range barcodeCols {
			sum := 0
			x0 := c*b + margin
			for y := r*b + margin; y < r*b+margin+in; y++ {
				for _, v := range img.Y[y*img.YStride+x0 : y*img.YStride+x0+in] {
					sum += int(v)
				}
			}
			if 2*sum > mid {
				bit := r*barcodeCols + c
				code[bit/8] |= 0x80 >> (bit % 8)
			}
		}
	}
	if code[0] != barcodeSync || crc8(code[:barcodeBytes-1]) != code[barcodeBytes-1] {
		return 0, false
	}
	var t int64
	for _, x := range code[1 : barcodeBytes-1] {
		t = t<<8 | int64(x)
	}
	return t, true
}

// fill sets every byte of b to v (the compiler turns the loop into memset).
func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}
