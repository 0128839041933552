package vpx

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"causerie/media"
)

// encodeStream returns n compressed frames of the test pattern (frame 0 is
// a keyframe) and the source pictures, indexed alike (dropped frames are
// empty).
func encodeStream(t testing.TB, codec Codec, w, h, kbps, n int) ([][]byte, clip) {
	t.Helper()
	enc, err := NewEncoder(EncoderConfig{Codec: codec, Width: w, Height: h, FPS: testFPS, BitrateKbps: kbps})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	src := newClip(w, h, min(n, 30))
	frames := make([][]byte, n)
	for i := range frames {
		frames[i], _, err = enc.Encode(src.at(i), ptsOf(i, testFPS), false, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	return frames, src
}

func TestDecodeCorruptInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 3000)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	for _, codec := range []Codec{VP8, VP9} {
		t.Run(codec.String(), func(t *testing.T) {
			frames, src := encodeStream(t, codec, testW, testH, 800, 3)
			key := frames[0]
			dec := newTestDecoder(t, codec)
			var out media.I420

			if _, err := dec.Decode(garbage, &out); !errors.Is(err, ErrCorruptFrame) {
				t.Errorf("garbage: error = %v, want ErrCorruptFrame", err)
			}
			if _, err := dec.Decode(nil, &out); !errors.Is(err, ErrCorruptFrame) {
				t.Errorf("empty: error = %v, want ErrCorruptFrame", err)
			}
			for _, n := range []int{1, 3, 10, len(key) / 2, len(key) - 1} {
				if ok, err := dec.Decode(key[:n], &out); err == nil {
					t.Errorf("keyframe truncated to %d of %d bytes: ok=%v, want an error", n, len(key), ok)
				}
			}
			// The decoder must recover at the next good keyframe.
			for i, f := range frames {
				ok, err := dec.Decode(f, &out)
				if err != nil || !ok {
					t.Fatalf("frame %d after corrupt input: ok=%v err=%v", i, ok, err)
				}
				if p := psnrY(src.at(i), &out); p < 30 {
					t.Errorf("frame %d after corrupt input: PSNR %.1f dB", i, p)
				}
			}
			// Garbage after a good stream must not pass as a picture either.
			if ok, err := dec.Decode(garbage, &out); !errors.Is(err, ErrCorruptFrame) {
				t.Errorf("garbage after a good stream: ok=%v err=%v, want ErrCorruptFrame", ok, err)
			}
		})
	}
}

// TestDecodeWrongCodec feeds each decoder the other codec's keyframe.
func TestDecodeWrongCodec(t *testing.T) {
	vp8, _ := encodeStream(t, VP8, testW, testH, 800, 1)
	vp9, _ := encodeStream(t, VP9, testW, testH, 800, 1)
	var out media.I420
	if ok, err := newTestDecoder(t, VP8).Decode(vp9[0], &out); !errors.Is(err, ErrCorruptFrame) {
		t.Errorf("VP9 frame into VP8 decoder: ok=%v err=%v, want ErrCorruptFrame", ok, err)
	}
	if ok, err := newTestDecoder(t, VP9).Decode(vp8[0], &out); !errors.Is(err, ErrCorruptFrame) {
		t.Errorf("VP8 frame into VP9 decoder: ok=%v err=%v, want ErrCorruptFrame", ok, err)
	}
}

func TestDecoderReusesPicture(t *testing.T) {
	frames, _ := encodeStream(t, VP8, testW, testH, 800, 3)
	dec := newTestDecoder(t, VP8)
	out := media.NewI420(1280, 720) // larger: Resize must shrink in place
	y := &out.Y[0]
	for _, f := range frames {
		if ok, err := dec.Decode(f, out); err != nil || !ok {
			t.Fatalf("Decode: ok=%v err=%v", ok, err)
		}
	}
	if &out.Y[0] != y {
		t.Errorf("Decode reallocated a large enough picture")
	}
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := dec.Decode(frames[0], out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %.1f times per frame, want 0", allocs)
	}
}

func TestDecoderClosed(t *testing.T) {
	frames, _ := encodeStream(t, VP8, testW, testH, 800, 1)
	dec := newTestDecoder(t, VP8)
	dec.Close()
	dec.Close() // idempotent
	if _, err := dec.Decode(frames[0], media.NewI420(2, 2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close = %v, want ErrClosed", err)
	}
	if _, err := NewDecoder(Codec(5)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewDecoder(5) = %v, want ErrInvalidConfig", err)
	}
}

// FuzzDecode checks that no input crashes the decoders. Without -fuzz it
// runs the seeds only.
func FuzzDecode(f *testing.F) {
	for _, codec := range []Codec{VP8, VP9} {
		frames, _ := encodeStream(f, codec, 64, 48, 200, 2)
		for _, fr := range frames {
			f.Add(uint8(codec), fr)
			f.Add(uint8(codec), fr[:len(fr)/2])
		}
	}
	f.Add(uint8(VP8), []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, codec uint8, data []byte) {
		dec, err := NewDecoder(Codec(codec % 2))
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		var out media.I420
		if ok, err := dec.Decode(data, &out); ok && err == nil {
			if out.Width <= 0 || out.Height <= 0 || len(out.Y) < out.Width*out.Height {
				t.Fatalf("bad picture %dx%d", out.Width, out.Height)
			}
		}
	})
}

// TestDecodeRefusesHugeKeyframe sends a VP8 keyframe header announcing
// 16383x16383: it must be refused before libvpx allocates for it.
func TestDecodeRefusesHugeKeyframe(t *testing.T) {
	dec := newTestDecoder(t, VP8)
	huge := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xff, 0x3f, 0xff, 0x3f, 0, 0, 0, 0, 0, 0}
	_, err := dec.Decode(huge, &media.I420{})
	if !errors.Is(err, ErrCorruptFrame) {
		t.Fatalf("Decode(16383x16383 keyframe) = %v, want ErrCorruptFrame", err)
	}
	// libvpx itself also fails on this frame, but only after allocating
	// for it; the size in the message shows the guard caught it first.
	if !strings.Contains(err.Error(), "16383x16383") {
		t.Errorf("Decode error %q does not come from the size guard", err)
	}
	frames, _ := encodeStream(t, VP8, testW, testH, 800, 1)
	if ok, err := dec.Decode(frames[0], &media.I420{}); !ok || err != nil {
		t.Errorf("Decode after refusal: ok=%v err=%v", ok, err)
	}
}

// TestDecodeDamageNeedsKeyframe truncates an inter frame. libvpx's VP8
// decoder accepts such a frame without an error, only flagging it corrupt;
// the wrapper must report it and every frame predicted from it, so the
// caller asks for a keyframe instead of showing garbage, and must recover
// at that keyframe.
func TestDecodeDamageNeedsKeyframe(t *testing.T) {
	src := newClip(testW, testH, 8)
	for _, codec := range []Codec{VP8, VP9} {
		t.Run(codec.String(), func(t *testing.T) {
			enc := newTestEncoder(t, codec, 800)
			const keyAt = 6
			frames := make([][]byte, len(src))
			for i := range frames {
				var err error
				if frames[i], _, err = enc.Encode(src[i], ptsOf(i, testFPS), i == keyAt, nil); err != nil {
					t.Fatal(err)
				}
			}
			dec := newTestDecoder(t, codec)
			var out media.I420
			if ok, err := dec.Decode(frames[0], &out); !ok || err != nil {
				t.Fatalf("keyframe: ok=%v err=%v", ok, err)
			}
			if ok, err := dec.Decode(frames[1][:len(frames[1])/2], &out); !errors.Is(err, ErrCorruptFrame) {
				t.Errorf("truncated inter frame: ok=%v err=%v, want ErrCorruptFrame", ok, err)
			}
			for i := 2; i < keyAt; i++ {
				if ok, err := dec.Decode(frames[i], &out); !errors.Is(err, ErrCorruptFrame) {
					t.Errorf("frame %d after damage: ok=%v err=%v, want ErrCorruptFrame", i, ok, err)
				}
			}
			for i := keyAt; i < len(frames); i++ {
				if ok, err := dec.Decode(frames[i], &out); !ok || err != nil {
					t.Fatalf("frame %d after keyframe: ok=%v err=%v", i, ok, err)
				}
				if p := psnrY(src[i], &out); p < 30 {
					t.Errorf("frame %d after keyframe: PSNR %.1f dB", i, p)
				}
			}
		})
	}
}
