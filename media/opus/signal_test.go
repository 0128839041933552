package opus

import "math"

// sine returns n samples of a sine of freq Hz and the given peak amplitude,
// starting at sample offset start (so consecutive calls continue the wave).
func sine(freq, amp float64, start, n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(start+i)/SampleRate))
	}
	return pcm
}

// vowel returns n samples of a crude sustained vowel: a 140 Hz glottal
// harmonic series shaped by two formants, with slight vibrato. It makes
// the encoder's voice detector and SILK's pitch analysis behave as they do
// for speech.
func vowel(amp float64, start, n int) []int16 {
	pcm := make([]int16, n)
	const f0 = 140.0
	formant := func(f, center, width float64) float64 {
		d := (f - center) / width
		return 1 / (1 + d*d)
	}
	for i := range pcm {
		t := float64(start+i) / SampleRate
		phase := 2 * math.Pi * (f0*t + 0.8*math.Sin(2*math.Pi*5*t)) // vibrato
		var v float64
		for h := 1; h*int(f0) < 4000; h++ {
			f := float64(h) * f0
			v += (formant(f, 700, 150) + 0.6*formant(f, 1200, 200) + 0.05) * math.Sin(float64(h)*phase) / math.Sqrt(float64(h))
		}
		pcm[i] = int16(amp * v / 3)
	}
	return pcm
}

func rms(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(pcm)))
}

// correlation is the normalized cross-correlation of a and b at lag 0.
func correlation(a, b []int16) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// errorEnergy is the energy of a-b relative to the energy of a.
func errorEnergy(a, b []int16) float64 {
	var d, e float64
	for i := range a {
		x := float64(a[i]) - float64(b[i])
		d += x * x
		e += float64(a[i]) * float64(a[i])
	}
	return d / e
}

// zeroCrossingFreq estimates the frequency of a tone from its zero
// crossings, which is insensitive to the codec's delay and phase.
func zeroCrossingFreq(pcm []int16) float64 {
	crossings := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			crossings++
		}
	}
	return float64(crossings) / 2 / (float64(len(pcm)) / SampleRate)
}

// alignedSNR is the SNR of out against in after compensating the codec's
// delay (searched up to 20 ms), in dB. The first 20 ms of in are skipped. For a perceptual codec it is only a
// rough indication of fidelity, but a fair one between settings of the
// same codec on the same input.
func alignedSNR(in, out []int16) float64 {
	best := math.Inf(-1)
	for lag := 0; lag < FrameSamples; lag++ {
		n := len(in) - lag
		e := errorEnergy(in[FrameSamples:n], out[FrameSamples+lag:n+lag])
		best = max(best, -10*math.Log10(e))
	}
	return best
}
