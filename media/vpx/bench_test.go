package vpx

import (
	"fmt"
	"testing"

	"causerie/media"
)

func BenchmarkEncodeVP8_640x360(b *testing.B)  { benchEncode(b, VP8, 640, 360, 600) }
func BenchmarkEncodeVP8_1280x720(b *testing.B) { benchEncode(b, VP8, 1280, 720, 1500) }
func BenchmarkEncodeVP9_640x360(b *testing.B)  { benchEncode(b, VP9, 640, 360, 600) }
func BenchmarkDecodeVP8_640x360(b *testing.B)  { benchDecode(b, VP8, 640, 360, 600) }
func BenchmarkDecodeVP8_1280x720(b *testing.B) { benchDecode(b, VP8, 1280, 720, 1500) }
func BenchmarkDecodeVP9_640x360(b *testing.B)  { benchDecode(b, VP9, 640, 360, 600) }
func BenchmarkDecodeVP9_1280x720(b *testing.B) { benchDecode(b, VP9, 1280, 720, 1500) }

// benchEncode measures steady-state encoding with the package defaults on
// moving content: a few warm-up frames (including the keyframe) run before
// the timer starts.
func benchEncode(b *testing.B, codec Codec, w, h, kbps int) {
	src := newClip(w, h, 30)
	enc, err := NewEncoder(EncoderConfig{Codec: codec, Width: w, Height: h, FPS: testFPS, BitrateKbps: kbps})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	buf := make([]byte, 0, 1<<20)
	const warmup = 5
	for i := 0; i < warmup; i++ {
		if buf, _, err = enc.Encode(src.at(i), ptsOf(i, testFPS), false, buf); err != nil {
			b.Fatal(err)
		}
	}
	total := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := warmup + i
		if buf, _, err = enc.Encode(src.at(n), ptsOf(n, testFPS), false, buf); err != nil {
			b.Fatal(err)
		}
		total += len(buf)
	}
	b.StopTimer()
	reportFrame(b, total)
}

// benchDecode measures decoding of a pre-encoded stream played in a loop.
// The stream is long enough that its one keyframe barely weighs.
func benchDecode(b *testing.B, codec Codec, w, h, kbps int) {
	frames, _ := encodeStream(b, codec, w, h, kbps, 150)
	dec, err := NewDecoder(codec)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	out := media.NewI420(w, h)
	total := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)]
		if len(f) == 0 {
			continue
		}
		if _, err := dec.Decode(f, out); err != nil {
			b.Fatal(fmt.Errorf("frame %d: %w", i%len(frames), err))
		}
		total += len(f)
	}
	b.StopTimer()
	reportFrame(b, total)
}

func reportFrame(b *testing.B, totalBytes int) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
	b.ReportMetric(float64(totalBytes)/float64(b.N), "bytes/frame")
}
