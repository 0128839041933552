package visio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// AccessLevel says who enters a room without going through the lobby
// (core/models.py RoomAccessLevel; services/lobby.py
// LobbyService.can_bypass_lobby).
type AccessLevel string

const (
	// Public: everyone.
	Public AccessLevel = "public"
	// Trusted: logged-in users; others wait in the lobby.
	Trusted AccessLevel = "trusted"
	// Restricted: users the room lists (owner, administrator, member);
	// others wait in the lobby.
	Restricted AccessLevel = "restricted"
)

// LiveKitCredentials are what a LiveKit client connects with.
type LiveKitCredentials struct {
	// URL is the LiveKit server as the API gives it (usually https://…);
	// Join applies the instance's force_wss_protocol.
	URL string `json:"url"`
	// Room is the LiveKit room name: the room's UUID, or the slug for an
	// unregistered room.
	Room string `json:"room"`
	// Token is the LiveKit access token (a JWT). It is also the bearer
	// token of the participant actions (ToggleHand, StartSubtitle…).
	Token string `json:"token"`
}

// RoomConfiguration is a room's settings (core/api/serializers.py
// RoomConfiguration; the server rejects unknown fields there).
type RoomConfiguration struct {
	// CanPublishSources limits what participants may publish; nil means
	// the instance's default sources.
	CanPublishSources []string `json:"can_publish_sources,omitempty"`
	// EveryoneCanMute lets any participant mute others; nil means true
	// (api/permissions.py CanMuteParticipant).
	EveryoneCanMute *bool `json:"everyone_can_mute,omitempty"`
}

// Room is a meeting as GET /rooms/{slug}/ describes it.
type Room struct {
	// ID is the room's UUID, used by the lobby and the actions. It is ""
	// for an unregistered room, which the instance opens on the fly
	// (settings ALLOW_UNREGISTERED_ROOMS) and which has no lobby and no
	// actions.
	ID          string
	Name        string
	Slug        string
	AccessLevel AccessLevel
	// Configuration is the zero value when the server sends none
	// (unregistered rooms).
	Configuration RoomConfiguration
	// PinCode is the dial-in code, when telephony is on and we may enter.
	PinCode string
	// Administrable: we are an owner or administrator of the room (the
	// server lists the room's accesses only to them).
	Administrable bool
	// LiveKit is nil when we must wait in the lobby.
	LiveKit *LiveKitCredentials
}

// roomWire is the JSON of core/api/serializers.py RoomSerializer
// (to_representation adds "livekit" when we may enter, "accesses" for
// administrators and drops "pin_code" otherwise), or of
// core/api/viewsets.py RoomViewSet.retrieve for an unregistered room
// ({"id": null, "slug", "is_administrable": false, "access_level":
// "public", "livekit"}).
type roomWire struct {
	ID              *string             `json:"id"`
	Name            string              `json:"name"`
	Slug            string              `json:"slug"`
	AccessLevel     string              `json:"access_level"`
	Configuration   *RoomConfiguration  `json:"configuration"`
	PinCode         *string             `json:"pin_code"`
	IsAdministrable *bool               `json:"is_administrable"`
	Accesses        json.RawMessage     `json:"accesses"`
	LiveKit         *LiveKitCredentials `json:"livekit"`
}

// Room fetches a meeting by its code: GET /api/v1.0/rooms/{slug}/?username=…
// (core/api/viewsets.py RoomViewSet.retrieve; the web client's
// rooms/api/fetchRoom.ts). username is the display name the LiveKit token
// will carry; "" lets the server choose ("Anonymous", or the account's
// name). Errors wrap ErrRoomNotFound for an unknown code.
func (c *Client) Room(ctx context.Context, slug, username string) (Room, error) {
	var q url.Values
	if username != "" {
		q = url.Values{"username": {username}}
	}
	var w roomWire
	err := c.do(ctx, call{method: "GET", path: []string{"rooms", slug}, query: q, notFound: ErrRoomNotFound}, &w)
	if err != nil {
		return Room{}, err
	}
	return w.room(slug)
}

func (w roomWire) room(asked string) (Room, error) {
	bad := func(why string) (Room, error) {
		return Room{}, fmt.Errorf("%w: room %s: %s", ErrProtocol, asked, why)
	}
	r := Room{Name: w.Name, Slug: w.Slug, AccessLevel: AccessLevel(w.AccessLevel)}
	if w.ID != nil {
		if strings.TrimSpace(*w.ID) == "" {
			return bad("empty id")
		}
		r.ID = *w.ID
	}
	if r.Slug == "" {
		return bad("no slug")
	}
	if r.AccessLevel == "" {
		return bad("no access_level")
	}
	if w.Configuration != nil {
		r.Configuration = *w.Configuration
	}
	if w.PinCode != nil {
		r.PinCode = *w.PinCode
	}
	r.Administrable = len(w.Accesses) > 0 && string(w.Accesses) != "null" ||
		w.IsAdministrable != nil && *w.IsAdministrable
	if w.LiveKit != nil {
		if w.LiveKit.Token == "" || w.LiveKit.Room == "" {
			return bad("livekit without room or token")
		}
		r.LiveKit = w.LiveKit
	}
	if r.ID == "" && r.LiveKit == nil {
		// An unregistered room always comes with its token: without an id
		// there is no lobby to wait in.
		return bad("no id and no livekit")
	}
	return r, nil
}
