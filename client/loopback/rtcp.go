package loopback

import (
	"sync"

	"github.com/pion/rtcp"
)

// senderReports keeps the latest RTCP sender report of one echoed stream:
// our end's pion sends them (its report interceptor), and the echo's end
// reads them with the receiver's RTCP.
type senderReports struct {
	ssrc uint32

	mu  sync.Mutex
	ntp uint64
	rtp uint32
	ok  bool
}

// observe notes the sender reports of the stream among the packets of
// one RTCP datagram.
func (s *senderReports) observe(datagram []byte) {
	pkts, err := rtcp.Unmarshal(datagram)
	if err != nil {
		return // a compound packet pion could not parse: no report in it for us
	}
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == s.ssrc {
			s.mu.Lock()
			s.ntp, s.rtp, s.ok = sr.NTPTime, sr.RTPTime, true
			s.mu.Unlock()
		}
	}
}

// LastSenderReport implements client.SenderReports.
func (t *remoteTrack) LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool) {
	s := t.reports
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ntp, s.rtp, s.ok
}
