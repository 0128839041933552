package visio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Errors this package reports, wrapped with detail (%w). Test them with
// errors.Is; front ends turn each into one translated sentence through
// ErrorKey, never by matching strings.
var (
	// ErrBadLink: the text is not a meeting link or code (a link is
	// https://<host>/abc-defg-hij; a code is abc-defg-hij in any case, with
	// or without hyphens).
	ErrBadLink = errors.New("visio: not a meeting link")
	// ErrRoomNotFound: no meeting has this code on the instance, and the
	// instance does not open unregistered rooms (HTTP 404).
	ErrRoomNotFound = errors.New("visio: meeting not found")
	// ErrDenied: a host refused our entry from the lobby.
	ErrDenied = errors.New("visio: entry denied")
	// ErrLobbyTimeout: nobody let us in within the lobby time limit.
	ErrLobbyTimeout = errors.New("visio: nobody let us in")
	// ErrUnauthorized: the server wants a login we lack, or refused our
	// credentials: session cookie, CSRF token or LiveKit token (HTTP 401
	// or 403).
	ErrUnauthorized = errors.New("visio: not authorised")
	// ErrServer: the server failed (HTTP 5xx).
	ErrServer = errors.New("visio: server error")
	// ErrUnreachable: no answer: DNS, connection, TLS or a request that
	// timed out.
	ErrUnreachable = errors.New("visio: server unreachable")
	// ErrProtocol: the server answered something this client does not
	// understand (not the JSON La Suite Meet sends), or refused our request
	// as malformed (HTTP 400): the two disagree on the API.
	ErrProtocol = errors.New("visio: unexpected answer")
)

// HTTPError is an answer with a status other than 2xx. It unwraps to the
// sentinel its status maps to (ErrUnauthorized, ErrServer, ErrProtocol,
// ErrRoomNotFound…) or to nothing for statuses with no meaning of their own
// here (a 404 about a lobby participant, a 429).
type HTTPError struct {
	Status int
	// Body is the start of the answer (at most maxErrorBody bytes), for
	// logs and bug reports.
	Body string
	kind error
}

// maxErrorBody bounds HTTPError.Body: enough for Django's {"detail": …}
// and DRF validation messages, not a whole HTML error page.
const maxErrorBody = 512

func newHTTPError(status int, body []byte, kind error) *HTTPError {
	b := body
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return &HTTPError{Status: status, Body: string(b), kind: kind}
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if d := e.detail(); d != "" {
		s += ": " + d
	}
	return s
}

// Unwrap returns the sentinel the status maps to, or nil.
func (e *HTTPError) Unwrap() error { return e.kind }

// detail is the message Django REST framework and La Suite Meet put in
// error bodies: {"detail": …} from DRF, {"message": …} or {"error": …} from
// the room actions (viewsets.py RoomViewSet.allow_participant_to_enter,
// toggle_hand).
func (e *HTTPError) detail() string {
	var m map[string]any
	if json.Unmarshal([]byte(e.Body), &m) != nil {
		return ""
	}
	for _, k := range []string{"detail", "message", "error"} {
		if s, ok := m[k].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// errorKeys maps each sentinel to its message key in
// assets/translations, most specific first.
var errorKeys = []struct {
	err error
	key string
}{
	{ErrBadLink, "visio.error.bad_link"},
	{ErrRoomNotFound, "visio.error.room_not_found"},
	{ErrDenied, "visio.error.denied"},
	{ErrLobbyTimeout, "visio.error.lobby_timeout"},
	{ErrUnauthorized, "visio.error.unauthorized"},
	{ErrServer, "visio.error.server"},
	{ErrUnreachable, "visio.error.unreachable"},
	{ErrProtocol, "visio.error.protocol"},
}

// KeyRejected is the message key for an HTTPError that maps to no
// sentinel: the server refused the request for a reason of its own.
const KeyRejected = "visio.error.rejected"

// ErrorKey returns the translation key (assets/translations) of the
// sentence that explains err to a user, or "" when err is nil or not one of
// this package's errors (context cancellation included), so the caller
// falls back to its own generic message.
func ErrorKey(err error) string {
	if err == nil {
		return ""
	}
	for _, e := range errorKeys {
		if errors.Is(err, e.err) {
			return e.key
		}
	}
	if _, ok := errors.AsType[*HTTPError](err); ok {
		return KeyRejected
	}
	return ""
}

// ErrorKeys lists every key ErrorKey can return, so a test can check each
// has a translation.
func ErrorKeys() []string {
	keys := make([]string, 0, len(errorKeys)+1)
	for _, e := range errorKeys {
		keys = append(keys, e.key)
	}
	return append(keys, KeyRejected)
}
