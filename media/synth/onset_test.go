package synth

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// micSignal returns d of the Mic's signal at 48 kHz, the first sample
// captured at first.
func micSignal(t testing.TB, first time.Time, d time.Duration) []int16 {
	t.Helper()
	m, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, ticks(d, 48000))
	m.Fill(pcm, first)
	return pcm
}

// feed runs pcm through a fresh detector in chunks of n samples, as a
// playout path would, and returns every onset.
func feed(pcm []int16, first time.Time, n int) []time.Time {
	d := NewOnsetDetector(48000)
	var all, buf []time.Time
	for k := 0; k < len(pcm); k += n {
		buf = d.Feed(pcm[k:min(k+n, len(pcm))], first.Add(offset(int64(k), 48000)), buf)
		all = append(all, buf...)
	}
	return all
}

// checkOnsets fails unless onsets are exactly the given whole seconds, each
// within ±2 ms.
func checkOnsets(t *testing.T, name string, onsets []time.Time, seconds ...time.Time) {
	t.Helper()
	if len(onsets) != len(seconds) {
		t.Fatalf("%s: %d onsets %v, want %d", name, len(onsets), onsets, len(seconds))
	}
	for i, s := range seconds {
		if d := onsets[i].Sub(s); d < -2*time.Millisecond || d > 2*time.Millisecond {
			t.Fatalf("%s: onset %d at %v from the second, want within ±2ms", name, i, d)
		}
	}
}

func secondsFrom(s time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = s.Add(time.Duration(i) * time.Second)
	}
	return out
}

func TestOnsetOnePerBurst(t *testing.T) {
	// 5 s of signal starting 7 ms before a second: bursts at +0..+4 s.
	first := wholeSecond.Add(-7 * time.Millisecond)
	pcm := micSignal(t, first, 5*time.Second)
	for _, chunk := range []int{960, 37, 48, 4800, len(pcm)} {
		onsets := feed(pcm, first, chunk)
		checkOnsets(t, "chunk "+itoa(chunk), onsets, secondsFrom(wholeSecond, 5)...)
	}
}

func TestOnsetPrecision(t *testing.T) {
	// The onset is the first sample above -40 dBFS: the burst's first
	// sample if the tone's phase there is already past about 6.5 µs, else
	// the next one, 20.8 µs later. Sweep the burst's position across the
	// 1 ms energy window, including its last samples, where the window
	// holding the onset stays below the threshold and the next one
	// triggers.
	const bound = 30 * time.Microsecond
	var leads []time.Duration
	for k := range 40 {
		leads = append(leads, 7*time.Millisecond+time.Duration(k)*25*time.Microsecond+3*time.Microsecond)
	}
	leads = append(leads, 7*time.Millisecond+958*time.Microsecond, 313*time.Millisecond, 999*time.Millisecond)
	for _, lead := range leads {
		first := wholeSecond.Add(-lead)
		pcm := micSignal(t, first, 2*time.Second)
		onsets := feed(pcm, first, 960)
		if len(onsets) != 2 {
			t.Fatalf("lead %v: %d onsets, want 2", lead, len(onsets))
		}
		for i, o := range onsets {
			if d := o.Sub(wholeSecond.Add(time.Duration(i) * time.Second)); d < 0 || d > bound {
				t.Fatalf("lead %v: onset %d %v from the second, want within %v after", lead, i, d, bound)
			}
		}
	}
}

func TestOnsetConcealedFrame(t *testing.T) {
	first := wholeSecond.Add(-7 * time.Millisecond)
	pcm := micSignal(t, first, 5*time.Second)
	// Zero the 20 ms frame in the middle of every burst (40..60 ms into
	// it), as a decoder's concealment of a lost frame might.
	for s := range 5 {
		at := int(ticks(time.Duration(s)*time.Second+47*time.Millisecond, 48000))
		clear(pcm[at : at+960])
	}
	checkOnsets(t, "concealed", feed(pcm, first, 960), secondsFrom(wholeSecond, 5)...)
}

func TestOnsetAttenuated(t *testing.T) {
	// A codec or a playout gain 12 dB down still leaves the burst 13 dB
	// above the threshold.
	first := wholeSecond.Add(-7 * time.Millisecond)
	pcm := micSignal(t, first, 3*time.Second)
	for i := range pcm {
		pcm[i] /= 4
	}
	checkOnsets(t, "-12 dB", feed(pcm, first, 960), secondsFrom(wholeSecond, 3)...)
}

func TestOnsetJoinedMidBurst(t *testing.T) {
	// A stream joined 30 ms into a burst must not report its middle as an
	// onset; the following bursts are found.
	first := wholeSecond.Add(30 * time.Millisecond)
	pcm := micSignal(t, first, 2500*time.Millisecond)
	checkOnsets(t, "mid-burst", feed(pcm, first, 960), secondsFrom(wholeSecond.Add(time.Second), 2)...)
}

func TestOnsetNoneInSilence(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	signals := map[string][]int16{
		"digital silence": make([]int16, 5*48000),
		"-70 dBFS noise":  make([]int16, 5*48000),
		"-50 dBFS noise":  make([]int16, 5*48000),
	}
	for i := range signals["-70 dBFS noise"] {
		signals["-70 dBFS noise"][i] = int16(r.IntN(37) - 18)
		// Uniform ±180 is 104 RMS, -50 dBFS.
		signals["-50 dBFS noise"][i] = int16(r.IntN(361) - 180)
	}
	for name, pcm := range signals {
		if onsets := feed(pcm, wholeSecond, 960); len(onsets) != 0 {
			t.Errorf("%s: %d onsets, want none", name, len(onsets))
		}
	}
}

func TestOnsetFeedReusesDst(t *testing.T) {
	first := wholeSecond.Add(-7 * time.Millisecond)
	pcm := micSignal(t, first, 20*time.Millisecond)
	d := NewOnsetDetector(48000)
	dst := make([]time.Time, 3, 4)
	got := d.Feed(pcm, first, dst)
	if len(got) != 1 || &got[0] != &dst[0] {
		t.Fatalf("Feed returned %d onsets, reused dst: %v", len(got), len(got) > 0 && &got[0] == &dst[0])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func BenchmarkOnsetFeed(b *testing.B) {
	// One second of signal with a burst, fed in 20 ms frames.
	first := wholeSecond.Add(-500 * time.Millisecond)
	pcm := micSignal(b, first, time.Second)
	d := NewOnsetDetector(48000)
	var dst []time.Time
	k := 0
	b.ReportAllocs()
	b.SetBytes(960 * 2)
	for b.Loop() {
		dst = d.Feed(pcm[k:k+960], first.Add(offset(int64(k), 48000)), dst)
		k += 960
		if k == len(pcm) {
			k = 0
			first = first.Add(time.Second)
		}
	}
}
