// Package livekit is the session backend for LiveKit SFUs (Visio runs on
// one). It adapts github.com/livekit/server-sdk-go: lksdk and pion types
// stay in this package; the session sees client types only.
package livekit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"causerie/client"
	"causerie/client/netconf"
)

// ChatTopic is the text-stream topic of LiveKit's chat components, which
// Visio's browsers use.
const ChatTopic = "lk.chat"

// Options tune a Backend. The zero value is ready to use.
type Options struct {
	// Logger receives lksdk's logs; nil discards them.
	Logger protoLogger.Logger
	// Name, when set, renames us after joining, for tokens that allow it
	// (Visio tokens carry the name and do not).
	Name string
	// ProbeTimeout bounds the request that explains a failed join
	// (refused token or unreachable server). Default 3 s.
	ProbeTimeout time.Duration
	// Network is how the SFU is reached: proxy and trust for the
	// WebSocket and the HTTP requests, relay-only media. Default:
	// netconf.Default (the environment's proxy).
	Network *netconf.Network
	// NoSubscribe joins without receiving others' media: for a
	// connection test, which should not pull a whole meeting's video.
	NoSubscribe bool
}

// Backend joins one LiveKit room with a URL and an access token.
type Backend struct {
	url, token string
	opts       Options

	room    *lksdk.Room
	unroute func()  // ends the WebSocket's route through opts.Network
	up      *uplink // congestion control (bwe.go)
	leaving atomic.Bool
	left    sync.Once
}

// New checks the server URL and returns a backend ready to Join. url may be
// ws(s):// or http(s)://.
func New(serverURL, token string, opts Options) (*Backend, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", client.ErrBadURL, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("%w: scheme %q (want ws, wss, http or https)", client.ErrBadURL, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: no host in %q", client.ErrBadURL, serverURL)
	}
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("%w: empty token", client.ErrTokenRefused)
	}
	if opts.Logger == nil {
		opts.Logger = protoLogger.GetDiscardLogger()
	}
	// lksdk hands pion a logger of its own package-wide one, not the
	// room's: without this, pion's info lines reach stderr. The setting
	// is global and read unguarded by every room of lksdk, so it is made
	// once, by the process's first backend, before any room connects.
	sdkLogger.Do(func() { lksdk.SetLogger(opts.Logger) })
	if opts.ProbeTimeout <= 0 {
		opts.ProbeTimeout = 3 * time.Second
	}
	if opts.Network == nil {
		opts.Network = netconf.Default()
	}
	installDialer()
	return &Backend{url: serverURL, token: token, opts: opts}, nil
}

// sdkLogger sets lksdk's package-wide logger once.
var sdkLogger sync.Once

// Name implements client.Backend.
func (b *Backend) Name() string { return "livekit" }

// Join implements client.Backend.
func (b *Backend) Join(ctx context.Context, sink client.Sink) (client.Joined, []client.Participant, error) {
	room := lksdk.NewRoom(b.callbacks(sink))
	room.SetLogger(b.opts.Logger)
	if err := room.RegisterTextStreamHandler(ChatTopic, func(r *lksdk.TextStreamReader, identity string) {
		// lksdk runs each stream's handler on a goroutine of its own and
		// ends the reader when the stream closes, so ReadAll returns.
		text := r.ReadAll()
		// lksdk always fills the stream info of a reader it creates.
		msg := client.ChatMessage{ID: r.Info.Id, From: client.Participant{Identity: identity}, Text: text, Time: time.Now()}
		if r.Info.Timestamp > 0 {
			msg.Time = time.UnixMilli(r.Info.Timestamp)
		}
		if rp := room.GetParticipantByIdentity(identity); rp != nil {
			msg.From = participantOf(rp)
		}
		sink.Post(msg)
	}); err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	if err := room.RegisterTextStreamHandler(TranscriptionTopic, func(r *lksdk.TextStreamReader, identity string) {
		b.transcription(sink, r, identity)
	}); err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	b.room = room

	addr, err := signalAddr(b.url)
	if err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrBadURL, err)
	}
	b.unroute = addRoute(addr, b.opts.Network)
	connect := []lksdk.ConnectOption{lksdk.WithAutoSubscribe(!b.opts.NoSubscribe), lksdk.WithLogger(b.opts.Logger)}
	if b.opts.Network.RelayOnly() {
		connect = append(connect, lksdk.WithICETransportPolicy(webrtc.ICETransportPolicyRelay))
	}
	b.up = newUplink(sink)
	bwe, err := b.up.connectOptions()
	if err != nil {
		return client.Joined{}, nil, fmt.Errorf("%w: %v", client.ErrJoinFailed, err)
	}
	connect = append(connect, bwe...)
	err = room.JoinWithContextAndToken(ctx, b.url, b.token, connect...)
	if err != nil {
		b.up.close()
		return client.Joined{}, nil, b.explainJoinError(ctx, err)
	}
	lp := room.LocalParticipant
	if b.opts.Name != "" && b.opts.Name != lp.Name() {
		if perm := lp.Permissions(); perm != nil && perm.CanUpdateMetadata {
			lp.SetName(b.opts.Name)
		}
	}
	self := client.Participant{Identity: lp.Identity(), Name: lp.Name(), Attributes: lp.Attributes(), Local: true}
	var others []client.Participant
	for _, rp := range room.GetRemoteParticipants() {
		others = append(others, participantOf(rp))
	}
	return client.Joined{Room: room.Name(), Self: self}, others, nil
}

// explainJoinError turns lksdk's join failure into one of the client's
// sentinels. lksdk reports a refused token only as text, so we ask the
// server ourselves: /rtc/validate answers 401 to a bad token.
func (b *Backend) explainJoinError(ctx context.Context, joinErr error) error {
	pctx, cancel := context.WithTimeout(context.Background(), b.opts.ProbeTimeout)
	defer cancel()
	status, err := probe(pctx, b.opts.Network.HTTPClient(), b.url, b.token)
	switch {
	case err != nil:
		// The cause stays in the chain: a proxy's refusal (netconf) has
		// a sentence of its own.
		return fmt.Errorf("%w: %w", client.ErrUnreachable, err)
	case status == 401 || status == 403:
		return fmt.Errorf("%w (HTTP %d)", client.ErrTokenRefused, status)
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %v", client.ErrJoinFailed, ctx.Err())
	default:
		return fmt.Errorf("%w: %v", client.ErrJoinFailed, joinErr)
	}
}

// Leave implements client.Backend.
func (b *Backend) Leave() {
	b.left.Do(func() {
		b.leaving.Store(true)
		if b.room != nil {
			b.room.Disconnect()
		}
		if b.unroute != nil {
			b.unroute()
		}
		if b.up != nil {
			b.up.close()
		}
	})
}

// SendChat implements client.Backend as LiveKit's chat components do: a
// text stream on lk.chat, and the same message as a legacy packet marked
// ignoreLegacy for clients that do not read streams (those that do drop it).
func (b *Backend) SendChat(text string) (string, error) {
	if b.room == nil {
		return "", client.ErrNotJoined
	}
	info := b.room.LocalParticipant.SendText(text, lksdk.StreamTextOptions{Topic: ChatTopic})
	if info == nil {
		return "", fmt.Errorf("%w: chat not sent", client.ErrNotJoined)
	}
	legacy, err := json.Marshal(legacyChat{ID: info.Id, Timestamp: info.Timestamp, Message: text, IgnoreLegacy: true})
	if err != nil {
		return "", err
	}
	if err := b.SendData(LegacyChatTopic, legacy, true); err != nil {
		return "", err
	}
	return info.Id, nil
}

// SendReaction implements client.Backend with La Suite Meet's packet.
func (b *Backend) SendReaction(emoji string) error {
	payload, err := json.Marshal(struct {
		Type string       `json:"type"`
		Data reactionData `json:"data"`
	}{reactionReceived, reactionData{Emoji: emoji}})
	if err != nil {
		return err
	}
	return b.SendData("", payload, true)
}

// SendData implements client.Backend.
func (b *Backend) SendData(topic string, payload []byte, reliable bool, to ...string) error {
	if b.room == nil {
		return client.ErrNotJoined
	}
	opts := []lksdk.DataPublishOption{lksdk.WithDataPublishReliable(reliable)}
	if len(to) > 0 {
		opts = append(opts, lksdk.WithDataPublishDestination(to))
	}
	return b.room.LocalParticipant.PublishDataPacket(&lksdk.UserDataPacket{Payload: payload, Topic: topic}, opts...)
}

// Notify implements client.Backend with La Suite Meet's notification
// packet: reliable, no topic, {"type": …} (frontend:
// useNotifyParticipants.ts).
func (b *Backend) Notify(typ string, to ...string) error {
	payload, err := json.Marshal(notification{Type: typ})
	if err != nil {
		return err
	}
	return b.SendData("", payload, true, to...)
}

// TranscriptionTopic is the text-stream topic on which LiveKit agents
// publish transcriptions; browsers show them as TranscriptionReceived.
const TranscriptionTopic = "lk.transcription"

// Attributes of a transcription stream (LiveKit agents' conventions).
const (
	attrSegmentID = "lk.segment_id"
	attrFinal     = "lk.transcription_final"
	attrTrackID   = "lk.transcribed_track_id"
)

// transcription reads one transcription stream into a caption. The speaker
// is the owner of the transcribed track, or else the sender (an agent
// transcribing itself).
func (b *Backend) transcription(sink client.Sink, r *lksdk.TextStreamReader, identity string) {
	text := r.ReadAll()
	attrs := r.Info.Attributes
	ev := client.Caption{ID: attrs[attrSegmentID], Text: text, Final: attrs[attrFinal] == "true",
		Speaker: client.Participant{Identity: identity}}
	if ev.ID == "" {
		ev.ID = r.Info.Id
	}
	if sid := attrs[attrTrackID]; sid != "" {
		for _, rp := range b.room.GetRemoteParticipants() {
			for _, pub := range rp.TrackPublications() {
				if pub.SID() == sid {
					ev.Speaker = participantOf(rp)
				}
			}
		}
		for _, pub := range b.room.LocalParticipant.TrackPublications() {
			if pub.SID() == sid {
				ev.Speaker = participantOf(b.room.LocalParticipant)
			}
		}
	}
	sink.Post(ev)
}
