package visio

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Credentials are everything needed to enter a meeting: where the LiveKit
// server is, the token, and what the API said about the room.
type Credentials struct {
	// URL is the LiveKit server to connect to, force_wss_protocol applied.
	URL string
	// Token is the LiveKit access token, also the bearer token of the
	// participant actions (ToggleHand, StartSubtitle, MuteParticipant).
	Token string
	// LiveKitRoom is the LiveKit room name (the room's UUID, or the slug
	// for an unregistered room).
	LiveKitRoom string
	// RoomID is the API room id for the actions and the lobby; "" for an
	// unregistered room.
	RoomID string
	// Room is the room as the API described it before any lobby (its
	// LiveKit field may be nil).
	Room Room
	// Config is the instance's front-end configuration.
	Config FrontendConfig
	// ViaLobby: a host let us in.
	ViaLobby bool
}

// Join goes from a meeting link to LiveKit credentials, as the web client
// does: the instance's configuration (Config), the room (Room), and, when
// the room does not let us straight in, the lobby (WaitInLobby, reporting
// each answer to onLobby, which may be nil). username is our display name.
// link must be on the Client's instance.
func (c *Client) Join(ctx context.Context, link Link, username string, onLobby func(EntryStatus)) (Credentials, error) {
	if link.BaseURL == nil || !strings.EqualFold(link.BaseURL.Scheme, c.base.Scheme) || !strings.EqualFold(link.BaseURL.Host, c.base.Host) {
		return Credentials{}, fmt.Errorf("%w: link %s is not on %s", ErrBadLink, link, c.base)
	}
	if _, err := normaliseSlug(link.Slug); err != nil {
		return Credentials{}, err
	}
	cfg, err := c.Config(ctx)
	if err != nil {
		return Credentials{}, err
	}
	room, err := c.Room(ctx, link.Slug, username)
	if err != nil {
		return Credentials{}, err
	}
	cr := Credentials{Room: room, RoomID: room.ID, Config: cfg}
	lk := room.LiveKit
	if lk == nil {
		// Rooms we may not enter directly: the web client then waits in
		// the lobby (rooms/components/Lobby.tsx handleSubmit).
		got, err := c.WaitInLobby(ctx, room.ID, username, onLobby)
		if err != nil {
			return Credentials{}, err
		}
		lk, cr.ViaLobby = &got, true
	}
	cr.Token, cr.LiveKitRoom = lk.Token, lk.Room
	cr.URL, err = liveKitURL(lk.URL, cfg.LiveKit.URL, cfg.LiveKit.ForceWSSProtocol)
	if err != nil {
		return Credentials{}, err
	}
	return cr, nil
}

// LiveKitURL is the LiveKit server a client connects to, given the room's
// URL (a Room's LiveKit.URL, "" when the room gave none) and the
// instance's configuration, as Join picks it: for diagnostics, which look
// at the server without entering the meeting.
func LiveKitURL(roomURL string, cfg FrontendConfig) (string, error) {
	return liveKitURL(roomURL, cfg.LiveKit.URL, cfg.LiveKit.ForceWSSProtocol)
}

// liveKitURL picks the LiveKit server URL and applies force_wss_protocol.
//
// The room's URL and the configuration's come from the same server setting
// (LIVEKIT_CONFIGURATION["url"]: core/utils.py generate_livekit_config,
// core/api/__init__.py get_frontend_configuration); the web client connects
// to the configuration's (rooms/components/Conference.tsx serverUrl). We
// take the room's and fall back to the configuration's when the room has
// none.
//
// force_wss_protocol exists for browsers whose WebSocket constructor
// refuses https:// URLs; the web client then replaces https:// with wss://
// (Conference.tsx). We do the same, and also upgrade ws:// to wss://,
// which is what the flag asks for; an http:// URL (a loopback test server)
// is left alone, as the web client leaves it.
func liveKitURL(roomURL, cfgURL string, forceWSS bool) (string, error) {
	s := strings.TrimSpace(roomURL)
	if s == "" {
		s = strings.TrimSpace(cfgURL)
	}
	if s == "" {
		return "", fmt.Errorf("%w: no LiveKit server URL in the room or the configuration", ErrProtocol)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: LiveKit server URL %q", ErrProtocol, s)
	}
	switch u.Scheme {
	case "https", "ws":
		if forceWSS {
			u.Scheme = "wss"
		}
	case "wss", "http":
	default:
		return "", fmt.Errorf("%w: LiveKit server URL %q: scheme %q", ErrProtocol, s, u.Scheme)
	}
	return u.String(), nil
}
