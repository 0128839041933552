package visio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// LobbyStatus is where a request to enter stands (core/services/lobby.py
// LobbyParticipantStatus).
type LobbyStatus string

const (
	Waiting  LobbyStatus = "waiting"
	Accepted LobbyStatus = "accepted"
	Denied   LobbyStatus = "denied"
)

// EntryStatus is the server's answer to a request to enter: the lobby
// participant (services/lobby.py LobbyParticipant.to_dict) plus, once
// accepted, the LiveKit credentials (viewsets.py RoomViewSet.request_entry).
type EntryStatus struct {
	Status LobbyStatus `json:"status"`
	// ID is our lobby participant id (the lobbyParticipantId cookie, a
	// UUID). Hosts admit us by it, and an anonymous participant's LiveKit
	// identity is this id.
	ID       string `json:"id"`
	Username string `json:"username"`
	// Color is the colour the web client draws our avatar in, an HSL CSS
	// colour ("hsl(210, 60%, 40%)").
	Color   string              `json:"color"`
	LiveKit *LiveKitCredentials `json:"livekit"`
}

// anonymousName is the name the web client sends when the user gave none
// (rooms/components/Lobby.tsx: username || user.full_name || 'anonymous');
// the server refuses a blank one (serializers.py RequestEntrySerializer).
const anonymousName = "anonymous"

// RequestEntry asks to enter a room, or asks again where our request
// stands: POST /api/v1.0/rooms/{id}/request-entry/ {"username": …}
// (viewsets.py RoomViewSet.request_entry → services/lobby.py
// LobbyService.request_entry). roomID is the room's UUID (the slug works
// too). The first call puts us in the lobby and the server sets the
// HttpOnly lobbyParticipantId cookie that identifies us afterwards; the
// Client's cookie jar keeps it. People who may bypass the lobby (public
// room; trusted room and logged in; restricted room and listed) are
// accepted at once.
func (c *Client) RequestEntry(ctx context.Context, roomID, username string) (EntryStatus, error) {
	if strings.TrimSpace(username) == "" {
		username = anonymousName
	}
	var st EntryStatus
	err := c.do(ctx, call{
		method:   "POST",
		path:     []string{"rooms", roomID, "request-entry"},
		body:     map[string]string{"username": username},
		notFound: ErrRoomNotFound,
	}, &st)
	if err != nil {
		return EntryStatus{}, err
	}
	switch st.Status {
	case Waiting, Denied:
	case Accepted:
		if st.LiveKit == nil || st.LiveKit.Token == "" {
			return EntryStatus{}, fmt.Errorf("%w: request-entry: accepted without a LiveKit token", ErrProtocol)
		}
	default:
		return EntryStatus{}, fmt.Errorf("%w: request-entry: status %q", ErrProtocol, st.Status)
	}
	return st, nil
}

// WaitInLobby requests entry and keeps asking, every poll interval (1 s,
// as the web client does), until a host answers. It returns the LiveKit
// credentials once accepted, or an error wrapping ErrDenied, ErrLobbyTimeout
// (nobody answered within the lobby timeout, 10 min), the context's error
// when ctx ends, or the error of the last poll.
//
// Polling is what keeps us in the lobby: the server drops a waiting entry
// about 3 s after the last poll (LOBBY_WAITING_TIMEOUT), after which hosts
// no longer see us (the next poll puts us back, as a new arrival). A failed
// poll (network error, 5xx, 429) is retried at the same pace, up to three
// times in a row, which keeps our place through a short outage.
//
// onStatus, when not nil, is called with every answer, in this goroutine;
// it must return quickly, since a poll late by 3 s loses our place.
func (c *Client) WaitInLobby(ctx context.Context, roomID, username string, onStatus func(EntryStatus)) (LiveKitCredentials, error) {
	if onStatus == nil {
		onStatus = func(EntryStatus) {}
	}
	wctx, cancel := context.WithTimeout(ctx, c.lobbyMax)
	defer cancel()
	stop := func() (LiveKitCredentials, error) {
		if ctx.Err() != nil {
			return LiveKitCredentials{}, fmt.Errorf("visio: lobby: %w", context.Cause(ctx))
		}
		return LiveKitCredentials{}, fmt.Errorf("%w after %v", ErrLobbyTimeout, c.lobbyMax)
	}
	failures := 0
	for {
		next := time.Now().Add(c.poll)
		st, err := c.RequestEntry(wctx, roomID, username)
		switch {
		case err == nil:
			failures = 0
			onStatus(st)
			switch st.Status {
			case Accepted:
				return *st.LiveKit, nil
			case Denied:
				return LiveKitCredentials{}, fmt.Errorf("%w (room %s)", ErrDenied, roomID)
			}
		case wctx.Err() != nil:
			return stop()
		case !transient(err) || failures >= lobbyRetries:
			return LiveKitCredentials{}, err
		default:
			failures++
		}
		select {
		case <-wctx.Done():
			return stop()
		case <-time.After(time.Until(next)):
		}
	}
}

// transient says whether a failed poll is worth repeating.
func transient(err error) bool {
	if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrServer) {
		return true
	}
	// 429: the server throttles request-entry (api/throttling.py,
	// REQUEST_ENTRY_THROTTLE_RATES, 150/minute by default).
	he, ok := errors.AsType[*HTTPError](err)
	return ok && he.Status == http.StatusTooManyRequests
}

// WaitingParticipant is someone in a room's lobby, as hosts see them.
type WaitingParticipant struct {
	ID       string      `json:"id"`
	Username string      `json:"username"`
	Color    string      `json:"color"`
	Status   LobbyStatus `json:"status"`
}

// WaitingParticipants lists who waits in the lobby of a room we
// administer: GET /api/v1.0/rooms/{id}/waiting-participants/ (viewsets.py
// RoomViewSet.list_waiting_participants). The server authorises it with the
// login session (permission HasPrivilegesOnRoom, default session
// authentication), not with a LiveKit token: the Client needs WithSession.
// A public room has no lobby and answers an empty list. Hosts learn that
// someone arrived from the data packet {"type": "participantWaiting"}
// (services/lobby.py LobbyService.enter) and list then.
func (c *Client) WaitingParticipants(ctx context.Context, roomID string) ([]WaitingParticipant, error) {
	var w struct {
		Participants *[]WaitingParticipant `json:"participants"`
	}
	err := c.do(ctx, call{method: "GET", path: []string{"rooms", roomID, "waiting-participants"}, notFound: ErrRoomNotFound}, &w)
	if err != nil {
		return nil, err
	}
	if w.Participants == nil {
		return nil, fmt.Errorf("%w: waiting-participants: no participants list", ErrProtocol)
	}
	return *w.Participants, nil
}

// AdmitParticipant lets a waiting participant in (allow) or turns them
// away: POST /api/v1.0/rooms/{id}/enter/ {"participant_id", "allow_entry"}
// (viewsets.py RoomViewSet.allow_participant_to_enter; frontend
// participants/api/enterRoom.ts). Like WaitingParticipants it takes the
// login session and, being a POST, the CSRF token (WithSession,
// WithCSRFToken). A participant who left the lobby, or stopped polling for
// 3 s, is gone: the server answers 404 (an *HTTPError with Status 404).
func (c *Client) AdmitParticipant(ctx context.Context, roomID, participantID string, allow bool) error {
	return c.do(ctx, call{
		method: "POST",
		path:   []string{"rooms", roomID, "enter"},
		body: map[string]any{
			"participant_id": participantID,
			"allow_entry":    allow,
		},
	}, nil)
}
