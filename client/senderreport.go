package client

import (
	"sync"

	"github.com/pion/rtcp"
)

// LatestSenderReport keeps the latest RTCP sender report of one stream,
// for a backend's SenderReports: the backend hands it every RTCP packet
// received for the track, on whatever goroutine reads them.
type LatestSenderReport struct {
	ssrc uint32

	mu  sync.Mutex
	ntp uint64
	rtp uint32
	ok  bool
}

// NewLatestSenderReport keeps the reports of the stream ssrc.
func NewLatestSenderReport(ssrc uint32) *LatestSenderReport {
	return &LatestSenderReport{ssrc: ssrc}
}

// Observe notes p if it is a sender report of the stream.
func (l *LatestSenderReport) Observe(p rtcp.Packet) {
	sr, ok := p.(*rtcp.SenderReport)
	if !ok || sr.SSRC != l.ssrc {
		return
	}
	l.mu.Lock()
	l.ntp, l.rtp, l.ok = sr.NTPTime, sr.RTPTime, true
	l.mu.Unlock()
}

// LastSenderReport implements SenderReports.
func (l *LatestSenderReport) LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ntp, l.rtp, l.ok
}
