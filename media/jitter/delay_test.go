package jitter

import (
	"math/rand/v2"
	"testing"
	"time"
)

// trace feeds e one 20 ms Opus packet per period for d, starting at
// start (packet k is sent at start + k×20 ms, timestamp k×960), each
// arriving after extra(k, sent) of delay on top of a fixed 30 ms path, and
// calls watch after every packet with the time it was sent and the target.
func trace(e *Estimator, start time.Time, from int, d time.Duration, extra func(k int, sent time.Time) time.Duration, watch func(sent time.Time, target time.Duration)) int {
	n := int(d / (20 * time.Millisecond))
	for k := from; k < from+n; k++ {
		sent := start.Add(time.Duration(k) * 20 * time.Millisecond)
		e.Add(sent.Add(30*time.Millisecond+extra(k, sent)), uint32(k*960))
		if watch != nil {
			watch(sent, e.Target())
		}
	}
	return from + n
}

func uniform(r *rand.Rand, max time.Duration) func(int, time.Time) time.Duration {
	return func(int, time.Time) time.Duration { return time.Duration(r.Int64N(int64(max))) }
}

// In-order arrival: a packet cannot overtake the one before it, as on
// one network path, so a delayed packet delays those queued behind it.
func inOrder(f func(int, time.Time) time.Duration) func(int, time.Time) time.Duration {
	var last time.Time
	return func(k int, sent time.Time) time.Duration {
		at := sent.Add(f(k, sent))
		if at.Before(last) {
			at = last
		}
		last = at
		return at.Sub(sent)
	}
}

func TestEstimatorCalm(t *testing.T) {
	e := NewEstimator(48000)
	if e.Target() != initialDelay {
		t.Fatalf("initial target %v, want %v", e.Target(), initialDelay)
	}
	trace(e, t0, 0, 10*time.Second, func(int, time.Time) time.Duration { return 0 }, nil)
	if e.Target() != MinDelay || e.Jitter() != 0 {
		t.Fatalf("no jitter: target %v, jitter %v; want %v and 0", e.Target(), e.Jitter(), MinDelay)
	}
}

func TestEstimatorConstantJitter(t *testing.T) {
	for _, j := range []time.Duration{20 * time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond} {
		r := rand.New(rand.NewPCG(1, uint64(j)))
		e := NewEstimator(48000)
		var late, total int
		var lo, hi time.Duration = MaxDelay, 0
		trace(e, t0, 0, 30*time.Second, uniform(r, j), func(sent time.Time, target time.Duration) {
			if sent.Sub(t0) < 5*time.Second {
				return
			}
			lo, hi = min(lo, target), max(hi, target)
		})
		// Check how many packets of a further stretch the target covers.
		r2 := rand.New(rand.NewPCG(2, uint64(j)))
		for k := 1500; k < 3000; k++ {
			extra := time.Duration(r2.Int64N(int64(j)))
			at := t0.Add(time.Duration(k)*20*time.Millisecond + 30*time.Millisecond + extra)
			if e.Delay(uint32(k*960), at) > e.Target() {
				late++
			}
			total++
			e.Add(at, uint32(k*960))
		}
		// Uniform on [0, j): the 95th percentile is 0.95 j, plus the margin;
		// the quantile of 200 packets varies by a few per cent of j.
		want := j*95/100 + delayMargin
		if lo < want-j/20-binWidth || hi > want+j/20+binWidth {
			t.Errorf("jitter %v: target within [%v, %v], want about %v", j, lo, hi, want)
		}
		if late*100 > total*6 {
			t.Errorf("jitter %v: %d of %d packets later than the target, want at most 6 %%", j, late, total)
		}
		t.Logf("jitter uniform 0–%v: target %v–%v, %d/%d late, RFC 3550 jitter %v", j, lo, hi, late, total, e.Jitter())
	}
}

// A burst of jitter makes the target grow within a fraction of a second
// and, once the network calms, shrink back within seconds.
func TestEstimatorBurstThenCalm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e := NewEstimator(48000)
	calm := uniform(r, 4*time.Millisecond)
	k := trace(e, t0, 0, 10*time.Second, calm, nil)
	before := e.Target()
	burstAt := t0.Add(10 * time.Second)
	var grown time.Duration = -1
	var peak time.Duration
	k = trace(e, t0, k, 3*time.Second, inOrder(uniform(r, 120*time.Millisecond)), func(sent time.Time, target time.Duration) {
		peak = max(peak, target)
		if grown < 0 && target >= 100*time.Millisecond {
			grown = sent.Sub(burstAt)
		}
	})
	calmAt := t0.Add(13 * time.Second)
	var back time.Duration = -1
	trace(e, t0, k, 20*time.Second, calm, func(sent time.Time, target time.Duration) {
		if back < 0 && target <= before+5*time.Millisecond {
			back = sent.Sub(calmAt)
		}
	})
	if grown < 0 || grown > time.Second {
		t.Errorf("target reached 100 ms %v into the burst, want within 1 s (peak %v)", grown, peak)
	}
	if back < 0 || back > 12*time.Second {
		t.Errorf("target back to %v %v after the burst, want within 12 s", before, back)
	}
	if peak > 120*time.Millisecond+delayMargin+binWidth+10*time.Millisecond {
		t.Errorf("peak target %v for a 0–120 ms burst", peak)
	}
	t.Logf("calm target %v; burst 0–120 ms: ≥100 ms after %v, peak %v; back to %v %v after calm", before, grown, peak, before, back)
}

func TestEstimatorBounds(t *testing.T) {
	e := NewEstimator(48000)
	r := rand.New(rand.NewPCG(5, 6))
	trace(e, t0, 0, 10*time.Second, uniform(r, time.Second), nil)
	if e.Target() != MaxDelay {
		t.Fatalf("jitter of 1 s: target %v, want the bound %v", e.Target(), MaxDelay)
	}
}

// A new stream (timestamps that jump by minutes) starts over rather than
// reading the jump as a delay.
func TestEstimatorRestart(t *testing.T) {
	e := NewEstimator(48000)
	trace(e, t0, 0, 5*time.Second, func(int, time.Time) time.Duration { return 0 }, nil)
	at := t0.Add(5 * time.Second)
	e.Add(at, 0x9000_0000)
	if d := e.Delay(0x9000_0000, at); d != 0 {
		t.Fatalf("delay after a restart %v, want 0", d)
	}
	if e.Target() != initialDelay {
		t.Fatalf("target after a restart %v, want %v", e.Target(), initialDelay)
	}
}

// The timestamp wraps from 2³²−1 to 0 within a stream.
func TestEstimatorWrap(t *testing.T) {
	e := NewEstimator(48000)
	ts := uint32(1<<32 - 960*100)
	for k := range 300 {
		at := t0.Add(time.Duration(k) * 20 * time.Millisecond)
		e.Add(at, ts+uint32(k*960))
	}
	at := t0.Add(299*20*time.Millisecond + 25*time.Millisecond)
	if d := e.Delay(ts+299*960, at); d != 25*time.Millisecond {
		t.Fatalf("delay across the wrap %v, want 25ms", d)
	}
}

func BenchmarkEstimatorAdd(b *testing.B) {
	e := NewEstimator(48000)
	r := rand.New(rand.NewPCG(7, 8))
	jitter := make([]time.Duration, 4096)
	for i := range jitter {
		jitter[i] = time.Duration(r.Int64N(int64(80 * time.Millisecond)))
	}
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		at := t0.Add(time.Duration(k)*20*time.Millisecond + jitter[k%len(jitter)])
		e.Add(at, uint32(k*960))
	}
}

// Stalls (the sender's machine busy for 150 ms, then the packets held
// behind it sent at once) do not raise the delay for the seconds after
// them, unless they repeat: the jitter that matters is the one that
// keeps coming.
func TestEstimatorStalls(t *testing.T) {
	e := NewEstimator(48000)
	k := trace(e, t0, 0, 10*time.Second, func(int, time.Time) time.Duration { return 0 }, nil)
	// One stall: its 7 late packets are under 5 % of the window.
	start := k
	var peak time.Duration
	k = trace(e, t0, k, 5*time.Second, func(j int, sent time.Time) time.Duration {
		if n := j - start; n < 7 {
			return time.Duration(7-n) * 20 * time.Millisecond
		}
		return 0
	}, func(_ time.Time, target time.Duration) { peak = max(peak, target) })
	if peak > MinDelay+2*binWidth {
		t.Fatalf("target rose to %v after one stall of 140 ms", peak)
	}
	// Two a second apart: 14 late packets, 7 % of the window, move the
	// quantile, but not to the stalls' full height.
	start, peak = k, 0
	k = trace(e, t0, k, 5*time.Second, func(j int, sent time.Time) time.Duration {
		if n := j - start; n < 7 || n >= 50 && n < 57 {
			return time.Duration(7-n%50) * 20 * time.Millisecond
		}
		return 0
	}, func(_ time.Time, target time.Duration) { peak = max(peak, target) })
	if peak >= 140*time.Millisecond {
		t.Fatalf("target rose to %v after two stalls of 140 ms", peak)
	}
	t.Logf("two stalls of 140 ms a second apart: target up to %v", peak)
	// Stalls every second are a pattern: the delay covers them.
	low := MaxDelay
	from := t0.Add(time.Duration(k)*20*time.Millisecond + 3*time.Second)
	trace(e, t0, k, 5*time.Second, func(j int, sent time.Time) time.Duration {
		if (j-k)%50 < 7 {
			return time.Duration(7-(j-k)%50) * 20 * time.Millisecond
		}
		return 0
	}, func(sent time.Time, target time.Duration) {
		if !sent.Before(from) {
			low = min(low, target)
		}
	})
	// Between stalls it falls at shrinkRate, by 20 ms a second.
	if low < 140*time.Millisecond+delayMargin-shrinkRate-binWidth {
		t.Fatalf("target down to %v with a 140 ms stall every second", low)
	}
	t.Logf("a 140 ms stall every second: target at least %v", low)
}
