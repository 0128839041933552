package receive

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"causerie/media/jitter"
	"causerie/media/opus"
)

// fakeClock is the time the receive path sees, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// speakerLead is how far ahead of the device the playout clock pulls, as
// media/audio's speaker does.
const speakerLead = 30 * time.Millisecond

// pullInfo is what one pull of a trace did.
type pullInfo struct {
	at                 time.Time // when pulled
	quiet, prevQuiet   bool      // this frame and the one before it
	inserted, dropped  bool
	delay, target      time.Duration
	concealed, forcing bool
}

// playTrace plays pkts through a with the clock clk: packet i arrives at
// arrive[i] (the caller orders them by arrival), and the playout clock
// pulls a frame every 20 ms from start, pulls times, to be heard
// speakerLead later. It returns what each pull did.
func playTrace(t *testing.T, a *Audio, clk *fakeClock, pkts []*rtp.Packet, arrive []time.Time, start time.Time, pulls int) []pullInfo {
	t.Helper()
	pcm := make([]int16, opus.FrameSamples)
	out := make([]pullInfo, 0, pulls)
	next := 0
	prevQuiet := true
	for k := range pulls {
		at := start.Add(time.Duration(k) * frameDuration)
		for ; next < len(pkts) && !arrive[next].After(at); next++ {
			clk.set(arrive[next])
			a.feed.push(pkts[next], arrive[next])
		}
		clk.set(at)
		before := a.Stats()
		a.Pull(pcm, at.Add(speakerLead))
		after := a.Stats()
		q := isQuiet(pcm)
		out = append(out, pullInfo{at: at, quiet: q, prevQuiet: prevQuiet,
			inserted: after.InsertedMs > before.InsertedMs, dropped: after.DroppedMs > before.DroppedMs,
			delay: time.Duration(after.DelayMs * float64(time.Millisecond)), target: time.Duration(after.TargetDelayMs * float64(time.Millisecond)),
			concealed: after.ConcealedMs > before.ConcealedMs})
		prevQuiet = q
	}
	return out
}

// arrivals sends packet k at first + k×20 ms and lets it arrive after
// a 30 ms path plus extra(k), in order (a packet never overtakes the one
// before it, as on one path).
func arrivals(first time.Time, n int, extra func(k int) time.Duration) []time.Time {
	out := make([]time.Time, n)
	var last time.Time
	for k := range out {
		at := first.Add(time.Duration(k)*frameDuration + 30*time.Millisecond + extra(k))
		if at.Before(last) {
			at = last
		}
		out[k], last = at, at
	}
	return out
}

func newTraceAudio(t *testing.T, clk *fakeClock) *Audio {
	t.Helper()
	a, err := NewAudio("opus", newFakeTrack(nil), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkInaudible fails for any adjustment of the delay made in sound:
// every frame inserted or dropped must be quiet, after a quiet one,
// unless the delay was far over its target (a forced drop).
func checkInaudible(t *testing.T, pulls []pullInfo) {
	t.Helper()
	for k, p := range pulls {
		if !(p.inserted || p.dropped) {
			continue
		}
		forced := p.dropped && p.delay > p.target+forceAbove
		if !forced && !(p.quiet && p.prevQuiet) {
			t.Errorf("pull %d at %v: inserted %v dropped %v in sound (quiet %v, before %v, delay %v, target %v)",
				k, p.at, p.inserted, p.dropped, p.quiet, p.prevQuiet, p.delay, p.target)
		}
	}
}

// A jitter burst makes the playout delay grow within a second, and once
// the network calms it shrinks back, only in quiet frames.
func TestAudioDelayBurstThenCalm(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	const seconds = 40
	n := seconds * 50
	pkts := opusStream(t, first, n)
	r := rand.New(rand.NewPCG(1, 2))
	burstFrom, burstTo := 10*50, 13*50 // packets sent from 10 s to 13 s
	arrive := arrivals(first, n, func(k int) time.Duration {
		if k >= burstFrom && k < burstTo {
			return time.Duration(r.Int64N(int64(120 * time.Millisecond)))
		}
		return time.Duration(r.Int64N(int64(4 * time.Millisecond)))
	})
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	pulls := playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), n-10)
	checkInaudible(t, pulls)

	calmDelay, peak, grown, back := burstPhases(pulls, first.Add(10*time.Second), first.Add(13*time.Second))
	st := a.Stats()
	if calmDelay > jitter.MinDelay+dropAbove+5*time.Millisecond {
		t.Errorf("delay %v on a calm network, want at most %v", calmDelay, jitter.MinDelay+dropAbove)
	}
	if grown < 0 || grown > time.Second {
		t.Errorf("delay reached 80 ms %v into a 0–120 ms burst, want within 1 s (peak %v)", grown, peak)
	}
	if back < 0 || back > 15*time.Second {
		t.Errorf("delay back to %v %v after the burst, want within 15 s", calmDelay, back)
	}
	if st.DecodeErrors != 0 || st.PacketsLost != 0 {
		t.Errorf("stats %+v", st)
	}
	// Once back, the bursts are heard at the calm delay again: the last
	// ones, after the speaker's lead and Opus's look-ahead.
	if hi := float64(calmDelay+30*time.Millisecond+speakerLead+10*time.Millisecond) / 1e6; st.LatencyMsP50 > hi {
		t.Errorf("burst latency p50 %.1f ms, want at most %.1f", st.LatencyMsP50, hi)
	}
	t.Logf("calm delay %v; burst 0–120 ms: delay ≥80 ms after %v, peak %v; back to %v %v after calm; inserted %d ms, dropped %d ms, concealed %d ms, jitter %.1f ms",
		calmDelay, grown, peak, calmDelay, back, st.InsertedMs, st.DroppedMs, st.ConcealedMs, st.JitterMs)
}

// burstPhases reads a trace with a jitter burst from burstAt to calmAt:
// the largest delay in the 2 s before the burst (calm), the peak from the
// burst on, how long into the burst the delay reached 80 ms, and how long
// after the calm (from 1 s on) it was back within 5 ms of the calm delay;
// -1 for what never happened.
func burstPhases(pulls []pullInfo, burstAt, calmAt time.Time) (calm, peak, grown, back time.Duration) {
	grown, back = -1, -1
	for _, p := range pulls {
		switch {
		case p.at.Before(burstAt):
			if p.at.After(burstAt.Add(-2 * time.Second)) {
				calm = max(calm, p.delay)
			}
		case p.at.Before(calmAt):
			peak = max(peak, p.delay)
			if grown < 0 && p.delay >= 80*time.Millisecond {
				grown = p.at.Sub(burstAt)
			}
		default:
			peak = max(peak, p.delay)
			if back < 0 && p.at.After(calmAt.Add(time.Second)) && p.delay <= calm+5*time.Millisecond {
				back = p.at.Sub(calmAt)
			}
		}
	}
	return calm, peak, grown, back
}

// With a steady jitter the delay settles around the target and the
// packets play in time: little concealment, nothing lost for being late.
func TestAudioDelayConstantJitter(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	n := 30 * 50
	pkts := opusStream(t, first, n)
	r := rand.New(rand.NewPCG(3, 4))
	arrive := arrivals(first, n, func(int) time.Duration { return time.Duration(r.Int64N(int64(60 * time.Millisecond))) })
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	pulls := playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), n-10)
	checkInaudible(t, pulls)
	st := a.Stats()
	var lo, hi time.Duration = time.Hour, 0
	for _, p := range pulls[len(pulls)/2:] {
		if p.delay != 0 {
			lo, hi = min(lo, p.delay), max(hi, p.delay)
		}
	}
	if lo < st.target()-insertBelow-frameDuration || hi > st.target()+dropAbove+frameDuration {
		t.Errorf("delay within [%v, %v] for a target of %v", lo, hi, st.target())
	}
	if st.ConcealedMs > uint64(n)*20/20 { // 5 %
		t.Errorf("concealed %d ms of %d s", st.ConcealedMs, n/50)
	}
	t.Logf("jitter 0–60 ms: target %v, delay %v–%v, concealed %d ms, inserted %d ms, dropped %d ms, lost %d, RFC 3550 jitter %.1f ms",
		st.target(), lo, hi, st.ConcealedMs, st.InsertedMs, st.DroppedMs, st.PacketsLost, st.JitterMs)
}

func (s AudioStats) target() time.Duration {
	return time.Duration(s.TargetDelayMs * float64(time.Millisecond))
}

// A stall delivered all at once does not keep its delay.
func TestAudioDelayAfterStall(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	n := 10 * 50
	pkts := opusStream(t, first, n)
	arrive := arrivals(first, n, func(k int) time.Duration {
		if k >= 150 && k < 200 { // sent from 3 s, held until 4 s
			return first.Add(4 * time.Second).Sub(first.Add(time.Duration(k) * frameDuration))
		}
		return 0
	})
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	pulls := playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), n-10)
	last := pulls[len(pulls)-1]
	if last.delay > last.target+dropAbove {
		t.Fatalf("delay %v after a 1 s stall, target %v", last.delay, last.target)
	}
	var peak time.Duration
	for _, p := range pulls {
		peak = max(peak, p.delay)
	}
	if peak > last.target+jumpAbove+frameDuration {
		t.Fatalf("delay peaked at %v after the stall, want at most the jump threshold %v over the target", peak, jumpAbove)
	}
}

func TestCrossfade(t *testing.T) {
	a := make([]int16, 960)
	b := make([]int16, 960)
	for i := range a {
		a[i], b[i] = 1000, -1000
	}
	crossfade(a, b)
	if a[0] != 1000 || a[959] > -990 {
		t.Fatalf("cross-fade starts at %d and ends at %d, want 1000 and about -1000", a[0], a[959])
	}
	for i := 1; i < len(a); i++ {
		if d := int(a[i-1]) - int(a[i]); d < 0 || d > 3 {
			t.Fatalf("step of %d at %d", d, i)
		}
	}
}

// BenchmarkAudioPull is the playout of one 20 ms frame in steady state:
// a packet pushed (with the jitter estimate) and a frame pulled (the
// delay control, the decode, the quiet test).
func BenchmarkAudioPull(b *testing.B) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	pkts := opusStream(b, first, 500)
	clk := &fakeClock{}
	a, err := NewAudio("opus", newFakeTrack(nil), clk.now)
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, opus.FrameSamples)
	r := rand.New(rand.NewPCG(5, 6))
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		sent := first.Add(time.Duration(k) * frameDuration)
		p := *pkts[k%len(pkts)]
		p.SequenceNumber, p.Timestamp = uint16(k), uint32(k*opus.FrameSamples)
		at := sent.Add(time.Duration(r.Int64N(int64(5 * time.Millisecond))))
		clk.set(at)
		a.feed.push(&p, at)
		clk.set(sent.Add(40 * time.Millisecond))
		a.Pull(pcm, sent.Add(70*time.Millisecond))
	}
}
