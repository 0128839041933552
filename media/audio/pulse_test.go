package audio

import (
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"causerie/media/audio/pulsetest"
	"causerie/media/synth"
)

// startPulse runs a private PulseAudio with the given null sinks (name,
// description pairs), the first the default sink and its monitor the
// default source, and points this process at it.
func startPulse(t *testing.T, sinks ...string) (*pulsetest.Server, map[string]int) {
	t.Helper()
	s := pulsetest.Start(t)
	s.Setenv(t)
	mods := map[string]int{}
	for i := 0; i+1 < len(sinks); i += 2 {
		mods[sinks[i]] = s.AddSink(sinks[i], sinks[i+1])
	}
	if len(sinks) > 0 {
		s.Pactl("set-default-sink", sinks[0])
		s.Pactl("set-default-source", sinks[0]+".monitor")
	}
	return s, mods
}

// changes collects what an engine reports.
type changes struct {
	mu   sync.Mutex
	got  []Change
	from int // wait looks at the changes from here on
	new  chan struct{}
}

// mark makes wait ignore the changes so far: call it before acting.
func (c *changes) mark() {
	c.mu.Lock()
	c.from = len(c.got)
	c.mu.Unlock()
}

func newChanges() *changes { return &changes{new: make(chan struct{}, 1)} }

func (c *changes) add(ch Change) {
	c.mu.Lock()
	c.got = append(c.got, ch)
	c.mu.Unlock()
	select {
	case c.new <- struct{}{}:
	default:
	}
}

// wait returns the first change that satisfies ok, failing after within.
func (c *changes) wait(t *testing.T, within time.Duration, what string, ok func(Change) bool) Change {
	t.Helper()
	deadline := time.After(within)
	for {
		c.mu.Lock()
		for _, ch := range c.got[c.from:] {
			if ok(ch) {
				c.mu.Unlock()
				return ch
			}
		}
		got := slices.Clone(c.got)
		c.mu.Unlock()
		select {
		case <-c.new:
		case <-deadline:
			t.Fatalf("no %s within %v; changes: %+v", what, within, got)
		}
	}
}

// reader reads the microphone on its own goroutine, as the sender does,
// and counts the frames and the onsets of tone bursts it hears.
type reader struct {
	mu     sync.Mutex
	frames int
	err    error
	onsets []time.Time // capture times
	heard  []time.Time // when ReadFrame returned the frame of each onset
	cancel context.CancelFunc
	done   chan struct{}
}

func startReader(m *Mic) *reader {
	ctx, cancel := context.WithCancel(context.Background())
	r := &reader{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		det := synth.NewOnsetDetector(SampleRate)
		pcm := make([]int16, 960)
		var found []time.Time
		for {
			at, err := m.ReadFrame(ctx, pcm)
			now := time.Now()
			if err != nil {
				r.mu.Lock()
				if ctx.Err() == nil {
					r.err = err
				}
				r.mu.Unlock()
				return
			}
			found = det.Feed(pcm, at, found[:0])
			r.mu.Lock()
			r.frames++
			for _, o := range found {
				r.onsets = append(r.onsets, o)
				// The frame was complete when ReadFrame returned: the
				// onset arrived that long after it was captured, less the
				// rest of the frame.
				r.heard = append(r.heard, now.Add(-at.Add(20*time.Millisecond).Sub(o)))
			}
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *reader) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return -1
	}
	return r.frames
}

func (r *reader) stop(t *testing.T) {
	r.cancel()
	<-r.done
	if r.err != nil {
		t.Fatalf("microphone read failed: %v", r.err)
	}
}

// flowing waits until the reader gets n more frames, failing after
// within: proof the microphone delivers.
func (r *reader) flowing(t *testing.T, n int, within time.Duration, when string) {
	t.Helper()
	start := r.count()
	deadline := time.Now().Add(within)
	for r.count() < start+n {
		if r.count() < 0 || time.Now().After(deadline) {
			t.Fatalf("%s: the microphone gave %d frames in %v, want %d", when, r.count()-start, within, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// burst plays a 1 kHz tone burst of 100 ms at -12 dBFS when asked, and
// records the time its first sample is heard (the playAt the mixer
// gave) and when it was pulled.
type burst struct {
	mu      sync.Mutex
	fire    bool
	left    int
	n       int
	playAt  []time.Time
	pulled  []time.Time
	silence bool
}

func (b *burst) trigger() {
	b.mu.Lock()
	b.fire = true
	b.mu.Unlock()
}

func (b *burst) Pull(pcm []int16, playAt time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fire {
		b.fire, b.left, b.n = false, SampleRate/10, 0
		b.playAt = append(b.playAt, playAt)
		b.pulled = append(b.pulled, time.Now())
	}
	for i := range pcm {
		if b.left > 0 {
			pcm[i] = int16(8231 * math.Sin(2*math.Pi*1000*float64(b.n)/SampleRate))
			b.n++
			b.left--
		} else {
			pcm[i] = 0
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// The duplex path for real: tone bursts mixed into the speaker (a
// PulseAudio null sink) come back through the microphone (the sink's
// monitor). The loop latency is measured from the mixer pulling a burst
// to the microphone's reader getting it; the timestamps the two sides
// give (when the speaker plays it, when the microphone captured it) must
// agree, since the echo canceller's delay estimate is built from them.
func TestPulseRoundTrip(t *testing.T) {
	startPulse(t, "speakers", "Speakers")
	e, err := Open(Config{Backend: PulseAudio, Capture: true, Playback: true, Speaker: "Speakers", Mic: "Monitor of Speakers"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := &burst{}
	sp := e.Speaker()
	sp.AddFrom("ann", b)
	ctx, cancel := context.WithCancel(context.Background())
	spDone := make(chan struct{})
	go func() { defer close(spDone); sp.Run(ctx) }()
	defer func() { cancel(); <-spDone }()
	r := startReader(e.Mic())
	defer r.stop(t)
	r.flowing(t, 25, 5*time.Second, "at start")

	const bursts = 6
	for i := range bursts {
		b.trigger()
		deadline := time.Now().Add(3 * time.Second)
		for {
			r.mu.Lock()
			n := len(r.onsets)
			r.mu.Unlock()
			if n > i {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("burst %d not heard back within 3 s", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second) // the detector re-arms after 500 ms of quiet
	}
	r.mu.Lock()
	onsets, heard := slices.Clone(r.onsets), slices.Clone(r.heard)
	r.mu.Unlock()
	b.mu.Lock()
	playAt, pulled := slices.Clone(b.playAt), slices.Clone(b.pulled)
	b.mu.Unlock()
	if len(onsets) != bursts || len(playAt) != bursts {
		t.Fatalf("%d bursts played, %d heard, want %d", len(playAt), len(onsets), bursts)
	}
	var loop, skew []time.Duration
	for i := range onsets {
		loop = append(loop, heard[i].Sub(pulled[i]))
		skew = append(skew, onsets[i].Sub(playAt[i]))
	}
	t.Logf("loop latency (mixer to microphone reader): median %v, all %v", median(loop), loop)
	t.Logf("capture stamp minus play stamp: median %v, all %v", median(skew), skew)
	t.Logf("underruns %d, overruns %d", e.Underruns(), e.Overruns())
	if m := median(loop); m <= 0 || m > 250*time.Millisecond {
		t.Errorf("loop latency %v, want within 250 ms", m)
	}
	// The stamps stand for one instant, the sound in the air. Both sides
	// estimate their latency (the sound server tells miniaudio but not
	// us), and a null sink's buffering varies from run to run (their sum
	// measured here: 20 to 90 ms, against 55 assumed), so allow 50 ms
	// either way: what the echo canceller's own delay search absorbs. A
	// stamp that counted the ring twice, or the reader's time instead of
	// the device's, is off by more.
	if m := median(skew); m < -50*time.Millisecond || m > 50*time.Millisecond {
		t.Errorf("the microphone stamps the bursts %v after the speaker said they play, want within 50 ms", m)
	}
}

// Devices that come and go while a call runs: the microphone in use is
// unplugged (the engine falls back to the default and says so), comes
// back (the engine returns to it), a new one appears in the lists within
// 2 s, and the speaker in use goes away. The microphone never stops
// delivering and the speaker never stops pulling. (A stream on a
// PulseAudio null sink takes up to 2 s to start, hence the 4 s for the
// microphone to flow again after each switch.)
func TestPulseHotPlug(t *testing.T) {
	s, mods := startPulse(t, "speakers", "Speakers", "headset", "Headset")
	ch := newChanges()
	e, err := Open(Config{Backend: PulseAudio, Capture: true, Playback: true,
		Mic: "Monitor of Headset", Speaker: "headset", OnChange: ch.add})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := e.InUse(KindMicrophone); got != "Monitor of Headset" {
		t.Fatalf("microphone in use %q", got)
	}
	src := &pullRecorder{v: 500}
	sp := e.Speaker()
	sp.Add(src)
	ctx, cancel := context.WithCancel(context.Background())
	spDone := make(chan struct{})
	go func() { defer close(spDone); sp.Run(ctx) }()
	defer func() { cancel(); <-spDone }()
	r := startReader(e.Mic())
	defer r.stop(t)
	r.flowing(t, 25, 5*time.Second, "at start")

	// Unplug the headset: microphone and speaker fall back to the
	// defaults.
	ch.mark()
	s.Unload(mods["headset"])
	lost := ch.wait(t, 2*time.Second, "microphone lost", func(c Change) bool { return c.Kind == KindMicrophone && c.Reason == Lost })
	if lost.From != "Monitor of Headset" || lost.To != "Monitor of Speakers" {
		t.Fatalf("microphone change %+v, want from the headset's monitor to the speakers'", lost)
	}
	spLost := ch.wait(t, 2*time.Second, "speaker lost", func(c Change) bool { return c.Kind == KindSpeaker && c.Reason == Lost })
	if spLost.From != "Headset" || spLost.To != "Speakers" {
		t.Fatalf("speaker change %+v", spLost)
	}
	r.flowing(t, 25, 4*time.Second, "after the headset was unplugged")
	pulls := len(src.times())
	time.Sleep(500 * time.Millisecond)
	if n := len(src.times()) - pulls; n < 20 {
		t.Fatalf("speaker pulled %d times in 500 ms after the fallback", n)
	}

	// Plug it back: the lists show it within 2 s and the engine returns
	// to it, as asked at the start.
	ch.mark()
	s.AddSink("headset", "Headset")
	back := ch.wait(t, 2*time.Second, "microphone back", func(c Change) bool { return c.Kind == KindMicrophone && c.Reason == Found })
	if back.To != "Monitor of Headset" {
		t.Fatalf("back to %q", back.To)
	}
	r.flowing(t, 25, 4*time.Second, "after the headset came back")

	// A new device shows up in the lists.
	ch.mark()
	s.AddSink("usb", "USB Audio")
	ch.wait(t, 2*time.Second, "list change", func(c Change) bool { return c.Reason == ListChanged && c.Kind == KindSpeaker })
	if _, err := Find(e.Devices().Speakers, "USB Audio"); err != nil {
		t.Fatalf("new speaker not listed: %+v", e.Devices().Speakers)
	}

	// Switching by hand.
	ch.mark()
	if err := e.SetMic("Monitor of USB Audio"); err != nil {
		t.Fatal(err)
	}
	if got := e.InUse(KindMicrophone); got != "Monitor of USB Audio" {
		t.Fatalf("after SetMic: %q", got)
	}
	ch.wait(t, time.Second, "chosen", func(c Change) bool { return c.Reason == Chosen && c.To == "Monitor of USB Audio" })
	r.flowing(t, 25, 4*time.Second, "after SetMic")
	if err := e.SetSpeaker("no such thing"); err == nil {
		t.Fatal("SetSpeaker accepted a device nobody has")
	}
}

// Every device gone, then the sound server itself: the call goes on in
// silence (the halves on the null backend), and a device that appears
// afterwards is taken up.
func TestPulseEverythingGone(t *testing.T) {
	s, mods := startPulse(t, "speakers", "Speakers")
	ch := newChanges()
	e, err := Open(Config{Backend: PulseAudio, Capture: true, Playback: true, OnChange: ch.add})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	src := &pullRecorder{}
	sp := e.Speaker()
	sp.Add(src)
	ctx, cancel := context.WithCancel(context.Background())
	spDone := make(chan struct{})
	go func() { defer close(spDone); sp.Run(ctx) }()
	defer func() { cancel(); <-spDone }()
	r := startReader(e.Mic())
	defer r.stop(t)
	r.flowing(t, 25, 5*time.Second, "at start")

	ch.mark()
	s.Unload(mods["speakers"])
	gone := ch.wait(t, 2*time.Second, "no microphone", func(c Change) bool { return c.Kind == KindMicrophone && c.Reason == Lost })
	if gone.To != "" {
		t.Fatalf("with no device left the microphone is %q", gone.To)
	}
	r.flowing(t, 25, 4*time.Second, "with no device")

	ch.mark()
	s.AddSink("late", "Late Speaker")
	found := ch.wait(t, 2*time.Second, "device found", func(c Change) bool { return c.Kind == KindSpeaker && c.Reason == Found })
	if found.To != "Late Speaker" {
		t.Fatalf("found %+v", found)
	}
	r.flowing(t, 25, 4*time.Second, "after a device appeared")

	ch.mark()
	s.Kill()
	ch.wait(t, 3*time.Second, "server gone", func(c Change) bool { return c.Kind == KindSpeaker && c.Reason == Lost && c.To == "" })
	r.flowing(t, 25, 4*time.Second, "without a sound server")
	pulls := len(src.times())
	time.Sleep(time.Second)
	if n := len(src.times()) - pulls; n < 35 {
		t.Fatalf("speaker pulled %d times in a second without a sound server, want about 50", n)
	}
}

// The lists as PulseAudio gives them, default marked.
func TestPulseList(t *testing.T) {
	startPulse(t, "speakers", "Speakers", "hdmi", "HDMI Output")
	d, err := List(PulseAudio)
	if err != nil {
		t.Fatal(err)
	}
	var spk, mic []string
	for _, x := range d.Speakers {
		spk = append(spk, x.Name)
	}
	for _, x := range d.Microphones {
		mic = append(mic, x.Name)
	}
	if !slices.Contains(spk, "Speakers") || !slices.Contains(spk, "HDMI Output") || !slices.Contains(mic, "Monitor of HDMI Output") {
		t.Fatalf("speakers %q, microphones %q", spk, mic)
	}
	if DefaultName(d.Speakers) != "Speakers" || DefaultName(d.Microphones) != "Monitor of Speakers" {
		t.Fatalf("defaults %q and %q", DefaultName(d.Speakers), DefaultName(d.Microphones))
	}
	if got, err := Find(d.Speakers, "hdmi"); err != nil || got.Name != "HDMI Output" {
		t.Fatalf("find by sink name: %+v %v", got, err)
	}
}

// The device test as the pre-join screen runs it: the speaker test
// sound played on the speakers reaches the microphone (their monitor),
// whose meter reads silence before and the chime's level during it.
func TestPulseChimeAndMeter(t *testing.T) {
	startPulse(t, "speakers", "Speakers")
	e, err := Open(Config{Backend: PulseAudio, Capture: true, Playback: true, Speaker: "Speakers", Mic: "Monitor of Speakers"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sp := e.Speaker()
	spDone := make(chan struct{})
	go func() { defer close(spDone); sp.Run(ctx) }()
	m := NewMeter(e.Mic())
	mDone := make(chan error, 1)
	go func() { mDone <- m.Run(ctx) }()
	defer func() {
		cancel()
		<-spDone
		if err := <-mDone; err != nil {
			t.Error(err)
		}
	}()
	// The devices start (up to 2 s on a null sink), in silence.
	time.Sleep(2500 * time.Millisecond)
	if p := m.Peak(); p != 0 {
		t.Fatalf("the meter read %v before anything played", p)
	}
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	if err := PlaySound(pctx, sp, Chime()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the loop latency
	// The chime's loudest 10 ms is about -12 dBFS RMS (peaks at -6): 0.8
	// on the meter.
	if p := m.Peak(); p < 0.7 {
		t.Fatalf("the microphone heard the chime at %v", p)
	}
	t.Logf("chime heard at %.2f (0..1, -60..0 dBFS)", m.Peak())
}
