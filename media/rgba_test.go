package media

import (
	"bytes"
	"image"
	"image/draw"
	"sync"
	"testing"
)

// testPicture is a picture with a gradient in each plane, so a wrong row,
// column or plane shows.
func testPicture(w, h int) *I420 {
	img := NewI420(w, h)
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = byte(16 + (x*219)/w)
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			img.U[y*img.CStride+x] = byte(16 + (y*224)/((h+1)/2))
			img.V[y*img.CStride+x] = byte(240 - (x*224)/((w+1)/2))
		}
	}
	return img
}

// At full size, ToRGBA agrees with the BT.601 video-range formulas
// (the standard library's color.YCbCr is JFIF full range, so the reference
// is written out here) within 2.5 levels: libyuv's fixed-point
// coefficients are at most 2.4 levels from exact over the whole range.
func TestToRGBAMatchesReference(t *testing.T) {
	src := testPicture(64, 48)
	dst := image.NewRGBA(image.Rect(0, 0, 64, 48))
	ToRGBA(dst, src)
	for y := 0; y < 48; y += 7 {
		for x := 0; x < 64; x += 5 {
			yy := float64(src.Y[y*src.YStride+x])
			cb := float64(src.U[(y/2)*src.CStride+x/2]) - 128
			cr := float64(src.V[(y/2)*src.CStride+x/2]) - 128
			yl := 1.164 * (yy - 16)
			want := [3]float64{yl + 1.596*cr, yl - 0.392*cb - 0.813*cr, yl + 2.017*cb}
			got := dst.RGBAAt(x, y)
			for i, g := range []uint8{got.R, got.G, got.B} {
				w := min(255, max(0, want[i]))
				if d := float64(g) - w; d > 2.5 || d < -2.5 {
					t.Fatalf("(%d,%d) channel %d: %d, want %.1f", x, y, i, g, w)
				}
			}
			if got.A != 255 {
				t.Fatalf("alpha %d", got.A)
			}
		}
	}
}

// Scaled down, each output pixel is the colour of the source block it
// covers, averaged in YUV (Downscale's box average is the reference).
func TestToRGBAScales(t *testing.T) {
	src := testPicture(640, 360)
	box := NewI420(160, 90)
	Downscale(box, src)
	want := image.NewRGBA(image.Rect(0, 0, 160, 90))
	ToRGBA(want, box)
	small := image.NewRGBA(image.Rect(0, 0, 160, 90))
	ToRGBA(small, src)
	for y := range 90 {
		for x := range 160 {
			g, w := small.RGBAAt(x, y), want.RGBAAt(x, y)
			if !near(g.R, w.R, 3) || !near(g.G, w.G, 3) || !near(g.B, w.B, 3) || g.A != 255 {
				t.Fatalf("(%d,%d) = %v, want the box average %v", x, y, g, w)
			}
		}
	}
	// A destination with an offset rectangle (a sub-image) works too.
	sub := image.NewRGBA(image.Rect(10, 10, 170, 100))
	ToRGBA(sub, src)
	if got, want := sub.RGBAAt(10, 10), small.RGBAAt(0, 0); got != want {
		t.Errorf("sub-image origin %v, want %v", got, want)
	}
	// Scaled up, the corners keep the source's corners.
	large := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	ToRGBA(large, src)
	full := image.NewRGBA(image.Rect(0, 0, 640, 360))
	ToRGBA(full, src)
	for _, p := range [][4]int{{0, 0, 0, 0}, {1279, 719, 639, 359}} {
		g, w := large.RGBAAt(p[0], p[1]), full.RGBAAt(p[2], p[3])
		if !near(g.R, w.R, 3) || !near(g.G, w.G, 3) || !near(g.B, w.B, 3) {
			t.Errorf("scaled up (%d,%d) = %v, want the source's (%d,%d) %v", p[0], p[1], g, p[2], p[3], w)
		}
	}
}

// Fine detail shrunk to a tile turns to its average instead of aliasing:
// a one-pixel black and white checkerboard becomes grey, where sampling
// one source pixel per output pixel would give black and white. At 1280 to
// 480 each output pixel averages blocks of about 8/3 pixels a side, 4/9 to
// 5/9 white: RGB 113 to 142.
func TestToRGBADoesNotAlias(t *testing.T) {
	src := NewI420(1280, 720)
	for y := range 720 {
		for x := range 1280 {
			src.Y[y*src.YStride+x] = byte(16 + 219*((x+y)%2))
		}
	}
	for i := range src.U {
		src.U[i], src.V[i] = 128, 128
	}
	tile := image.NewRGBA(image.Rect(0, 0, 480, 270))
	ToRGBA(tile, src)
	lo, hi := uint8(255), uint8(0)
	for y := range 270 {
		for x := range 480 {
			g := tile.RGBAAt(x, y).G
			lo, hi = min(lo, g), max(hi, g)
		}
	}
	if lo < 105 || hi > 150 {
		t.Fatalf("checkerboard shrunk to %d..%d, want grey (113..142)", lo, hi)
	}
}

// Degenerate sizes and pictures whose planes are shorter than their size
// says draw nothing rather than panic or read out of bounds.
func TestToRGBARefusesMalformed(t *testing.T) {
	src := testPicture(64, 48)
	dst := image.NewRGBA(image.Rect(0, 0, 32, 24))
	ToRGBA(image.NewRGBA(image.Rect(0, 0, 0, 0)), src)
	ToRGBA(dst, &I420{})
	ToRGBA(dst, nil)
	short := *src
	short.Y = short.Y[:len(short.Y)-1]
	ToRGBA(dst, &short)
	narrow := *src
	narrow.CStride = 8
	ToRGBA(dst, &narrow)
	for _, p := range dst.Pix {
		if p != 0 {
			t.Fatal("a malformed picture was drawn")
		}
	}
	// A destination whose pixels are shorter than its rectangle.
	bad := &image.RGBA{Pix: make([]byte, 10), Stride: 4 * 32, Rect: image.Rect(0, 0, 32, 24)}
	ToRGBA(bad, src)
}

func TestToRGBAAllocatesNothing(t *testing.T) {
	src := testPicture(1280, 720)
	full := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	tile := image.NewRGBA(image.Rect(0, 0, 480, 270))
	ToRGBA(tile, src) // the first call makes the pooled scratch picture
	if n := testing.AllocsPerRun(20, func() { ToRGBA(full, src); ToRGBA(tile, src) }); n != 0 {
		t.Fatalf("%v allocations per picture", n)
	}
}

// Tiles drawn from several goroutines at once (one per feed) each get a
// scratch picture of their own.
func TestToRGBAConcurrent(t *testing.T) {
	src := testPicture(640, 360)
	sizes := []image.Rectangle{image.Rect(0, 0, 320, 180), image.Rect(0, 0, 366, 206), image.Rect(0, 0, 160, 90), image.Rect(0, 0, 800, 450)}
	want := make([]*image.RGBA, len(sizes))
	for i, r := range sizes {
		want[i] = image.NewRGBA(r)
		ToRGBA(want[i], src)
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(sizes))
	for i, r := range sizes {
		wg.Go(func() {
			dst := image.NewRGBA(r)
			for range 30 {
				clear(dst.Pix)
				ToRGBA(dst, src)
				if !bytes.Equal(dst.Pix, want[i].Pix) {
					errs <- r.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for r := range errs {
		t.Errorf("tile %s drawn concurrently differs from drawn alone", r)
	}
}

func near(a, b, tol uint8) bool { return a-b <= tol || b-a <= tol }

// BenchmarkToRGBA: our conversion (libyuv) into a buffer of the picture's
// size or a tile's, against the standard library's (image.YCbCr and
// draw.Draw at full size, which is all it can do; a tile would need a
// scaler on top).
func BenchmarkToRGBA(b *testing.B) {
	for _, size := range []struct {
		name       string
		sw, sh     int
		dw, dh     int
		standardOK bool
	}{
		{"640x360-to-640x360", 640, 360, 640, 360, true},
		{"1280x720-to-1280x720", 1280, 720, 1280, 720, true},
		{"1280x720-to-480x270", 1280, 720, 480, 270, false},
		{"640x360-to-320x180", 640, 360, 320, 180, false},
	} {
		src := testPicture(size.sw, size.sh)
		dst := image.NewRGBA(image.Rect(0, 0, size.dw, size.dh))
		b.Run("causerie/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ToRGBA(dst, src)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6*30/10, "%core@30fps")
		})
		if !size.standardOK {
			continue
		}
		b.Run("stdlib/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			ycc := &image.YCbCr{Y: src.Y, Cb: src.U, Cr: src.V, YStride: src.YStride, CStride: src.CStride,
				SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, size.sw, size.sh)}
			for b.Loop() {
				draw.Draw(dst, dst.Rect, ycc, image.Point{}, draw.Src)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6*30/10, "%core@30fps")
		})
	}
}
