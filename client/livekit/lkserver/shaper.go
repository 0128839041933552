package lkserver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/turn/v5"
)

// Link is the condition of one direction of a network path, as a
// bottleneck router imposes it: random loss, a rate limit with a bounded
// queue (what does not fit is dropped, as a router's tail drop), then a
// fixed propagation delay.
type Link struct {
	// Loss is the probability, 0 to 1, that a packet is dropped.
	Loss float64
	// Delay is added to every packet, after the bottleneck.
	Delay time.Duration
	// RateBps is the bottleneck's rate in bit/s; 0 is unlimited.
	RateBps int
	// Queue is how long a packet may wait at the bottleneck before it is
	// dropped instead. Default 200 ms, a common size for home routers'
	// buffers: long enough that a delay-based estimator sees the queue
	// grow before packets are lost.
	Queue time.Duration
}

// Counters are what crossed one direction of a flow.
type Counters struct {
	// Packets and Bytes arrived at the shaper (the sender's offered load).
	Packets, Bytes uint64
	// Dropped packets: lost at random or by the full queue.
	Dropped uint64
	// DeliveredBytes left the shaper towards the receiver.
	DeliveredBytes uint64
}

// Shaper is a UDP relay that degrades the paths through it: each client
// address is a flow with its own socket towards the target and its own
// Link each way. With Options.Shaper it sits in front of a TURN server
// the SFU hands to participants, so the media of those who join
// relay-only crosses it.
//
// Loss is drawn from a generator seeded per flow in the order flows
// appear, so a test sees the same pattern from run to run for the same
// traffic.
type Shaper struct {
	conn   *net.UDPConn
	target netip.AddrPort
	seed   uint64

	mu       sync.Mutex
	flows    map[netip.AddrPort]*flow
	links    map[netip.AddrPort][2]Link // client → up, down
	defaults [2]Link
	closed   bool

	wg   sync.WaitGroup
	done chan struct{}
}

// flow is one client address's path through the shaper.
type flow struct {
	client   netip.AddrPort
	upstream *net.UDPConn
	up, down *pipe
}

// NewShaper listens on listen (ip:port) and relays each client's packets
// to target, the SFU's real socket, and the answers back. seed fixes the
// loss pattern.
func NewShaper(listen, target string, seed uint64) (*Shaper, error) {
	la, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		return nil, fmt.Errorf("lkserver: shaper address: %w", err)
	}
	ta, err := netip.ParseAddrPort(target)
	if err != nil {
		return nil, fmt.Errorf("lkserver: shaper target: %w", err)
	}
	conn, err := net.ListenUDP("udp", la)
	if err != nil {
		return nil, fmt.Errorf("lkserver: shaper: %w", err)
	}
	s := &Shaper{conn: conn, target: ta, seed: seed, flows: map[netip.AddrPort]*flow{},
		links: map[netip.AddrPort][2]Link{}, done: make(chan struct{})}
	s.wg.Add(1)
	go s.readClients()
	return s, nil
}

// Addr is where the shaper listens.
func (s *Shaper) Addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// SetLink sets the path of one client address (as the SFU would see it
// without the shaper): up is client → SFU, down SFU → client. It applies
// at once, also to a flow not seen yet.
func (s *Shaper) SetLink(client netip.AddrPort, up, down Link) {
	client = unmap(client)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.links[client] = [2]Link{up, down}
	if f := s.flows[client]; f != nil {
		f.up.set(up)
		f.down.set(down)
	}
}

// SetDefault sets the path of every client that SetLink did not name.
func (s *Shaper) SetDefault(up, down Link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaults = [2]Link{up, down}
	for c, f := range s.flows {
		if _, named := s.links[c]; !named {
			f.up.set(up)
			f.down.set(down)
		}
	}
}

// Counters reports what crossed a client's flow each way; zero for an
// address never seen.
func (s *Shaper) Counters(client netip.AddrPort) (up, down Counters) {
	s.mu.Lock()
	f := s.flows[unmap(client)]
	s.mu.Unlock()
	if f == nil {
		return Counters{}, Counters{}
	}
	return f.up.counters(), f.down.counters()
}

// Clients lists the client addresses seen so far.
func (s *Shaper) Clients() []netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(s.flows))
	for c := range s.flows {
		out = append(out, c)
	}
	return out
}

// Close stops relaying and waits for the shaper's goroutines.
func (s *Shaper) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.conn.Close()
	for _, f := range s.flows {
		f.upstream.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Shaper) readClients() {
	defer s.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		f := s.flowOf(unmap(from))
		if f == nil {
			return
		}
		f.up.push(buf[:n])
	}
}

// flowOf finds or opens the flow of a client; nil once closed.
func (s *Shaper) flowOf(client netip.AddrPort) *flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if f := s.flows[client]; f != nil {
		return f
	}
	upstream, err := net.ListenUDP("udp", &net.UDPAddr{IP: s.target.Addr().AsSlice()})
	if err != nil {
		return nil
	}
	links, named := s.links[client]
	if !named {
		links = s.defaults
	}
	n := uint64(len(s.flows))
	f := &flow{client: client, upstream: upstream}
	target := net.UDPAddrFromAddrPort(s.target)
	f.up = newPipe(links[0], rand.NewPCG(s.seed, 2*n), s.done, &s.wg, func(p []byte) { _, _ = upstream.WriteToUDP(p, target) })
	f.down = newPipe(links[1], rand.NewPCG(s.seed, 2*n+1), s.done, &s.wg, func(p []byte) { _, _ = s.conn.WriteToUDPAddrPort(p, client) })
	s.flows[client] = f
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := upstream.Read(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			f.down.push(buf[:n])
		}
	}()
	return f
}

// unmap turns an IPv4-mapped IPv6 address into the IPv4 one, so a client
// has one key whichever way the socket reported it.
func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// pipe is one direction of a flow: a bottleneck then a delay line. Its
// goroutine delivers the packets in order at their time.
type pipe struct {
	deliver func([]byte)
	done    <-chan struct{}
	wake    chan struct{}

	mu        sync.Mutex
	link      Link
	rnd       *rand.Rand
	busyUntil time.Time // when the bottleneck finishes sending what it holds
	queue     []timed
	c         Counters
}

type timed struct {
	at  time.Time
	pkt []byte
}

func newPipe(l Link, src rand.Source, done <-chan struct{}, wg *sync.WaitGroup, deliver func([]byte)) *pipe {
	p := &pipe{deliver: deliver, done: done, wake: make(chan struct{}, 1), link: l, rnd: rand.New(src)}
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.run()
	}()
	return p
}

func (p *pipe) set(l Link) {
	p.mu.Lock()
	p.link = l
	p.mu.Unlock()
}

func (p *pipe) counters() Counters {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c
}

// push admits a packet (copied) at the current time.
func (p *pipe) push(pkt []byte) {
	now := time.Now()
	p.mu.Lock()
	l := p.link
	p.c.Packets++
	p.c.Bytes += uint64(len(pkt))
	if l.Loss > 0 && p.rnd.Float64() < l.Loss {
		p.c.Dropped++
		p.mu.Unlock()
		return
	}
	leave := now
	if l.RateBps > 0 {
		queue := l.Queue
		if queue <= 0 {
			queue = 200 * time.Millisecond
		}
		start := now
		if p.busyUntil.After(now) {
			start = p.busyUntil
		}
		// A packet that would wait longer than the queue holds is
		// dropped: the queue is full.
		if start.Sub(now) > queue {
			p.c.Dropped++
			p.mu.Unlock()
			return
		}
		// 28 bytes of IPv4 and UDP headers count against the rate, as
		// on a real link.
		leave = start.Add(time.Duration(float64(len(pkt)+28) * 8 / float64(l.RateBps) * float64(time.Second)))
		p.busyUntil = leave
	}
	p.queue = append(p.queue, timed{at: leave.Add(l.Delay), pkt: append([]byte(nil), pkt...)})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pipe) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		var next time.Time
		var due [][]byte
		now := time.Now()
		for len(p.queue) > 0 && !p.queue[0].at.After(now) {
			due = append(due, p.queue[0].pkt)
			p.c.DeliveredBytes += uint64(len(p.queue[0].pkt))
			p.queue[0] = timed{}
			p.queue = p.queue[1:]
		}
		if len(p.queue) > 0 {
			next = p.queue[0].at
		}
		p.mu.Unlock()
		for _, pkt := range due {
			p.deliver(pkt)
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-p.done:
			return
		case <-p.wake:
		case <-timer.C:
		}
	}
}

// shaperIP is the loopback address the shaper listens on. Linux answers
// for all of 127.0.0.0/8 on lo; a participant's packets to it are told
// from the SFU's own on 127.0.0.1 in any capture.
const shaperIP = "127.0.0.2"

// shapedRelay is a TURN server whose clients reach it through a shaper:
// a participant joining relay-only (netconf RelayOnly) sends and receives
// all its media, on both its peer connections, through the shaper, while
// the others reach the SFU directly.
//
// A shaper in front of the SFU's own port does not do: the SFU controls
// the ICE of the connection a participant subscribes on and nominates the
// direct pair it finds to the participant's host address (peer-reflexive
// on loopback), and even the publishing connection, whose ICE we
// control, sometimes nominates that pair. A relay candidate is the only
// path a relay-only participant has.
type shapedRelay struct {
	turn       *turn.Server
	shaper     *Shaper
	user, pass string
}

// newShapedRelay starts the TURN server on 127.0.0.1 and the shaper in
// front of it. Its seed is fixed so runs of a test see the same losses.
func newShapedRelay() (*shapedRelay, error) {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lkserver: relay: %w", err)
	}
	const realm = "causerie"
	r := &shapedRelay{user: "causerie", pass: randomSecret()}
	key := turn.GenerateAuthKey(r.user, realm, r.pass)
	r.turn, err = turn.NewServer(turn.ServerConfig{
		Realm: realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			return ra.Username, key, ra.Username == r.user
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{
				RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("lkserver: relay: %w", err)
	}
	r.shaper, err = NewShaper(shaperIP+":0", conn.LocalAddr().String(), 1)
	if err != nil {
		r.turn.Close()
		return nil, err
	}
	return r, nil
}

// config is the rtc.turn_servers entry that hands the relay, through the
// shaper, to every participant.
func (r *shapedRelay) config() string {
	return fmt.Sprintf(`  turn_servers:
    - host: %s
      port: %d
      protocol: udp
      username: %s
      credential: %s
`, shaperIP, r.shaper.Addr().Port(), r.user, r.pass)
}

func (r *shapedRelay) close() {
	_ = r.shaper.Close()
	_ = r.turn.Close()
}

func (s *Server) closeShaper() {
	if s.relay != nil {
		s.relay.close()
	}
}

// startShaper starts the shaped relay when opts ask for it and returns
// the configuration lines that continue the rtc section.
func (s *Server) startShaper(opts Options) (string, error) {
	if !opts.Shaper {
		return "", nil
	}
	if opts.TURNTLS != nil {
		// Both would write rtc.turn_servers.
		return "", errors.New("lkserver: Shaper and TURNTLS cannot be combined")
	}
	r, err := newShapedRelay()
	if err != nil {
		return "", err
	}
	s.relay, s.Shaper = r, r.shaper
	return r.config(), nil
}
