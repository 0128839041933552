package visio

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"causerie/client"
)

// Service is the client.Service of a Visio meeting: the API calls a
// participant (or host) makes from inside the room, as the web client
// makes them.
type Service struct {
	c      *Client
	roomID string
	token  string
	host   bool
}

// NewService serves the meeting cr gave access to.
func NewService(c *Client, cr Credentials) *Service {
	return &Service{c: c, roomID: cr.RoomID, token: cr.Token, host: tokenIsHost(cr.Token)}
}

// SetHand implements client.Service (toggle-hand, with the LiveKit token).
func (s *Service) SetHand(ctx context.Context, raised bool) error {
	return s.c.ToggleHand(ctx, s.roomID, s.token, raised)
}

// StartCaptions implements client.Service (start-subtitle).
func (s *Service) StartCaptions(ctx context.Context) error {
	return s.c.StartSubtitle(ctx, s.roomID, s.token)
}

// MuteParticipant implements client.Service. Hosts call with their login
// session, others with the LiveKit token, as rooms/api/muteParticipant.ts
// does: the token is refused unless the room lets everyone mute.
func (s *Service) MuteParticipant(ctx context.Context, identity, trackSID string) error {
	token := s.token
	if s.host && s.c.hasSession() {
		token = ""
	}
	return s.c.MuteParticipant(ctx, s.roomID, token, identity, trackSID)
}

// Waiting implements client.Service (hosts, with their session).
func (s *Service) Waiting(ctx context.Context) ([]client.Waiting, error) {
	ws, err := s.c.WaitingParticipants(ctx, s.roomID)
	if err != nil {
		return nil, err
	}
	out := make([]client.Waiting, 0, len(ws))
	for _, w := range ws {
		out = append(out, client.Waiting{ID: w.ID, Name: w.Username, Color: w.Color})
	}
	return out, nil
}

// Admit implements client.Service (hosts, with their session).
func (s *Service) Admit(ctx context.Context, id string, allow bool) error {
	return s.c.AdmitParticipant(ctx, s.roomID, id, allow)
}

// RemoveParticipant implements client.Service (hosts, with their session).
func (s *Service) RemoveParticipant(ctx context.Context, identity string) error {
	return s.c.RemoveParticipant(ctx, s.roomID, identity)
}

// Resolver returns the client.Resolver of a meeting link: the API's join
// flow (lobby included, reported as client.Lobby events), then a backend
// made by newBackend from the LiveKit URL and token it obtained.
func (c *Client) Resolver(link Link, username string, newBackend func(url, token string) (client.Backend, error)) client.Resolver {
	return func(ctx context.Context, emit func(client.Event)) (client.Backend, client.Service, error) {
		last := LobbyStatus("")
		cr, err := c.Join(ctx, link, username, func(st EntryStatus) {
			if st.Status != last {
				last = st.Status
				emit(client.Lobby{State: client.LobbyState(st.Status)})
			}
		})
		if err != nil {
			return nil, nil, err
		}
		b, err := newBackend(cr.URL, cr.Token)
		if err != nil {
			return nil, nil, err
		}
		return b, NewService(c, cr), nil
	}
}

// tokenIsHost reads the room_role attribute the API put in our LiveKit
// token (core/utils.py generate_token). The token is not verified here:
// it only chooses how to authenticate, the server decides.
func tokenIsHost(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Attributes map[string]string `json:"attributes"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	role := claims.Attributes[client.AttrRole]
	return role == "owner" || role == "administrator"
}
