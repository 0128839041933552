package vpx

import (
	"errors"
	"testing"

	"causerie/media"
)

const (
	testW, testH = 640, 360
	testFPS      = 30
)

func newTestEncoder(t testing.TB, codec Codec, kbps int) *Encoder {
	t.Helper()
	enc, err := NewEncoder(EncoderConfig{Codec: codec, Width: testW, Height: testH, FPS: testFPS, BitrateKbps: kbps})
	if err != nil {
		t.Fatalf("NewEncoder(%s): %v", codec, err)
	}
	t.Cleanup(enc.Close)
	return enc
}

func newTestDecoder(t testing.TB, codec Codec) *Decoder {
	t.Helper()
	dec, err := NewDecoder(codec)
	if err != nil {
		t.Fatalf("NewDecoder(%s): %v", codec, err)
	}
	t.Cleanup(dec.Close)
	return dec
}

// TestRoundTrip encodes a moving pattern and checks what the decoder makes
// of it: size, fidelity and keyframe placement.
func TestRoundTrip(t *testing.T) {
	src := newClip(testW, testH, 30)
	for _, codec := range []Codec{VP8, VP9} {
		t.Run(codec.String(), func(t *testing.T) {
			enc := newTestEncoder(t, codec, 1000)
			dec := newTestDecoder(t, codec)
			const forcedAt = 15
			var (
				buf     []byte
				out     media.I420
				decoded int
			)
			for i := range src {
				frame, key, err := enc.Encode(src[i], ptsOf(i, testFPS), i == forcedAt, buf)
				if err != nil {
					t.Fatalf("frame %d: Encode: %v", i, err)
				}
				buf = frame
				switch {
				case i == 0 && !key:
					t.Fatalf("frame 0 is not a keyframe")
				case i == forcedAt && !key:
					t.Fatalf("frame %d: forced keyframe not produced", i)
				case i != 0 && i != forcedAt && key:
					t.Errorf("frame %d: unexpected keyframe", i)
				}
				if len(frame) == 0 {
					if i == 0 || i == forcedAt {
						t.Fatalf("frame %d: keyframe dropped", i)
					}
					continue
				}
				ok, err := dec.Decode(frame, &out)
				if err != nil {
					t.Fatalf("frame %d: Decode: %v", i, err)
				}
				if !ok {
					t.Fatalf("frame %d: no picture", i)
				}
				decoded++
				if out.Width != testW || out.Height != testH {
					t.Fatalf("frame %d: decoded %dx%d, want %dx%d", i, out.Width, out.Height, testW, testH)
				}
				if p := psnrY(src[i], &out); p < 30 {
					t.Errorf("frame %d: PSNR %.1f dB < 30 dB", i, p)
				}
			}
			if decoded < len(src)*9/10 {
				t.Errorf("only %d of %d frames decoded (too many drops)", decoded, len(src))
			}
		})
	}
}

// TestSetBitrate checks that lowering the target bitrate mid-stream lowers
// the frame sizes, i.e. that the new configuration reaches rate control.
func TestSetBitrate(t *testing.T) {
	src := newClip(testW, testH, 30)
	for _, codec := range []Codec{VP8, VP9} {
		t.Run(codec.String(), func(t *testing.T) {
			enc := newTestEncoder(t, codec, 2000)
			var buf []byte
			i := 0
			// avg encodes n frames and returns the mean size of the last
			// half, after rate control has settled. Drops count as 0.
			avg := func(n int) float64 {
				total := 0
				for k := 0; k < n; k++ {
					var err error
					buf, _, err = enc.Encode(src.at(i), ptsOf(i, testFPS), false, buf)
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					if k >= n/2 {
						total += len(buf)
					}
					i++
				}
				return float64(total) / float64(n-n/2)
			}
			high := avg(60)
			if err := enc.SetBitrate(200); err != nil {
				t.Fatalf("SetBitrate: %v", err)
			}
			if got := enc.Config().BitrateKbps; got != 200 {
				t.Errorf("Config().BitrateKbps = %d, want 200", got)
			}
			low := avg(60)
			t.Logf("%s: %.0f B/frame at 2000 kbps, %.0f B/frame at 200 kbps", codec, high, low)
			if low*3 > high {
				t.Errorf("frame size fell from %.0f to only %.0f bytes after lowering bitrate 10x", high, low)
			}
			// 200 kbps at 30 fps is 833 B/frame; allow for buffer drain.
			if low > 2*833 {
				t.Errorf("%.0f B/frame at 200 kbps, want about 833", low)
			}
		})
	}
}

func TestEncoderConfigInvalid(t *testing.T) {
	good := EncoderConfig{Codec: VP8, Width: 640, Height: 360, FPS: 30, BitrateKbps: 600}
	if _, err := NewEncoder(good); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*EncoderConfig)
	}{
		{"zero width", func(c *EncoderConfig) { c.Width = 0 }},
		{"negative height", func(c *EncoderConfig) { c.Height = -360 }},
		{"odd width", func(c *EncoderConfig) { c.Width = 641 }},
		{"odd height", func(c *EncoderConfig) { c.Height = 361 }},
		{"too wide", func(c *EncoderConfig) { c.Width = 4098 }},
		{"too tall", func(c *EncoderConfig) { c.Height = 8192 }},
		{"zero fps", func(c *EncoderConfig) { c.FPS = 0 }},
		{"huge fps", func(c *EncoderConfig) { c.FPS = 1000 }},
		{"zero bitrate", func(c *EncoderConfig) { c.BitrateKbps = 0 }},
		{"huge bitrate", func(c *EncoderConfig) { c.BitrateKbps = 1 << 30 }},
		{"vp8 speed", func(c *EncoderConfig) { c.Speed = -17 }},
		{"vp9 speed", func(c *EncoderConfig) { c.Codec, c.Speed = VP9, 10 }},
		{"negative threads", func(c *EncoderConfig) { c.Threads = -1 }},
		{"many threads", func(c *EncoderConfig) { c.Threads = 1000 }},
		{"unknown codec", func(c *EncoderConfig) { c.Codec = 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			enc, err := NewEncoder(cfg)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("NewEncoder(%+v) error = %v, want ErrInvalidConfig", cfg, err)
			}
			if enc != nil {
				t.Errorf("NewEncoder returned an encoder with an error")
			}
		})
	}
}

func TestEncodeRejectsBadInput(t *testing.T) {
	enc := newTestEncoder(t, VP8, 600)
	if err := enc.SetBitrate(0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("SetBitrate(0) = %v, want ErrInvalidConfig", err)
	}
	good := media.NewI420(testW, testH)
	short := media.NewI420(testW, testH)
	short.V = short.V[:len(short.V)-1]
	narrow := media.NewI420(testW, testH)
	narrow.YStride = testW - 2
	for name, img := range map[string]*media.I420{
		"nil":          nil,
		"wrong size":   media.NewI420(320, 180),
		"short plane":  short,
		"small stride": narrow,
	} {
		if _, _, err := enc.Encode(img, 0, false, nil); !errors.Is(err, ErrBadPicture) {
			t.Errorf("%s: Encode error = %v, want ErrBadPicture", name, err)
		}
	}
	if _, _, err := enc.Encode(good, 3000, false, nil); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	for _, pts := range []int64{3000, 0} {
		if _, _, err := enc.Encode(good, pts, false, nil); !errors.Is(err, ErrTimestamp) {
			t.Errorf("Encode(pts %d after 3000) error = %v, want ErrTimestamp", pts, err)
		}
	}
}

func TestEncoderClosed(t *testing.T) {
	enc := newTestEncoder(t, VP8, 600)
	enc.Close()
	enc.Close() // idempotent
	img := media.NewI420(testW, testH)
	if _, _, err := enc.Encode(img, 0, false, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close = %v, want ErrClosed", err)
	}
	if err := enc.SetBitrate(500); !errors.Is(err, ErrClosed) {
		t.Errorf("SetBitrate after Close = %v, want ErrClosed", err)
	}
}

// TestEncodeNoAllocs guards the steady-state promise: with a reused output
// buffer, encoding a frame allocates no Go memory.
func TestEncodeNoAllocs(t *testing.T) {
	src := newClip(testW, testH, 4)
	enc := newTestEncoder(t, VP8, 600)
	buf := make([]byte, 0, 1<<20)
	i := 0
	allocs := testing.AllocsPerRun(20, func() {
		out, _, err := enc.Encode(src.at(i), ptsOf(i, testFPS), false, buf)
		if err != nil {
			t.Fatal(err)
		}
		buf = out
		i++
	})
	if allocs != 0 {
		t.Errorf("Encode allocates %.1f times per frame, want 0", allocs)
	}
}

func TestCodecString(t *testing.T) {
	for c, want := range map[Codec]string{VP8: "vp8", VP9: "vp9", 9: "unknown"} {
		if got := c.String(); got != want {
			t.Errorf("Codec(%d).String() = %q, want %q", int(c), got, want)
		}
	}
}
