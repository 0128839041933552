package apm

import (
	"math"
	"testing"
)

// BenchmarkProcess10ms is the cost of one 10 ms frame with every stage on:
// Far (speaker reference) and Near (microphone) together, as a call pays
// them 100 times a second. core% is that cost over 10 ms. The call's
// phases (echodelay.go): "learning", the first seconds, with the
// classic-filter module learning beside the extended one; "settled", the
// classic filter alone with the delay finder, the rest of the call;
// "extended", one module on the extended filter without the finder, as
// before the tracking (and as a call where no echo is ever found runs
// after 20 s, plus the finder).
func BenchmarkProcess10ms(b *testing.B) {
	for _, c := range []struct {
		name string
		tune func(*tuning)
	}{
		{"learning", func(t *tuning) { t.holdShadow = true }},
		{"settled", func(t *tuning) { t.noExtendedFilter = true }},
		{"extended", func(t *tuning) { t.noDelayFinder = true }},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := Defaults()
			c.tune(&cfg.tune)
			p, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			benchFrames(b, p)
		})
	}
}

// benchFrames runs one second of a voiced far end and a quieter near end
// with its echo through p, over and over, so every stage has work to do
// (not the silence fast paths), and reports the cost of a 10 ms frame.
func benchFrames(b *testing.B, p frameProcessor) {
	const frames = 100
	far := make([][]int16, frames)
	near := make([][]int16, frames)
	for k := range frames {
		far[k] = voiced(k, 110, 6000)
		near[k] = voiced(k, 190, 3000)
		for i, s := range far[k] {
			near[k][i] += s / 4
		}
	}
	pcm := make([]int16, FrameSamples)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % frames
		if err := p.Far(far[k]); err != nil {
			b.Fatal(err)
		}
		copy(pcm, near[k])
		if _, err := p.Near(pcm); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/1000, "µs/frame")
	b.ReportMetric(ns/float64(FrameDuration)*100, "core%")
}

// voiced is frame k of a crude voiced sound: the harmonics of f0 under two
// formants, peak amplitude about amp.
func voiced(k int, f0, amp float64) []int16 {
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		t := float64(k*FrameSamples+i) / SampleRate
		var s float64
		for h := 1; float64(h)*f0 < 4000; h++ {
			f := f0 * float64(h)
			g := math.Exp(-math.Pow((f-700)/200, 2)) + 0.5*math.Exp(-math.Pow((f-1200)/250, 2)) + 0.05
			s += g * math.Sin(2*math.Pi*f*t)
		}
		pcm[i] = int16(amp / 2 * s)
	}
	return pcm
}
