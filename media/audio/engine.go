package audio

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"causerie/media/playout"
)

// The device format: what WebRTC and Opus want, so nothing resamples
// after the device (miniaudio converts from the hardware's own format).
const (
	SampleRate = 48000
	// PeriodSamples is one device period, 10 ms: the audio processing's
	// frame, and short enough that the callback's copy adds little delay.
	PeriodSamples = 480
	period        = 10 * time.Millisecond
)

const (
	// captureRingSamples holds 340 ms of microphone: far more than a
	// reader that keeps up needs, so a stall of the sender's goroutine
	// (a garbage collection, a loaded machine) loses nothing.
	captureRingSamples = 16384
	// maxCaptureBacklog bounds the microphone's delay: a reader that
	// finds more than 100 ms waiting skips to the newest audio, as a
	// real device that overran would, instead of sending stale speech
	// late for the rest of the call.
	maxCaptureBacklog = 4800
	// playbackRingSamples holds 170 ms: the lead and a mixed frame with
	// room to spare.
	playbackRingSamples = 8192

	// defaultLead is how far ahead of the device the mixer keeps the
	// playback ring: the callback takes 10 ms at a time and the mixer
	// writes 20 ms, so 30 ms leaves the mixer's goroutine 10 to 30 ms of
	// slack before the device would play silence, which a Go scheduler
	// on a busy machine keeps, at the cost of 30 ms of delay.
	defaultLead = 30 * time.Millisecond
	// defaultInputLatency: a captured sample reaches the callback at the
	// end of its period, one period after it hit the microphone.
	defaultInputLatency = period
	// defaultOutputLatency: what the callback hands over is heard after
	// the periods the device already holds (miniaudio asks for three;
	// one is being filled).
	defaultOutputLatency = 2 * period
	// PulseAudio buffers more than the device periods: it hands capture
	// over in 20 ms fragments and keeps its own playback target (15 ms
	// with miniaudio's request) ahead of its sink. Measured through a
	// null sink and its monitor (TestPulseRoundTrip), the two latencies
	// add up to 20 to 90 ms from run to run; these two make 55.
	pulseInputLatency  = 20 * time.Millisecond
	pulseOutputLatency = 35 * time.Millisecond

	// watchEvery is the watchdog's round; pollEvery reads the device
	// lists, so a device plugged in shows within 2 s, as the issue asks.
	watchEvery = 250 * time.Millisecond
	pollRounds = 4 // one second
	// stallRounds without a callback (500 ms) mean the device died under
	// us: miniaudio does not always say so (PulseAudio kills the stream of
	// a removed sink without a stop notification).
	stallRounds = 2
	// startRounds: a device's first callback may take a while: a
	// PulseAudio null sink that nobody played to runs in blocks of up to
	// two seconds, and a new stream waits for the current block.
	startRounds = 20
)

// Kind tells microphones from speakers.
type Kind int

const (
	KindMicrophone Kind = iota
	KindSpeaker
)

func (k Kind) String() string {
	if k == KindSpeaker {
		return "speaker"
	}
	return "microphone"
}

// Reason tells why a Change happened.
type Reason int

const (
	// Lost: the device in use disappeared or stopped working; To is the
	// one that replaces it ("" for none).
	Lost Reason = iota + 1
	// Found: the device asked for came back, or a device appeared while
	// there was none; the engine now uses it.
	Found
	// Chosen: SetMic or SetSpeaker switched devices.
	Chosen
	// DefaultChanged: following the system default, which is now To.
	DefaultChanged
	// ListChanged: a device appeared or disappeared; Devices has the new
	// lists. From and To are empty.
	ListChanged
)

func (r Reason) String() string {
	switch r {
	case Lost:
		return "lost"
	case Found:
		return "found"
	case Chosen:
		return "chosen"
	case DefaultChanged:
		return "default"
	case ListChanged:
		return "list"
	}
	return "unknown"
}

// Change is what the engine reports when devices come and go.
type Change struct {
	Kind     Kind
	Reason   Reason
	From, To string // device names; "" is none
}

// Config describes an Engine.
type Config struct {
	Backend Backend
	// Capture and Playback say which halves to open: a call with the
	// synthetic microphone opens the speaker only.
	Capture, Playback bool
	// Mic and Speaker name the devices (ID or name, see Find); "" follows
	// the system default.
	Mic, Speaker string
	// InputLatency is the age of a captured sample when the callback sees
	// it, OutputLatency the time from the callback to the speaker: they
	// make the timestamps the echo canceller reads true to the air.
	// Default one and two periods.
	InputLatency, OutputLatency time.Duration
	// Lead is how far ahead the mixer keeps the device (default 30 ms).
	Lead time.Duration
	// OnChange, when set, hears every Change, on the engine's goroutine;
	// it must return quickly.
	OnChange func(Change)
}

// Engine runs the sound device of a call: one duplex device (or the
// halves asked for), the rings between it and the goroutines, and a
// watcher that replaces a device that goes away. Open starts it, Close
// ends it.
type Engine struct {
	cfg  Config
	base time.Time // the callback's times are nanoseconds since base

	capRing, playRing   *ring
	capStamp, playStamp stamp
	capTicks, playTicks atomic.Uint64
	underruns           atomic.Uint64
	overruns            atomic.Uint64
	playing             atomic.Bool // the mixer has written: an empty ring is an underrun
	leadSamples         int

	mu    sync.Mutex
	lists Devices
	inUse [2]string

	// Owned by run (and by Open before run starts).
	sys, null *system
	streams   []*stream
	halves    [2]half

	reqs   chan request
	cancel context.CancelFunc
	done   chan struct{}
	closed chan struct{}
	once   sync.Once

	mic *Mic
	spk *Speaker
}

// target is what a half of the call plays to or records from.
type target struct {
	none bool    // nothing: silence on the null backend
	dev  *Device // nil: the system default
}

func (t target) same(o target) bool {
	if t.none || o.none {
		return t.none == o.none
	}
	if t.dev == nil || o.dev == nil {
		return t.dev == nil && o.dev == nil
	}
	return t.dev.ID == o.dev.ID
}

type half struct {
	wanted  bool   // Config.Capture or Config.Playback
	want    string // the user's choice, "" for the default
	cur     target
	name    string // what is in use, as shown
	ticks   uint64 // callbacks seen at the last round
	still   int    // rounds without a callback
	started bool   // a callback came since the device opened
	stalls  int    // stalls in a row of the same target
	avoid   string // ID of a device that keeps stalling, until the lists change
}

type request struct {
	kind  Kind
	name  string
	reply chan error
}

// Open starts the devices cfg names. A name that no device has fails
// with ErrNoDevice; a machine with no sound system at all (with Backend
// Auto) opens with no devices, its halves silent, and picks up devices
// that appear.
func Open(cfg Config) (*Engine, error) {
	in, out := cfg.Backend.latency()
	if cfg.InputLatency == 0 {
		cfg.InputLatency = in
	}
	if cfg.OutputLatency == 0 {
		cfg.OutputLatency = out
	}
	if cfg.Lead <= 0 {
		cfg.Lead = defaultLead
	}
	e := &Engine{
		cfg:         cfg,
		base:        time.Now(),
		capRing:     newRing(captureRingSamples),
		playRing:    newRing(playbackRingSamples),
		leadSamples: int(cfg.Lead * SampleRate / time.Second),
		reqs:        make(chan request),
		done:        make(chan struct{}),
		closed:      make(chan struct{}),
	}
	e.halves[KindMicrophone] = half{wanted: cfg.Capture, want: cfg.Mic}
	e.halves[KindSpeaker] = half{wanted: cfg.Playback, want: cfg.Speaker}
	sys, err := openSystem(cfg.Backend)
	if err != nil && cfg.Backend != Auto {
		return nil, err
	}
	e.sys = sys
	if sys != nil {
		if e.lists, err = sys.list(); err != nil {
			sys.close()
			return nil, err
		}
	}
	for k, name := range []string{cfg.Mic, cfg.Speaker} {
		if name != "" && e.halves[k].wanted {
			if _, err := Find(e.list(Kind(k)), name); err != nil {
				e.closeSystems()
				return nil, err
			}
		}
	}
	e.reopen(e.choose())
	for k := range e.halves {
		e.inUse[k] = e.halves[k].name
	}
	e.mic = &Mic{e: e}
	e.spk = &Speaker{Mixer: playout.NewMixer(), e: e}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go e.run(ctx)
	return e, nil
}

// Mic is the microphone: a media.AudioSource. Only one goroutine may
// read it.
func (e *Engine) Mic() *Mic { return e.mic }

// Speaker is the speaker: a client.Speaker whose Run mixes into the
// device.
func (e *Engine) Speaker() *Speaker { return e.spk }

// Devices are the lists as last read (every second).
func (e *Engine) Devices() Devices {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lists
}

// InUse names the device each half uses now, "" for none.
func (e *Engine) InUse(k Kind) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inUse[k]
}

// Underruns counts the periods the speaker had to fill with silence
// because the mixer was late; Overruns the microphone periods lost
// because nobody read them.
func (e *Engine) Underruns() uint64 { return e.underruns.Load() }
func (e *Engine) Overruns() uint64  { return e.overruns.Load() }

// SetMic switches to the microphone named (see Find), "" for the system
// default. It fails with ErrNoDevice, keeping the one in use, when no
// device has that name.
func (e *Engine) SetMic(name string) error { return e.set(KindMicrophone, name) }

// SetSpeaker switches speakers as SetMic does microphones.
func (e *Engine) SetSpeaker(name string) error { return e.set(KindSpeaker, name) }

func (e *Engine) set(k Kind, name string) error {
	r := request{kind: k, name: name, reply: make(chan error, 1)}
	select {
	case e.reqs <- r:
	case <-e.done:
		return ErrClosed
	}
	return <-r.reply
}

// Close stops the devices and the watcher. Mic and Speaker end their
// reads and runs with ErrClosed. Close may be called more than once.
func (e *Engine) Close() {
	e.once.Do(func() {
		close(e.closed)
		e.cancel()
		<-e.done
		e.closeStreams()
		e.closeSystems()
	})
}

func (e *Engine) closeSystems() {
	if e.sys != nil {
		e.sys.close()
		e.sys = nil
	}
	if e.null != nil {
		e.null.close()
		e.null = nil
	}
}

func (e *Engine) list(k Kind) []Device {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k == KindSpeaker {
		return e.lists.Speakers
	}
	return e.lists.Microphones
}

// run is the engine's goroutine: it answers SetMic and SetSpeaker,
// watches the callbacks, and reads the lists every second.
func (e *Engine) run(ctx context.Context) {
	defer close(e.done)
	watch := time.NewTicker(watchEvery)
	defer watch.Stop()
	for round := 1; ; round++ {
		select {
		case <-ctx.Done():
			return
		case r := <-e.reqs:
			r.reply <- e.choose1(r)
		case <-watch.C:
			stalled := e.stalled()
			if stalled || round%pollRounds == 0 {
				e.refresh()
			}
		}
	}
}

// choose1 serves SetMic and SetSpeaker.
func (e *Engine) choose1(r request) error {
	h := &e.halves[r.kind]
	if !h.wanted {
		return fmt.Errorf("%w: the %v is not open", ErrNoDevice, r.kind)
	}
	if r.name != "" {
		if _, err := Find(e.list(r.kind), r.name); err != nil {
			return err
		}
	}
	h.want, h.avoid, h.stalls = r.name, "", 0
	e.switchTo(e.choose(), [2]Reason{Chosen, Chosen})
	return nil
}

// stalled is the watchdog: it tells whether a device stopped calling
// back, and marks which.
func (e *Engine) stalled() bool {
	stalled := false
	for k := range e.halves {
		h := &e.halves[k]
		if !h.wanted || h.cur.none {
			continue
		}
		ticks := e.capTicks.Load()
		if Kind(k) == KindSpeaker {
			ticks = e.playTicks.Load()
		}
		if ticks != h.ticks {
			h.ticks, h.still, h.started = ticks, 0, true
		} else {
			h.still++
		}
		limit := stallRounds
		if !h.started {
			limit = startRounds
		}
		if h.still >= limit {
			h.still = limit // until reopened
			stalled = true
		}
	}
	return stalled
}

// refresh reads the lists and reopens the devices when what each half
// should use has changed, or a device stalled.
func (e *Engine) refresh() {
	if e.sys == nil {
		// A sound server started after us (or came back): use it.
		e.sys, _ = openSystem(e.cfg.Backend)
	}
	var lists Devices
	if e.sys != nil {
		var err error
		if lists, err = e.sys.list(); err != nil {
			// The sound server went away: its context is dead. Close its
			// devices before it, go on in silence, and look for a sound
			// system again next round.
			e.closeStreams()
			e.sys.close()
			e.sys = nil
			lists = Devices{}
		}
	}
	e.mu.Lock()
	old := e.lists
	e.lists = lists
	e.mu.Unlock()
	listChanged := !lists.equal(old)
	if listChanged {
		for k := range e.halves {
			e.halves[k].avoid = ""
		}
		if !sameList(old.Microphones, lists.Microphones) {
			e.emit(Change{Kind: KindMicrophone, Reason: ListChanged})
		}
		if !sameList(old.Speakers, lists.Speakers) {
			e.emit(Change{Kind: KindSpeaker, Reason: ListChanged})
		}
	}
	want := e.choose()
	need := false
	var why [2]Reason
	for k := range e.halves {
		h := &e.halves[k]
		if !h.wanted {
			continue
		}
		stalled := h.still >= stallRounds && h.started || h.still >= startRounds
		switch {
		case stalled:
			h.stalls++
			if h.stalls >= 2 {
				// Reopened and stalled again: give up on it until the
				// lists change, and take the next best.
				if h.cur.dev != nil {
					h.avoid = h.cur.dev.ID
				} else {
					h.avoid = "\x00default"
				}
				want = e.choose()
			}
			need, why[k] = true, Lost
		case !want[k].same(h.cur):
			need = true
			if h.cur.none || want[k].dev != nil && (h.cur.dev == nil || h.cur.dev.ID != want[k].dev.ID) && want[k].dev.ID == e.wantedID(Kind(k)) {
				why[k] = Found
			} else {
				why[k] = Lost
			}
		default:
			// Following the default: the system may have moved our stream
			// to another device itself (PulseAudio does).
			if h.cur.dev == nil && !h.cur.none {
				if name := e.defaultName(Kind(k)); name != h.name {
					from := h.name
					h.name = name
					e.setInUse(Kind(k), name)
					e.emit(Change{Kind: Kind(k), Reason: DefaultChanged, From: from, To: name})
				}
			}
		}
	}
	if need {
		e.switchTo(want, why)
	}
}

// wantedID is the ID of the device the user asked for, "" when they
// follow the default or it is not listed.
func (e *Engine) wantedID(k Kind) string {
	h := &e.halves[k]
	if h.want == "" {
		return ""
	}
	d, err := Find(e.list(k), h.want)
	if err != nil {
		return ""
	}
	return d.ID
}

// choose decides what each half should use: the device asked for if it
// is there, else the system default if there is any device, else none.
func (e *Engine) choose() [2]target {
	var t [2]target
	for k := range e.halves {
		h := &e.halves[k]
		if !h.wanted {
			continue
		}
		list := e.list(Kind(k))
		if h.avoid != "" {
			var keep []Device
			for _, d := range list {
				if d.ID != h.avoid {
					keep = append(keep, d)
				}
			}
			list = keep
		}
		if h.want != "" {
			if d, err := Find(list, h.want); err == nil {
				t[k] = target{dev: &d}
				continue
			}
		}
		if len(list) == 0 || h.avoid == "\x00default" {
			t[k] = target{none: true}
		}
	}
	return t
}

// switchTo reopens the devices for want and reports each half whose
// device changed.
func (e *Engine) switchTo(want [2]target, why [2]Reason) {
	var from [2]string
	for k := range e.halves {
		from[k] = e.halves[k].name
	}
	got := e.reopen(want)
	for k := range e.halves {
		h := &e.halves[k]
		if !h.wanted {
			continue
		}
		if !got[k].same(want[k]) && why[k] != Lost {
			why[k] = Lost // it would not open: we fell back
		}
		e.setInUse(Kind(k), h.name)
		if h.name != from[k] || why[k] == Chosen {
			e.emit(Change{Kind: Kind(k), Reason: why[k], From: from[k], To: h.name})
		}
	}
}

func (e *Engine) setInUse(k Kind, name string) {
	e.mu.Lock()
	e.inUse[k] = name
	e.mu.Unlock()
}

func (e *Engine) emit(c Change) {
	if e.cfg.OnChange != nil {
		e.cfg.OnChange(c)
	}
}

// defaultName is the name of the system default device of kind k, as
// listed; "default" when the system marks none.
func (e *Engine) defaultName(k Kind) string {
	if name := DefaultName(e.list(k)); name != "" {
		return name
	}
	return "default"
}

// reopen closes the devices and opens what want says, falling back half
// by half (the device asked for, then the default, then none) when one
// will not open. It returns what opened.
func (e *Engine) reopen(want [2]target) [2]target {
	e.closeStreams()
	got := want
	mic, spk := &e.halves[KindMicrophone], &e.halves[KindSpeaker]
	opened := false
	if mic.wanted && spk.wanted && !want[0].none && !want[1].none {
		if s, err := e.openStream(e.sys, want[0].dev, want[1].dev, true, true); err == nil {
			e.streams = append(e.streams, s)
			opened = true
		}
	}
	if !opened {
		for k := range e.halves {
			if !e.halves[k].wanted || got[k].none {
				continue
			}
			got[k] = e.openHalf(Kind(k), got[k])
		}
	}
	silentMic := mic.wanted && got[KindMicrophone].none
	silentSpk := spk.wanted && got[KindSpeaker].none
	if silentMic || silentSpk {
		if e.null == nil {
			e.null, _ = openSystem(Null)
		}
		if e.null != nil {
			if s, err := e.openStream(e.null, nil, nil, silentMic, silentSpk); err == nil {
				e.streams = append(e.streams, s)
			}
		}
	}
	for k := range e.halves {
		h := &e.halves[k]
		if !h.wanted {
			continue
		}
		if h.cur.same(got[k]) {
			// The same target again (a stall): count it.
		} else {
			h.stalls = 0
		}
		h.cur, h.still, h.started = got[k], 0, false
		switch {
		case got[k].none:
			h.name = ""
		case got[k].dev != nil:
			h.name = got[k].dev.Name
		default:
			h.name = e.defaultName(Kind(k))
		}
	}
	e.capTicks.Store(0)
	e.playTicks.Store(0)
	for k := range e.halves {
		e.halves[k].ticks = 0
	}
	return got
}

// openHalf opens one direction alone: t, else the default, else none.
func (e *Engine) openHalf(k Kind, t target) target {
	try := []target{t}
	if t.dev != nil {
		try = append(try, target{})
	}
	for _, t := range try {
		var s *stream
		var err error
		if k == KindMicrophone {
			s, err = e.openStream(e.sys, t.dev, nil, true, false)
		} else {
			s, err = e.openStream(e.sys, nil, t.dev, false, true)
		}
		if err == nil {
			e.streams = append(e.streams, s)
			return t
		}
	}
	return target{none: true}
}

func (e *Engine) closeStreams() {
	for _, s := range e.streams {
		s.close()
	}
	e.streams = nil
}

// captureTime is when the sample at ring position pos reached the
// microphone.
func (e *Engine) captureTime(pos uint64) time.Time {
	p, at, ok := e.capStamp.load()
	if !ok {
		return time.Now().Add(-e.cfg.InputLatency)
	}
	// The sample before p ended the period the callback stamped.
	d := time.Duration(at) - samplesDuration(int64(p)-int64(pos)) - e.cfg.InputLatency
	return e.base.Add(d)
}

// playTime is when the sample the mixer writes at ring position pos will
// be heard.
func (e *Engine) playTime(pos uint64) time.Time {
	now := time.Now()
	fromNow := now.Add(samplesDuration(int64(pos)-int64(e.playRing.readPos())) + e.cfg.OutputLatency)
	p, at, ok := e.playStamp.load()
	stampTime := e.base.Add(time.Duration(at))
	if !ok || now.Sub(stampTime) > 3*period {
		// No device is taking samples now (starting, switching): they
		// will be heard no sooner than what waits ahead of them.
		return fromNow
	}
	return stampTime.Add(samplesDuration(int64(pos)-int64(p)) + e.cfg.OutputLatency)
}

func samplesDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}
