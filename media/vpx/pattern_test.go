package vpx

import (
	"math"

	"causerie/media"
)

// pattern renders synthetic camera-like pictures: a textured background
// that pans slowly, a textured disc that moves around like a head, and a
// little per-pixel noise. The texture and noise keep encoders honest (a flat
// picture would make both quality and speed measurements meaningless).
type pattern struct {
	w, h int
	pad  int // extra bytes per row, to exercise strides > width
}

// frame renders picture t into a new I420 with padded strides.
func (p pattern) frame(t int) *media.I420 {
	img := &media.I420{Width: p.w, Height: p.h, YStride: p.w + p.pad, CStride: (p.w+1)/2 + p.pad/2}
	ch := (p.h + 1) / 2
	img.Y = make([]byte, img.YStride*p.h)
	img.U = make([]byte, img.CStride*ch)
	img.V = make([]byte, img.CStride*ch)
	p.render(t, img)
	return img
}

func (p pattern) render(t int, img *media.I420) {
	ft := float64(t)
	cx := float64(p.w)/2 + float64(p.w)/4*math.Sin(ft/6)
	cy := float64(p.h)/2 + float64(p.h)/6*math.Cos(ft/13)
	r := float64(p.h) / 5
	inDisc := func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r }
	for y := 0; y < p.h; y++ {
		fy := float64(y)
		row := img.Y[y*img.YStride:]
		for x := 0; x < p.w; x++ {
			fx := float64(x)
			var v float64
			if inDisc(fx, fy) {
				dx, dy := fx-cx, fy-cy
				v = 170 + 35*math.Sin(dx/5+dy/9) + 20*math.Cos(dy/4) + 12*math.Sin((dx-dy)/1.9)
			} else {
				bx := fx + 1.5*ft // slow pan
				v = 110 + 45*math.Sin(bx/37)*math.Cos(fy/23) + 18*math.Sin((bx+fy)/7) +
					14*math.Sin(bx/2.3)*math.Cos(fy/3.1)
				// Sharp-edged "shelves" give the transform something hard.
				if int(bx/23)%3 == 0 && int(fy/31)%2 == 0 {
					v -= 70
				}
			}
			v += float64(noise(x, y, t)%7) - 3
			row[x] = clamp8(v)
		}
	}
	for y := 0; y < (p.h+1)/2; y++ {
		fy := float64(2 * y)
		u, v := img.U[y*img.CStride:], img.V[y*img.CStride:]
		for x := 0; x < (p.w+1)/2; x++ {
			fx := float64(2 * x)
			if inDisc(fx, fy) {
				u[x], v[x] = 105, 160
				continue
			}
			u[x] = clamp8(128 + 30*math.Sin((fx+2*ft)/150))
			v[x] = clamp8(128 + 30*math.Cos((fy-ft)/90))
		}
	}
}

func noise(x, y, t int) uint32 {
	h := uint32(x)*73856093 ^ uint32(y)*19349663 ^ uint32(t)*83492791
	h ^= h >> 13
	h *= 0x5bd1e995
	return h ^ h>>15
}

func clamp8(v float64) byte {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return byte(v + 0.5)
}

// clip is a precomputed sequence of pictures played back and forth, so a
// long benchmark loop sees continuous motion without rendering per frame.
type clip []*media.I420

func newClip(w, h, n int) clip {
	p := pattern{w: w, h: h, pad: 32}
	c := make(clip, n)
	for i := range c {
		c[i] = p.frame(i)
	}
	return c
}

// at returns picture i of the endless ping-pong playback 0..n-1..1,0..
func (c clip) at(i int) *media.I420 {
	n := len(c)
	if n == 1 {
		return c[0]
	}
	period := 2 * (n - 1)
	i %= period
	if i >= n {
		i = period - i
	}
	return c[i]
}

// psnrY is the luma PSNR of b against reference a, in dB.
func psnrY(a, b *media.I420) float64 {
	var sse float64
	for y := 0; y < a.Height; y++ {
		ra := a.Y[y*a.YStride : y*a.YStride+a.Width]
		rb := b.Y[y*b.YStride : y*b.YStride+b.Width]
		for x := range ra {
			d := float64(ra[x]) - float64(rb[x])
			sse += d * d
		}
	}
	mse := sse / float64(a.Width*a.Height)
	if mse == 0 {
		return 100
	}
	return 10 * math.Log10(255*255/mse)
}

// ptsOf is the 90 kHz timestamp of frame i at fps.
func ptsOf(i, fps int) int64 { return int64(i) * TimeBase / int64(fps) }
