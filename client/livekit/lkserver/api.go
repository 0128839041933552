package lkserver

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/livekit/protocol/auth"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

// What a test needs to play an application backend towards the server:
// its server API (Twirp over HTTP, on the signalling port) with the
// server's own key, and tokens shaped like the ones La Suite Meet hands
// out.

// DefaultSources are the track sources a Visio participant may publish
// unless a room says otherwise: La Suite Meet's LIVEKIT_DEFAULT_SOURCES
// (src/backend/meet/settings.py). It returns a new slice each time.
func DefaultSources() []string {
	return []string{"camera", "microphone", "screen_share", "screen_share_audio"}
}

// DefaultTokenTTL is how long TokenFor's tokens live: the LiveKit Python
// SDK's default (livekit-api access_token.py DEFAULT_TTL), which La Suite
// Meet keeps (core/utils.py generate_token passes no ttl).
const DefaultTokenTTL = 6 * time.Hour

// HTTPURL is the server API's address, http://127.0.0.1:PORT: the
// signalling port serves both.
func (s *Server) HTTPURL() string {
	return "http://" + strings.TrimPrefix(s.URL, "ws://")
}

// RoomService is a client of the server's RoomService API (participants,
// mute, data packets…) signed with the server's key, as an application
// backend holds one. Each call makes a new client; they are cheap.
func (s *Server) RoomService() *lksdk.RoomServiceClient {
	return lksdk.NewRoomServiceClient(s.HTTPURL(), s.Key, s.Secret)
}

// AgentDispatch is a client of the server's AgentDispatchService API
// (what La Suite Meet uses to start subtitles), signed with the server's
// key.
func (s *Server) AgentDispatch() *lksdk.AgentDispatchClient {
	return lksdk.NewAgentDispatchServiceClient(s.HTTPURL(), s.Key, s.Secret)
}

// TokenOption changes a grant of TokenFor.
type TokenOption func(*tokenOptions)

type tokenOptions struct {
	grant *auth.VideoGrant
	ttl   time.Duration
}

// WithRoomAdmin grants room administration, as La Suite Meet does for a
// room's owners and administrators (core/utils.py generate_token:
// room_admin=is_admin_or_owner).
func WithRoomAdmin() TokenOption {
	return func(o *tokenOptions) { o.grant.RoomAdmin = true }
}

// WithSources limits publishing to the given sources ("camera",
// "microphone", "screen_share", "screen_share_audio"); none means the
// participant may publish nothing (generate_token:
// can_publish=bool(sources), can_publish_sources=sources).
func WithSources(sources ...string) TokenOption {
	return func(o *tokenOptions) {
		o.grant.CanPublishSources = slices.Clone(sources)
		o.grant.SetCanPublish(len(sources) > 0)
	}
}

// WithTTL sets the token's lifetime (default DefaultTokenTTL).
func WithTTL(d time.Duration) TokenOption {
	return func(o *tokenOptions) { o.ttl = d }
}

// WithGrant edits the video grant directly, after the defaults and the
// other options: for what La Suite Meet never grants (hidden,
// canUpdateOwnMetadata…).
func WithGrant(edit func(*auth.VideoGrant)) TokenOption {
	return func(o *tokenOptions) { edit(o.grant) }
}

// TokenFor mints a token to join room as identity, named name, with
// participant attributes attrs, and by default the grants La Suite Meet
// gives a participant (core/utils.py generate_token): join this room, no
// room administration, publish DefaultSources, subscribe, publish data,
// and no updating one's own metadata, name or attributes (hand raise goes
// through the application's API). Token is the plain join-only variant.
func (s *Server) TokenFor(room, identity, name string, attrs map[string]string, opts ...TokenOption) (string, error) {
	g := &auth.VideoGrant{RoomJoin: true, Room: room, CanPublishSources: DefaultSources()}
	g.SetCanPublish(true)
	g.SetCanSubscribe(true)
	g.SetCanPublishData(true)
	g.SetCanUpdateOwnMetadata(false)
	o := tokenOptions{grant: g, ttl: DefaultTokenTTL}
	for _, opt := range opts {
		opt(&o)
	}
	at := auth.NewAccessToken(s.Key, s.Secret)
	at.SetVideoGrant(o.grant).SetIdentity(identity).SetName(name).SetValidFor(o.ttl)
	if len(attrs) > 0 {
		at.SetAttributes(maps.Clone(attrs))
	}
	return at.ToJWT()
}
