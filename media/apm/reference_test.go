package apm

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// schedule is when one goroutine of a call gets to run its period k: at
// its nominal time, unless the machine starves it, and then in a burst,
// one period after the other, when the stall ends.
type schedule struct {
	rng        *rand.Rand
	stallEnd   time.Time
	prev       time.Time
	chance     float64       // a stall begins at a period with this probability
	shortest   time.Duration // and lasts between these
	longest    time.Duration
	stalls     int
	worstDelay time.Duration
}

func (s *schedule) at(nominal time.Time) time.Time {
	if s.chance > 0 && !nominal.Before(s.stallEnd) && s.rng.Float64() < s.chance {
		s.stallEnd = nominal.Add(s.shortest + time.Duration(s.rng.Int64N(int64(s.longest-s.shortest))))
		s.stalls++
	}
	t := nominal
	if t.Before(s.stallEnd) {
		t = s.stallEnd
	}
	if t.Before(s.prev) {
		t = s.prev
	}
	s.prev = t
	s.worstDelay = max(s.worstDelay, t.Sub(nominal))
	return t
}

// echoCall is the wiring of a call: the mixer taps its output into
// Played, the sender reads the microphone through Capture, and the echo
// delay is never configured. It plays white noise through a speaker
// whose sound reaches the microphone at -6 dB, heard lead after the
// mixer's nominal time, with the mixer's and the sender's goroutines run
// by the two schedules on a fake clock, processed as cfg says, and
// returns the ERLE over the last 3 of 6 s and the processor.
func echoCall(t *testing.T, cfg Config, mixer, sender *schedule) (float64, *Processor) {
	t.Helper()
	const seconds = 6
	rng := rand.New(rand.NewPCG(3, 4))
	far := toPCM(whiteNoise(rng, seconds*SampleRate, dbfs(-20)))
	erle, p := echoScene(t, cfg, mixer, sender, far, 0)
	return sum(erle[3:]...).db(), p
}

// echoScene is echoCall's call with far played, and the echo reaching
// the microphone miss later than the timestamps say (a device latency
// nobody reports). It returns, for each second, the microphone's power
// over the output's.
func echoScene(t *testing.T, cfg Config, mixer, sender *schedule, far []int16, miss time.Duration) ([]ratio, *Processor) {
	t.Helper()
	const (
		period = 2 * FrameSamples      // the engine's 20 ms
		lead   = 60 * time.Millisecond // the device's output latency
	)
	// Far sample n is heard at base + lead + n/SampleRate; the
	// microphone sample captured miss later holds it.
	shift := int((lead + miss).Seconds() * SampleRate)
	mic := make([]int16, len(far))
	for n := shift; n < len(mic); n++ {
		mic[n] = int16(0.5 * float64(far[n-shift]))
	}

	p := newProc(t, cfg)
	base := time.Unix(5000, 0)
	clock := base
	p.now = func() time.Time { return clock }
	src := &fakeMic{pcm: mic, clock: &clock}
	c := NewCapture(src, p)

	// The calls of both goroutines in the order the machine runs them.
	type call struct {
		at    time.Time
		mixer bool
		k     int
	}
	periods := len(far) / period
	var calls []call
	for k := range periods {
		d := time.Duration(k) * 20 * time.Millisecond
		// The mixer prepares period k when it is due, lead before it is
		// heard; the microphone's period k is read once captured.
		calls = append(calls, call{mixer.at(base.Add(d)), true, k})
		calls = append(calls, call{sender.at(base.Add(d + 20*time.Millisecond)), false, k})
	}
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].at.Before(calls[j].at) })

	out := make([]int16, period)
	perSecond := make([]ratio, len(far)/SampleRate)
	for _, cl := range calls {
		clock = cl.at
		if cl.mixer {
			if err := p.Played(far[cl.k*period:(cl.k+1)*period], base.Add(lead+time.Duration(cl.k)*20*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// fakeMic stamps the period with the clock minus 20 ms: the
		// capture time is the nominal one, whenever it is read.
		clock = base.Add(time.Duration(cl.k+1) * 20 * time.Millisecond)
		if _, err := c.ReadFrame(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		if s := cl.k * period / SampleRate; s < len(perSecond) {
			perSecond[s].in += sumSq(fromPCM(mic[cl.k*period : (cl.k+1)*period]))
			perSecond[s].out += sumSq(fromPCM(out))
		}
	}
	if c.Errors() != 0 {
		t.Errorf("%d frames failed", c.Errors())
	}
	return perSecond, p
}

// ratio is a power ratio being summed: microphone in, processed out.
type ratio struct{ in, out float64 }

func (r ratio) db() float64 { return db(r.in / r.out) }

// sum adds ratios up.
func sum(rs ...ratio) ratio {
	var t ratio
	for _, r := range rs {
		t.in += r.in
		t.out += r.out
	}
	return t
}

// A starved machine runs the mixer and the sender late and in bursts.
// What the canceller is given depends on the timestamps only, so it
// cancels as well as when both run on time.
func TestReferenceFollowsTimestamps(t *testing.T) {
	steady, p := echoCall(t, Defaults(), &schedule{}, &schedule{})
	if st := p.ReferenceStats(); st != (ReferenceStats{}) {
		t.Errorf("on time: %+v, want no repairs", st)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	// The mixer up to 40 ms late (it still reports each frame before it
	// is heard, or the device would play silence), the sender up to
	// 300 ms.
	mixer := &schedule{rng: rng, chance: 0.1, shortest: 10 * time.Millisecond, longest: 40 * time.Millisecond}
	sender := &schedule{rng: rng, chance: 0.2, shortest: 20 * time.Millisecond, longest: 300 * time.Millisecond}
	starved, p := echoCall(t, Defaults(), mixer, sender)
	st := p.ReferenceStats()
	t.Logf("ERLE on time %.1f dB, starved %.1f dB (%d mixer stalls up to %v, %d sender stalls up to %v), %+v",
		steady, starved, mixer.stalls, mixer.worstDelay, sender.stalls, sender.worstDelay, st)
	if mixer.stalls < 20 || sender.stalls < 20 {
		t.Fatalf("the schedules stalled %d and %d times, want ≥ 20 each", mixer.stalls, sender.stalls)
	}
	if steady < 20 {
		t.Errorf("ERLE on time %.1f dB, want ≥ 20 dB", steady)
	}
	if starved < steady-1 {
		t.Errorf("ERLE starved %.1f dB, on time %.1f dB: the scheduling moved the reference", starved, steady)
	}
	if st != (ReferenceStats{}) {
		t.Errorf("starved: %+v, want no repairs (every frame came before it was heard)", st)
	}
}

// A speaker that stops reporting, or reports too late, never blocks the
// microphone for more than refWait once per gap: its missing frames are
// silence to the canceller and its late ones are dropped.
func TestReferenceSpeakerLate(t *testing.T) {
	p := newProc(t, Config{EchoCancel: true})
	base := time.Unix(6000, 0)
	clock := base
	p.now = func() time.Time { return clock }
	c := NewCapture(&fakeMic{pcm: make([]int16, 10*SampleRate), clock: &clock}, p)
	frame := make([]int16, 2*FrameSamples)
	played := func(k int) {
		if err := p.Played(frame, base.Add(time.Duration(k)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(k int) {
		clock = base.Add(time.Duration(k+1) * 20 * time.Millisecond)
		if _, err := c.ReadFrame(context.Background(), frame); err != nil {
			t.Fatal(err)
		}
	}
	// The mixer reports each period 40 ms before it is heard.
	played(0)
	played(1)
	for k := range 10 {
		played(k + 2)
		read(k)
	}
	if st := p.ReferenceStats(); st != (ReferenceStats{}) {
		t.Fatalf("%+v with the speaker on time, want nothing", st)
	}
	// The mixer stalls for 5 periods, then reports them all at once.
	for k := 10; k < 15; k++ {
		read(k)
	}
	stall := p.ReferenceStats()
	for k := 12; k < 22; k++ {
		played(k)
	}
	for k := 15; k < 20; k++ {
		read(k)
	}
	// Periods 10 and 11 were there, 12 to 14 missing when read: 6
	// frames of silence, and the 6 frames that came after it dropped.
	st := p.ReferenceStats()
	if st.Filled != 6 || st.Late != 6 {
		t.Errorf("%+v, want the 6 frames of the stall filled and dropped", st)
	}
	if stall.Waits != 1 {
		t.Errorf("5 periods without the speaker: %d waits, want one", stall.Waits)
	}
	// A speaker gone for good is not waited for.
	clock = clock.Add(time.Second)
	for k := 70; k < 80; k++ {
		read(k)
	}
	if w := p.ReferenceStats().Waits - st.Waits; w != 0 {
		t.Errorf("reading with the speaker gone: %d waits, want none", w)
	}
}
