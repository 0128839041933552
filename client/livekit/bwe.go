package livekit

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"causerie/client"
)

// Congestion control: the send side of Google Congestion Control (pion's
// gcc) with transport-wide feedback, as browsers publish to LiveKit.
//
// lksdk v2.19.0 negotiates transport-cc (its MediaEngine registers the
// header extension and the feedback for audio and video) and livekit-
// server v1.13.5 answers publishers with TWCC feedback, but for video
// only: its publisher configuration lists the extension for video and
// not for audio (pkg/rtc/config.go), and it sends no REMB. What lksdk
// leaves out is the sending half: its default interceptors generate
// feedback for what we receive (twcc.NewSenderInterceptor) but never
// number what we send, so the SFU has nothing to acknowledge. We add the
// header-extension interceptor and the estimator through lksdk's
// WithInterceptors, keeping its defaults (NACK, reports, RTT).
//
// The estimate is thus measured with video packets; audio crosses the
// same queues, so it is already taken out of what the estimator sees
// video get. The session still gives audio its share first (bandwidth.go
// in client): a conservative margin that keeps the sum under the path's
// capacity.
//
// Opus's loss comes from the SFU's RTCP receiver reports on our audio
// stream (fraction lost), and the round trip from their LSR and DLSR.

// Estimator bounds, in bit/s. It starts at 1 Mbps, what a typical uplink
// carries, so the camera is not starved for the half minute a start from
// WebRTC's 300 kbps takes at GCC's 8% a second; a slower path is found
// within a few feedback reports. Below 100 kbps there is nothing left to
// measure with; above 5 Mbps no camera we send needs more.
const (
	bweInitialBps = 1_000_000
	bweMinBps     = 100_000
	bweMaxBps     = 5_000_000
)

// bwePoll is how often the estimate is read: about the pace of the SFU's
// transport-wide feedback, so the encoders follow each report.
const bwePoll = 100 * time.Millisecond

// bwePostInterval bounds how often an unchanged estimate is re-posted;
// a change of 5% or more (or a new loss figure) is posted at once.
const bwePostInterval = time.Second

// uplink turns the estimators of a room's peer connections and the SFU's
// receiver reports into client.NetworkEstimate events.
type uplink struct {
	sink client.Sink
	done chan struct{} // closed by close: the poller stops
	wg   sync.WaitGroup
	once sync.Once

	mu         sync.Mutex
	estimators []*estimator
	loss       lossController
	videoLoss  float64 // from the last receiver report, -1 once used
	ramp       ramp
	minRTT     minWindow
	sendRate   sendMeter
	lastLoss   float64         // the last video loss reported
	audio      map[uint32]bool // SSRCs of our audio streams
	video      map[uint32]bool // and video ones
	srSent     [16]srTime      // our last sender reports, by NTP
	srNext     int
	est        client.NetworkEstimate
	posted     client.NetworkEstimate
	postedAt   time.Time
}

type srTime struct {
	ntpMid uint32 // the middle 32 bits of its NTP time, as LSR echoes it
	at     time.Time
}

// estimator is gcc's estimator of one peer connection, and whether it
// has streams to measure with (the subscribing connection sends none).
type estimator struct {
	*gcc.SendSideBWE
	streams atomic.Int32
	sent    atomic.Uint64 // bytes of RTP sent on the streams it measures
}

func (e *estimator) AddStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	e.streams.Add(1)
	return e.SendSideBWE.AddStream(info, interceptor.RTPWriterFunc(
		func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
			e.sent.Add(uint64(h.MarshalSize() + len(payload)))
			return w.Write(h, payload, a)
		}))
}

func newUplink(sink client.Sink) *uplink {
	u := &uplink{sink: sink, done: make(chan struct{}), audio: map[uint32]bool{}, video: map[uint32]bool{},
		est: client.NetworkEstimate{AudioLoss: -1}, loss: lossController{target: bweInitialBps}, videoLoss: -1}
	u.wg.Add(1)
	go u.poll()
	return u
}

// close stops the poller and waits for it. The estimators are closed
// with their peer connections.
func (u *uplink) close() {
	u.once.Do(func() { close(u.done) })
	u.wg.Wait()
}

// connectOptions are lksdk's options that add congestion control.
func (u *uplink) connectOptions() ([]lksdk.ConnectOption, error) {
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		// No pacer: the encoders' rate control keeps to the target, and
		// pion's leaky bucket would hold every packet in a queue of its
		// own, adding delay to audio behind video.
		bwe, err := gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(bweInitialBps),
			gcc.SendSideBWEMinBitrate(bweMinBps), gcc.SendSideBWEMaxBitrate(bweMaxBps),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
		if err != nil {
			return nil, err
		}
		e := &estimator{SendSideBWE: bwe}
		u.mu.Lock()
		u.estimators = append(u.estimators, e)
		u.mu.Unlock()
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	ext, err := twcc.NewHeaderExtensionInterceptor()
	if err != nil {
		return nil, err
	}
	// Interceptors wrap in the order given, the last outermost: a packet
	// goes through the report reader, gets its transport-wide sequence
	// number, and then the estimator records it. lksdk's defaults come
	// after ours, so retransmissions (its NACK responder) are numbered
	// and counted too.
	return []lksdk.ConnectOption{
		lksdk.WithInterceptors([]interceptor.Factory{ccf, ext, reportFactory{u}}),
		lksdk.WithIncludeDefaultInterceptors(true),
	}, nil
}

func (u *uplink) poll() {
	defer u.wg.Done()
	t := time.NewTicker(bwePoll)
	defer t.Stop()
	for {
		select {
		case <-u.done:
			return
		case now := <-t.C:
			u.update(now)
		}
	}
}

// update combines the delay-based target of the publishing connection's
// estimator with our loss-based one.
//
// gcc's own combination is not used, for two reasons measured through
// the shaper (lkserver), a 500 kbps cap and 5% random loss:
//
//   - its loss controller cuts the rate by up to half at every feedback
//     (every 200 ms) while the loss lasts, and the loss a full bottleneck
//     queue reports lags the cut: one cap coming down on a 1.2 Mbps
//     stream took it from 2.2 Mbps to its 100 kbps floor in two seconds,
//     and it then climbed back at 5% a second (250 kbps 15 s after the
//     cap was lifted);
//   - it counts loss from livekit-server's transport-wide feedback, which
//     under 5% random loss reported 20 to 25% of our video packets
//     missing (counted once each, retransmissions left out too), so the
//     controller sat on its floor on a path with room for 4 Mbps.
//
// The loss signal is therefore the SFU's receiver reports on our video
// (RFC 3550 fraction lost), and the controller is the draft's, with
// WebRTC's limit of one decrease per 300 ms plus a round trip:
// lossController.
func (u *uplink) update(now time.Time) {
	var delayTarget int
	var overuse bool
	var sent uint64
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range u.estimators {
		if e.streams.Load() == 0 {
			continue
		}
		st := e.GetStats()
		if d, ok := st["delayTargetBitrate"].(int); ok && d > 0 {
			delayTarget = d
		}
		overuse = overuse || st["usage"] == "overuse"
		sent += e.sent.Load()
	}
	if delayTarget == 0 {
		return
	}
	u.sendRate.add(now, sent)
	est := u.loss.update(now, u.videoLoss, u.est.RTT, delayTarget)
	u.videoLoss = -1
	queued := u.est.RTT > u.minRTT.min(now)+rampQueue
	u.est.BitrateBps = u.ramp.update(est, overuse || queued || u.loss.loss >= 0.02, u.sendRate.bps)
	u.postLocked()
}

// ramp raises the estimate faster than gcc's delay-based controller
// while the path shows no congestion. That controller grows the target at
// most 8% a second, and to 1.5 times what it sees received; with the
// camera below its target (a simple picture, or a smaller resolution
// after a cut) it grows slower still, and near the rate of its last
// overuse it only adds a packet a round trip. WebRTC gets out of that
// with bandwidth probes, which lksdk's sender cannot send. Measured
// through the shaper, a 500 kbps cap lifted left the estimate at 300
// kbps 20 s later.
//
// The ramp starts from the estimate and grows 20% a second (2% every
// 100 ms poll) while the path shows no queue and no loss: gcc's detector
// sees no delay growing, the round trip is within rampQueue of its
// minimum (a full bottleneck queue delays without growing, which only
// the round trip shows before the loss reports come), and the SFU
// reports under 2% loss. Near the rate we sent at when congestion was
// last seen (from 95% to 120% of it) it grows 5% a second only, as gcc
// does near its last maximum: that is where the bottleneck probably is,
// and a slow approach fills its queue slowly enough for the round trip
// to show it before the queue overflows. It goes to at most twice what
// we actually send (plus the floor), so an estimate nobody uses cannot
// run away. At the first sign it drops back to the controllers'
// estimate: the ramp only ever takes a path to where it congests, as
// probes do.
type ramp struct {
	bps       float64
	congested float64 // what we sent when congestion was last seen
}

// Growth per poll: 1.02^10 ≈ 1.22 a second, 1.005^10 ≈ 1.05. rampQueue is
// the queueing delay that stops the ramp: above the jitter of a loaded
// machine's loopback and of home links (a few ms to 20 ms), below the
// 100 ms and more a bottleneck's buffer holds.
const (
	rampStep     = 1.02
	rampStepNear = 1.005
	rampQueue    = 40 * time.Millisecond
)

func (r *ramp) update(est int, congested bool, sendBps float64) int {
	if congested {
		r.bps = 0
		if sendBps > 0 {
			r.congested = sendBps
		}
		return est
	}
	step := rampStep
	if b := max(r.bps, float64(est)); b >= 0.95*r.congested && b <= 1.2*r.congested {
		step = rampStepNear
	}
	r.bps = min(max(r.bps, float64(est))*step, 2*sendBps+bweMinBps, bweMaxBps)
	return max(est, int(math.Round(r.bps)))
}

// minWindow is the least of the samples of the last 10 s: the round trip
// without queueing, as it is now (a path that changes takes 10 s to be
// seen as the new normal).
type minWindow struct {
	samples [32]struct {
		at  time.Time
		rtt time.Duration
	}
	next int
}

func (w *minWindow) add(at time.Time, rtt time.Duration) {
	w.samples[w.next].at, w.samples[w.next].rtt = at, rtt
	w.next = (w.next + 1) % len(w.samples)
}

// min is the least recent sample; 0 with none, so that an unknown round
// trip never counts as queueing.
func (w *minWindow) min(now time.Time) time.Duration {
	var m time.Duration
	for _, s := range w.samples {
		if !s.at.IsZero() && now.Sub(s.at) <= 10*time.Second && (m == 0 || s.rtt < m) {
			m = s.rtt
		}
	}
	return m
}

// sendMeter smooths what we send into a bitrate, over about a second.
type sendMeter struct {
	at    time.Time
	bytes uint64
	bps   float64
}

func (m *sendMeter) add(now time.Time, bytes uint64) {
	if !m.at.IsZero() {
		if dt := now.Sub(m.at).Seconds(); dt > 0 {
			r := float64(bytes-m.bytes) * 8 / dt
			a := min(1, dt) // the newest second weighs as much as the past
			m.bps += a * (r - m.bps)
		}
	}
	m.at, m.bytes = now, bytes
}

// lossController is GCC's loss-based controller (draft-ietf-rmcat-gcc-02
// section 6) as WebRTC runs it: a report of more than 10% loss drops the
// rate by half the loss, at most once per 300 ms plus a round trip (the
// time for the drop to show in the reports); from 2% to 10% it holds;
// below 2% the path has no objection and the delay-based target rules
// until the next report. That one already grows at most 8% a second and
// to 1.5 times what is received, so following it up is no faster than
// the draft's 5% per report.
type lossController struct {
	target       int
	loss         float64 // the last loss reported
	lastDecrease time.Time
}

// update takes a new loss figure, or a negative one when none came since
// the last call, and the delay-based target, and returns the estimate.
func (c *lossController) update(now time.Time, loss float64, rtt time.Duration, delayTarget int) int {
	if loss >= 0 {
		c.loss = loss
	}
	switch {
	case loss > 0.10:
		if now.Sub(c.lastDecrease) >= 300*time.Millisecond+rtt {
			c.target = int(float64(c.target) * (1 - 0.5*loss))
			c.lastDecrease = now
		}
	case c.loss < 0.02:
		c.target = delayTarget
	}
	c.target = min(bweMaxBps, max(bweMinBps, c.target))
	return min(c.target, delayTarget)
}

func (u *uplink) postLocked() {
	now := time.Now()
	p, e := u.posted, u.est
	changed := p.BitrateBps == 0 || abs(e.BitrateBps-p.BitrateBps)*20 >= p.BitrateBps ||
		e.AudioLoss != p.AudioLoss
	if !changed && now.Sub(u.postedAt) < bwePostInterval {
		return
	}
	u.posted, u.postedAt = e, now
	u.sink.Post(e)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sentReport remembers when a sender report of ours left.
func (u *uplink) sentReport(sr *rtcp.SenderReport, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.srSent[u.srNext] = srTime{ntpMid: uint32(sr.NTPTime >> 16), at: at}
	u.srNext = (u.srNext + 1) % len(u.srSent)
}

// receiverReport takes the SFU's report on our streams.
func (u *uplink) receiverReport(rr *rtcp.ReceiverReport, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, r := range rr.Reports {
		if rtt := u.rttLocked(r, at); rtt > 0 {
			u.est.RTT = rtt
			u.minRTT.add(at, rtt)
		}
		loss := float64(r.FractionLost) / 256
		switch {
		case u.audio[r.SSRC]:
			u.est.AudioLoss = loss
			u.postLocked()
		case u.video[r.SSRC]:
			// Simulcast layers have a report each: the worst speaks
			// for the path.
			if u.videoLoss < 0 || loss > u.videoLoss {
				u.videoLoss = loss
			}
			u.lastLoss = u.videoLoss
		}
	}
}

// rttLocked is RFC 3550's round trip: now - LSR - DLSR, with LSR found
// among our sender reports; 0 when the report echoes none of them.
func (u *uplink) rttLocked(r rtcp.ReceptionReport, at time.Time) time.Duration {
	if r.LastSenderReport == 0 {
		return 0
	}
	for _, s := range u.srSent {
		if s.ntpMid == r.LastSenderReport && !s.at.IsZero() {
			// DLSR is in 1/65536 s.
			return at.Sub(s.at) - time.Duration(r.Delay)*time.Second/65536
		}
	}
	return 0
}

// Stats of the estimators, for a test's log: gcc's own view (loss and
// delay targets, state).
func (u *uplink) stats() []map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []map[string]any
	for _, e := range u.estimators {
		if e.streams.Load() > 0 {
			st := e.GetStats()
			st["videoLoss"], st["estimate"] = u.lastLoss, u.est.BitrateBps
			out = append(out, st)
		}
	}
	return out
}

// reportFactory makes the interceptor that reads receiver reports and
// notes our sender reports, one per peer connection.
type reportFactory struct{ u *uplink }

func (f reportFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &reportReader{u: f.u}, nil
}

type reportReader struct {
	interceptor.NoOp
	u *uplink
}

func (r *reportReader) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	r.u.mu.Lock()
	if strings.HasPrefix(strings.ToLower(info.MimeType), "audio/") {
		r.u.audio[info.SSRC] = true
	} else {
		r.u.video[info.SSRC] = true
	}
	r.u.mu.Unlock()
	return w
}

func (r *reportReader) UnbindLocalStream(info *interceptor.StreamInfo) {
	r.u.mu.Lock()
	delete(r.u.audio, info.SSRC)
	delete(r.u.video, info.SSRC)
	r.u.mu.Unlock()
}

func (r *reportReader) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		if attr == nil {
			attr = interceptor.Attributes{}
		}
		pkts, err := attr.GetRTCPPackets(b[:n])
		if err != nil {
			// Not ours to judge: pion reports it further on.
			return n, attr, nil
		}
		now := time.Now()
		for _, p := range pkts {
			if rr, ok := p.(*rtcp.ReceiverReport); ok {
				r.u.receiverReport(rr, now)
			}
		}
		return n, attr, nil
	})
}

func (r *reportReader) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, attr interceptor.Attributes) (int, error) {
		now := time.Now()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				r.u.sentReport(sr, now)
			}
		}
		return writer.Write(pkts, attr)
	})
}
