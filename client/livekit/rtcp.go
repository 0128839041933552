package livekit

import (
	"sync"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// newRemoteTrack wraps a subscribed track and starts keeping its sender
// reports.
//
// lksdk already reads the track receiver's RTCP on a goroutine of its own
// (RemoteTrackPublication.rtcpWorker, which also feeds pion's
// interceptors) and hands every packet to the publication's OnRTCP
// callback: a second reader would take packets from it, so the reports
// come from that callback. livekit-server (v1.13) writes each
// subscriber's sender reports from the publisher's, passing its NTP
// times through and mapping its RTP timestamps to the forwarded stream's
// (DownTrack.CreateSenderReport), so the reports of two tracks of one
// publisher share the publisher's clock, which A/V sync needs. Before the
// publisher's first report it sends none.
func newRemoteTrack(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) *remoteTrack {
	r := &remoteTrack{track: t, rp: rp, pub: pub, reports: &senderReports{ssrc: uint32(t.SSRC())}}
	pub.OnRTCP(r.reports.observe)
	return r
}

// senderReports keeps the latest sender report of one stream.
type senderReports struct {
	ssrc uint32

	mu  sync.Mutex
	ntp uint64
	rtp uint32
	ok  bool
}

// observe runs on lksdk's RTCP goroutine for each packet received.
func (s *senderReports) observe(p rtcp.Packet) {
	sr, ok := p.(*rtcp.SenderReport)
	if !ok || sr.SSRC != s.ssrc {
		return
	}
	s.mu.Lock()
	s.ntp, s.rtp, s.ok = sr.NTPTime, sr.RTPTime, true
	s.mu.Unlock()
}

// LastSenderReport implements client.SenderReports.
func (t *remoteTrack) LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool) {
	if t.reports == nil {
		return 0, 0, false
	}
	s := t.reports
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ntp, s.rtp, s.ok
}
