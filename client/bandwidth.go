package client

import (
	"sync"
	"time"

	"causerie/media/send"
)

// NetworkEstimate is what a backend measures of the path to the SFU. The
// session adapts its senders to it: Opus's bitrate and FEC, then what is
// left to the camera. Backends post one whenever it changes.
type NetworkEstimate struct {
	// BitrateBps is the send-side bandwidth estimate in bit/s (congestion
	// control's target); 0 when none is known yet.
	BitrateBps int
	// AudioLoss is the fraction, 0 to 1, of our audio packets that the
	// SFU reports lost (RTCP receiver reports); negative when unknown.
	AudioLoss float64
	// RTT is the round trip to the SFU, 0 when unknown.
	RTT time.Duration
}

// minVideoKbps is the least the camera is given however low the estimate
// falls: VP8 still makes a recognisable small picture at a few frames a
// second there, and the estimator needs some video to measure the path
// with (it sees video packets only) to find the bandwidth again.
const minVideoKbps = 100

// audioOverheadBps is what each Opus packet costs beyond its payload: 50
// packets a second of RTP (12 bytes and its header extensions, about 12
// more), SRTP's 10-byte tag and IPv4+UDP's 28, about 62 bytes.
const audioOverheadBps = 50 * 62 * 8

// videoBudgetKbps is the camera's share of an estimate: audio first (its
// bitrate and packet overhead), the rest to video, between minVideoKbps
// and the configured maxKbps.
func videoBudgetKbps(estimateBps, audioBps, maxKbps int) int {
	kbps := (estimateBps - audioBps - audioOverheadBps) / 1000
	return min(maxKbps, max(minVideoKbps, kbps))
}

// uplink is the last estimate and what the session made of it, for the
// statistics report.
type uplink struct {
	mu       sync.Mutex
	est      NetworkEstimate
	known    bool
	audioBps int
	videoKbp int
	updates  uint64
}

// NetworkReport is the estimate of the path to the SFU and the bitrates
// chosen from it.
type NetworkReport struct {
	EstimateBps     int     `json:"estimate_bps"`
	AudioLoss       float64 `json:"audio_loss"`
	RTTMs           float64 `json:"rtt_ms"`
	AudioBitrateBps int     `json:"audio_bitrate_bps,omitempty"`
	VideoTargetKbps int     `json:"video_target_kbps,omitempty"`
	Updates         uint64  `json:"updates"`
}

// applyEstimate adapts the senders to a backend's estimate. It runs in the
// loop; the senders take the values between frames.
func (s *Session) applyEstimate(ev NetworkEstimate) {
	s.mu.Lock()
	atx, vtx := s.audioTx, s.videoTx
	s.mu.Unlock()
	audio, video := 0, 0
	if ev.BitrateBps > 0 {
		audio = send.AudioBitrateFor(ev.BitrateBps)
		video = videoBudgetKbps(ev.BitrateBps, audio, s.cfg.Video.BitrateKbps)
	}
	if atx != nil {
		atx.SetNetwork(audio, ev.AudioLoss)
	}
	if vtx != nil && video > 0 {
		vtx.SetBitrate(video)
	}
	s.uplink.mu.Lock()
	defer s.uplink.mu.Unlock()
	s.uplink.est, s.uplink.known = ev, true
	if ev.BitrateBps > 0 {
		s.uplink.audioBps, s.uplink.videoKbp = audio, video
	}
	s.uplink.updates++
}

// report is the network part of the statistics, nil before any estimate.
func (u *uplink) report() *NetworkReport {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.known {
		return nil
	}
	return &NetworkReport{EstimateBps: u.est.BitrateBps, AudioLoss: u.est.AudioLoss,
		RTTMs: float64(u.est.RTT.Microseconds()) / 1000, AudioBitrateBps: u.audioBps,
		VideoTargetKbps: u.videoKbp, Updates: u.updates}
}
