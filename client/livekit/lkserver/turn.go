package lkserver

import (
	"crypto/sha256"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jxskiss/base62"
)

// Options add to the configuration StartWith writes.
type Options struct {
	// TURNTLS, when set, turns on livekit-server's embedded TURN server,
	// over TLS only, on a free loopback port, and has the SFU hand its
	// address to every participant, as a production SFU hands out
	// turns:<its domain>:443.
	TURNTLS *TURNTLS
	// Shaper, when set, hands participants a TURN relay reached through
	// a Shaper (shaper.go): the media of those joining relay-only crosses
	// it, and Server.Shaper degrades their path. Not with TURNTLS.
	Shaper bool
}

// TURNTLS is the embedded TURN server's certificate.
type TURNTLS struct {
	// CertFile and KeyFile are PEM files of a certificate for 127.0.0.1
	// (an IP address SAN) and its key.
	CertFile, KeyFile string
}

// turnParticipant is the participant id the relay's static credentials
// are minted for; the TURN server checks their signature, not who uses
// them.
const turnParticipant = "PA_causerie_relay"

// turnConfig is the configuration's TURN part: lines that continue the
// rtc section, then a turn section; "" without TURNTLS.
//
// livekit-server advertises its embedded TURN server as
// turns:<turn.domain>:443 (service/roommanager.go iceServersForParticipant)
// whatever turn.tls_port says, for a TLS front on 443 to forward; a test
// cannot take port 443. So the domain is one that resolves nowhere
// (turn.invalid: that entry yields no candidate) and the real address,
// 127.0.0.1 and the free port, goes to participants as an rtc.turn_servers
// entry, with credentials made the way the embedded server checks them
// (service/turn.go: base62 of "key|participant|expiry", and base62 of the
// SHA-256 of "secret|participant|expiry").
//
// The relay reaches the SFU on loopback, which the TURN server refuses
// unless allowed (allow_restricted_peer_cidrs).
func (o Options) turnConfig(s *Server, port int) string {
	if o.TURNTLS == nil {
		return ""
	}
	s.TURNAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	expiry := time.Now().Add(24 * time.Hour).Unix()
	user := base62.EncodeToString(fmt.Appendf(nil, "%s|%s|%d", s.Key, turnParticipant, expiry))
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d", s.Secret, turnParticipant, expiry))
	return fmt.Sprintf(`  turn_servers:
    - host: 127.0.0.1
      port: %d
      protocol: tls
      username: %s
      credential: %s
turn:
  enabled: true
  domain: turn.invalid
  tls_port: %d
  cert_file: %q
  key_file: %q
  bind_addresses: [127.0.0.1]
  allow_restricted_peer_cidrs: [127.0.0.0/8]
`, port, user, base62.EncodeToString(sum[:]), port, o.TURNTLS.CertFile, o.TURNTLS.KeyFile)
}
