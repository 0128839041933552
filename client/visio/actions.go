package visio

import (
	"context"
	"fmt"
)

// The participant actions below go through the API rather than LiveKit
// because Visio's tokens do not let participants change their own
// attributes or metadata (core/utils.py generate_token:
// can_update_own_metadata=False). They are authorised with the LiveKit
// token as a bearer token (authentication/livekit.py
// LiveKitTokenAuthentication) and allowed when the token is for this room
// (api/permissions.py HasLiveKitRoomAccess: token room == room UUID), so
// they do not exist in unregistered rooms. They need no CSRF token. A
// missing, invalid or other-room token is answered 403 (ErrUnauthorized).
// roomID is Credentials.RoomID.

// ToggleHand raises or lowers our hand: POST
// /api/v1.0/rooms/{id}/toggle-hand/ {"raised": bool} (viewsets.py
// RoomViewSet.toggle_hand, serializers.py RaiseHandSerializer; frontend
// rooms/api/updateRaiseHand.ts). The server sets our participant
// attribute handRaisedAt to the time (ISO 8601) or "" when lowered. The
// participant must be in the LiveKit room, or the server answers 404.
func (c *Client) ToggleHand(ctx context.Context, roomID, token string, raised bool) error {
	if token == "" {
		return fmt.Errorf("%w: toggle-hand: no LiveKit token", ErrUnauthorized)
	}
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "toggle-hand"},
		body:   map[string]bool{"raised": raised},
		bearer: token,
	}, nil)
}

// Rename changes our display name in the room: POST
// /api/v1.0/rooms/{id}/rename/ {"name": …} (viewsets.py RoomViewSet.rename,
// serializers.py RenameParticipantSerializer: 1 to 255 characters).
func (c *Client) Rename(ctx context.Context, roomID, token, name string) error {
	if token == "" {
		return fmt.Errorf("%w: rename: no LiveKit token", ErrUnauthorized)
	}
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "rename"},
		body:   map[string]string{"name": name},
		bearer: token,
	}, nil)
}

// StartSubtitle starts live transcription for the room: POST
// /api/v1.0/rooms/{id}/start-subtitle/, no body (viewsets.py
// RoomViewSet.start_subtitle; frontend subtitle/api/startSubtitle.ts).
// Any participant may; an instance without subtitles
// (FrontendConfig.Subtitle.Enabled false) answers 404.
func (c *Client) StartSubtitle(ctx context.Context, roomID, token string) error {
	if token == "" {
		return fmt.Errorf("%w: start-subtitle: no LiveKit token", ErrUnauthorized)
	}
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "start-subtitle"},
		bearer: token,
	}, nil)
}

// MuteParticipant mutes another participant's track: POST
// /api/v1.0/rooms/{id}/mute-participant/ {"participant_identity",
// "track_sid"} (viewsets.py RoomViewSet.mute_participant, serializers.py
// MuteParticipantSerializer; frontend rooms/api/muteParticipant.ts).
//
// The server accepts two ways in (api/permissions.py CanMuteParticipant),
// and the web client uses both:
//   - token != "": the LiveKit token as bearer, for anyone in the room,
//     allowed only while the room's everyone_can_mute is on (the
//     default) — even for hosts;
//   - token == "": the login session (WithSession, WithCSRFToken), for the
//     room's owners and administrators, allowed whatever everyone_can_mute
//     says.
//
// The web client also tells the muted person with a participantMuted data
// packet; that is the caller's to send, through LiveKit.
func (c *Client) MuteParticipant(ctx context.Context, roomID, token, identity, trackSID string) error {
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "mute-participant"},
		body: map[string]string{
			"participant_identity": identity,
			"track_sid":            trackSID,
		},
		bearer: token,
	}, nil)
}

// RemoveParticipant takes a participant out of the meeting (hosts): POST
// /api/v1.0/rooms/{id}/remove-participant/ {"participant_identity"}
// (viewsets.py RoomViewSet.remove_participant, permission
// HasPrivilegesOnRoom: the login session, not a LiveKit token; frontend
// rooms/api/removeParticipant.ts). The backend then removes the identity
// from the LiveKit room (services ParticipantsManagement.remove); 404 when
// it is not there.
func (c *Client) RemoveParticipant(ctx context.Context, roomID, identity string) error {
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "remove-participant"},
		body:   map[string]string{"participant_identity": identity},
	}, nil)
}
