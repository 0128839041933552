package media

import (
	"image"
	"image/draw"
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

// At full size, ToRGBA agrees with the standard library's conversion
// within rounding (the library uses JFIF full range; ours is the video
// range decoders give, so compare against color.YCbCr on expanded values).
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
				if d := float64(g) - w; d > 1.5 || d < -1.5 {
					t.Fatalf("(%d,%d) channel %d: %d, want %.1f", x, y, i, g, w)
				}
			}
			if got.A != 255 {
				t.Fatalf("alpha %d", got.A)
			}
		}
	}
}

// Scaled down, each output pixel is the source pixel under its centre.
func TestToRGBAScales(t *testing.T) {
	src := testPicture(640, 360)
	full := image.NewRGBA(image.Rect(0, 0, 640, 360))
	ToRGBA(full, src)
	small := image.NewRGBA(image.Rect(0, 0, 160, 90))
	ToRGBA(small, src)
	for _, p := range [][2]int{{0, 0}, {80, 45}, {159, 89}} {
		sx, sy := p[0]*4+2, p[1]*4+2
		if got, want := small.RGBAAt(p[0], p[1]), full.RGBAAt(sx, sy); got != want {
			t.Errorf("(%d,%d) = %v, want source (%d,%d) %v", p[0], p[1], got, sx, sy, want)
		}
	}
	// A destination with an offset rectangle (a sub-image) works too.
	sub := image.NewRGBA(image.Rect(10, 10, 170, 100))
	ToRGBA(sub, src)
	if got, want := sub.RGBAAt(10, 10), small.RGBAAt(0, 0); got != want {
		t.Errorf("sub-image origin %v, want %v", got, want)
	}
	// Degenerate sizes do nothing rather than panic.
	ToRGBA(image.NewRGBA(image.Rect(0, 0, 0, 0)), src)
	ToRGBA(small, &I420{})
}

// BenchmarkToRGBA: our conversion into a tile-sized buffer against the
// standard library's (image.YCbCr and draw.Draw at full size, which is
// all it can do; a tile would need a scaler on top).
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
