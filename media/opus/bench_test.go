package opus

import "testing"

// speechFrames is one second of the synthetic vowel, in 20 ms frames.
func speechFrames() [][]int16 {
	frames := make([][]int16, 50)
	for i := range frames {
		frames[i] = vowel(10000, i*FrameSamples, FrameSamples)
	}
	return frames
}

func BenchmarkOpusEncode(b *testing.B) {
	frames := speechFrames()
	enc, err := NewEncoder(32000)
	if err != nil {
		b.Fatal(err)
	}
	pkt := make([]byte, MaxPacketBytes)
	total := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := enc.Encode(frames[i%len(frames)], pkt)
		if err != nil {
			b.Fatal(err)
		}
		total += len(p)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "µs/frame")
	b.ReportMetric(float64(total)/float64(b.N), "bytes/frame")
}

func BenchmarkOpusDecode(b *testing.B) {
	enc, dec := newPair(b, 32000)
	var packets [][]byte
	for _, f := range speechFrames() {
		p, err := enc.Encode(f, nil)
		if err != nil {
			b.Fatal(err)
		}
		packets = append(packets, p)
	}
	pcm := make([]int16, FrameSamples)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dec.Decode(packets[i%len(packets)], pcm); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "µs/frame")
}
