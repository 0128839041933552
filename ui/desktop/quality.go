package desktop

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"causerie/client"
)

// quality is how well a participant's media reaches us, as the tiles and
// the bottom bar show it with three bars.
type quality int

const (
	qualityUnknown quality = iota // nothing to judge yet: no bars
	qualityGood
	qualityFair
	qualityPoor
)

// key is the quality's message key.
func (q quality) key() string {
	switch q {
	case qualityGood:
		return "quality.good"
	case qualityFair:
		return "quality.fair"
	case qualityPoor:
		return "quality.poor"
	}
	return "quality.unknown"
}

// qualityEvery is how often the call screen samples the session's
// report: often enough that a stalled stream shows within a few seconds,
// rarely enough that gathering the statistics costs nothing noticeable.
const qualityEvery = 2 * time.Second

// The thresholds. Opus's packet-loss concealment and in-band FEC hide a
// couple of percent of lost audio packets, and NACKs recover most lost
// video packets at that rate: below 2 % a call sounds and looks clean.
// Up to 8 % audio gets clipped and video freezes on its keyframe
// requests now and then: usable, "fair". Beyond, speech is hard to
// follow: "poor".
const (
	lossFair = 2.0 // percent of packets lost from which the link is fair
	lossPoor = 8.0 // … and poor
	// A ratio needs enough packets to mean something: one lost of ten is
	// chance, not 10 %. 50 packets is one second of Opus at 20 ms.
	lossMinPackets = 50
	// One-way delay: ITU-T G.114 finds up to 150 ms transparent and over
	// 400 ms unfit for conversation. The latency measured runs from
	// capture to decoding, so it adds the encoder and the jitter buffer
	// (about 100 ms) to the network's share.
	latencyFair = 300.0 // ms
	latencyPoor = 500.0 // ms
	// stallAfter: a stream that should flow (subscribed, not muted, and
	// for video, shown) and brought no packet for this long has stopped.
	// Opus with DTX still sends a packet every 400 ms of silence, and
	// video at least a few frames a second, so 3 s is never normal.
	stallAfter = 3 * time.Second
	// qualityWindow is how many samples the loss is measured over: the
	// last three (6 s), so one burst of loss does not make the bars
	// flicker and a lasting one shows within seconds.
	qualityWindow = 4
)

// qualityMeter follows the received tracks' packet counters from one
// report to the next. It belongs to Fyne's thread.
type qualityMeter struct {
	tracks map[string]*trackMeter
}

type trackMeter struct {
	samples  []packetSample // oldest first, at most qualityWindow
	moved    time.Time      // when packets last arrived, or flowing was last expected to start
	expected bool
	latency  float64 // capture-to-decode p50 in ms, 0 when not measured
}

type packetSample struct {
	at         time.Time
	recv, lost uint64
}

func newQualityMeter() *qualityMeter { return &qualityMeter{tracks: map[string]*trackMeter{}} }

// observe takes a report made at now. expect tells, for a track SID,
// whether its packets should be flowing; tracks it does not know (ended,
// ours) return false and are forgotten.
func (q *qualityMeter) observe(r client.Report, now time.Time, known func(sid string) bool, expect func(sid string) bool) {
	// The report lists every receiver of the session, ended ones too; a
	// track received twice (subscribed again) appears twice, the newest
	// last.
	latest := map[string]client.RemoteReport{}
	for _, rr := range r.Remote {
		latest[rr.Track] = rr
	}
	for sid := range q.tracks {
		if _, ok := latest[sid]; !ok || !known(sid) {
			delete(q.tracks, sid)
		}
	}
	for sid, rr := range latest {
		if !known(sid) {
			continue
		}
		tm := q.tracks[sid]
		if tm == nil {
			tm = &trackMeter{moved: now}
			q.tracks[sid] = tm
		}
		exp := expect(sid)
		if exp && !tm.expected {
			tm.moved = now // a stream resuming gets the same grace as a new one
		}
		tm.expected = exp
		if n := len(tm.samples); n > 0 {
			last := tm.samples[n-1]
			if rr.PacketsReceived < last.recv {
				tm.samples = nil // a new receiver under the same SID: counting afresh
			} else if rr.PacketsReceived > last.recv {
				tm.moved = now
			}
		} else if rr.PacketsReceived > 0 {
			tm.moved = now
		}
		tm.samples = append(tm.samples, packetSample{at: now, recv: rr.PacketsReceived, lost: rr.PacketsLost})
		if len(tm.samples) > qualityWindow {
			tm.samples = tm.samples[len(tm.samples)-qualityWindow:]
		}
		tm.latency = 0
		if rr.LatencySamples > 0 {
			tm.latency = rr.LatencyMsP50
		}
	}
}

// judge rates the tracks named, together, at now: the worst of stalls,
// loss over the window and latency. lossPct is -1 when too few packets
// came to tell.
func (q *qualityMeter) judge(sids []string, now time.Time) (level quality, lossPct float64) {
	var recv, lost uint64
	stalled, measured := false, false
	latency := 0.0
	for _, sid := range sids {
		tm := q.tracks[sid]
		if tm == nil || len(tm.samples) == 0 {
			continue
		}
		measured = true
		if tm.expected && now.Sub(tm.moved) >= stallAfter {
			stalled = true
		}
		// Over the window: from the oldest sample kept, or from nothing
		// when there is one (the counters start with the receiver).
		newest := tm.samples[len(tm.samples)-1]
		var oldest packetSample
		if len(tm.samples) > 1 {
			oldest = tm.samples[0]
		}
		recv += newest.recv - oldest.recv
		lost += newest.lost - min(newest.lost, oldest.lost)
		latency = max(latency, tm.latency)
	}
	lossPct = -1
	if recv+lost >= lossMinPackets {
		lossPct = float64(lost) * 100 / float64(recv+lost)
	}
	if !measured {
		return qualityUnknown, lossPct
	}
	level = qualityGood
	switch {
	case stalled || lossPct >= lossPoor || latency >= latencyPoor:
		level = qualityPoor
	case lossPct >= lossFair || latency >= latencyFair:
		level = qualityFair
	case lossPct < 0 && latency == 0:
		// Nothing flowing and nothing expected (muted, not shown): no
		// evidence either way.
		level = qualityUnknown
		for _, sid := range sids {
			if tm := q.tracks[sid]; tm != nil && tm.expected {
				level = qualityGood // flowing, too little yet to count loss
			}
		}
	}
	return level, lossPct
}

// selfQuality rates our own link: the state of the connection first,
// then what reaches us from everyone.
func selfQuality(state client.ConnState, received quality) quality {
	switch state {
	case client.Reconnecting, client.Disconnected:
		return qualityPoor
	case client.Connecting:
		return qualityUnknown // nothing to judge before the first connection
	}
	if received == qualityUnknown {
		return qualityGood // connected, and nothing received to say otherwise
	}
	return received
}

// formatLoss writes a loss percentage the way people read it.
func formatLoss(pct float64) string {
	if pct < 10 {
		return fmt.Sprintf("%.1f", pct)
	}
	return fmt.Sprintf("%.0f", pct)
}

// qualityBars draws a quality as three rising bars: three green, two
// amber, one red; nothing while unknown.
type qualityBars struct {
	root  *fyne.Container
	bars  [3]*canvas.Rectangle
	level quality
}

var (
	colorGood    = color.NRGBA{R: 0x6a, G: 0xd0, B: 0x8f, A: 0xff}
	colorFair    = color.NRGBA{R: 0xf0, G: 0xb4, B: 0x29, A: 0xff}
	colorPoor    = color.NRGBA{R: 0xf0, G: 0x4a, B: 0x3a, A: 0xff}
	colorBarIdle = color.NRGBA{R: 0xf6, G: 0xf6, B: 0xf6, A: 0x50}
)

func newQualityBars() *qualityBars {
	q := &qualityBars{root: container.New(barsLayout{})}
	for i := range q.bars {
		b := canvas.NewRectangle(colorBarIdle)
		b.CornerRadius = 1
		q.bars[i] = b
		q.root.Add(b)
	}
	q.root.Hide()
	return q
}

func (q *qualityBars) set(level quality) {
	q.level = level
	if level == qualityUnknown {
		q.root.Hide()
		return
	}
	lit, c := 3, colorGood
	switch level {
	case qualityFair:
		lit, c = 2, colorFair
	case qualityPoor:
		lit, c = 1, colorPoor
	}
	for i, b := range q.bars {
		if i < lit {
			b.FillColor = c
		} else {
			b.FillColor = colorBarIdle
		}
		b.Refresh()
	}
	q.root.Show()
}

// barsLayout puts three bars of rising height side by side, bottom
// aligned, in a 16×16 box.
type barsLayout struct{}

func (barsLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	const w, gap = 4, 2
	x := (s.Width - 3*w - 2*gap) / 2
	for i, o := range objs {
		h := s.Height * float32(i+1) / 3
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos(x+float32(i)*(w+gap), s.Height-h))
	}
}

func (barsLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(16, 14) }
