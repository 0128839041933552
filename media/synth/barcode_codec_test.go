package synth_test

import (
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
	"causerie/media/vpx"
)

// TestStampSurvivesCodecs: the capture time stamped by the synthetic camera
// is read back exactly after a real VP8 or VP9 round trip at 360p, also at
// 300 kbps, below what browsers spend on 360p.
func TestStampSurvivesCodecs(t *testing.T) {
	for _, c := range []struct {
		codec vpx.Codec
		kbps  int
	}{{vpx.VP8, 800}, {vpx.VP8, 300}, {vpx.VP9, 800}, {vpx.VP9, 300}} {
		t.Run(c.codec.String(), func(t *testing.T) {
			cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
			if err != nil {
				t.Fatal(err)
			}
			enc, err := vpx.NewEncoder(vpx.EncoderConfig{Codec: c.codec, Width: 640, Height: 360, FPS: 30, BitrateKbps: c.kbps})
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			dec, err := vpx.NewDecoder(c.codec)
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
			src, out := media.NewI420(640, 360), &media.I420{}
			start := time.UnixMilli(1_790_000_000_123)
			read := 0
			for i := range 90 {
				captured := start.Add(time.Duration(i) * time.Second / 30)
				cam.Draw(src, captured)
				frame, _, err := enc.Encode(src, int64(i)*vpx.TimeBase/30, false, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(frame) == 0 {
					continue
				}
				ok, err := dec.Decode(frame, out)
				if err != nil || !ok {
					t.Fatalf("frame %d: decode ok=%v err=%v", i, ok, err)
				}
				ms, ok := synth.ReadStamp(out)
				if !ok {
					continue
				}
				if ms != captured.UnixMilli() {
					t.Fatalf("frame %d: read %d, stamped %d", i, ms, captured.UnixMilli())
				}
				read++
			}
			if read < 85 {
				t.Fatalf("stamp read on %d of 90 frames at %d kbps", read, c.kbps)
			}
		})
	}
}
