// Package video turns decoded pictures into terminal cells: each cell is
// an upper-half block whose foreground is the top pixel and whose
// background is the bottom one, so a cell carries two square-ish pixels.
// Where the terminal has kitty graphics (DetectGraphics), pictures go out
// of band instead and cells only hold their place (kitty.go).
package video

import "causerie/media"

// RGB is one pixel.
type RGB struct{ R, G, B uint8 }

// Picture is a small RGB picture, W×H pixels, H even: two pixel rows make
// one row of cells.
type Picture struct {
	W, H int
	Pix  []RGB
}

func (p *Picture) resize(w, h int) {
	p.W, p.H = w, h
	if cap(p.Pix) >= w*h {
		p.Pix = p.Pix[:w*h]
	} else {
		p.Pix = make([]RGB, w*h)
	}
}

// CopyFrom makes p a copy of src, reusing p's memory.
func (p *Picture) CopyFrom(src *Picture) {
	p.resize(src.W, src.H)
	copy(p.Pix, src.Pix)
}

// Fit is the size in pixels of a w×h picture scaled to fit cols×rows cells
// (each cell one pixel wide and two high), keeping its aspect ratio. The
// height is even; both are at least 2 when the area is not empty.
func Fit(w, h, cols, rows int) (pw, ph int) {
	if w <= 0 || h <= 0 || cols <= 0 || rows <= 0 {
		return 0, 0
	}
	maxH := 2 * rows
	// Width-bound or height-bound, whichever is tighter; integer math.
	if cols*h <= maxH*w {
		pw, ph = cols, cols*h/w
	} else {
		pw, ph = maxH*w/h, maxH
	}
	ph &^= 1
	return max(pw, 2), max(ph, 2)
}

// Downscale area-averages src into dst at w×h pixels and converts it to
// RGB (BT.601, limited range, as VP8 and VP9 decoders deliver). Every
// source pixel counts once: a moving edge shows as a blend, not as
// aliasing. Integer math throughout.
func Downscale(dst *Picture, src *media.I420, w, h int) {
	dst.resize(w, h)
	if w == 0 || h == 0 || src.Width == 0 || src.Height == 0 {
		return
	}
	cw, ch := (src.Width+1)/2, (src.Height+1)/2
	for y := range h {
		y0, y1 := span(y, h, src.Height)
		cy0, cy1 := y0/2, min((y1+1)/2, ch)
		for x := range w {
			x0, x1 := span(x, w, src.Width)
			cx0, cx1 := x0/2, min((x1+1)/2, cw)
			var sy, su, sv int
			for yy := y0; yy < y1; yy++ {
				row := src.Y[yy*src.YStride+x0 : yy*src.YStride+x1]
				for _, v := range row {
					sy += int(v)
				}
			}
			for yy := cy0; yy < cy1; yy++ {
				off := yy * src.CStride
				for _, v := range src.U[off+cx0 : off+cx1] {
					su += int(v)
				}
				for _, v := range src.V[off+cx0 : off+cx1] {
					sv += int(v)
				}
			}
			n, cn := (y1-y0)*(x1-x0), (cy1-cy0)*(cx1-cx0)
			dst.Pix[y*w+x] = yuvToRGB((sy+n/2)/n, (su+cn/2)/cn, (sv+cn/2)/cn)
		}
	}
}

// span is the source interval [a, b) that destination index i of n covers
// in a source of size size; never empty.
func span(i, n, size int) (a, b int) {
	a, b = i*size/n, (i+1)*size/n
	if b <= a {
		b = a + 1
	}
	return a, min(b, size)
}

// yuvToRGB is BT.601 limited range in 8.8 fixed point: 298 ≈ 255/219·256,
// 409 ≈ 1.596·256, 100 ≈ 0.391·256, 208 ≈ 0.813·256, 516 ≈ 2.018·256.
func yuvToRGB(y, u, v int) RGB {
	c, d, e := y-16, u-128, v-128
	return RGB{
		R: clamp((298*c + 409*e + 128) >> 8),
		G: clamp((298*c - 100*d - 208*e + 128) >> 8),
		B: clamp((298*c + 516*d + 128) >> 8),
	}
}

func clamp(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Hold updates p, the picture on screen, towards next: a pixel takes its
// new colour only when one of its channels moved by more than threshold.
// Camera noise and slow drifts then leave most cells as they are, and an
// unchanged cell costs the terminal nothing, where a repainted one costs
// about 40 bytes. A picture of another size replaces p whole. Hold
// reports whether p changed: the kitty path sends a picture only then.
func (p *Picture) Hold(next *Picture, threshold int) bool {
	if p.W != next.W || p.H != next.H {
		p.CopyFrom(next)
		return true
	}
	changed := false
	for i, n := range next.Pix {
		o := p.Pix[i]
		if absDiff(o.R, n.R) > threshold || absDiff(o.G, n.G) > threshold || absDiff(o.B, n.B) > threshold {
			p.Pix[i] = n
			changed = true
		}
	}
	return changed
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
