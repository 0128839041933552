package livekit

import (
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"causerie/client"
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
	r := &remoteTrack{track: t, rp: rp, pub: pub, reports: client.NewLatestSenderReport(uint32(t.SSRC()))}
	pub.OnRTCP(r.reports.Observe)
	return r
}

// LastSenderReport implements client.SenderReports.
func (t *remoteTrack) LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool) {
	if t.reports == nil {
		return 0, 0, false
	}
	return t.reports.LastSenderReport()
}
