package apm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// bursts is n samples of speech-like white noise: bursts of 80-250 ms
// ("syllables") with pauses of 40-200 ms, 5 ms ramps, at rms while on.
// The delay finder needs the onsets; steady noise has none.
func bursts(rng *rand.Rand, n int, rms float64) []float64 {
	x := whiteNoise(rng, n, rms)
	ramp := SampleRate / 200
	for i := 0; i < n; {
		on := SampleRate * (80 + rng.IntN(170)) / 1000
		off := SampleRate * (40 + rng.IntN(160)) / 1000
		for j := 0; j < on && i+j < n; j++ {
			g := 1.0
			if j < ramp {
				g = float64(j) / float64(ramp)
			} else if on-j < ramp {
				g = float64(on-j) / float64(ramp)
			}
			x[i+j] *= g
		}
		for j := on; j < on+off && i+j < n; j++ {
			x[i+j] = 0
		}
		i += on + off
	}
	return x
}

// TestEchoDelayTracked: the echo comes 80 ms later than the timestamps
// say. The finder finds the 80 ms, the classic-filter module learns on
// the corrected delay unheard, and takes over without the echo coming
// back: every second from the second one cancels at least as the
// extended filter alone does, less a few dB, and well past 25 dB.
func TestEchoDelayTracked(t *testing.T) {
	const seconds = 14
	rng := rand.New(rand.NewPCG(7, 8))
	far := toPCM(bursts(rng, seconds*SampleRate, dbfs(-20)))
	const miss = 80 * time.Millisecond
	tracked, p := echoScene(t, Defaults(), &schedule{}, &schedule{}, far, miss)
	d, ok := p.EchoDelay()
	if !ok {
		t.Fatal("no delay tracking with the defaults")
	}
	alone := Defaults()
	alone.tune.noDelayFinder = true
	extended, _ := echoScene(t, alone, &schedule{}, &schedule{}, far, miss)
	logERLE(t, "tracked", tracked)
	logERLE(t, "extended filter alone", extended)
	t.Logf("%+v", d)
	if d.Moved < 1 || math.Abs(float64(d.Correction-miss)) > float64(3*time.Millisecond) {
		t.Errorf("correction %v after %d moves, want %v", d.Correction, d.Moved, miss)
	}
	if !d.ClassicFilter || d.Agreed < 1 {
		t.Errorf("%+v: want the classic filter on once the delay agreed", d)
	}
	for s := 2; s < len(tracked); s++ {
		if e, x := tracked[s].db(), extended[s].db(); e < 25 || e < x-6 {
			t.Errorf("second %d: ERLE %.1f dB, extended filter alone %.1f dB", s, e, x)
		}
	}
}

// step runs frame k of far and mic through p (Far, then Near) and
// returns the processed microphone frame.
func step(t *testing.T, p *Processor, far, mic []int16, k int) []int16 {
	t.Helper()
	f := k * FrameSamples
	if err := p.Far(far[f : f+FrameSamples]); err != nil {
		t.Fatal(err)
	}
	frame := append([]int16(nil), mic[f:f+FrameSamples]...)
	if _, err := p.Near(frame); err != nil {
		t.Fatal(err)
	}
	return frame
}

// logERLE logs the ERLE of each second of a run.
func logERLE(t *testing.T, name string, perSecond []ratio) {
	t.Helper()
	var b strings.Builder
	for _, r := range perSecond {
		fmt.Fprintf(&b, " %.1f", r.db())
	}
	t.Logf("ERLE by second, %s:%s", name, b.String())
}

// TestShadowRests: on a headset (no echo) the classic-filter module stops
// after 20 s instead of doubling the CPU for the
// whole call, and starts again once an echo is found (the speakers).
func TestShadowRests(t *testing.T) {
	const (
		quiet   = 30 // s without echo
		seconds = 40
		delay   = 40 * time.Millisecond
	)
	rng := rand.New(rand.NewPCG(9, 10))
	far := toPCM(bursts(rng, seconds*SampleRate, dbfs(-20)))
	mic := make([]int16, len(far))
	shift := int(delay.Seconds() * SampleRate)
	for n := quiet * SampleRate; n < len(mic); n++ {
		mic[n] = int16(0.5 * float64(far[n-shift]))
	}
	cfg := Defaults()
	cfg.StreamDelay = delay
	p := newProc(t, cfg)
	var stoppedAt, switchedAt float64
	var last ratio
	for k := 0; k < seconds*100; k++ {
		f := k * FrameSamples
		frame := step(t, p, far, mic, k)
		if p.shadow == nil && stoppedAt == 0 && !p.ed.switched {
			stoppedAt = float64(k) / 100
		}
		if p.ed.switched && switchedAt == 0 {
			switchedAt = float64(k) / 100
		}
		if k >= (seconds-5)*100 {
			last.in += sumSq(fromPCM(mic[f : f+FrameSamples]))
			last.out += sumSq(fromPCM(frame))
		}
	}
	d, _ := p.EchoDelay()
	t.Logf("shadow stopped at %.2f s, classic filter alone from %.2f s, ERLE over the last 5 s %.1f dB, %+v", stoppedAt, switchedAt, last.db(), d)
	if math.Abs(stoppedAt-20) > 0.05 {
		t.Errorf("the shadow stopped at %.2f s, want at 20 s", stoppedAt)
	}
	if switchedAt < quiet || !d.ClassicFilter {
		t.Errorf("classic filter from %.2f s (%+v), want once the echo came at %d s", switchedAt, d, quiet)
	}
	if last.db() < 30 {
		t.Errorf("ERLE %.1f dB over the last 5 s", last.db())
	}
}

// TestEchoPathMoves: 15 s into a call on the classic filter, the user
// switches to speakers 110 ms slower, which nothing reports. The finder
// sees the echo move, the classic filter starts again on the new delay,
// and the echo is cancelled again within 5 s; the extended filter alone
// (the default before the tracking) takes longer to find it.
func TestEchoPathMoves(t *testing.T) {
	const (
		seconds = 30
		change  = 15
		before  = 40 * time.Millisecond
		after   = 150 * time.Millisecond
	)
	rng := rand.New(rand.NewPCG(11, 12))
	far := toPCM(bursts(rng, seconds*SampleRate, dbfs(-20)))
	mic := make([]int16, len(far))
	for n := range mic {
		d := before
		if n >= change*SampleRate {
			d = after
		}
		if m := n - int(d.Seconds()*SampleRate); m >= 0 {
			mic[n] = int16(0.5 * float64(far[m]))
		}
	}
	run := func(cfg Config) []ratio {
		cfg.StreamDelay = before
		p := newProc(t, cfg)
		perSecond := make([]ratio, seconds)
		for k := 0; k < seconds*100; k++ {
			if k == change*100 && p.ed != nil {
				if d, _ := p.EchoDelay(); !d.ClassicFilter {
					t.Fatalf("%+v before the change, want the classic filter on", d)
				}
			}
			f := k * FrameSamples
			frame := step(t, p, far, mic, k)
			perSecond[k/100].in += sumSq(fromPCM(mic[f : f+FrameSamples]))
			perSecond[k/100].out += sumSq(fromPCM(frame))
		}
		if d, ok := p.EchoDelay(); ok {
			t.Logf("%+v", d)
			if !d.ClassicFilter || math.Abs(float64(d.Correction-(after-before))) > float64(3*time.Millisecond) {
				t.Errorf("%+v, want the classic filter on and a correction of %v", d, after-before)
			}
		}
		return perSecond
	}
	tracked := run(Defaults())
	alone := Defaults()
	alone.tune.noDelayFinder = true
	extended := run(alone)
	logERLE(t, "tracked", tracked)
	logERLE(t, "extended filter alone", extended)
	for s := change + 5; s < seconds; s++ {
		if e := tracked[s].db(); e < 25 {
			t.Errorf("second %d: ERLE %.1f dB, want ≥ 25 dB from 5 s after the change", s, e)
		}
	}
}
