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
	// prebufferPackets is the audio delay the buffer builds before playing:
	// 40 ms absorbs the scheduling jitter of loopback and LAN paths; the
	// adaptive buffer of the media-engine work will tune it to the network.
	prebufferPackets = 2
	// maxBufferedPackets bounds the delay: past it the oldest packet is
	// dropped, so a burst of late packets cannot grow latency for good.
	maxBufferedPackets = 8
	// pauseAfterMissing: after this many frames with nothing to play the
	// sender is taken as silent (muted, DTX), not lossy: we stop
	// concealing, and prebuffer again when packets return.
	pauseAfterMissing = 5
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
	// LatencyMsP50/P95 are send-to-playout delays of the synthetic
	// microphone's tone bursts; zero when none were heard.
	LatencyMsP50, LatencyMsP95 float64
	LatencySamples             uint64
}

// Audio decodes one remote Opus track as the playout clock pulls it.
type Audio struct {
	track RTPReader
	feed  *feeder

	// Guarded by pull: only the playout goroutine decodes.
	pull    sync.Mutex
	dec     *opus.Decoder
	playing bool
	missing int
	onsets  *synth.OnsetDetector
	found   []time.Time

	decoded, errs, fec, concealedMs atomic.Uint64
	latency                         *stats.Window
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
	return &Audio{track: track, feed: newFeeder(now), dec: dec,
		onsets: synth.NewOnsetDetector(opus.SampleRate), latency: stats.NewWindow(1024)}, nil
}

// Start runs the reader until the track ends.
func (a *Audio) Start() { go a.feed.run(a.track) }

// Done is closed when the track has ended.
func (a *Audio) Done() <-chan struct{} { return a.feed.done }

// Pull fills pcm (one 20 ms frame) with the audio to play at playAt. It is
// called by the playout clock and never blocks on the network.
func (a *Audio) Pull(pcm []int16, playAt time.Time) {
	a.pull.Lock()
	defer a.pull.Unlock()
	a.feed.mu.Lock()
	buf := a.feed.buf
	if !a.playing {
		if buf.Len() < prebufferPackets {
			a.feed.mu.Unlock()
			clear(pcm)
			return
		}
		a.playing, a.missing = true, 0
	}
	for buf.Len() > maxBufferedPackets {
		if _, st := buf.Pop(); st == jitter.Missing {
			buf.Skip()
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
	a.feed.mu.Lock()
	bs := a.feed.buf.Stats()
	a.feed.mu.Unlock()
	return AudioStats{Codec: "opus", PacketsReceived: bs.Received, PacketsLost: bs.Lost,
		Decoded: a.decoded.Load(), DecodeErrors: a.errs.Load(), FECRecovered: a.fec.Load(),
		ConcealedMs: a.concealedMs.Load(), LatencyMsP50: p[0], LatencyMsP95: p[1], LatencySamples: a.latency.Count()}
}
