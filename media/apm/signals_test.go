package apm

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The test material is built at test time from Debian tools, so the
// measurements need no audio files in the repository and anyone can
// rebuild them: espeak-ng speaks, sox resamples to 48 kHz.

// Sentences of the two talkers. The far end speaks American English, the
// near end French, with different voices, so the echo and the local voice
// never share pitch or phonemes by construction.
const (
	farText = "The quarterly report is ready for review. Sales in the northern region grew by twelve percent, " +
		"while costs stayed flat. We should discuss the budget for next year before the end of the month, " +
		"and I would like everyone to send their comments by Friday."
	nearText = "Bonjour à tous, je vous entends très bien. Je voudrais ajouter un point à l'ordre du jour, " +
		"concernant le déménagement des bureaux au printemps prochain. Nous en reparlerons jeudi, " +
		"après la réunion avec la direction régionale."
)

// requireTools fails the test, naming the set-up script, when the tools
// that build the material are missing.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("apm: the measurements need %s (Debian packages espeak-ng and sox); "+
				"run scripts/deps.sh to install what is missing", tool)
		}
	}
}

// speak renders text with an espeak-ng voice, resampled to 48 kHz mono,
// as floats in [-1, 1).
func speak(t *testing.T, voice, text string) []float64 {
	t.Helper()
	dir := t.TempDir()
	wav := filepath.Join(dir, "speech.wav")
	raw := filepath.Join(dir, "speech.raw")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-s", "150", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if out, err := exec.Command("sox", wav, "-t", "raw", "-e", "signed-integer", "-b", "16",
		"-L", "-c", "1", "-r", "48000", raw).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, len(b)/2)
	for i := range x {
		x[i] = float64(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
	}
	return x
}

// dbfs converts a level in dB relative to full scale to an RMS amplitude
// (full scale 1.0).
func dbfs(db float64) float64 { return math.Pow(10, db/20) }

// normalizeActive scales x so that its active frames (within 40 dB of the
// loudest) have the given RMS: a simple active speech level, so pauses
// between sentences do not lower the figure.
func normalizeActive(x []float64, rms float64) {
	var peak float64
	powers := framePowers(x)
	for _, p := range powers {
		peak = max(peak, p)
	}
	var sum float64
	var n int
	for _, p := range powers {
		if p > peak*1e-4 {
			sum += p
			n++
		}
	}
	g := rms / math.Sqrt(sum/float64(n))
	for i := range x {
		x[i] *= g
	}
}

// framePowers is the mean square of each 10 ms frame.
func framePowers(x []float64) []float64 {
	p := make([]float64, len(x)/FrameSamples)
	for k := range p {
		p[k] = meanSquare(x[k*FrameSamples : (k+1)*FrameSamples])
	}
	return p
}

func meanSquare(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s / float64(len(x))
}

// fit returns x looped or cut to n samples.
func fit(x []float64, n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = x[i%len(x)]
	}
	return y
}

// roomResponse is a short synthetic room: a direct path followed by
// exponentially decaying Gaussian noise that falls 60 dB in tail (a
// small, damped office), scaled to the given total energy gain.
func roomResponse(rng *rand.Rand, tail float64, gainDB float64) []float64 {
	n := int(tail * SampleRate)
	tau := tail / math.Log(1000) // amplitude e-folding time for -60 dB at tail
	h := make([]float64, n)
	h[0] = 1
	for i := 1; i < n; i++ {
		h[i] = 0.15 * rng.NormFloat64() * math.Exp(-float64(i)/SampleRate/tau)
	}
	var e float64
	for _, v := range h {
		e += v * v
	}
	g := math.Pow(10, gainDB/20) / math.Sqrt(e)
	for i := range h {
		h[i] *= g
	}
	return h
}

// convolve is x*h truncated to len(x).
func convolve(x, h []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		if v == 0 {
			continue
		}
		m := min(len(h), len(x)-i)
		yy := y[i : i+m]
		for j, c := range h[:m] {
			yy[j] += v * c
		}
	}
	return y
}

// delay returns x delayed by d samples, same length.
func delay(x []float64, d int) []float64 {
	y := make([]float64, len(x))
	copy(y[d:], x)
	return y
}

func whiteNoise(rng *rand.Rand, n int, rms float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rms * rng.NormFloat64()
	}
	return x
}

// pinkNoise is 1/f noise by the Voss-McCartney method: the sum of 16
// random rows, row r redrawn every 2^r samples, plus white noise; then
// scaled to rms.
func pinkNoise(rng *rand.Rand, n int, rms float64) []float64 {
	const rows = 16
	var row [rows]float64
	var sum float64
	for r := range row {
		row[r] = rng.NormFloat64()
		sum += row[r]
	}
	x := make([]float64, n)
	for i := range x {
		// The row to redraw is the number of trailing zeros of i, so row r
		// changes every 2^r samples.
		if i > 0 {
			r := 0
			for k := i; k&1 == 0 && r < rows-1; k >>= 1 {
				r++
			}
			sum -= row[r]
			row[r] = rng.NormFloat64()
			sum += row[r]
		}
		x[i] = sum + rng.NormFloat64()
	}
	g := rms / math.Sqrt(meanSquare(x))
	for i := range x {
		x[i] *= g
	}
	return x
}

// toPCM mixes signals into 16-bit samples, clipping as a converter does.
func toPCM(parts ...[]float64) []int16 {
	pcm := make([]int16, len(parts[0]))
	for i := range pcm {
		var s float64
		for _, p := range parts {
			s += p[i]
		}
		pcm[i] = int16(max(-32768, min(32767, math.Round(s*32768))))
	}
	return pcm
}

func fromPCM(pcm []int16) []float64 {
	x := make([]float64, len(pcm))
	for i, s := range pcm {
		x[i] = float64(s) / 32768
	}
	return x
}
