package media

import (
	"math/rand/v2"
	"testing"
)

func randomI420(r *rand.Rand, w, h int) *I420 {
	img := NewI420(w, h)
	for _, p := range [][]byte{img.Y, img.U, img.V} {
		for i := range p {
			p[i] = byte(r.UintN(256))
		}
	}
	return img
}

// boxAt is the reference: the rounded average of the source block that
// destination pixel (x, y) covers, a pixel at a time.
func boxAt(plane []byte, stride, sw, sh, dw, dh, x, y int) byte {
	x0, x1 := x*sw/dw, max((x+1)*sw/dw, x*sw/dw+1)
	y0, y1 := y*sh/dh, max((y+1)*sh/dh, y*sh/dh+1)
	sum, n := 0, 0
	for sy := y0; sy < y1; sy++ {
		for sx := x0; sx < x1; sx++ {
			sum += int(plane[sy*stride+sx])
			n++
		}
	}
	return byte((sum + n/2) / n)
}

func TestDownscaleMatchesBoxAverage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ sw, sh, dw, dh int }{
		{1280, 720, 640, 360}, // exact halves: the fast path
		{640, 360, 320, 180},
		{38, 22, 19, 11}, // odd result: the fast path's scalar tail
		{1280, 720, 320, 180},
		{960, 540, 480, 270},
		{960, 540, 480, 268}, // rounded to even: the general path
		{640, 480, 640, 480}, // same size: a copy
		{100, 60, 34, 20},
	} {
		src := randomI420(r, c.sw, c.sh)
		dst := NewI420(c.dw, c.dh)
		Downscale(dst, src)
		check := func(name string, got, plane []byte, dstStride, srcStride, sw, sh, dw, dh int) {
			for y := range dh {
				for x := range dw {
					if want := boxAt(plane, srcStride, sw, sh, dw, dh, x, y); got[y*dstStride+x] != want {
						t.Fatalf("%d×%d → %d×%d %s (%d,%d) = %d, want %d", c.sw, c.sh, c.dw, c.dh, name, x, y, got[y*dstStride+x], want)
					}
				}
			}
		}
		check("Y", dst.Y, src.Y, dst.YStride, src.YStride, c.sw, c.sh, c.dw, c.dh)
		scw, sch, dcw, dch := (c.sw+1)/2, (c.sh+1)/2, (c.dw+1)/2, (c.dh+1)/2
		check("U", dst.U, src.U, dst.CStride, src.CStride, scw, sch, dcw, dch)
		check("V", dst.V, src.V, dst.CStride, src.CStride, scw, sch, dcw, dch)
	}
}

// A picture whose strides exceed its width (a decoder's, a camera's) is
// read through its strides.
func TestDownscaleHonoursStrides(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	packed := randomI420(r, 64, 32)
	padded := &I420{Width: 64, Height: 32, YStride: 80, CStride: 48,
		Y: make([]byte, 80*32), U: make([]byte, 48*16), V: make([]byte, 48*16)}
	for y := range 32 {
		copy(padded.Y[y*80:], packed.Y[y*64:y*64+64])
	}
	for y := range 16 {
		copy(padded.U[y*48:], packed.U[y*32:y*32+32])
		copy(padded.V[y*48:], packed.V[y*32:y*32+32])
	}
	a, b := NewI420(32, 16), NewI420(32, 16)
	Downscale(a, packed)
	Downscale(b, padded)
	if string(a.Y) != string(b.Y) || string(a.U) != string(b.U) || string(a.V) != string(b.V) {
		t.Fatal("padded source scaled differently from the packed one")
	}
}

// Planes shorter than the size and strides say (a caller's bug) leave the
// destination alone instead of letting libyuv read past them.
func TestDownscaleRefusesMalformed(t *testing.T) {
	src := randomI420(rand.New(rand.NewPCG(7, 8)), 64, 32)
	dst := NewI420(32, 16)
	short := *src
	short.U = short.U[:len(short.U)-1]
	Downscale(dst, &short)
	Downscale(dst, &I420{Width: 64, Height: 32})
	Downscale(&I420{Width: 32, Height: 16}, src)
	Downscale(dst, nil)
	for _, p := range [][]byte{dst.Y, dst.U, dst.V} {
		for _, b := range p {
			if b != 0 {
				t.Fatal("a malformed picture was scaled")
			}
		}
	}
}

func TestDownscaleAllocatesNothing(t *testing.T) {
	src := randomI420(rand.New(rand.NewPCG(5, 6)), 1280, 720)
	half, odd := NewI420(640, 360), NewI420(480, 268)
	if n := testing.AllocsPerRun(10, func() { Downscale(half, src); Downscale(odd, src) }); n != 0 {
		t.Fatalf("%v allocations per picture", n)
	}
}

// BenchmarkDownscale720pHalf is the simulcast sender's per-frame cost for
// its middle layer (the low one halves that again, a quarter of the work).
func BenchmarkDownscale720pHalf(b *testing.B) {
	src := randomI420(rand.New(rand.NewPCG(7, 8)), 1280, 720)
	dst := NewI420(640, 360)
	b.SetBytes(int64(len(src.Y) + len(src.U) + len(src.V)))
	b.ReportAllocs()
	for b.Loop() {
		Downscale(dst, src)
	}
}

func BenchmarkDownscale720pGeneral(b *testing.B) {
	src := randomI420(rand.New(rand.NewPCG(7, 8)), 1280, 720)
	dst := NewI420(480, 268)
	b.SetBytes(int64(len(src.Y) + len(src.U) + len(src.V)))
	b.ReportAllocs()
	for b.Loop() {
		Downscale(dst, src)
	}
}
