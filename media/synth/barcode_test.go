package synth

import (
	"math/rand/v2"
	"testing"
	"time"

	"causerie/media"
)

var stampSizes = []struct{ w, h int }{{320, 180}, {640, 360}, {1280, 720}}

// stampTimes returns edge cases plus n pseudo-random times over the whole
// 48-bit range the barcode carries.
func stampTimes(n int) []int64 {
	ts := []int64{0, 1, 1<<48 - 1, 1_700_000_000_123, 0x5555_5555_5555, 0xAAAA_AAAA_AAAA}
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		ts = append(ts, r.Int64N(1<<48))
	}
	return ts
}

func grey(w, h int, y byte) *media.I420 {
	img := media.NewI420(w, h)
	fill(img.Y, y)
	fill(img.U, 128)
	fill(img.V, 128)
	return img
}

func TestBlockSize(t *testing.T) {
	tests := []struct{ w, h, want int }{
		{320, 180, 8},
		{640, 360, 16},
		{1280, 720, 32},
		{854, 480, 16},
		{1920, 1080, 32},
		{3840, 2160, 64},
		{360, 640, 16}, // portrait: 32 px blocks would be 512 px wide
		{180, 320, 8},
		{128, 32, 8}, // exactly the smallest barcode
		{126, 32, 0}, // too narrow
		{128, 30, 0}, // too short
	}
	for _, tt := range tests {
		if got := blockSize(tt.w, tt.h); got != tt.want {
			t.Errorf("blockSize(%d, %d) = %d, want %d", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestStampRoundTrip(t *testing.T) {
	for _, sz := range stampSizes {
		cam, err := NewCamera(CameraConfig{Width: sz.w, Height: sz.h, FPS: 30})
		if err != nil {
			t.Fatal(err)
		}
		img := media.NewI420(sz.w, sz.h)
		for _, ms := range stampTimes(200) {
			// On the camera's moving pattern, which differs with ms.
			cam.pat.draw(img, ms)
			Stamp(img, ms)
			if got, ok := ReadStamp(img); !ok || got != ms {
				t.Fatalf("%dx%d: ReadStamp = %d, %v; want %d, true", sz.w, sz.h, got, ok, ms)
			}
		}
	}
}

func TestStampKeepsLow48Bits(t *testing.T) {
	img := grey(640, 360, 128)
	Stamp(img, -1)
	if got, ok := ReadStamp(img); !ok || got != 1<<48-1 {
		t.Fatalf("ReadStamp = %#x, %v; want %#x, true", got, ok, int64(1<<48-1))
	}
}

func TestStampNeutralChroma(t *testing.T) {
	img := grey(640, 360, 128)
	fill(img.U, 20)
	fill(img.V, 220)
	Stamp(img, 42)
	b := 16
	for y := range img.Height / 2 {
		for x := range img.Width / 2 {
			inside := x < barcodeCols*b/2 && y < barcodeRows*b/2
			u, v := img.U[y*img.CStride+x], img.V[y*img.CStride+x]
			if inside && (u != 128 || v != 128) {
				t.Fatalf("chroma (%d,%d) under barcode = %d,%d; want 128,128", x, y, u, v)
			}
			if !inside && (u != 20 || v != 220) {
				t.Fatalf("chroma (%d,%d) outside barcode changed to %d,%d", x, y, u, v)
			}
		}
	}
}

func TestReadStampRejectsUnstamped(t *testing.T) {
	for _, sz := range stampSizes {
		for _, y := range []byte{0, 16, 128, 235, 255} {
			if ms, ok := ReadStamp(grey(sz.w, sz.h, y)); ok {
				t.Errorf("%dx%d plain luma %d: ReadStamp = %d, true", sz.w, sz.h, y, ms)
			}
		}
		pat := newPattern(sz.w, sz.h)
		img := media.NewI420(sz.w, sz.h)
		for ms := int64(0); ms < 10_000; ms += 97 {
			pat.draw(img, ms)
			if got, ok := ReadStamp(img); ok {
				t.Fatalf("%dx%d pattern at %d ms without stamp: ReadStamp = %d, true", sz.w, sz.h, ms, got)
			}
		}
		// A negative of a stamp (a sign error in some colour path) fails
		// the sync byte.
		img = grey(sz.w, sz.h, 128)
		Stamp(img, 1_700_000_000_000)
		for i, v := range img.Y {
			img.Y[i] = 251 - v
		}
		if got, ok := ReadStamp(img); ok {
			t.Errorf("%dx%d inverted stamp: ReadStamp = %d, true", sz.w, sz.h, got)
		}
	}
}

func TestReadStampMalformed(t *testing.T) {
	imgs := map[string]*media.I420{
		"nil":         nil,
		"zero":        {},
		"short luma":  {Width: 640, Height: 360, YStride: 640, CStride: 320, Y: make([]byte, 100), U: make([]byte, 320*180), V: make([]byte, 320*180)},
		"short U":     {Width: 640, Height: 360, YStride: 640, CStride: 320, Y: make([]byte, 640*360), U: nil, V: make([]byte, 320*180)},
		"small pitch": {Width: 640, Height: 360, YStride: 320, CStride: 320, Y: make([]byte, 640*360), U: make([]byte, 320*180), V: make([]byte, 320*180)},
		"tiny":        media.NewI420(64, 64),
	}
	for name, img := range imgs {
		Stamp(img, 12345) // must not panic
		if ms, ok := ReadStamp(img); ok {
			t.Errorf("%s: ReadStamp = %d, true", name, ms)
		}
	}
}

// flipBlock inverts bit i of the barcode in img, as a misread would.
func flipBlock(img *media.I420, b, i int) {
	r, c := i/barcodeCols, i%barcodeCols
	for y := r * b; y < (r+1)*b; y++ {
		row := img.Y[y*img.YStride+c*b : y*img.YStride+(c+1)*b]
		for x := range row {
			row[x] = lumaBlack + lumaWhite - row[x]
		}
	}
}

// TestStampDetectsBitErrors flips every combination of one, two and three
// barcode bits: the sync byte and CRC-8 must reject them all.
func TestStampDetectsBitErrors(t *testing.T) {
	const bits = barcodeCols * barcodeRows
	img := grey(320, 180, 128)
	b := blockSize(320, 180)
	for _, ms := range []int64{0, 1_700_000_000_123, 1<<48 - 1} {
		Stamp(img, ms)
		rejects := 0
		for i := range bits {
			flipBlock(img, b, i)
			if _, ok := ReadStamp(img); ok {
				t.Fatalf("ms %d: flipping bit %d not detected", ms, i)
			}
			for j := i + 1; j < bits; j++ {
				flipBlock(img, b, j)
				if _, ok := ReadStamp(img); ok {
					t.Fatalf("ms %d: flipping bits %d,%d not detected", ms, i, j)
				}
				for k := j + 1; k < bits; k++ {
					flipBlock(img, b, k)
					if _, ok := ReadStamp(img); ok {
						t.Fatalf("ms %d: flipping bits %d,%d,%d not detected", ms, i, j, k)
					}
					rejects++
					flipBlock(img, b, k)
				}
				flipBlock(img, b, j)
			}
			flipBlock(img, b, i)
		}
		if got, ok := ReadStamp(img); !ok || got != ms {
			t.Fatalf("after restoring: ReadStamp = %d, %v; want %d", got, ok, ms)
		}
		if rejects != bits*(bits-1)*(bits-2)/6 {
			t.Fatalf("tried %d triples", rejects)
		}
	}
}

// addNoise adds uniform noise of the given peak to the luma plane, clipped.
func addNoise(img *media.I420, peak int, r *rand.Rand) {
	span := uint64(2*peak + 1)
	for i, v := range img.Y {
		img.Y[i] = clip(int(v) + int(r.Uint64()%span) - peak)
	}
}

// boxBlur3 replaces each luma sample by the mean of its 3x3 neighbourhood
// (edges clamped), a blur stronger than VP8's loop filter at the block
// centres. It is separable: a horizontal then a vertical 3-tap sum.
func boxBlur3(img *media.I420) {
	w, h := img.Width, img.Height
	rows := make([]int, w*h)
	for y := range h {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		for x := range w {
			rows[y*w+x] = int(row[max(x-1, 0)]) + int(row[x]) + int(row[min(x+1, w-1)])
		}
	}
	for y := range h {
		up, down := max(y-1, 0), min(y+1, h-1)
		for x := range w {
			sum := rows[up*w+x] + rows[y*w+x] + rows[down*w+x]
			img.Y[y*img.YStride+x] = byte((sum + 4) / 9)
		}
	}
}

// halve downscales img by two with a 2x2 box filter, as a simulcast encoder
// produces its lower layer.
func halve(img *media.I420) *media.I420 {
	out := media.NewI420(img.Width/2, img.Height/2)
	for y := range out.Height {
		for x := range out.Width {
			s := int(img.Y[2*y*img.YStride+2*x]) + int(img.Y[2*y*img.YStride+2*x+1]) +
				int(img.Y[(2*y+1)*img.YStride+2*x]) + int(img.Y[(2*y+1)*img.YStride+2*x+1])
			out.Y[y*out.YStride+x] = byte((s + 2) / 4)
		}
	}
	return out
}

func clip(v int) byte { return byte(min(max(v, 0), 255)) }

func TestStampSurvivesDegradation(t *testing.T) {
	degradations := []struct {
		name string
		f    func(*media.I420, *rand.Rand)
	}{
		{"noise ±30", func(img *media.I420, r *rand.Rand) { addNoise(img, 30, r) }},
		{"noise ±80", func(img *media.I420, r *rand.Rand) { addNoise(img, 80, r) }},
		{"3x3 blur", func(img *media.I420, _ *rand.Rand) { boxBlur3(img) }},
		{"blur twice then noise ±30", func(img *media.I420, r *rand.Rand) {
			boxBlur3(img)
			boxBlur3(img)
			addNoise(img, 30, r)
		}},
		{"noise ±30 then blur", func(img *media.I420, r *rand.Rand) {
			addNoise(img, 30, r)
			boxBlur3(img)
		}},
		{"contrast squeezed to 64..192", func(img *media.I420, _ *rand.Rand) {
			for i, v := range img.Y {
				img.Y[i] = byte(64 + int(v)*128/255)
			}
		}},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range stampSizes {
		cam, err := NewCamera(CameraConfig{Width: sz.w, Height: sz.h, FPS: 30})
		if err != nil {
			t.Fatal(err)
		}
		img := media.NewI420(sz.w, sz.h)
		for _, d := range degradations {
			for _, ms := range stampTimes(5) {
				cam.pat.draw(img, ms)
				Stamp(img, ms)
				// Degrade only the rows ReadStamp can see, the barcode
				// and one block row below it, to keep the test fast.
				top := *img
				top.Height = 5 * blockSize(sz.w, sz.h)
				d.f(&top, r)
				if got, ok := ReadStamp(img); !ok || got != ms {
					t.Fatalf("%dx%d %s: ReadStamp = %d, %v; want %d, true", sz.w, sz.h, d.name, got, ok, ms)
				}
			}
		}
	}
}

// TestStampSurvivesDownscale checks the block size rule: a stamp written at
// 720p reads at 360p and 180p after halving, as simulcast layers would.
func TestStampSurvivesDownscale(t *testing.T) {
	cam, err := NewCamera(CameraConfig{Width: 1280, Height: 720, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	img := &media.I420{}
	for _, ms := range stampTimes(10) {
		cam.Draw(img, time.UnixMilli(ms))
		half := halve(img)
		quarter := halve(half)
		for _, p := range []*media.I420{half, quarter} {
			if got, ok := ReadStamp(p); !ok || got != ms {
				t.Fatalf("%dx%d: ReadStamp = %d, %v; want %d, true", p.Width, p.Height, got, ok, ms)
			}
		}
	}
}

func BenchmarkReadStamp(b *testing.B) {
	img := grey(640, 360, 128)
	Stamp(img, 1_700_000_000_123)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ReadStamp(img); !ok {
			b.Fatal("ReadStamp failed")
		}
	}
}
