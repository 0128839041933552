package video

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"strconv"
	"strings"
)

// The kitty graphics protocol in its Unicode-placeholder mode
// (https://sw.kovidgoyal.net/kitty/graphics-protocol/#unicode-placeholders):
// a picture is sent out of band as an image with a virtual placement of
// c×r cells, and shown wherever the text holds placeholder cells, the
// character U+10EEEE in the image's colour. The picture then lives in
// ordinary cells: the renderer's line diffing, which writes only the cells
// that changed, keeps working, and a new picture under the same image id
// costs no cell at all.

// KittyScale is how many pixels the kitty path sends for each pixel of
// the half-block path, each way: a cell carries 2×4 pixels instead of
// 1×2. At that size a 640×360 camera shown as the speaker of a 200×60
// terminal is 302×168 pixels: 200 kB a frame as base64 RGB, 20–35 kB
// once compressed for the synthetic camera (BenchmarkKitty*), up to
// about 110 kB for a noisy one, where the half blocks write about 210 kB
// for a moving picture (the terminal package's BenchmarkRender200x60).
// Twice again would be four times the bytes.
const KittyScale = 2

// KittyMaxCells is the largest placement, in rows or columns: the
// protocol numbers them with a table of 297 diacritics.
const KittyMaxCells = len(kittyDiacritics)

// kittyChunk is the most base64 one escape may carry, as the protocol
// requires; a multiple of 4, so every chunk but the last decodes alone.
const kittyChunk = 4096

// kittyPlaceholder is the character of a placeholder cell.
const kittyPlaceholder = '\U0010EEEE'

// kittyDiacritics number rows and columns: the combining mark at index n
// stands for n. This is the protocol's table, gen/rowcolumn-diacritics.txt
// in kitty's repository.
var kittyDiacritics = [...]rune{
	0x0305, 0x030D, 0x030E, 0x0310, 0x0312, 0x033D, 0x033E, 0x033F, 0x0346, 0x034A, 0x034B, 0x034C,
	0x0350, 0x0351, 0x0352, 0x0357, 0x035B, 0x0363, 0x0364, 0x0365, 0x0366, 0x0367, 0x0368, 0x0369,
	0x036A, 0x036B, 0x036C, 0x036D, 0x036E, 0x036F, 0x0483, 0x0484, 0x0485, 0x0486, 0x0487, 0x0592,
	0x0593, 0x0594, 0x0595, 0x0597, 0x0598, 0x0599, 0x059C, 0x059D, 0x059E, 0x059F, 0x05A0, 0x05A1,
	0x05A8, 0x05A9, 0x05AB, 0x05AC, 0x05AF, 0x05C4, 0x0610, 0x0611, 0x0612, 0x0613, 0x0614, 0x0615,
	0x0616, 0x0617, 0x0657, 0x0658, 0x0659, 0x065A, 0x065B, 0x065D, 0x065E, 0x06D6, 0x06D7, 0x06D8,
	0x06D9, 0x06DA, 0x06DB, 0x06DC, 0x06DF, 0x06E0, 0x06E1, 0x06E2, 0x06E4, 0x06E7, 0x06E8, 0x06EB,
	0x06EC, 0x0730, 0x0732, 0x0733, 0x0735, 0x0736, 0x073A, 0x073D, 0x073F, 0x0740, 0x0741, 0x0743,
	0x0745, 0x0747, 0x0749, 0x074A, 0x07EB, 0x07EC, 0x07ED, 0x07EE, 0x07EF, 0x07F0, 0x07F1, 0x07F3,
	0x0816, 0x0817, 0x0818, 0x0819, 0x081B, 0x081C, 0x081D, 0x081E, 0x081F, 0x0820, 0x0821, 0x0822,
	0x0823, 0x0825, 0x0826, 0x0827, 0x0829, 0x082A, 0x082B, 0x082C, 0x082D, 0x0951, 0x0953, 0x0954,
	0x0F82, 0x0F83, 0x0F86, 0x0F87, 0x135D, 0x135E, 0x135F, 0x17DD, 0x193A, 0x1A17, 0x1A75, 0x1A76,
	0x1A77, 0x1A78, 0x1A79, 0x1A7A, 0x1A7B, 0x1A7C, 0x1B6B, 0x1B6D, 0x1B6E, 0x1B6F, 0x1B70, 0x1B71,
	0x1B72, 0x1B73, 0x1CD0, 0x1CD1, 0x1CD2, 0x1CDA, 0x1CDB, 0x1CE0, 0x1DC0, 0x1DC1, 0x1DC3, 0x1DC4,
	0x1DC5, 0x1DC6, 0x1DC7, 0x1DC8, 0x1DC9, 0x1DCB, 0x1DCC, 0x1DD1, 0x1DD2, 0x1DD3, 0x1DD4, 0x1DD5,
	0x1DD6, 0x1DD7, 0x1DD8, 0x1DD9, 0x1DDA, 0x1DDB, 0x1DDC, 0x1DDD, 0x1DDE, 0x1DDF, 0x1DE0, 0x1DE1,
	0x1DE2, 0x1DE3, 0x1DE4, 0x1DE5, 0x1DE6, 0x1DFE, 0x20D0, 0x20D1, 0x20D4, 0x20D5, 0x20D6, 0x20D7,
	0x20DB, 0x20DC, 0x20E1, 0x20E7, 0x20E9, 0x20F0, 0x2CEF, 0x2CF0, 0x2CF1, 0x2DE0, 0x2DE1, 0x2DE2,
	0x2DE3, 0x2DE4, 0x2DE5, 0x2DE6, 0x2DE7, 0x2DE8, 0x2DE9, 0x2DEA, 0x2DEB, 0x2DEC, 0x2DED, 0x2DEE,
	0x2DEF, 0x2DF0, 0x2DF1, 0x2DF2, 0x2DF3, 0x2DF4, 0x2DF5, 0x2DF6, 0x2DF7, 0x2DF8, 0x2DF9, 0x2DFA,
	0x2DFB, 0x2DFC, 0x2DFD, 0x2DFE, 0x2DFF, 0xA66F, 0xA67C, 0xA67D, 0xA6F0, 0xA6F1, 0xA8E0, 0xA8E1,
	0xA8E2, 0xA8E3, 0xA8E4, 0xA8E5, 0xA8E6, 0xA8E7, 0xA8E8, 0xA8E9, 0xA8EA, 0xA8EB, 0xA8EC, 0xA8ED,
	0xA8EE, 0xA8EF, 0xA8F0, 0xA8F1, 0xAAB0, 0xAAB2, 0xAAB3, 0xAAB7, 0xAAB8, 0xAABE, 0xAABF, 0xAAC1,
	0xFE20, 0xFE21, 0xFE22, 0xFE23, 0xFE24, 0xFE25, 0xFE26, 0x10A0F, 0x10A38, 0x1D185, 0x1D186, 0x1D187,
	0x1D188, 0x1D189, 0x1D1AA, 0x1D1AB, 0x1D1AC, 0x1D1AD, 0x1D242, 0x1D243, 0x1D244,
}

// KittyWant is the area, in half-block cells, for which to ask the store
// (Store.Want) a picture that a cols×rows tile shows through kitty
// graphics: KittyScale times the tile, within the largest placement.
func KittyWant(cols, rows int) (int, int) {
	return KittyScale * min(cols, KittyMaxCells), KittyScale * min(rows, KittyMaxCells)
}

// KittyPlacement is the size in cells at which a w×h picture is placed in
// a cols×rows tile: as large as fits, keeping its aspect ratio. A picture
// made for the tile (KittyWant) fills its width or its height; an older
// one, from before a resize, is scaled to the new tile until the next
// arrives.
func KittyPlacement(w, h, cols, rows int) (c, r int) {
	pw, ph := Fit(w, h, min(cols, KittyMaxCells), min(rows, KittyMaxCells))
	return pw, ph / 2
}

// KittyLines are rows lines of exactly cols cells that show image id
// placed as c×r cells, centred like Lines centres a picture: placeholder
// cells in the colour that names the image (256-colour index id), blanks
// around them. The first cell of each row names its row and column with
// diacritics; the others carry none, and the terminal numbers them on
// from their left neighbour, as the protocol allows, which halves the
// bytes of a first paint. Cells outside the tile, or past the largest
// placement, are left blank.
func KittyLines(id uint8, c, r, cols, rows int) []string {
	c, r = min(c, KittyMaxCells), min(r, KittyMaxCells) // past the table, no cell can be named
	lines := make([]string, rows)
	left, top := max((cols-c)/2, 0), max((rows-r)/2, 0)
	n := min(c, cols-left)
	blank := strings.Repeat(" ", cols)
	colour := "\x1b[38;5;" + strconv.Itoa(int(id)) + "m"
	rest := strings.Repeat(string(kittyPlaceholder), max(n-1, 0))
	var b strings.Builder
	for y := range rows {
		row := y - top
		if row < 0 || row >= r || n <= 0 {
			lines[y] = blank
			continue
		}
		b.Reset()
		b.Grow(cols + len(colour) + 4*n + 8)
		b.WriteString(blank[:left])
		b.WriteString(colour)
		b.WriteRune(kittyPlaceholder)
		b.WriteRune(kittyDiacritics[row])
		b.WriteRune(kittyDiacritics[0])
		b.WriteString(rest)
		b.WriteString("\x1b[m")
		b.WriteString(blank[:cols-left-n])
		lines[y] = b.String()
	}
	return lines
}

// KittyEncoder writes the escapes that send pictures. It keeps its
// buffers from one picture to the next: in steady state it allocates
// nothing. The zero value is ready; it is not safe for concurrent use.
type KittyEncoder struct {
	rgb []byte
	z   bytes.Buffer
	zw  *zlib.Writer
	b64 []byte
}

// AppendTransmit appends to dst the escapes that make p the picture of
// image id, placed virtually as c×r cells (KittyPlacement) for
// placeholder cells to show: one transmit-and-place command (a=T, U=1),
// its payload in chunks of at most 4096 bytes of base64 (m=1 on all but
// the last). The terminal replaces an image sent again under the same id
// and drops its placements, so the placement travels with every picture.
//
// The pixels go as 24-bit RGB (f=24) compressed with zlib (o=z) at its
// fastest level. Measured at 302×168 on the synthetic camera, clean and
// with ±3 of luma noise: raw RGB is 200 kB of base64 for 0.35 ms; zlib
// makes it 35–110 kB for 1.4–3.3 ms; PNG (f=100) 48–86 kB for 4.5–7 ms,
// larger on the clean picture, a fifth smaller on the noisy one, for two
// to three times the time. q=2 keeps the terminal from
// answering on our input; C=1 keeps the cursor still, which the
// renderer's cursor tracking relies on.
func (e *KittyEncoder) AppendTransmit(dst []byte, id uint8, p *Picture, c, r int) []byte {
	e.rgb = e.rgb[:0]
	if cap(e.rgb) < 3*len(p.Pix) {
		e.rgb = make([]byte, 0, 3*len(p.Pix))
	}
	for _, px := range p.Pix {
		e.rgb = append(e.rgb, px.R, px.G, px.B)
	}
	e.z.Reset()
	if e.zw == nil {
		e.zw, _ = zlib.NewWriterLevel(&e.z, zlib.BestSpeed) // the level is valid: no error
	} else {
		e.zw.Reset(&e.z)
	}
	_, _ = e.zw.Write(e.rgb) // a bytes.Buffer does not fail
	_ = e.zw.Close()
	e.b64 = base64.StdEncoding.AppendEncode(e.b64[:0], e.z.Bytes())

	dst = append(dst, "\x1b_Ga=T,U=1,q=2,C=1,f=24,o=z,s="...)
	dst = strconv.AppendInt(dst, int64(p.W), 10)
	dst = append(dst, ",v="...)
	dst = strconv.AppendInt(dst, int64(p.H), 10)
	dst = append(dst, ",i="...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	dst = append(dst, ",c="...)
	dst = strconv.AppendInt(dst, int64(c), 10)
	dst = append(dst, ",r="...)
	dst = strconv.AppendInt(dst, int64(r), 10)
	return appendKittyChunks(dst, e.b64)
}

// appendKittyChunks ends the command whose keys dst ends with by the
// first chunk of the base64 data and appends the others, each in an
// escape of its own with only q and m: m=1 while more follows, m=0 on
// the last.
func appendKittyChunks(dst, data []byte) []byte {
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), kittyChunk)
		if !first {
			dst = append(dst, "\x1b_Gq=2"...)
		}
		if n < len(data) {
			dst = append(dst, ",m=1;"...)
		} else {
			dst = append(dst, ",m=0;"...)
		}
		dst = append(dst, data[:n]...)
		dst = append(dst, "\x1b\\"...)
		data = data[n:]
	}
	return dst
}

// AppendKittyDelete appends the escape that deletes image id, its
// placements and its data (d=I), so the terminal frees its memory.
func AppendKittyDelete(dst []byte, id uint8) []byte {
	dst = append(dst, "\x1b_Ga=d,d=I,q=2,i="...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	return append(dst, "\x1b\\"...)
}
