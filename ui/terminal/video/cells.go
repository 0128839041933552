package video

import (
	"strconv"
	"strings"
)

// upperHalf is the cell glyph: its foreground paints the top pixel, its
// background the bottom one.
const upperHalf = "▀"

// Lines renders p centred in a cols×rows area as rows lines of exactly
// cols cells of true-colour half blocks. Colours are set only when they
// change along a line, and each line ends with a reset, so a line can be
// placed anywhere on the screen. Cells outside the picture are blank.
func Lines(p *Picture, cols, rows int) []string {
	lines := make([]string, rows)
	pw, ph := p.W, p.H/2
	left, top := max((cols-pw)/2, 0), max((rows-ph)/2, 0)
	var b strings.Builder
	for r := range rows {
		y := r - top
		if y < 0 || y >= ph || pw == 0 {
			lines[r] = strings.Repeat(" ", cols)
			continue
		}
		b.Reset()
		b.Grow(cols * 12)
		b.WriteString(strings.Repeat(" ", left))
		var fg, bg RGB
		first := true
		n := min(pw, cols-left)
		for x := range n {
			t, u := p.Pix[2*y*pw+x], p.Pix[(2*y+1)*pw+x]
			switch {
			case first || (t != fg && u != bg):
				b.WriteString("\x1b[38;2;")
				writeRGB(&b, t)
				b.WriteString(";48;2;")
				writeRGB(&b, u)
				b.WriteByte('m')
			case t != fg:
				b.WriteString("\x1b[38;2;")
				writeRGB(&b, t)
				b.WriteByte('m')
			case u != bg:
				b.WriteString("\x1b[48;2;")
				writeRGB(&b, u)
				b.WriteByte('m')
			}
			fg, bg, first = t, u, false
			b.WriteString(upperHalf)
		}
		b.WriteString("\x1b[m")
		b.WriteString(strings.Repeat(" ", max(cols-left-n, 0)))
		lines[r] = b.String()
	}
	return lines
}

func writeRGB(b *strings.Builder, c RGB) {
	var buf [12]byte
	out := strconv.AppendUint(buf[:0], uint64(c.R), 10)
	out = append(out, ';')
	out = strconv.AppendUint(out, uint64(c.G), 10)
	out = append(out, ';')
	out = strconv.AppendUint(out, uint64(c.B), 10)
	b.Write(out)
}
