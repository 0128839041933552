package client

import (
	"context"
	"time"
)

// Service is the conferencing service's own API beside the SFU — Visio's
// REST API — for what the SFU alone does not do: hands, captions, the
// lobby and host actions. A session without one (a bare LiveKit server)
// answers those commands with ErrNotSupported.
type Service interface {
	// SetHand raises or lowers our hand; the SFU then shows it to everyone
	// as the handRaisedAt attribute.
	SetHand(ctx context.Context, raised bool) error
	// StartCaptions asks the service to transcribe the meeting.
	StartCaptions(ctx context.Context) error
	// MuteParticipant mutes another participant's track (hosts).
	MuteParticipant(ctx context.Context, identity, trackSID string) error
	// Waiting lists who waits in the lobby (hosts).
	Waiting(ctx context.Context) ([]Waiting, error)
	// Admit lets a waiting participant in, or turns them away (hosts).
	Admit(ctx context.Context, id string, allow bool) error
	// RemoveParticipant takes someone out of the meeting (hosts).
	RemoveParticipant(ctx context.Context, identity string) error
}

// Waiting is someone in the lobby.
type Waiting struct {
	ID    string
	Name  string
	Color string
}

// Resolver finds the backend and service of a meeting: for a Visio link,
// it asks the API, waits in the lobby if it must, and returns a LiveKit
// backend with the token it got. It reports its progress with emit.
type Resolver func(ctx context.Context, emit func(Event)) (Backend, Service, error)

// Lobby states.
type LobbyState string

const (
	LobbyWaiting  LobbyState = "waiting"
	LobbyAccepted LobbyState = "accepted"
	LobbyDenied   LobbyState = "denied"
)

// Attribute names set by the service on participants.
const (
	// AttrHandRaisedAt holds when a hand was raised (ISO 8601), "" when
	// lowered; the times order the queue.
	AttrHandRaisedAt = "handRaisedAt"
	AttrColor        = "color"
	AttrRole         = "room_role"
)

type (
	// Lobby reports our place in the meeting's lobby, before Joined.
	Lobby struct{ State LobbyState }
	// Hand reports a raised or lowered hand (ours too).
	Hand struct {
		Participant Participant
		Raised      bool
		At          time.Time
	}
	// Notification is a service message to the room or to us:
	// participantMuted (someone muted us), participantWaiting (someone
	// knocks at the lobby), transcription and recording started or
	// stopped, permissionsRemoved.
	Notification struct {
		Type string
		From Participant
		// Sources lists what permissionsRemoved took away.
		Sources []Source
	}
	// Caption is a transcribed segment of someone's speech. A segment is
	// sent again as it is refined; Final marks its last version.
	Caption struct {
		ID      string
		Speaker Participant
		Text    string
		Final   bool
	}
)

func (Lobby) event()        {}
func (Hand) event()         {}
func (Notification) event() {}
func (Caption) event()      {}

// Notification types of La Suite Meet.
const (
	NotifyParticipantMuted   = "participantMuted"
	NotifyParticipantWaiting = "participantWaiting"
	NotifyPermissionsRemoved = "permissionsRemoved"
)

// Role tells a participant's role in the room from the service's
// attribute: owner, administrator, member or "".
func (p Participant) Role() string { return p.Attributes[AttrRole] }

// IsHost tells whether a participant may admit, mute and remove others.
func (p Participant) IsHost() bool { return p.Role() == "owner" || p.Role() == "administrator" }

// HandRaisedAt is when the participant raised their hand; zero if lowered.
func (p Participant) HandRaisedAt() time.Time {
	v := p.Attributes[AttrHandRaisedAt]
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999Z07:00", "2006-01-02T15:04:05.999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
