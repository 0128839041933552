package receive

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"causerie/media/jitter"
	"causerie/media/opus"
	"causerie/media/stats"
	"causerie/media/synth"
)

const (
	// pauseAfterMissing: after this many frames with nothing to play the
	// sender is taken as silent (muted, DTX), not lossy: we stop
	// concealing, and build the delay up again when packets return.
	pauseAfterMissing = 5

	// The playout delay follows the estimator's target by whole frames,
	// with hysteresis so that it does not hunt: a frame is inserted when
	// the delay is more than insertBelow short of the target (after it,
	// at most 10 ms over), and dropped when it is more than dropAbove over
	// (after it, at most 5 ms short). The band between, 25 ms, is just
	// wider than the 20 ms step.
	insertBelow = 10 * time.Millisecond
	dropAbove   = 15 * time.Millisecond
	// forceAbove: this far over the target, waiting for a quiet frame
	// could take long (a monologue over music); frames are then dropped
	// in sound too, cross-faded, at most one in forceEvery.
	forceAbove = 80 * time.Millisecond
	forceEvery = 5
	// jumpAbove: this far over, a stall was delivered all at once;
	// playing it out even at 1.25× would take seconds, so the frames
	// beyond the target are discarded at once, as the fixed buffer did.
	jumpAbove = 200 * time.Millisecond

	// quietPower is the mean square of a frame below which dropping or
	// repeating it is inaudible: -45 dBFS (an amplitude of 184), under
	// speech by 20 dB or more and around the noise a suppressor leaves.
	quietPower = 184 * 184

	// frameDuration is one Opus frame as the playout clock pulls it.
	frameDuration = time.Duration(opus.FrameSamples) * time.Second / opus.SampleRate
)

// AudioStats are the counters of one received audio track.
type AudioStats struct {
	Codec           string
	PacketsReceived uint64
	PacketsLost     uint64
	Decoded         uint64
	DecodeErrors    uint64
	FECRecovered    uint64
	ConcealedMs     uint64
	// JitterMs is the interarrival jitter (RFC 3550).
	JitterMs float64
	// TargetDelayMs is the playout delay the jitter asks for now, and
	// DelayMs the one the last packet played had, DelayMsP50/P95 over the
	// last 20 s: all above the fastest arrival of the last seconds, so the
	// network's own delay is not in them.
	TargetDelayMs, DelayMs float64
	DelayMsP50, DelayMsP95 float64
	// InsertedMs and DroppedMs are the time-scale adjustments that moved
	// the delay: frames repeated or concealed, and frames dropped.
	InsertedMs, DroppedMs uint64
	// LatencyMsP50/P95 are send-to-playout delays of the synthetic
	// microphone's tone bursts; zero when none were heard.
	LatencyMsP50, LatencyMsP95 float64
	LatencySamples             uint64
}

// Audio decodes one remote Opus track as the playout clock pulls it,
// with a playout delay that follows the arrival jitter.
type Audio struct {
	track RTPReader
	feed  *feeder
	srs   SenderReporter // nil when the track gives no sender reports

	// Guarded by pull: only the playout goroutine decodes.
	pull      sync.Mutex
	dec       *opus.Decoder
	spare     []int16 // the second frame of a drop
	pending   bool    // spare holds the next frame to play (a drop called off)
	pendingTS uint32
	playing   bool
	missing   int
	lastQuiet bool // the frame played last was quiet
	sinceDrop int  // frames since the last drop in sound
	onsets    *synth.OnsetDetector
	found     []time.Time

	clock audioClock

	decoded, errs, fec, concealedMs atomic.Uint64
	insertedMs, droppedMs           atomic.Uint64
	target, delay, jitter           atomic.Int64 // time.Duration
	latency                         *stats.Window
	delays                          *stats.Window // ms, of the packets played
}

// NewAudio prepares the receive path of an Opus track.
func NewAudio(codec string, track RTPReader, now func() time.Time) (*Audio, error) {
	if codec != "opus" {
		return nil, fmt.Errorf("%w: %q", ErrCodec, codec)
	}
	dec, err := opus.NewDecoder()
	if err != nil {
		return nil, err
	}
	feed := newFeeder(now)
	feed.est = jitter.NewEstimator(opus.SampleRate)
	a := &Audio{track: track, feed: feed, dec: dec, spare: make([]int16, opus.FrameSamples),
		onsets: synth.NewOnsetDetector(opus.SampleRate), latency: stats.NewWindow(1024), delays: stats.NewWindow(1000)}
	a.srs, _ = track.(SenderReporter)
	a.target.Store(int64(feed.est.Target()))
	return a, nil
}

// Start runs the reader until the track ends.
func (a *Audio) Start() { go a.feed.run(a.track) }

// Done is closed when the track has ended.
func (a *Audio) Done() <-chan struct{} { return a.feed.done }

// Pull fills pcm (one 20 ms frame) with the audio to play at playAt. It is
// called by the playout clock and never blocks on the network.
//
// The delay moves by whole frames where that cannot be heard: it grows
// when packets come late (the gap is concealed, and the late packet is
// played after it rather than thrown away) or, ahead of lateness, by
// repeating a quiet frame; it shrinks by dropping a quiet frame,
// cross-faded into the next one.
func (a *Audio) Pull(pcm []int16, playAt time.Time) {
	a.pull.Lock()
	defer a.pull.Unlock()
	now := a.feed.now()
	if a.pending {
		a.pending = false
		copy(pcm, a.spare)
		a.clock.set(a.pendingTS, playAt, now)
		a.lastQuiet = isQuiet(pcm)
		a.played(pcm, playAt)
		return
	}
	a.feed.mu.Lock()
	buf, est := a.feed.buf, a.feed.est
	target := est.Target()
	a.target.Store(int64(target))
	a.jitter.Store(int64(est.Jitter()))
	if !a.playing && !a.startLocked(now, target) {
		a.feed.mu.Unlock()
		clear(pcm)
		a.played(pcm, playAt)
		return
	}
	if head := buf.Peek(0); head != nil {
		d := est.Delay(head.Timestamp, now)
		if d > target+jumpAbove {
			a.skipToLocked(now, target)
		} else if d < target-insertBelow && a.lastQuiet {
			// Short of the target after a quiet frame: one more frame of
			// quiet (the decoder's concealment continues it smoothly) and
			// the head waits for the next period.
			a.feed.mu.Unlock()
			a.missing = 0
			if err := a.dec.Conceal(pcm); err != nil {
				clear(pcm)
			}
			a.insertedMs.Add(uint64(frameDuration / time.Millisecond))
			a.played(pcm, playAt)
			return
		}
	}
	p, st := buf.Pop()
	var next []byte
	if st == jitter.Missing {
		if n := buf.Peek(1); n != nil {
			next = n.Payload
		}
		buf.Skip()
	}
	canDrop, forced := false, false
	if st == jitter.Ready {
		d := est.Delay(p.Timestamp, now)
		a.delay.Store(int64(d))
		a.delays.Add(float64(d.Microseconds()) / 1000)
		if buf.Peek(0) != nil {
			canDrop = d > target+dropAbove
			forced = d > target+forceAbove && a.sinceDrop >= forceEvery
		}
	}
	a.feed.mu.Unlock()

	switch st {
	case jitter.Ready:
		a.missing = 0
		if _, err := a.dec.Decode(p.Payload, pcm); err != nil {
			a.errs.Add(1)
			a.conceal(pcm)
		} else {
			a.decoded.Add(1)
		}
		a.clock.set(p.Timestamp, playAt, now)
	case jitter.Missing:
		a.missing = 0
		if next != nil && a.dec.DecodeFEC(next, pcm) == nil {
			a.fec.Add(1)
		} else {
			a.conceal(pcm)
		}
	default: // Empty: the packet is late, or the sender went quiet.
		a.missing++
		if a.missing >= pauseAfterMissing {
			a.playing = false
			clear(pcm)
		} else {
			a.conceal(pcm)
		}
	}
	a.sinceDrop++
	quiet := isQuiet(pcm)
	if canDrop && (forced || quiet && a.lastQuiet) {
		a.dropInto(pcm, forced)
		quiet = isQuiet(pcm)
	}
	a.lastQuiet = quiet
	a.played(pcm, playAt)
}

// startLocked tells whether to start playing: once the first packet
// buffered has waited the target delay. Packets older than needed are
// dropped first, so that a burst delivered after a stall does not start
// with its whole delay. The caller holds feed.mu.
func (a *Audio) startLocked(now time.Time, target time.Duration) bool {
	buf, est := a.feed.buf, a.feed.est
	for buf.Len() > 0 && buf.Peek(0) == nil {
		buf.Skip() // lost at the head: nothing to wait for
	}
	head := buf.Peek(0)
	if head == nil || est.Delay(head.Timestamp, now) < target {
		return false
	}
	a.skipToLocked(now, target)
	a.playing, a.missing, a.lastQuiet, a.sinceDrop = true, 0, false, 0
	return true
}

// skipToLocked discards buffered packets, undecoded, while the one after
// the head would still be played at or beyond the target. The caller
// holds feed.mu.
func (a *Audio) skipToLocked(now time.Time, target time.Duration) {
	buf, est := a.feed.buf, a.feed.est
	for {
		n := buf.Peek(1)
		if n == nil || est.Delay(n.Timestamp, now) < target {
			return
		}
		buf.Pop()
		a.droppedMs.Add(uint64(frameDuration / time.Millisecond))
	}
}

// dropInto decodes the next packet too and cross-fades pcm into it over
// the frame: the result starts where the frame before pcm ended and ends
// where the frame after the next one starts, so one frame of delay goes
// without a discontinuity. Unless forced, a next frame in sound (speech
// starting) calls the drop off: it is kept to be played next.
func (a *Audio) dropInto(pcm []int16, forced bool) {
	a.feed.mu.Lock()
	p, st := a.feed.buf.Pop()
	a.feed.mu.Unlock()
	if st != jitter.Ready {
		return // only a drop decided with a packet waiting comes here
	}
	if _, err := a.dec.Decode(p.Payload, a.spare); err != nil {
		a.errs.Add(1)
		return
	}
	a.decoded.Add(1)
	if !forced && !isQuiet(a.spare) {
		a.pending, a.pendingTS = true, p.Timestamp
		return
	}
	crossfade(pcm, a.spare)
	a.droppedMs.Add(uint64(frameDuration / time.Millisecond))
	a.sinceDrop = 0
}

// crossfade fades dst out and src in, linearly, into dst.
func crossfade(dst, src []int16) {
	n := int32(len(dst))
	for i := range dst {
		k := int32(i)
		dst[i] = int16((int32(dst[i])*(n-k) + int32(src[i])*k) / n)
	}
}

// isQuiet tells whether a frame is below quietPower.
func isQuiet(pcm []int16) bool {
	var sum int64
	for _, s := range pcm {
		sum += int64(s) * int64(s)
	}
	return sum < quietPower*int64(len(pcm))
}

// played measures what is heard: the synthetic microphone's bursts.
func (a *Audio) played(pcm []int16, playAt time.Time) {
	a.found = a.onsets.Feed(pcm, playAt, a.found[:0])
	for _, t := range a.found {
		// The synthetic microphone starts a burst on every whole second.
		d := t.Sub(t.Truncate(time.Second))
		a.latency.Add(float64(d.Microseconds()) / 1000)
	}
}

func (a *Audio) conceal(pcm []int16) {
	if err := a.dec.Conceal(pcm); err != nil {
		clear(pcm)
	}
	a.concealedMs.Add(uint64(len(pcm) * 1000 / opus.SampleRate))
}

// Stats reports the counters so far.
func (a *Audio) Stats() AudioStats {
	p := a.latency.Percentiles(50, 95)
	d := a.delays.Percentiles(50, 95)
	a.feed.mu.Lock()
	bs := a.feed.buf.Stats()
	a.feed.mu.Unlock()
	ms := func(v *atomic.Int64) float64 { return float64(v.Load()) / float64(time.Millisecond) }
	return AudioStats{Codec: "opus", PacketsReceived: bs.Received, PacketsLost: bs.Lost,
		Decoded: a.decoded.Load(), DecodeErrors: a.errs.Load(), FECRecovered: a.fec.Load(),
		ConcealedMs: a.concealedMs.Load(), JitterMs: ms(&a.jitter), TargetDelayMs: ms(&a.target), DelayMs: ms(&a.delay),
		DelayMsP50: d[0], DelayMsP95: d[1],
		InsertedMs: a.insertedMs.Load(), DroppedMs: a.droppedMs.Load(),
		LatencyMsP50: p[0], LatencyMsP95: p[1], LatencySamples: a.latency.Count()}
}
