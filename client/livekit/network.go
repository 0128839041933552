package livekit

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	livekitpb "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"google.golang.org/protobuf/proto"

	"causerie/client"
	"causerie/client/netconf"
)

// lksdk dials the SFU's WebSocket with gorilla's package-wide
// websocket.DefaultDialer (lksdk signalling/signaltransport_websocket.go),
// and takes no dialer, proxy or TLS configuration. So, once per process,
// New puts in its place a dialer that looks the address up among the SFUs
// being joined and dials through the Network of the backend that joins
// it. Reconnections dial the same address and so keep the backend's
// network. An address no backend joined (a region LiveKit Cloud moves a
// room to) goes through the network of the latest backend, and with no
// backend at all through netconf.Default, the environment's proxy, as
// gorilla's own dialer did.
var (
	dialerOnce sync.Once
	routesMu   sync.Mutex
	// routes holds, by the SFU's host:port, the networks of the backends
	// joining or in it, the latest last; order holds them all, the
	// latest last.
	routes = map[string][]*netconf.Network{}
	order  []*netconf.Network
)

// signalHandshakeTimeout is gorilla's own default for the WebSocket
// handshake, kept.
const signalHandshakeTimeout = 45 * time.Second

func installDialer() {
	dialerOnce.Do(func() {
		websocket.DefaultDialer = &websocket.Dialer{
			HandshakeTimeout: signalHandshakeTimeout,
			// gorilla calls this for ws:// and, since the dialer has no
			// Proxy of its own, the TLS one for wss://; our network does
			// the proxy and the TLS.
			NetDialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				return route(addr).Dial(ctx, "ws", addr)
			},
			NetDialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				return route(addr).Dial(ctx, "wss", addr)
			},
		}
	})
}

func route(addr string) *netconf.Network {
	routesMu.Lock()
	defer routesMu.Unlock()
	if ns := routes[addr]; len(ns) > 0 {
		return ns[len(ns)-1]
	}
	if len(order) > 0 {
		return order[len(order)-1]
	}
	return netconf.Default()
}

// addRoute sends the WebSocket connections to addr through n until the
// returned function is called. Two backends of one process joining the
// same SFU with different networks share the later one's.
func addRoute(addr string, n *netconf.Network) (remove func()) {
	routesMu.Lock()
	routes[addr] = append(routes[addr], n)
	order = append(order, n)
	routesMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			routesMu.Lock()
			defer routesMu.Unlock()
			if ns := withoutLast(routes[addr], n); len(ns) == 0 {
				delete(routes, addr)
			} else {
				routes[addr] = ns
			}
			order = withoutLast(order, n)
		})
	}
}

// withoutLast removes the last n from ns, in a new slice: readers may
// hold the old one.
func withoutLast(ns []*netconf.Network, n *netconf.Network) []*netconf.Network {
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i] == n {
			return append(ns[:i:i], ns[i+1:]...)
		}
	}
	return ns
}

// signalAddr is the host:port lksdk's WebSocket dials for serverURL, as
// gorilla computes it (default ports 80 and 443).
func signalAddr(serverURL string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", err
	}
	if u.Port() != "" {
		return u.Host, nil
	}
	port := "80"
	if u.Scheme == "https" || u.Scheme == "wss" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// SignalProbe is what ProbeSignal learned of the SFU's signalling.
type SignalProbe struct {
	// Status is the HTTP status of a refused upgrade (LiveKit answers 401
	// without a valid token); 0 when the WebSocket opened.
	Status int
	// ICEServers are the STUN and TURN servers of the join response, when
	// the WebSocket opened.
	ICEServers []ICEServer
}

// ProbeSignal opens the SFU's signalling WebSocket through n the way Join
// does (lksdk's /rtc, its version and protocol), reads the join response
// and leaves at once: a connection test. With a token the participant is
// in the room for that moment; without one, the SFU refuses the upgrade
// with 401, which still shows the request got through every proxy and
// firewall on the way.
func ProbeSignal(ctx context.Context, n *netconf.Network, serverURL, token string) (SignalProbe, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return SignalProbe{}, fmt.Errorf("%w: %v", client.ErrBadURL, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	u = u.JoinPath("rtc")
	u.RawQuery = url.Values{"version": {lksdk.Version}, "protocol": {fmt.Sprint(lksdk.PROTOCOL)},
		"auto_subscribe": {"0"}, "sdk": {"go"}}.Encode()
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	dialer := websocket.Dialer{
		HandshakeTimeout: signalHandshakeTimeout,
		NetDialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return n.Dial(ctx, "ws", addr)
		},
		NetDialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return n.Dial(ctx, "wss", addr)
		},
	}
	conn, resp, err := dialer.DialContext(ctx, u.String(), header)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
			return SignalProbe{Status: resp.StatusCode}, nil
		}
		return SignalProbe{}, err
	}
	defer conn.Close()
	// The SFU sends the join response as soon as the socket is open.
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(d)
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		return SignalProbe{}, err
	}
	var res livekitpb.SignalResponse
	if err := proto.Unmarshal(msg, &res); err != nil {
		return SignalProbe{}, err
	}
	var probe SignalProbe
	for _, s := range res.GetJoin().GetIceServers() {
		probe.ICEServers = append(probe.ICEServers, ICEServer{URLs: s.Urls, Username: s.Username, Credential: s.Credential})
	}
	leave, err := proto.Marshal(&livekitpb.SignalRequest{Message: &livekitpb.SignalRequest_Leave{
		Leave: &livekitpb.LeaveRequest{Reason: livekitpb.DisconnectReason_CLIENT_INITIATED}}})
	if err == nil {
		_ = conn.WriteMessage(websocket.BinaryMessage, leave)
	}
	return probe, nil
}

// MediaPath is the way one of our two connections to the SFU goes, as ICE
// chose it.
type MediaPath struct {
	// Connection is "publisher" (what we send) or "subscriber" (what we
	// receive).
	Connection    string
	Local, Remote Candidate
}

// Relayed tells whether the path goes through a TURN relay.
func (p MediaPath) Relayed() bool { return p.Local.Type == "relay" || p.Remote.Type == "relay" }

// Candidate is one end of an ICE path.
type Candidate struct {
	// Type is host, srflx, prflx or relay.
	Type string
	// Protocol is udp or tcp: how the packets travel from this address.
	Protocol string
	// RelayProtocol, for our relay candidates, is how we reach the TURN
	// server: udp, tcp or tls.
	RelayProtocol string
	Address       string
	Port          int
}

func (c Candidate) String() string {
	s := fmt.Sprintf("%s %s %s", c.Type, c.Protocol, net.JoinHostPort(c.Address, fmt.Sprint(c.Port)))
	if c.RelayProtocol != "" {
		s += " via " + c.RelayProtocol
	}
	return s
}

// MediaPaths reports the paths ICE selected for the connections that are
// up, for diagnostics and tests: whether media is relayed, and how.
func (b *Backend) MediaPaths() []MediaPath {
	var paths []MediaPath
	for _, c := range b.peerConnections() {
		pair := selectedPair(c.pc)
		if pair == nil || pair.Local == nil || pair.Remote == nil {
			continue
		}
		local, remote := candidateOf(*pair.Local), candidateOf(*pair.Remote)
		for _, st := range c.pc.GetStats() {
			if cs, ok := st.(webrtc.ICECandidateStats); ok && cs.Type == webrtc.StatsTypeLocalCandidate &&
				cs.IP == local.Address && int(cs.Port) == local.Port && cs.CandidateType == pair.Local.Typ {
				local.RelayProtocol = cs.RelayProtocol
			}
		}
		paths = append(paths, MediaPath{Connection: c.name, Local: local, Remote: remote})
	}
	return paths
}

// SFUCandidates lists the addresses the SFU offered for media, on either
// connection, once: their protocols and ports tell what the firewall must
// let through.
func (b *Backend) SFUCandidates() []Candidate {
	seen := map[string]bool{}
	var out []Candidate
	for _, c := range b.peerConnections() {
		for _, st := range c.pc.GetStats() {
			cs, ok := st.(webrtc.ICECandidateStats)
			if !ok || cs.Type != webrtc.StatsTypeRemoteCandidate {
				continue
			}
			cand := Candidate{Type: cs.CandidateType.String(), Protocol: cs.Protocol, Address: cs.IP, Port: int(cs.Port)}
			if k := cand.String(); !seen[k] {
				seen[k] = true
				out = append(out, cand)
			}
		}
	}
	return out
}

// ICEServer is a STUN or TURN server the SFU gave us, with the short-lived
// credentials it minted for this participant.
type ICEServer struct {
	URLs                 []string
	Username, Credential string
}

// ICEServers lists the STUN and TURN servers the SFU told us to use.
func (b *Backend) ICEServers() []ICEServer {
	var out []ICEServer
	for _, c := range b.peerConnections() {
		for _, s := range c.pc.GetConfiguration().ICEServers {
			cred, _ := s.Credential.(string)
			out = append(out, ICEServer{URLs: s.URLs, Username: s.Username, Credential: cred})
		}
		// Both connections get the same list from the join response.
		break
	}
	return out
}

type namedPC struct {
	name string
	pc   *webrtc.PeerConnection
}

func (b *Backend) peerConnections() []namedPC {
	if b.room == nil {
		return nil
	}
	lp := b.room.LocalParticipant
	var out []namedPC
	if pc := lp.GetPublisherPeerConnection(); pc != nil {
		out = append(out, namedPC{"publisher", pc})
	}
	if pc := lp.GetSubscriberPeerConnection(); pc != nil {
		out = append(out, namedPC{"subscriber", pc})
	}
	return out
}

// selectedPair finds the ICE transport of pc (its data channels', or its
// media's) and the pair it selected.
func selectedPair(pc *webrtc.PeerConnection) *webrtc.ICECandidatePair {
	var transports []*webrtc.ICETransport
	if sctp := pc.SCTP(); sctp != nil && sctp.Transport() != nil {
		transports = append(transports, sctp.Transport().ICETransport())
	}
	for _, tr := range pc.GetTransceivers() {
		if s := tr.Sender(); s != nil && s.Transport() != nil {
			transports = append(transports, s.Transport().ICETransport())
		}
		if r := tr.Receiver(); r != nil && r.Transport() != nil {
			transports = append(transports, r.Transport().ICETransport())
		}
	}
	for _, t := range transports {
		// pion reads the transport's gatherer without its lock, while
		// Start writes it under the lock: ask only once the transport has
		// left the new state (an atomic set after Start), which orders
		// the two (the race detector caught it in causerie diagnose).
		if t == nil || t.State() == webrtc.ICETransportStateNew {
			continue
		}
		if pair, err := t.GetSelectedCandidatePair(); err == nil && pair != nil {
			return pair
		}
	}
	return nil
}

func candidateOf(c webrtc.ICECandidate) Candidate {
	return Candidate{Type: c.Typ.String(), Protocol: c.Protocol.String(), Address: c.Address, Port: int(c.Port)}
}
