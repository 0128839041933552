//go:build apm1

package apm

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// The 1.x module's rows in TestMeasure: every stage on (AEC3, noise
// suppression, AGC2's adaptive digital gain, high-pass filter), the same
// with the delay reported as 0 and with the strongest noise suppression,
// then the stages added one at a time, and the noise suppressor alone.
func init() {
	alt := func(name string, cfg Config, ns int, reportDelay bool) alternative {
		return alternative{name: name, echo: func(d time.Duration) frameProcessor {
			c := cfg
			if reportDelay {
				c.StreamDelay = d
			}
			p, err := newProcessor1(c, ns)
			if err != nil {
				// The hook has no *testing.T: the error reaches the test
				// through the first Far, which fails it.
				return brokenProcessor{err}
			}
			return p
		}}
	}
	all := Defaults()
	alternatives = append(alternatives,
		alt("webrtc 1.3 AEC3", all, ns1High, true),
		alt("webrtc 1.3 AEC3, delay 0", all, ns1High, false),
		alt("webrtc 1.3 AEC3, ns very high", all, ns1VeryHigh, true),
		alt("webrtc 1.3 aec only", Config{EchoCancel: true}, ns1High, true),
		alt("webrtc 1.3 aec+ns", Config{EchoCancel: true, NoiseSuppress: true}, ns1High, true),
		alt("webrtc 1.3 aec+ns+agc2", Config{EchoCancel: true, NoiseSuppress: true, AutoGain: true}, ns1High, true),
		// Without the canceller: what the noise suppressor alone costs in
		// delay, as the 0.3 module's ns+hpf row shows for its own.
		alt("webrtc 1.3 ns+hpf", Config{NoiseSuppress: true, HighPass: true}, ns1High, true),
	)
}

// brokenProcessor stands for a processor that could not be created.
type brokenProcessor struct{ err error }

func (b brokenProcessor) Far([]int16) error          { return b.err }
func (b brokenProcessor) Near([]int16) (bool, error) { return false, b.err }
func (b brokenProcessor) Close() error               { return nil }

func newProc1(t testing.TB, cfg Config, ns int) *processor1 {
	t.Helper()
	p, err := newProcessor1(cfg, ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestAPM1FrameSize(t *testing.T) {
	p := newProc1(t, Defaults(), ns1High)
	for _, n := range []int{0, 1, FrameSamples - 1, FrameSamples + 1, 960} {
		pcm := make([]int16, n)
		if err := p.Far(pcm); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Far(%d samples) = %v, want ErrFrameSize", n, err)
		}
		if _, err := p.Near(pcm); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Near(%d samples) = %v, want ErrFrameSize", n, err)
		}
	}
	p.Close()
	if _, err := p.Near(make([]int16, FrameSamples)); !errors.Is(err, ErrClosed) {
		t.Errorf("Near after Close = %v, want ErrClosed", err)
	}
}

// TestAPM1CancelsEcho checks the 1.x shim end to end without the speech
// synthesiser: bursts of pink noise (a speech-like spectrum and rhythm)
// played through the synthetic room 100 ms late at -6 dB must come out
// at least minERLE below the microphone once AEC3 has had 2 s, with the
// delay reported as 0 (AEC3 finds it alone). AGC2 is off here: its gain
// lifts what the canceller leaves (ERLE 25 dB with it, 32 without), and
// this test is about the canceller; TestMeasure's rows have every stage.
// The voice detector must hear the near end's voice and not the
// cancelled echo (it flags every echo frame when nothing is cancelled).
func TestAPM1CancelsEcho(t *testing.T) {
	const seconds = 8
	rng := rand.New(rand.NewPCG(1, 3))
	n := seconds * SampleRate
	far := pinkNoise(rng, n, dbfs(speechDBFS))
	// 300 ms on, 200 ms off, like syllables and pauses; silent for the
	// last two seconds, where the near end talks alone.
	for i := range far {
		if i%(SampleRate/2) >= 3*SampleRate/10 || i >= (seconds-2)*SampleRate {
			far[i] = 0
		}
	}
	echo := delay(convolve(far, roomResponse(rng, roomTail, echoGainDB)), SampleRate/10)
	// The near end: a voiced sound in the last two seconds.
	near := make([]float64, n)
	for k := (seconds - 2) * 100; k < seconds*100; k++ {
		for i, s := range voiced(k, 190, 3000) {
			near[k*FrameSamples+i] = float64(s) / 32768
		}
	}
	mic := toPCM(echo, near, whiteNoise(rng, n, dbfs(roomNoiseDBFS)))
	farPCM := toPCM(far)

	p := newProc1(t, Config{EchoCancel: true, NoiseSuppress: true, HighPass: true}, ns1High)
	out := append([]int16(nil), mic...)
	var micE, outE float64
	var echoFrames, echoVoice, nearFrames, nearVoice int
	ep := framePowers(echo)
	active := dbfs(activeDBFS) * dbfs(activeDBFS)
	for k := range n / FrameSamples {
		a, b := k*FrameSamples, (k+1)*FrameSamples
		if err := p.Far(farPCM[a:b]); err != nil {
			t.Fatal(err)
		}
		voice, err := p.Near(out[a:b])
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case k >= 200 && k < (seconds-2)*100 && ep[k] > active:
			micE += sumSq(fromPCM(mic[a:b]))
			outE += sumSq(fromPCM(out[a:b]))
			echoFrames++
			if voice {
				echoVoice++
			}
		case k >= (seconds-2)*100+20:
			nearFrames++
			if voice {
				nearVoice++
			}
		}
	}
	erle := db(micE / outE)
	m, ok := p.echoMetrics()
	t.Logf("ERLE %.1f dB; voice on %d/%d echo frames, %d/%d near-end frames; AEC3's own: ok %v, delay %v, ERLE %.1f dB",
		erle, echoVoice, echoFrames, nearVoice, nearFrames, ok, m.DelayMedian, m.ERLE)
	if erle < minERLE {
		t.Errorf("ERLE %.1f dB, want ≥ %.0f dB", erle, minERLE)
	}
	if !ok {
		t.Error("AEC3 reported no metrics")
	}
	if f := float64(nearVoice) / float64(nearFrames); f < 0.5 {
		t.Errorf("voice detected on %.0f%% of the near-end frames, want ≥ 50%%", f*100)
	}
	if f := float64(echoVoice) / float64(echoFrames); f > 0.2 {
		t.Errorf("voice detected on %.0f%% of the cancelled echo frames, want ≤ 20%%", f*100)
	}
}

// BenchmarkProcess10msAPM1 is BenchmarkProcess10ms for the 1.x module with
// every stage on.
func BenchmarkProcess10msAPM1(b *testing.B) {
	benchFrames(b, newProc1(b, Defaults(), ns1High))
}
