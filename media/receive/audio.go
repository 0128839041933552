package receive

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"causerie/media/jitter"
	"causerie/media/opus"
	"causerie/media/stats"
	"causerie/media/synth"
)

const (
	// pauseAfterMissing: after this many frames with nothing to play the
	// sender is taken as silent (muted, or DTX without saying so), not
	// lossy: we stop concealing, and build the delay up again when
	// packets return.
	pauseAfterMissing = 5
	// silenceHold: a sender in DTX (see Audio.Pull) sends a frame that
	// updates the comfort noise every 400 ms (libopus: every 21st frame,
	// followed by a DTX frame); a second without any is a sender that
	// stopped, and the comfort noise stops too.
	silenceHold = 50
	// maxDTXBytes is the largest packet libopus codes in DTX: its table
	// of contents byte and at most one more (libwebrtc's IsDtxPacket).
	maxDTXBytes = 2

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
	// SilentMs is the time the sender sent nothing for (DTX: RTP
	// timestamps that jump with no sequence number missing), played as
	// the decoder's comfort noise: neither lost nor concealed.
	SilentMs uint64
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
	// nextTS is the RTP timestamp of the frame to play next (when
	// tsKnown): a head packet beyond it comes after a gap the sender
	// sent nothing for.
	nextTS  uint32
	tsKnown bool
	// dtx: the sender is in DTX, silent. The last packet played was a
	// DTX frame (libwebrtc, and our own sender, send the first of a
	// silence), or came after a gap in timestamps.
	dtx bool
	// unsure counts frames concealed while the buffer was empty, and not
	// yet counted: the next packet tells whether they were late packets
	// (concealment) or a silence that was not announced.
	unsure    int
	sinceDrop int // frames since the last drop in sound
	onsets    *synth.OnsetDetector
	found     []time.Time

	clock audioClock

	decoded, errs, fec, concealedMs atomic.Uint64
	silentMs                        atomic.Uint64
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
//
// A sender in DTX sends nothing through a silence but its first frame
// and a comfort noise update every 400 ms: the next packet's timestamp
// jumps over the gap while its sequence number follows on. The gap is
// played as the decoder's comfort noise (what it would make of the DTX
// frames not sent), counted as silence, not concealment. Its end is
// where the delay moves freely, both ways: the packet after it plays as
// soon as it is due at the target delay (less insertBelow), whether that
// cuts the gap short or lengthens it.
func (a *Audio) Pull(pcm []int16, playAt time.Time) {
	a.pull.Lock()
	defer a.pull.Unlock()
	now := a.feed.now()
	if a.pending {
		a.pending = false
		copy(pcm, a.spare)
		a.clock.set(a.pendingTS, playAt, now)
		a.nextTS, a.tsKnown = a.pendingTS+opus.FrameSamples, true
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
		ahead := a.settle(head.Timestamp)
		switch {
		case d > target+jumpAbove:
			a.skipToLocked(now, target)
		case ahead > 0 && d < target-insertBelow:
			// Within a gap the sender sent nothing for, and the head
			// not yet due: it plays at the target delay, give or take
			// half a frame, as the insertions and drops aim for.
			a.feed.mu.Unlock()
			a.comfort(pcm)
			a.played(pcm, playAt)
			return
		case ahead <= 0 && d < target-insertBelow && a.lastQuiet:
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
		a.decode(p, pcm)
		a.clock.set(p.Timestamp, playAt, now)
	case jitter.Missing:
		// A packet lost: what was concealed before it was lost too.
		a.missing = 0
		a.resolve(a.unsure)
		if next != nil && a.dec.DecodeFEC(next, pcm) == nil {
			a.fec.Add(1)
		} else {
			a.conceal(pcm)
		}
		a.nextTS += opus.FrameSamples
	default: // Empty: the packet is late, or the sender went quiet.
		a.missing++
		switch {
		case a.dtx && a.missing < silenceHold:
			a.comfort(pcm)
		case a.dtx || a.missing >= pauseAfterMissing:
			a.playing = false
			clear(pcm)
		default:
			// Concealed, counted once the next packet tells whether it
			// was late or the sender silent.
			if err := a.dec.Conceal(pcm); err != nil {
				clear(pcm)
			}
			a.unsure++
			a.nextTS += opus.FrameSamples
		}
	}
	a.sinceDrop++
	quiet := isQuiet(pcm) || st == jitter.Empty && a.dtx // comfort noise, as in a gap
	if canDrop && (forced || quiet && a.lastQuiet) {
		a.dropInto(pcm, forced)
		quiet = isQuiet(pcm)
	}
	a.lastQuiet = quiet
	a.played(pcm, playAt)
}

// decode plays packet p into pcm and moves the timestamp expected next
// past it.
func (a *Audio) decode(p *rtp.Packet, pcm []int16) {
	n, err := a.dec.Decode(p.Payload, pcm)
	if err != nil {
		a.errs.Add(1)
		a.conceal(pcm)
		n = opus.FrameSamples
	} else {
		a.decoded.Add(1)
	}
	a.nextTS, a.tsKnown = p.Timestamp+uint32(n), true
	a.dtx = len(p.Payload) <= maxDTXBytes
}

// settle tells how many frames the head packet, of timestamp ts, comes
// after the one expected next, and counts the frames concealed while the
// buffer was empty: the head is the next in sequence, so those of them
// before its timestamp are a silence the sender did not announce, and
// those after were waiting for it, late. A head after a gap puts the
// sender in DTX.
func (a *Audio) settle(ts uint32) (ahead int) {
	if !a.tsKnown {
		a.resolve(a.unsure)
		return 0
	}
	diff := int(int32(ts - a.nextTS))
	ahead = diff / opus.FrameSamples
	if diff < 0 {
		ahead = -((-diff + opus.FrameSamples - 1) / opus.FrameSamples)
	}
	a.resolve(min(a.unsure, max(0, -ahead)))
	if ahead > 0 {
		a.dtx = true
	}
	return ahead
}

// resolve counts the unsure frames: late of them as concealed, the
// others as silence.
func (a *Audio) resolve(late int) {
	if a.unsure == 0 {
		return
	}
	ms := uint64(frameDuration / time.Millisecond)
	a.concealedMs.Add(uint64(late) * ms)
	a.silentMs.Add(uint64(a.unsure-late) * ms)
	a.unsure = 0
}

// comfort plays a frame of a gap the sender sent nothing for: the
// decoder's concealment, which after a DTX frame is Opus's comfort
// noise (libopus decodes a DTX frame as a lost one).
func (a *Audio) comfort(pcm []int16) {
	if err := a.dec.Conceal(pcm); err != nil {
		clear(pcm)
	}
	a.silentMs.Add(uint64(frameDuration / time.Millisecond))
	a.nextTS += opus.FrameSamples
	a.lastQuiet = true // the sender's own voice detection called it silence
}

// startLocked tells whether to start playing: once the first packet
// buffered has waited the target delay. Packets older than needed are
// dropped first, so that a burst delivered after a stall does not start
// with its whole delay. The caller holds feed.mu.
func (a *Audio) startLocked(now time.Time, target time.Duration) bool {
	buf, est := a.feed.buf, a.feed.est
	for buf.Len() > 0 && buf.Peek(0) == nil {
		buf.Skip() // lost at the head: nothing to wait for
		a.resolve(a.unsure)
	}
	head := buf.Peek(0)
	if head == nil || est.Delay(head.Timestamp, now) < target {
		return false
	}
	a.settle(head.Timestamp)
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
	n, err := a.dec.Decode(p.Payload, a.spare)
	if err != nil {
		a.errs.Add(1)
		return
	}
	a.decoded.Add(1)
	a.dtx = len(p.Payload) <= maxDTXBytes
	if !forced && !isQuiet(a.spare) {
		a.pending, a.pendingTS = true, p.Timestamp
		return
	}
	crossfade(pcm, a.spare)
	a.nextTS = p.Timestamp + uint32(n)
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
		ConcealedMs: a.concealedMs.Load(), SilentMs: a.silentMs.Load(), JitterMs: ms(&a.jitter), TargetDelayMs: ms(&a.target), DelayMs: ms(&a.delay),
		DelayMsP50: d[0], DelayMsP95: d[1],
		InsertedMs: a.insertedMs.Load(), DroppedMs: a.droppedMs.Load(),
		LatencyMsP50: p[0], LatencyMsP95: p[1], LatencySamples: a.latency.Count()}
}
