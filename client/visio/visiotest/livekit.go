package visiotest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// LiveKit is the LiveKit server as La Suite Meet's backend reaches it: the
// server API client it builds with the instance's key and secret
// (core/utils.py create_livekit_client) and the tokens it signs with them
// (generate_token). With Config.LiveKit set, the fake mints real tokens
// and makes the calls the real backend makes, at the same points, so that
// clients connected to that server see what they would see in production;
// without it, tokens are opaque and nothing reaches LiveKit.
//
// Package lkapi adapts a real server (an lkserver.Server in tests). Methods
// report a room or participant the server does not know (Twirp code
// "not_found") with an error wrapping ErrLiveKitNotFound; the fake turns
// other errors into the 500 answers of the real views.
type LiveKit interface {
	// URL is where clients connect (settings LIVEKIT_CONFIGURATION["url"]).
	URL() string
	// Token signs an access token with exactly these claims.
	Token(TokenClaims) (string, error)
	// RoomExists is ListRooms(names=[room]) with a non-empty answer.
	RoomExists(ctx context.Context, room string) (bool, error)
	// SendData is RoomService.SendData with kind RELIABLE, no topic and no
	// destination: every participant of the room receives data, from the
	// server (no sender identity).
	SendData(ctx context.Context, room string, data []byte) error
	// GetParticipant is RoomService.GetParticipant; connected is false
	// when the participant's state is DISCONNECTED.
	GetParticipant(ctx context.Context, room, identity string) (connected bool, err error)
	// UpdateParticipant is RoomService.UpdateParticipant. Empty fields are
	// left out of the request; LiveKit then leaves them unchanged (an
	// attribute set to "" is deleted).
	UpdateParticipant(ctx context.Context, room, identity string, u ParticipantUpdate) error
	// MutePublishedTrack is RoomService.MutePublishedTrack with muted=true.
	MutePublishedTrack(ctx context.Context, room, identity, trackSID string) error
	// RemoveParticipant is RoomService.RemoveParticipant.
	RemoveParticipant(ctx context.Context, room, identity string) error
	// CreateAgentDispatch is AgentDispatchService.CreateDispatch.
	CreateAgentDispatch(ctx context.Context, room, agentName string) error
}

// TokenVerifier is an optional ability of a LiveKit: checking a token's
// signature with the server's key. The real backend accepts any bearer
// token so signed (authentication/livekit.py LiveKitTokenAuthentication,
// TokenVerifier.verify); a fake whose LiveKit has this ability does too,
// not only the tokens it handed out.
type TokenVerifier interface {
	Verify(token string) (TokenClaims, error)
}

// TokenClaims are the claims of a LiveKit access token, as
// core/utils.py generate_token fills them.
type TokenClaims struct {
	Room     string
	Identity string
	Name     string
	// Attributes are the participant attributes: "color", "room_role",
	// "is_authenticated".
	Attributes map[string]string
	// The video grant. RoomJoin is always set; these are the rest.
	RoomAdmin            bool
	CanPublish           bool
	CanPublishSources    []string
	CanSubscribe         bool
	CanPublishData       bool
	CanUpdateOwnMetadata bool
	// TTL is the token's lifetime.
	TTL time.Duration
}

// ParticipantUpdate is an UpdateParticipantRequest's content.
type ParticipantUpdate struct {
	Name       string
	Metadata   string
	Attributes map[string]string
}

// ErrLiveKitNotFound: LiveKit does not know the room or participant
// (Twirp "not_found", which participants_management.py turns into
// ParticipantNotFoundException).
var ErrLiveKitNotFound = errors.New("visiotest: not found in LiveKit")

// SubtitleAgent is the agent start-subtitle dispatches (settings
// ROOM_SUBTITLE_AGENT_NAME).
const SubtitleAgent = "multi-user-transcriber"

// LobbyNotification is the type of the data packet sent to a room when
// someone starts waiting in its lobby (settings LOBBY_NOTIFICATION_TYPE).
const LobbyNotification = "participantWaiting"

// tokenTTL is the lifetime of the tokens the fake signs: generate_token
// passes no ttl, so the Python SDK's default applies (livekit-api
// access_token.py DEFAULT_TTL).
const tokenTTL = 6 * time.Hour

// lkTimeout bounds each LiveKit call. The real backend's aiohttp session
// has its own, longer limits; a loopback server answers in milliseconds.
const lkTimeout = 10 * time.Second

// Removal is one accepted remove-participant call.
type Removal struct {
	RoomID   string
	By       string // the host's user sub
	Identity string
}

// Removals lists the accepted remove-participant calls.
func (s *Server) Removals() []Removal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.removals)
}

// LiveKitErrors lists the failed LiveKit calls the real backend logs and
// carries on after (a lobby notification that could not be sent), so that
// a test waiting in vain for their effect can say why.
func (s *Server) LiveKitErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lkErrors)
}

// lkContext bounds a LiveKit call made for request ctx.
func lkContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, lkTimeout)
}

// notifyParticipants is core/utils.py notify_participants: when the room
// exists in LiveKit, a reliable data packet with the JSON of data to every
// participant. LobbyService.enter logs a failure and carries on.
func (s *Server) notifyParticipants(ctx context.Context, room string, data []byte) {
	lk := s.cfg.LiveKit
	if lk == nil {
		return
	}
	ctx, cancel := lkContext(ctx)
	defer cancel()
	exists, err := lk.RoomExists(ctx, room)
	if err == nil && exists {
		err = lk.SendData(ctx, room, data)
	}
	if err != nil {
		s.mu.Lock()
		s.lkErrors = append(s.lkErrors, fmt.Errorf("notify room %s: %w", room, err))
		s.mu.Unlock()
	}
}

// mint signs the token for c: the test's Minter when it set one, else
// LiveKit, else an opaque token only the fake understands.
func (s *Server) mint(c TokenClaims) (string, error) {
	switch {
	case s.cfg.Minter != nil:
		return s.cfg.Minter(c.Room, c.Identity, c.Name)
	case s.cfg.LiveKit != nil:
		return s.cfg.LiveKit.Token(c)
	}
	return "visiotest." + randomHex(16), nil
}

// isoformat is Python's datetime.isoformat for an aware UTC time, as
// Django's timezone.now() gives (settings USE_TZ, TIME_ZONE "UTC"):
// microseconds, left out when zero, and "+00:00".
func isoformat(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}
