package opus

import (
	"os"
	"testing"
	"time"
)

// TestComplexitySweep measures encode cost per complexity level; it is how
// defaultComplexity was chosen. Run with
//
//	OPUS_SWEEP=1 go test -run Sweep -v ./media/opus/
func TestComplexitySweep(t *testing.T) {
	if os.Getenv("OPUS_SWEEP") == "" {
		t.Skip("set OPUS_SWEEP=1 to measure encoder complexity")
	}
	frames := speechFrames()
	pkt := make([]byte, MaxPacketBytes)
	pcm := make([]int16, FrameSamples)
	for _, bitrate := range []int{16000, 32000} {
		for c := 0; c <= 10; c++ {
			best := time.Duration(1 << 62)
			var bytes int
			var snr float64
			for rep := 0; rep < 5; rep++ {
				enc, dec := newPair(t, bitrate)
				if err := enc.enc.SetComplexity(c); err != nil {
					t.Fatal(err)
				}
				var elapsed time.Duration
				var in, out []int16
				bytes = 0
				const n = 250 // 5 s
				for i := 0; i < n; i++ {
					src := frames[i%len(frames)]
					start := time.Now()
					p, err := enc.Encode(src, pkt)
					elapsed += time.Since(start)
					if err != nil {
						t.Fatal(err)
					}
					bytes += len(p)
					if _, err := dec.Decode(p, pcm); err != nil {
						t.Fatal(err)
					}
					in = append(in, src...)
					out = append(out, pcm...)
				}
				best = min(best, elapsed/n)
				if rep == 0 {
					snr = alignedSNR(in[SampleRate:3*SampleRate], out[SampleRate:3*SampleRate])
				}
			}
			t.Logf("%2d kbps complexity %2d: %5.1f µs/frame, %4d B/frame, SNR %.1f dB",
				bitrate/1000, c, float64(best.Nanoseconds())/1000, bytes/250, snr)
		}
	}
}
