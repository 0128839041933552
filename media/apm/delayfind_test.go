package apm

import (
	"math/rand/v2"
	"testing"
)

// syllables is noise in 40-250 ms segments, each at its own level within
// 30 dB, some silent: an envelope like speech's, with none of its
// waveform.
func syllables(rng *rand.Rand, n int, rms float64) []float64 {
	x := whiteNoise(rng, n, rms)
	for i := 0; i < n; {
		gain := dbfs(-30 * rng.Float64())
		if rng.IntN(4) == 0 {
			gain = 0.01
		}
		l := (40 + rng.IntN(210)) * SampleRate / 1000
		for j := i; j < min(n, i+l); j++ {
			x[j] *= gain
		}
		i += l
	}
	return x
}

// The finder locates the echo behind a 20 ms room within 6 ms, early or
// late against the reference, with the near end talking all along.
func TestDelayFinder(t *testing.T) {
	const seconds = 8
	for _, lagMs := range []int{-40, 0, 10, 80, 150, 300} {
		rng := rand.New(rand.NewPCG(7, uint64(lagMs+100)))
		n := seconds * SampleRate
		ref := syllables(rng, n+SampleRate, dbfs(-20))
		echo := convolve(ref, roomResponse(rng, 0.02, -6))
		// mic[t] holds the echo of ref[t-lag]; the reference starts a
		// second in so a negative lag has something to read.
		off := SampleRate
		micSig := make([]float64, n)
		for i := range micSig {
			if j := off + i - lagMs*SampleRate/1000; j >= 0 && j < len(echo) {
				micSig[i] = echo[j]
			}
		}
		mic := toPCM(micSig, syllables(rng, n, dbfs(-26)), whiteNoise(rng, n, dbfs(-60)))
		refPCM := toPCM(ref[off : off+n])
		d := newDelayFinder()
		found, at := 0, -1
		for k := 0; (k+1)*FrameSamples <= n; k++ {
			f := k * FrameSamples
			if lag, ok := d.add(refPCM[f:f+FrameSamples], mic[f:f+FrameSamples]); ok && at < 0 {
				found, at = lag, k*10
			}
		}
		if at < 0 {
			t.Errorf("lag %d ms: not found in %d s", lagMs, seconds)
			continue
		}
		// The room's first taps are the loudest, a few ms in.
		if found < lagMs || found > lagMs+6 {
			t.Errorf("lag %d ms: found %d ms", lagMs, found)
		}
		t.Logf("lag %d ms: found %d ms after %d ms", lagMs, found, at)
	}
}

// Without anything played there is nothing to find.
func TestDelayFinderSilentSpeaker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	mic := toPCM(syllables(rng, 6*SampleRate, dbfs(-20)))
	ref := make([]int16, len(mic))
	d := newDelayFinder()
	for f := 0; f+FrameSamples <= len(mic); f += FrameSamples {
		if lag, ok := d.add(ref[f:f+FrameSamples], mic[f:f+FrameSamples]); ok {
			t.Fatalf("found a lag of %d ms in silence", lag)
		}
	}
}

func BenchmarkDelayFinderEstimate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	sig := toPCM(syllables(rng, 5*SampleRate, dbfs(-20)))
	d := newDelayFinder()
	for f := 0; f+FrameSamples <= len(sig); f += FrameSamples {
		d.add(sig[f:f+FrameSamples], sig[f:f+FrameSamples])
	}
	b.ResetTimer()
	for b.Loop() {
		d.estimate()
	}
}
