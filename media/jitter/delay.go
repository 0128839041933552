package jitter

import "time"

// The bounds and the dynamics of the playout delay an Estimator asks for.
const (
	// MinDelay is the least delay asked for: one 20 ms frame of slack, so
	// a packet that is a little late on a quiet network, or a playout
	// clock that pulls a little early, does not need concealment.
	MinDelay = 20 * time.Millisecond
	// MaxDelay is the most: past 300 ms a conversation turns into
	// walkie-talkie turns (ITU-T G.114 puts the limit of good interaction
	// at 150 ms one way, and the network's own delay comes on top); a
	// network worse than that is better served by concealment.
	MaxDelay = 300 * time.Millisecond
	// initialDelay is asked for during the first second, before enough
	// packets were seen to measure the jitter: 40 ms is what a loopback or
	// LAN path needs, as the fixed buffer had.
	initialDelay = 40 * time.Millisecond
	// delayMargin is added to the measured quantile: the quantile of a
	// few seconds is only an estimate of the next ones.
	delayMargin = 10 * time.Millisecond
	// delayQuantile of the packets must arrive in time. 95 % leaves one
	// packet in twenty to concealment, which Opus hides well, where waiting
	// for the last few would cost the delay of the worst.
	delayQuantile = 0.95
	// shrinkRate is how fast the delay asked for falls once the network
	// calms, per second: 20 ms a second brings 150 ms back to 20 in under
	// 7 s, slowly enough that a network with bursts every few seconds
	// keeps most of its delay between them.
	shrinkRate = 20 * time.Millisecond
	// lateEpisodes episodes of late packets (beyond the delay asked for)
	// within lateSpan raise the delay at once to cover the smallest of
	// their peaks, before the quantile notices: they are a jitter burst.
	// One or two are accidents, such as a sender's, a router's or a
	// loaded machine's stalls, each delivering the packets held behind it
	// at once: the quantile absorbs them, and concealment hides them.
	// Late packets less than episodeGap apart are one episode (those a
	// stall released).
	lateEpisodes = 3
	lateSpan     = 3 * time.Second
	episodeGap   = 200 * time.Millisecond

	// The window of the quantile: histogram bins of binWidth up to
	// MaxDelay (the last bin holds everything beyond), counted in slots
	// of slotSpan, the last numSlots of them (4 s) kept. Four seconds
	// hold 200 packets of 20 ms: the quantile moves after ten late ones.
	binWidth = 2 * time.Millisecond
	numBins  = int(MaxDelay/binWidth) + 1
	slotSpan = 500 * time.Millisecond
	numSlots = 8
	// The fastest transit, against which each packet's delay is
	// measured, is the minimum over the last numMins seconds: long enough
	// to span a burst, short enough to follow a route that got slower.
	numMins = 10
	// restartJump: a transit that changes by more than this between two
	// packets is a new stream (a sender restart, a new SSRC's timestamps),
	// not jitter.
	restartJump = 10 * time.Second
)

// Estimator measures the arrival jitter of one stream and tells the
// playout delay that absorbs it. Each packet's delay is its transit (its
// arrival time minus its RTP timestamp) above the fastest transit of the
// last seconds; the delay asked for is a high quantile of the recent
// ones plus a margin, within [MinDelay, MaxDelay]. It grows at once when
// late packets appear and shrinks back slowly (shrinkRate) when the
// network calms.
//
// The zero value is not usable: NewEstimator sets the clock rate. An
// Estimator is not safe for concurrent use; Add allocates nothing.
type Estimator struct {
	rate int64 // RTP clock rate, Hz

	started bool
	origin  time.Time // arrival of the first packet: times below count from it
	lastTS  uint32
	ext     int64 // the last packet's timestamp, unwrapped, from the first one
	transit int64 // the last packet's transit, ns
	jitter  float64

	mins [numMins]minSlot
	base int64 // fastest transit of the last numMins seconds, ns

	slots   [numSlots]histSlot
	slotIdx int64 // the current slot's number, from the origin
	total   [numBins]uint32
	count   uint32

	target  time.Duration
	updated int64 // when target was last updated, ns
	// The last episodes of late packets, the newest last.
	episodes [lateEpisodes]episode
}

// episode is a run of late packets: when its last one came, and the
// largest delay among them.
type episode struct {
	last int64
	peak time.Duration
}

type minSlot struct {
	sec int64
	min int64
}

type histSlot struct {
	n    uint32
	bins [numBins]uint16
}

// NewEstimator returns an estimator for a stream with an RTP clock of
// clockRate Hz (48000 for Opus).
func NewEstimator(clockRate uint32) *Estimator {
	if clockRate == 0 {
		clockRate = 48000
	}
	return &Estimator{rate: int64(clockRate), target: initialDelay}
}

// Reset forgets everything measured, as for a new stream.
func (e *Estimator) Reset() {
	*e = Estimator{rate: e.rate, target: initialDelay}
}

// Add records a packet with RTP timestamp ts that arrived at arrival.
// Packets may come in any order.
func (e *Estimator) Add(arrival time.Time, ts uint32) {
	if !e.started {
		e.start(arrival, ts)
		return
	}
	ext := e.ext + int64(int32(ts-e.lastTS))
	now := int64(arrival.Sub(e.origin))
	transit := now - ext*int64(time.Second)/e.rate
	d := transit - e.transit
	if d > int64(restartJump) || d < -int64(restartJump) {
		e.Reset()
		e.start(arrival, ts)
		return
	}
	if int32(ts-e.lastTS) > 0 {
		e.lastTS, e.ext = ts, ext
	}
	// RFC 3550 §6.4.1: J += (|D| − J)/16, for the statistics.
	e.jitter += (float64(max(d, -d)) - e.jitter) / 16
	e.transit = transit

	e.noteTransit(now, transit)
	r := time.Duration(transit - e.base)
	e.count1(now, r)
	e.update(now, r)
}

func (e *Estimator) start(arrival time.Time, ts uint32) {
	e.started, e.origin, e.lastTS, e.ext, e.transit = true, arrival, ts, 0, 0
	e.mins[0] = minSlot{sec: 0, min: 0}
	for i := 1; i < numMins; i++ {
		e.mins[i] = minSlot{sec: -1}
	}
	e.count1(0, 0)
}

// noteTransit keeps the fastest transit of each second and of the last
// numMins seconds.
func (e *Estimator) noteTransit(now, transit int64) {
	sec := now / int64(time.Second)
	s := &e.mins[sec%numMins]
	if s.sec != sec {
		*s = minSlot{sec: sec, min: transit}
	} else if transit < s.min {
		s.min = transit
	}
	base := transit
	for i := range e.mins {
		if m := &e.mins[i]; m.sec > sec-numMins && m.sec >= 0 {
			base = min(base, m.min)
		}
	}
	e.base = base
}

// count1 adds a delay r, measured at now, to the histogram, first
// expiring the slots that left the window.
func (e *Estimator) count1(now int64, r time.Duration) {
	idx := now / int64(slotSpan)
	if idx > e.slotIdx {
		for k := e.slotIdx + 1; k <= idx && k <= e.slotIdx+numSlots; k++ {
			s := &e.slots[k%numSlots]
			if s.n > 0 {
				for b, c := range s.bins {
					e.total[b] -= uint32(c)
				}
				e.count -= s.n
				*s = histSlot{}
			}
		}
		e.slotIdx = idx
	}
	b := min(int(max(r, 0)/binWidth), numBins-1)
	s := &e.slots[e.slotIdx%numSlots]
	if s.bins[b] == 1<<16-1 {
		return // a slot never sees 65535 packets of real media
	}
	s.bins[b]++
	s.n++
	e.total[b]++
	e.count++
}

// update moves the delay asked for after a packet of delay r at now.
func (e *Estimator) update(now int64, r time.Duration) {
	want := e.quantile() + delayMargin
	if now < int64(time.Second) {
		want = max(want, initialDelay)
	}
	if r > e.target {
		cur := &e.episodes[lateEpisodes-1]
		if cur.peak > 0 && now-cur.last <= int64(episodeGap) {
			cur.last, cur.peak = now, max(cur.peak, r)
		} else {
			copy(e.episodes[:], e.episodes[1:])
			*cur = episode{last: now, peak: r}
		}
		if first := e.episodes[0]; first.peak > 0 && now-first.last <= int64(lateSpan) {
			low := r
			for _, ep := range e.episodes {
				low = min(low, ep.peak)
			}
			want = max(want, low+delayMargin)
		}
	}
	want = min(max(want, MinDelay), MaxDelay)
	if want >= e.target {
		e.target = want
	} else {
		fall := time.Duration((now - e.updated) * int64(shrinkRate) / int64(time.Second))
		e.target = max(want, e.target-fall)
	}
	e.updated = now
}

// quantile is the delayQuantile of the delays in the window, rounded up
// to its bin's upper edge.
func (e *Estimator) quantile() time.Duration {
	need := uint32(float64(e.count)*delayQuantile + 0.999)
	var sum uint32
	for b, c := range e.total {
		sum += c
		if sum >= need {
			return time.Duration(b+1) * binWidth
		}
	}
	return MaxDelay
}

// Target is the playout delay to aim for: how long after its fastest
// possible arrival a packet should be played.
func (e *Estimator) Target() time.Duration { return e.target }

// Jitter is the interarrival jitter of RFC 3550 (§6.4.1).
func (e *Estimator) Jitter() time.Duration { return time.Duration(e.jitter) }

// Delay is how long after its fastest possible arrival (the fastest
// transit of the last seconds) the packet with timestamp ts is if played
// at t: the playout delay that Target is the aim for. It is zero before
// the first packet.
func (e *Estimator) Delay(ts uint32, t time.Time) time.Duration {
	if !e.started {
		return 0
	}
	ext := e.ext + int64(int32(ts-e.lastTS))
	return time.Duration(int64(t.Sub(e.origin)) - ext*int64(time.Second)/e.rate - e.base)
}
