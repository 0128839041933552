package client

import (
	"slices"
	"time"
)

// Report is the statistics of a session, as `causerie join --stats-json`
// writes them. Times in milliseconds count from the start given to
// Session.Report (the process start, for the command line).
type Report struct {
	Backend            string         `json:"backend"`
	JoinMs             int64          `json:"join_ms"`
	FirstRemoteVideoMs int64          `json:"first_remote_video_ms"`
	DurationS          float64        `json:"duration_s"`
	Local              LocalReport    `json:"local"`
	Remote             []RemoteReport `json:"remote"`
	Process            ProcessReport  `json:"process"`
	Network            *NetworkReport `json:"network,omitempty"`
}

// LocalReport describes what we sent; a kind we did not send is absent.
type LocalReport struct {
	Audio *LocalAudioReport `json:"audio,omitempty"`
	Video *LocalVideoReport `json:"video,omitempty"`
}

type LocalAudioReport struct {
	Codec       string `json:"codec"`
	PacketsSent uint64 `json:"packets_sent"`
	Bytes       uint64 `json:"bytes"`
	// SilentFrames are the 20 ms frames DTX did not send: with
	// PacketsSent, the frames the microphone gave while unmuted.
	SilentFrames uint64 `json:"silent_frames,omitempty"`
}

type LocalVideoReport struct {
	Codec         string  `json:"codec"`
	FramesEncoded uint64  `json:"frames_encoded"`
	Keyframes     uint64  `json:"keyframes"`
	Bytes         uint64  `json:"bytes"`
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	EncodeMsP50   float64 `json:"encode_ms_p50"`
	EncodeMsP95   float64 `json:"encode_ms_p95"`
	// Layers details the simulcast layers, smallest first; absent for
	// one stream.
	Layers []LocalLayerReport `json:"layers,omitempty"`
}

// LocalLayerReport is one simulcast layer of the camera.
type LocalLayerReport struct {
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	Sending       bool    `json:"sending"` // false while paused (dynacast, budget, mute)
	TargetKbps    int     `json:"target_kbps"`
	FramesEncoded uint64  `json:"frames_encoded"`
	Keyframes     uint64  `json:"keyframes"`
	Bytes         uint64  `json:"bytes"`
	EncodeMsP50   float64 `json:"encode_ms_p50"`
}

// RemoteReport describes one received track. Video fields are zero for
// audio tracks and the other way round.
type RemoteReport struct {
	Participant     string  `json:"participant"`
	Name            string  `json:"name"`
	Track           string  `json:"track"`
	Kind            string  `json:"kind"`
	Codec           string  `json:"codec"`
	PacketsReceived uint64  `json:"packets_received"`
	PacketsLost     uint64  `json:"packets_lost"`
	FramesDecoded   uint64  `json:"frames_decoded"`
	DecodeErrors    uint64  `json:"decode_errors"`
	Keyframes       uint64  `json:"keyframes,omitempty"`
	Width           int     `json:"width"`
	Height          int     `json:"height"`
	ConcealedMs     uint64  `json:"concealed_ms"`
	FECRecovered    uint64  `json:"fec_recovered,omitempty"`
	LatencyMsP50    float64 `json:"latency_ms_p50"`
	LatencyMsP95    float64 `json:"latency_ms_p95"`
	LatencySamples  uint64  `json:"latency_samples"`
	// Audio: the arrival jitter (RFC 3550), the playout delay it asks
	// for and the one played at the end and over the last 20 s, and the
	// time-scale adjustments that moved it (receive.AudioStats); SilentMs
	// is what the sender did not send (DTX), played as comfort noise:
	// neither lost nor concealed.
	JitterMs      float64 `json:"jitter_ms,omitempty"`
	TargetDelayMs float64 `json:"target_delay_ms,omitempty"`
	DelayMs       float64 `json:"delay_ms,omitempty"`
	DelayMsP50    float64 `json:"delay_ms_p50,omitempty"`
	DelayMsP95    float64 `json:"delay_ms_p95,omitempty"`
	InsertedMs    uint64  `json:"inserted_ms,omitempty"`
	DroppedMs     uint64  `json:"dropped_ms,omitempty"`
	SilentMs      uint64  `json:"silent_ms,omitempty"`
	// Video: frames held for the participant's audio, how long (median),
	// and how far from their audio frames were shown (receive.VideoStats).
	SyncedFrames  uint64  `json:"synced_frames,omitempty"`
	SyncHoldMsP50 float64 `json:"sync_hold_ms_p50,omitempty"`
	AVOffsetMsP50 float64 `json:"av_offset_ms_p50,omitempty"`
	AVOffsetMsP95 float64 `json:"av_offset_ms_p95,omitempty"`
}

// ProcessReport is filled by the command line, which owns the process.
type ProcessReport struct {
	CPUSeconds float64 `json:"cpu_s"`
	MaxRSSMB   float64 `json:"max_rss_mb"`
}

// Report gathers the session's statistics so far. It is safe to call at
// any time, also after the session ended.
func (s *Session) Report(start time.Time) Report {
	s.mu.Lock()
	joinedAt, vtx, atx := s.joinedAt, s.videoTx, s.audioTx
	history := slices.Clone(s.history)
	s.mu.Unlock()

	s.mu.Lock()
	backend := s.cfg.Backend
	s.mu.Unlock()
	r := Report{Remote: []RemoteReport{}}
	if backend != nil {
		r.Backend = backend.Name()
	}
	if !joinedAt.IsZero() {
		r.JoinMs = joinedAt.Sub(start).Milliseconds()
		r.DurationS = time.Since(joinedAt).Seconds()
		select {
		case <-s.done:
			r.DurationS = s.endedAt().Sub(joinedAt).Seconds()
		default:
		}
	}
	if atx != nil {
		st := atx.Stats()
		r.Local.Audio = &LocalAudioReport{Codec: st.Codec, PacketsSent: st.PacketsSent, Bytes: st.Bytes, SilentFrames: st.SilentFrames}
	}
	if vtx != nil {
		st := vtx.Stats()
		r.Local.Video = &LocalVideoReport{Codec: st.Codec, FramesEncoded: st.FramesEncoded, Keyframes: st.Keyframes,
			Bytes: st.Bytes, Width: st.Width, Height: st.Height, EncodeMsP50: st.EncodeMsP50, EncodeMsP95: st.EncodeMsP95}
		for _, l := range st.Layers {
			r.Local.Video.Layers = append(r.Local.Video.Layers, LocalLayerReport{Width: l.Width, Height: l.Height,
				Sending: l.Sending, TargetKbps: l.TargetKbps, FramesEncoded: l.FramesEncoded, Keyframes: l.Keyframes,
				Bytes: l.Bytes, EncodeMsP50: l.EncodeMsP50})
		}
	}
	var firstVideo time.Time
	for _, rx := range history {
		rr := RemoteReport{Participant: rx.track.Participant, Name: rx.name, Track: rx.track.SID,
			Kind: rx.track.Kind.String(), Codec: rx.track.Codec}
		switch {
		case rx.video != nil:
			st := rx.video.Stats()
			rr.Codec, rr.PacketsReceived, rr.PacketsLost = st.Codec, st.Packets, st.PacketsLost
			rr.FramesDecoded, rr.DecodeErrors, rr.Keyframes = st.FramesDecoded, st.DecodeErrors, st.Keyframes
			rr.Width, rr.Height = st.Width, st.Height
			rr.LatencyMsP50, rr.LatencyMsP95, rr.LatencySamples = st.LatencyMsP50, st.LatencyMsP95, st.LatencySamples
			rr.SyncedFrames, rr.SyncHoldMsP50, rr.AVOffsetMsP50, rr.AVOffsetMsP95 = st.SyncedFrames, st.SyncHoldMsP50, st.AVOffsetMsP50, st.AVOffsetMsP95
			if !st.FirstFrame.IsZero() && (firstVideo.IsZero() || st.FirstFrame.Before(firstVideo)) {
				firstVideo = st.FirstFrame
			}
		case rx.audio != nil:
			st := rx.audio.Stats()
			rr.PacketsReceived, rr.PacketsLost, rr.DecodeErrors = st.PacketsReceived, st.PacketsLost, st.DecodeErrors
			rr.ConcealedMs, rr.FECRecovered, rr.SilentMs = st.ConcealedMs, st.FECRecovered, st.SilentMs
			rr.JitterMs, rr.TargetDelayMs, rr.DelayMs, rr.InsertedMs, rr.DroppedMs = st.JitterMs, st.TargetDelayMs, st.DelayMs, st.InsertedMs, st.DroppedMs
			rr.DelayMsP50, rr.DelayMsP95 = st.DelayMsP50, st.DelayMsP95
			rr.LatencyMsP50, rr.LatencyMsP95, rr.LatencySamples = st.LatencyMsP50, st.LatencyMsP95, st.LatencySamples
		}
		r.Remote = append(r.Remote, rr)
	}
	r.Network = s.uplink.report()
	if !firstVideo.IsZero() {
		r.FirstRemoteVideoMs = firstVideo.Sub(start).Milliseconds()
	}
	return r
}
