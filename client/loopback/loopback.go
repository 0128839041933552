// Package loopback is the session backend of the test call: no server, a
// call with ourselves. Two WebRTC peer connections in this process (pion)
// meet over the loopback interface: every track the session publishes is
// sent by the first and received by the second, which hands it back to
// the session as the track of another participant. The session runs its
// whole media path on it (encoders, pacing, SRTP over ICE and DTLS,
// jitter buffers, decoders, playout), so the user sees and hears
// themselves with the delay a real call adds, before the meeting.
package loopback

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"causerie/client"
)

// PeerIdentity is the identity of the participant who echoes us.
const PeerIdentity = "loopback"

// selfIdentity is ours: there is no server to give us one.
const selfIdentity = "self"

// joinTimeout bounds connecting the two ends: on the loopback interface
// ICE, DTLS and SCTP take milliseconds, so a second is already a machine
// in trouble; ten leave room for a loaded one.
const joinTimeout = 10 * time.Second

// Options name the call's people; front ends give them in the user's
// language.
type Options struct {
	// Name is ours; Peer the name of the participant who echoes us
	// ("Your test call"); Room the call's (window titles show it).
	Name, Peer, Room string
}

// Backend is a test call. It is used once: Join, then Leave.
type Backend struct {
	opts Options

	// neg serialises the offer/answer exchanges (Join, Publish,
	// Unpublish), which pion requires to be one at a time.
	neg sync.Mutex

	mu     sync.Mutex
	sink   client.Sink
	send   *webrtc.PeerConnection // ours
	recv   *webrtc.PeerConnection // the echo's
	dc     *webrtc.DataChannel    // chat, reactions and data, ours to the echo
	tracks map[string]*localTrack // by the ID the send side gives it (msid)
	next   int
	closed bool
	joined bool

	// readers counts the RTCP readers, which end when the connections
	// close; Leave waits for them.
	readers   sync.WaitGroup
	leaving   atomic.Bool
	leaveOnce sync.Once
	chatSeq   atomic.Uint64
}

// New returns a test call ready to Join.
func New(opts Options) *Backend {
	if opts.Peer == "" {
		opts.Peer = PeerIdentity
	}
	return &Backend{opts: opts, tracks: map[string]*localTrack{}}
}

// Name implements client.Backend.
func (b *Backend) Name() string { return "loopback" }

func (b *Backend) self() client.Participant {
	return client.Participant{Identity: selfIdentity, Name: b.opts.Name, Local: true}
}

func (b *Backend) peer() client.Participant {
	return client.Participant{Identity: PeerIdentity, Name: b.opts.Peer}
}

// newAPI configures pion as a browser would be, on loopback only: Opus
// and VP8 with their feedback (NACK, PLI, FIR), the default interceptors
// (NACK, RTCP reports, transport-wide congestion control), host
// candidates on 127.0.0.1 and nothing else: no STUN, no mDNS, no other
// interface, so the call never leaves the machine.
func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	codecs := []struct {
		params webrtc.RTPCodecParameters
		kind   webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: capability("opus"), PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: capability("vp8"), PayloadType: 96}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.params, c.kind); err != nil {
			return nil, err
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// pion's warnings would reach the terminal the app was started from.
	se.LoggerFactory = &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled,
		ScopeLevels: map[string]logging.LogLevel{}}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// capability is what a codec is sent as: the parameters LiveKit's
// browsers offer.
func capability(codec string) webrtc.RTPCodecCapability {
	if codec == "opus" {
		// Two channels in the SDP is what WebRTC requires of Opus; the
		// stream itself is mono.
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}
	}
	return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
		RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}}
}

// Join implements client.Backend: it connects the two ends (ICE, DTLS,
// and SCTP for the data channel) and returns once the data channel is
// open both ways, with the echo as the one other participant.
func (b *Backend) Join(ctx context.Context, sink client.Sink) (client.Joined, []client.Participant, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	b.neg.Lock()
	defer b.neg.Unlock()

	api, err := newAPI()
	if err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	send, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	recv, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		_ = send.Close()
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	b.mu.Lock()
	if b.closed { // Leave came first
		b.mu.Unlock()
		_ = send.Close()
		_ = recv.Close()
		return client.Joined{}, nil, fmt.Errorf("%w: left while joining", client.ErrJoinFailed)
	}
	b.sink, b.send, b.recv = sink, send, recv
	b.mu.Unlock()

	sentOpen, echoOpen := make(chan struct{}), make(chan struct{})
	recv.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { b.onPacket(m.Data) })
		var once sync.Once
		dc.OnOpen(func() { once.Do(func() { close(echoOpen) }) })
	})
	recv.OnTrack(b.onTrack)
	send.OnConnectionStateChange(b.onState)
	dc, err := send.CreateDataChannel("causerie", nil)
	if err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	var once sync.Once
	dc.OnOpen(func() { once.Do(func() { close(sentOpen) }) })
	b.mu.Lock()
	b.dc = dc
	b.mu.Unlock()

	if err := b.negotiate(ctx); err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	for _, open := range []chan struct{}{sentOpen, echoOpen} {
		select {
		case <-open:
		case <-ctx.Done():
			return client.Joined{}, nil, fmt.Errorf("%w: the two ends did not connect: %v (ICE %s)",
				client.ErrJoinFailed, ctx.Err(), send.ICEConnectionState())
		}
	}
	b.mu.Lock()
	b.joined = true
	b.mu.Unlock()
	return client.Joined{Room: b.opts.Room, Self: b.self()}, []client.Participant{b.peer()}, nil
}

// negotiate runs one offer/answer exchange, ours offering, each side's
// description with all its candidates (on loopback, gathering is over
// in a moment, and no trickling keeps it simple). The caller holds neg.
func (b *Backend) negotiate(ctx context.Context) error {
	b.mu.Lock()
	send, recv := b.send, b.recv
	b.mu.Unlock()
	offer, err := send.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(send)
	if err := send.SetLocalDescription(offer); err != nil {
		return err
	}
	if err := wait(ctx, gathered); err != nil {
		return err
	}
	if err := recv.SetRemoteDescription(*send.LocalDescription()); err != nil {
		return err
	}
	answer, err := recv.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered = webrtc.GatheringCompletePromise(recv)
	if err := recv.SetLocalDescription(answer); err != nil {
		return err
	}
	if err := wait(ctx, gathered); err != nil {
		return err
	}
	return send.SetRemoteDescription(*recv.LocalDescription())
}

func wait(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// onState follows our connection as a backend follows its SFU's: a
// dropped connection is reconnecting, a failed or closed one ends the
// call (unless we are leaving).
func (b *Backend) onState(s webrtc.PeerConnectionState) {
	b.mu.Lock()
	joined, sink := b.joined, b.sink
	b.mu.Unlock()
	if !joined || b.leaving.Load() {
		return
	}
	switch s {
	case webrtc.PeerConnectionStateDisconnected:
		sink.Post(client.ConnectionState{State: client.Reconnecting})
	case webrtc.PeerConnectionStateConnected:
		sink.Post(client.ConnectionState{State: client.Connected})
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		sink.Post(client.Ended{Err: fmt.Errorf("%w: test call %s", client.ErrConnectionLost, s)})
	}
}

// Leave implements client.Backend: it closes both ends, which ends every
// received track (ReadRTP fails), waits for the RTCP readers and posts
// Ended, as a backend does once it has left.
func (b *Backend) Leave() {
	b.leaveOnce.Do(func() {
		b.leaving.Store(true)
		b.mu.Lock()
		b.closed = true
		send, recv, sink := b.send, b.recv, b.sink
		b.mu.Unlock()
		// Closing is best effort: a failure leaves nothing to tell anyone.
		if send != nil {
			_ = send.Close()
		}
		if recv != nil {
			_ = recv.Close()
		}
		b.readers.Wait()
		if sink != nil {
			sink.Post(client.Ended{})
		}
	})
}

// packet is what the data channel carries: chat, reactions and data,
// echoed back as the peer's.
type packet struct {
	Type    string `json:"type"` // "chat", "reaction" or "data"
	ID      string `json:"id,omitempty"`
	Text    string `json:"text,omitempty"`
	Topic   string `json:"topic,omitempty"`
	Payload []byte `json:"payload,omitempty"`
}

// sendPacket sends p over the data channel (SCTP over DTLS, through the
// loopback interface).
func (b *Backend) sendPacket(p packet) error {
	b.mu.Lock()
	dc, joined, closed := b.dc, b.joined, b.closed
	b.mu.Unlock()
	if !joined || closed {
		return client.ErrNotJoined
	}
	msg, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := dc.SendText(string(msg)); err != nil {
		return fmt.Errorf("%w: %v", client.ErrNotJoined, err)
	}
	return nil
}

// onPacket receives what sendPacket sent, at the echo's end, and posts it
// as the peer's; it runs on pion's goroutine.
func (b *Backend) onPacket(data []byte) {
	var p packet
	if err := json.Unmarshal(data, &p); err != nil {
		return // nothing of ours: the channel is only ours
	}
	b.mu.Lock()
	sink := b.sink
	b.mu.Unlock()
	switch p.Type {
	case "chat":
		sink.Post(client.ChatMessage{ID: p.ID, From: b.peer(), Text: p.Text, Time: time.Now()})
	case "reaction":
		sink.Post(client.Reaction{From: b.peer(), Emoji: p.Text})
	case "data":
		sink.Post(client.DataMessage{From: PeerIdentity, Topic: p.Topic, Payload: p.Payload})
	}
}

// SendChat implements client.Backend: the message comes back as the
// echo's.
func (b *Backend) SendChat(text string) (string, error) {
	id := fmt.Sprintf("LB_%d", b.chatSeq.Add(1))
	return id, b.sendPacket(packet{Type: "chat", ID: id, Text: text})
}

// SendReaction implements client.Backend: the reaction comes back as the
// echo's.
func (b *Backend) SendReaction(emoji string) error {
	return b.sendPacket(packet{Type: "reaction", Text: emoji})
}

// SendData implements client.Backend. The channel is reliable whatever
// reliable says: on loopback nothing is lost anyway. Packets for others
// than the echo reach nobody, as in a room without them.
func (b *Backend) SendData(topic string, payload []byte, _ bool, to ...string) error {
	if len(to) > 0 && !slices.Contains(to, PeerIdentity) {
		return nil
	}
	return b.sendPacket(packet{Type: "data", Topic: topic, Payload: payload})
}

// Notify implements client.Backend: a test call has no meeting service
// whose notifications it could carry.
func (b *Backend) Notify(string, ...string) error { return client.ErrNotSupported }

// codecName turns "video/VP8" into "vp8".
func codecName(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		mime = mime[i+1:]
	}
	return strings.ToLower(mime)
}
