package camera

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"causerie/media"
)

// Test pictures are defined by closed forms, so each expected sample is
// computed from the formula rather than by a second converter.
func lumaAt(x, y int) byte  { return byte(16 + x + 7*y) }
func cbAt(cx, y int) byte   { return byte(20 + 3*cx + 10*y) } // per row (4:2:2)
func crAt(cx, y int) byte   { return byte(200 - 2*cx - 9*y) }
func cb420(cx, cy int) byte { return byte(30 + 5*cx + 11*cy) }
func cr420(cx, cy int) byte { return byte(220 - 4*cx - 6*cy) }
func round2(a, b byte) byte { return byte((int(a) + int(b) + 1) / 2) }
func checkLuma(t *testing.T, dst *media.I420) {
	t.Helper()
	for y := 0; y < dst.Height; y++ {
		for x := 0; x < dst.Width; x++ {
			if got := dst.Y[y*dst.YStride+x]; got != lumaAt(x, y) {
				t.Fatalf("Y(%d,%d) = %d, want %d", x, y, got, lumaAt(x, y))
			}
		}
	}
}

// packed builds a YUYV (or UYVY) frame of w×h with stride bytes a row.
func packed(p PixelFormat, w, h, stride int) []byte {
	b := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		for cx := 0; cx < w/2; cx++ {
			i := y*stride + 4*cx
			y0, y1, u, v := lumaAt(2*cx, y), lumaAt(2*cx+1, y), cbAt(cx, y), crAt(cx, y)
			if p == YUYV {
				b[i], b[i+1], b[i+2], b[i+3] = y0, u, y1, v
			} else {
				b[i], b[i+1], b[i+2], b[i+3] = u, y0, v, y1
			}
		}
	}
	return b
}

func TestConvertPacked422(t *testing.T) {
	for _, p := range []PixelFormat{YUYV, UYVY} {
		for _, size := range []struct{ w, h, stride int }{{16, 10, 0}, {16, 9, 0}, {12, 6, 40}} {
			stride := size.stride
			if stride == 0 {
				stride = 2 * size.w
			}
			src := packed(p, size.w, size.h, stride)
			var c Converter
			dst := &media.I420{}
			if err := c.Convert(dst, src, Format{Pixel: p, Width: size.w, Height: size.h}, size.stride); err != nil {
				t.Fatalf("%s %v: %v", p, size, err)
			}
			if dst.Width != size.w || dst.Height != size.h {
				t.Fatalf("%s: size %dx%d", p, dst.Width, dst.Height)
			}
			checkLuma(t, dst)
			for cy := 0; cy < (size.h+1)/2; cy++ {
				y1 := min(2*cy+1, size.h-1) // an odd last row stands alone
				for cx := 0; cx < size.w/2; cx++ {
					wantU := round2(cbAt(cx, 2*cy), cbAt(cx, y1))
					wantV := round2(crAt(cx, 2*cy), crAt(cx, y1))
					if u, v := dst.U[cy*dst.CStride+cx], dst.V[cy*dst.CStride+cx]; u != wantU || v != wantV {
						t.Fatalf("%s %v: chroma(%d,%d) = %d,%d, want %d,%d", p, size, cx, cy, u, v, wantU, wantV)
					}
				}
			}
		}
	}
}

func TestConvertSemiPlanar(t *testing.T) {
	for _, p := range []PixelFormat{NV12, NV21} {
		w, h, stride := 14, 8, 16
		src := make([]byte, stride*h+stride*h/2)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				src[y*stride+x] = lumaAt(x, y)
			}
		}
		for cy := 0; cy < h/2; cy++ {
			for cx := 0; cx < w/2; cx++ {
				i := stride*h + cy*stride + 2*cx
				if p == NV12 {
					src[i], src[i+1] = cb420(cx, cy), cr420(cx, cy)
				} else {
					src[i], src[i+1] = cr420(cx, cy), cb420(cx, cy)
				}
			}
		}
		var c Converter
		dst := &media.I420{}
		if err := c.Convert(dst, src, Format{Pixel: p, Width: w, Height: h}, stride); err != nil {
			t.Fatal(err)
		}
		checkLuma(t, dst)
		checkChroma420(t, dst)
	}
}

func checkChroma420(t *testing.T, dst *media.I420) {
	t.Helper()
	for cy := 0; cy < (dst.Height+1)/2; cy++ {
		for cx := 0; cx < (dst.Width+1)/2; cx++ {
			if u, v := dst.U[cy*dst.CStride+cx], dst.V[cy*dst.CStride+cx]; u != cb420(cx, cy) || v != cr420(cx, cy) {
				t.Fatalf("chroma(%d,%d) = %d,%d, want %d,%d", cx, cy, u, v, cb420(cx, cy), cr420(cx, cy))
			}
		}
	}
}

func TestConvertI420(t *testing.T) {
	w, h := 10, 6
	src := make([]byte, w*h*3/2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src[y*w+x] = lumaAt(x, y)
		}
	}
	for cy := 0; cy < h/2; cy++ {
		for cx := 0; cx < w/2; cx++ {
			src[w*h+cy*w/2+cx] = cb420(cx, cy)
			src[w*h+w*h/4+cy*w/2+cx] = cr420(cx, cy)
		}
	}
	var c Converter
	dst := &media.I420{}
	if err := c.Convert(dst, src, Format{Pixel: I420, Width: w, Height: h}, 0); err != nil {
		t.Fatal(err)
	}
	checkLuma(t, dst)
	checkChroma420(t, dst)
}

func TestFromYCbCrSubsamplings(t *testing.T) {
	w, h := 8, 6
	// 4:4:4: each output chroma sample is the mean of a 2×2 block.
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Y[m.YOffset(x, y)] = lumaAt(x, y)
			m.Cb[m.COffset(x, y)] = byte(4 * x)
			m.Cr[m.COffset(x, y)] = byte(8 * y)
		}
	}
	dst := &media.I420{}
	if err := FromYCbCr(dst, m); err != nil {
		t.Fatal(err)
	}
	checkLuma(t, dst)
	for cy := 0; cy < h/2; cy++ {
		for cx := 0; cx < w/2; cx++ {
			// mean of 4*(2cx) and 4*(2cx+1), twice: 8cx+2; of 8*(2cy), 8*(2cy+1): 16cy+4.
			if u, v := dst.U[cy*dst.CStride+cx], dst.V[cy*dst.CStride+cx]; u != byte(8*cx+2) || v != byte(16*cy+4) {
				t.Fatalf("4:4:4 chroma(%d,%d) = %d,%d, want %d,%d", cx, cy, u, v, 8*cx+2, 16*cy+4)
			}
		}
	}
	// 4:2:2 from a sub-image at an odd row: the general and fast paths
	// must agree with the formula.
	m2 := image.NewYCbCr(image.Rect(0, 0, w, h+1), image.YCbCrSubsampleRatio422)
	for y := 0; y < h+1; y++ {
		for x := 0; x < w; x++ {
			m2.Y[m2.YOffset(x, y)] = lumaAt(x, y-1)
		}
		for cx := 0; cx < w/2; cx++ {
			m2.Cb[y*m2.CStride+cx] = cbAt(cx, y-1)
			m2.Cr[y*m2.CStride+cx] = crAt(cx, y-1)
		}
	}
	sub := m2.SubImage(image.Rect(0, 1, w, h+1)).(*image.YCbCr)
	if err := FromYCbCr(dst, sub); err != nil {
		t.Fatal(err)
	}
	checkLuma(t, dst)
	for cy := 0; cy < h/2; cy++ {
		for cx := 0; cx < w/2; cx++ {
			wantU, wantV := round2(cbAt(cx, 2*cy), cbAt(cx, 2*cy+1)), round2(crAt(cx, 2*cy), crAt(cx, 2*cy+1))
			if u, v := dst.U[cy*dst.CStride+cx], dst.V[cy*dst.CStride+cx]; u != wantU || v != wantV {
				t.Fatalf("4:2:2 chroma(%d,%d) = %d,%d, want %d,%d", cx, cy, u, v, wantU, wantV)
			}
		}
	}
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	g.Pix[5] = 99
	if err := FromYCbCr(dst, g); err != nil || dst.Y[5] != 99 || dst.U[0] != 128 || dst.V[3] != 128 {
		t.Fatalf("grey: %v, Y %d U %d V %d", err, dst.Y[5], dst.U[0], dst.V[3])
	}
	if err := FromYCbCr(dst, image.NewRGBA(image.Rect(0, 0, 2, 2))); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("RGBA: %v, want ErrUnsupported", err)
	}
}

// flatJPEG encodes a w×h picture of one colour at the best quality.
func flatJPEG(t testing.TB, w, h int, c color.YCbCr) []byte {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	fill(m.Y, c.Y)
	fill(m.Cb, c.Cb)
	fill(m.Cr, c.Cr)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withoutDHT removes the Huffman tables, as UVC cameras send MJPEG.
func withoutDHT(data []byte) []byte {
	out := append([]byte{}, data[:2]...)
	i := 2
	for i+4 <= len(data) && data[i+1] != 0xDA {
		n := int(data[i+2])<<8 | int(data[i+3])
		if data[i+1] != 0xC4 {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(out, data[i:]...)
}

// hasDHT tells whether a JPEG stream defines Huffman tables before its
// first scan, walking its marker segments.
func hasDHT(data []byte) bool {
	for i := 2; i+4 <= len(data); {
		switch data[i+1] {
		case 0xC4:
			return true
		case 0xDA:
			return false
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return false
}

func TestConvertMJPEG(t *testing.T) {
	want := color.YCbCr{Y: 150, Cb: 90, Cr: 170}
	full := flatJPEG(t, 64, 48, want)
	bare := withoutDHT(full)
	if !hasDHT(full) || hasDHT(bare) || len(bare) >= len(full) {
		t.Fatalf("test frames: DHT in full %v, in bare %v", hasDHT(full), hasDHT(bare))
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("image/jpeg decodes a frame without tables: the test proves nothing")
	}
	var c Converter
	for name, frame := range map[string][]byte{"with tables": full, "without tables": bare} {
		dst := &media.I420{}
		if err := c.Convert(dst, frame, Format{Pixel: MJPEG, Width: 64, Height: 48}, 0); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dst.Width != 64 || dst.Height != 48 {
			t.Fatalf("%s: %dx%d", name, dst.Width, dst.Height)
		}
		for _, s := range []struct {
			plane []byte
			want  byte
		}{{dst.Y, want.Y}, {dst.U, want.Cb}, {dst.V, want.Cr}} {
			for i, v := range s.plane {
				if d := int(v) - int(s.want); d < -2 || d > 2 {
					t.Fatalf("%s: sample %d = %d, want %d±2", name, i, v, s.want)
				}
			}
		}
	}
}

func TestConvertBadFrames(t *testing.T) {
	var c Converter
	dst := &media.I420{}
	cases := []struct {
		f    Format
		src  []byte
		want error
	}{
		{Format{Pixel: YUYV, Width: 640, Height: 480}, make([]byte, 640*2*479), ErrShortFrame},
		{Format{Pixel: NV12, Width: 640, Height: 480}, make([]byte, 640*480), ErrShortFrame},
		{Format{Pixel: I420, Width: 640, Height: 480}, make([]byte, 640*480*3/2-1), ErrShortFrame},
		{Format{Pixel: MJPEG, Width: 640, Height: 480}, []byte{1, 2, 3}, ErrBadFrame},
		{Format{Pixel: MJPEG, Width: 640, Height: 480}, []byte{0xFF, 0xD8, 0xFF, 0xC4, 0xFF, 0xFF}, ErrBadFrame},
		{Format{Pixel: MJPEG, Width: 64, Height: 48}, flatJPEG(t, 64, 48, color.YCbCr{})[:300], ErrBadFrame},
		{Format{Pixel: Unknown, Width: 640, Height: 480}, make([]byte, 1<<20), ErrUnsupported},
	}
	for _, c2 := range cases {
		if err := c.Convert(dst, c2.src, c2.f, 0); !errors.Is(err, c2.want) {
			t.Errorf("%v in %d bytes: %v, want %v", c2.f, len(c2.src), err, c2.want)
		}
	}
	if err := c.Convert(dst, nil, Format{Pixel: YUYV}, 0); err == nil {
		t.Error("a 0×0 frame converted")
	}
}

// TestConvertNoAllocation: the raw layouts convert into a grown picture
// without allocating, at the size cameras send most.
func TestConvertNoAllocation(t *testing.T) {
	for _, p := range []PixelFormat{YUYV, UYVY, NV12, NV21, I420} {
		f := Format{Pixel: p, Width: 1280, Height: 720}
		src := rawFrame(f)
		var c Converter
		dst := &media.I420{}
		if err := c.Convert(dst, src, f, 0); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { _ = c.Convert(dst, src, f, 0) }); n != 0 {
			t.Errorf("%s: %v allocations a frame", p, n)
		}
	}
	// MJPEG: 4:2:0 decoded in place, 4:2:2 through the decoder's planes.
	frames := map[string][]byte{"4:2:0": flatJPEG(t, 1280, 720, color.YCbCr{Y: 100, Cb: 90, Cr: 140})}
	if b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "video-001.q50.422.jpeg")); err == nil {
		frames["4:2:2"] = b
	}
	for name, src := range frames {
		var c Converter
		defer c.Close()
		dst := &media.I420{}
		f := Format{Pixel: MJPEG, Width: 1280, Height: 720}
		if err := c.Convert(dst, src, f, 0); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { _ = c.Convert(dst, src, f, 0) }); n != 0 {
			t.Errorf("MJPEG %s: %v allocations a frame", name, n)
		}
	}
}

// rawFrame returns a frame of f's size filled with a varied pattern.
func rawFrame(f Format) []byte {
	n := f.Width * f.Height * 2
	if f.Pixel != YUYV && f.Pixel != UYVY {
		n = f.Width * f.Height * 3 / 2
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7 / 3)
	}
	return b
}

// TestConvertMJPEGSubsamplings decodes the JPEG files of Go's own image
// tests (every chroma subsampling, 150×103: odd sizes) with
// libjpeg-turbo and checks the result against image/jpeg's decoding of
// the same file brought to I420 by FromYCbCr, an independent decoder:
// the two IDCTs may differ by a step or two, never more.
func TestConvertMJPEGSubsamplings(t *testing.T) {
	dir := filepath.Join(runtime.GOROOT(), "src", "image", "testdata")
	for _, name := range []string{"video-001.q50.420.jpeg", "video-001.q50.422.jpeg", "video-001.q50.440.jpeg",
		"video-001.q50.444.jpeg", "video-001.q50.411.jpeg", "video-001.jpeg", "video-001.progressive.jpeg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("Go's test pictures are not here: %v", err)
		}
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := &media.I420{}
		if err := FromYCbCr(want, ref); err != nil {
			t.Fatal(err)
		}
		var c Converter
		got := &media.I420{}
		err = c.Convert(got, data, Format{Pixel: MJPEG, Width: want.Width, Height: want.Height}, 0)
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Width != want.Width || got.Height != want.Height {
			t.Fatalf("%s: %dx%d, want %dx%d", name, got.Width, got.Height, want.Width, want.Height)
		}
		for _, pl := range []struct {
			name   string
			g, w   []byte
			stride int
			rows   int
			cols   int
		}{
			{"Y", got.Y, want.Y, got.YStride, got.Height, got.Width},
			{"U", got.U, want.U, got.CStride, (got.Height + 1) / 2, (got.Width + 1) / 2},
			{"V", got.V, want.V, got.CStride, (got.Height + 1) / 2, (got.Width + 1) / 2},
		} {
			worst := 0
			for y := 0; y < pl.rows; y++ {
				for x := 0; x < pl.cols; x++ {
					d := int(pl.g[y*pl.stride+x]) - int(pl.w[y*pl.stride+x])
					worst = max(worst, d, -d)
				}
			}
			if worst > 3 {
				t.Errorf("%s: plane %s differs from image/jpeg's by up to %d", name, pl.name, worst)
			}
		}
	}
	// A grey JPEG gets neutral chroma.
	g := image.NewGray(image.Rect(0, 0, 32, 16))
	fill(g.Pix, 77)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, g, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	var c Converter
	defer c.Close()
	dst := &media.I420{}
	if err := c.Convert(dst, b.Bytes(), Format{Pixel: MJPEG, Width: 32, Height: 16}, 0); err != nil {
		t.Fatal(err)
	}
	if dst.Y[40] < 75 || dst.Y[40] > 79 || dst.U[3] != 128 || dst.V[7] != 128 {
		t.Fatalf("grey JPEG: Y %d U %d V %d", dst.Y[40], dst.U[3], dst.V[7])
	}
}
