package synth

import "causerie/media"

// Pattern motion and colours. The pattern moves everywhere so that an
// encoder spends bits on motion as it would on a real scene, yet moves
// slowly enough per frame for VP8/VP9 motion search to follow it.
const (
	// scrollPeriodMs is the time for the background to scroll one picture
	// width: 640 px in 4 s is 5 px per frame at 30 fps, well inside the
	// encoders' motion search range.
	scrollPeriodMs = 4000

	// boxPeriodXMs and boxPeriodYMs are the periods of the box's horizontal
	// and vertical bounce. Different periods make it trace a Lissajous path
	// over the whole picture instead of a single diagonal.
	boxPeriodXMs = 3000
	boxPeriodYMs = 2000

	// rampLow and rampHigh bound the background luma, kept clear of the
	// barcode's black and white so that the barcode's edges stay sharp.
	rampLow  = 48
	rampHigh = 208

	// chromaLow and chromaHigh bound the background chroma: a gentle tint,
	// far from saturation.
	chromaLow  = 88
	chromaHigh = 168

	// boxY, boxU and boxV are BT.601 limited-range red, a colour unlike the
	// background so that chroma artefacts around the box are visible.
	boxY = 81
	boxU = 90
	boxV = 240
)

// pattern draws the camera's moving picture: a diagonal triangle-wave
// gradient that scrolls sideways, and a red box bouncing over it. Each
// plane's gradient is precomputed as two periods of one row, so every
// picture row is a single copy out of it at some offset.
type pattern struct {
	w, h    int
	luma    []byte // 2*w bytes: the luma ramp, period w
	u, v    []byte // 2*(w/2) bytes each: the chroma ramps, period w/2
	boxSide int
}

// newPattern precomputes the rows for a w x h picture (both even, positive).
func newPattern(w, h int) *pattern {
	cw := w / 2
	p := &pattern{
		w: w, h: h,
		luma: make([]byte, 2*w),
		u:    make([]byte, 2*cw),
		v:    make([]byte, 2*cw),
		// A quarter of the height, even so that it covers whole chroma
		// samples.
		boxSide: h / 4 &^ 1,
	}
	for i := range p.luma {
		p.luma[i] = byte(rampLow + triangle(int64(i), int64(w), rampHigh-rampLow))
	}
	for i := range p.u {
		// U and V a third of a period apart, so the tint changes hue
		// along the ramp rather than only saturation.
		p.u[i] = byte(chromaLow + triangle(int64(i), int64(cw), chromaHigh-chromaLow))
		p.v[i] = byte(chromaLow + triangle(int64(i+cw/3), int64(cw), chromaHigh-chromaLow))
	}
	return p
}

// draw paints the pattern as it looks at unixMs into dst, which must already
// have the pattern's size and tight strides.
func (p *pattern) draw(dst *media.I420, unixMs int64) {
	w, cw := p.w, p.w/2
	// Scroll offset in pixels, even so that luma and chroma stay aligned.
	scroll := int(sawtooth(unixMs, scrollPeriodMs, int64(w))) &^ 1
	for y := range p.h {
		// Shift each row by y/2 more: diagonal stripes.
		off := (scroll + y/2) % w
		copy(dst.Y[y*dst.YStride:y*dst.YStride+w], p.luma[off:off+w])
	}
	for cy := range p.h / 2 {
		// Chroma row cy sits on luma row 2cy, shifted by cy luma pixels,
		// which is cy/2 chroma pixels; the scroll halves likewise.
		off := (scroll/2 + cy/2) % cw
		copy(dst.U[cy*dst.CStride:cy*dst.CStride+cw], p.u[off:off+cw])
		copy(dst.V[cy*dst.CStride:cy*dst.CStride+cw], p.v[off:off+cw])
	}

	s := p.boxSide
	if s == 0 {
		return
	}
	bx := int(triangle(unixMs, boxPeriodXMs, int64(p.w-s))) &^ 1
	by := int(triangle(unixMs, boxPeriodYMs, int64(p.h-s))) &^ 1
	for y := by; y < by+s; y++ {
		fill(dst.Y[y*dst.YStride+bx:y*dst.YStride+bx+s], boxY)
	}
	for cy := by / 2; cy < (by+s)/2; cy++ {
		fill(dst.U[cy*dst.CStride+bx/2:cy*dst.CStride+(bx+s)/2], boxU)
		fill(dst.V[cy*dst.CStride+bx/2:cy*dst.CStride+(bx+s)/2], boxV)
	}
}

// triangle maps t onto a triangle wave of the given period that rises from
// 0 to span over the first half period and falls back over the second.
func triangle(t, period, span int64) int64 {
	t %= period
	if t < 0 {
		t += period
	}
	half := period / 2
	if t < half {
		return span * t / half
	}
	return span * (period - t) / (period - half)
}

// sawtooth maps t onto a sawtooth of the given period rising from 0 to
// just below span: the scroll position, which wraps instead of reversing.
func sawtooth(t, period, span int64) int64 {
	t %= period
	if t < 0 {
		t += period
	}
	return span * t / period
}
