package loopback

import (
	"github.com/pion/rtcp"

	"causerie/client"
)

// observeReports hands the packets of one RTCP datagram to reports: our
// end's pion sends sender reports (its report interceptor), and the echo's
// end reads them with the receiver's RTCP.
func observeReports(reports *client.LatestSenderReport, datagram []byte) {
	pkts, err := rtcp.Unmarshal(datagram)
	if err != nil {
		return // a compound packet pion could not parse: no report in it for us
	}
	for _, p := range pkts {
		reports.Observe(p)
	}
}

// LastSenderReport implements client.SenderReports.
func (t *remoteTrack) LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool) {
	return t.reports.LastSenderReport()
}
