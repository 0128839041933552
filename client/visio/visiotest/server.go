// Package visiotest is a fake La Suite Meet (Visio) API for tests: an
// httptest.Server that follows the real server's paths, JSON fields,
// cookies, authentication and lobby rules closely enough that a client
// passing against it should pass against the real one.
//
// It was written from the server's source (suitenumerique/meet, commit
// e5f0b1c2): core/api/viewsets.py, serializers.py, permissions.py,
// core/services/lobby.py, core/utils.py, authentication/, meet/settings.py.
// Where it simplifies, the comment says what the real server does.
//
// Tests set up rooms (AddRoom) and logged-in users (AddUser), play the host
// (Waiting, Arrivals, Decide), inject faults (SetIntercept) and inspect
// what clients did (Requests, HandRaisedAt, Mutes, Removals,
// SubtitleStarted).
//
// With Config.LiveKit (package lkapi adapts a real livekit-server), the
// fake also acts on LiveKit where the real server does: it signs real
// tokens with the participant's attributes and grants, sets handRaisedAt
// and names through UpdateParticipant, mutes with MutePublishedTrack,
// removes with RemoveParticipant, sends {"type": "participantWaiting"} to
// the room when someone starts waiting, dispatches the subtitle agent, and
// answers 404/403 as the real views do when someone is not connected.
package visiotest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// TokenMinter makes a LiveKit access token for identity, named name, to
// join room. The real server signs a JWT with its LiveKit key
// (core/utils.py generate_token), attributes and grants included; a
// Config.LiveKit does all that, a TokenMinter only what it chooses.
type TokenMinter func(room, identity, name string) (string, error)

// Access levels (core/models.py RoomAccessLevel).
const (
	Public     = "public"
	Trusted    = "trusted"
	Restricted = "restricted"
)

// Roles a user can have in a room (core/models.py RoleChoices).
const (
	Owner  = "owner"
	Admin  = "administrator"
	Member = "member"
)

// Config shapes the fake instance. The zero value is a working instance
// with the real server's defaults.
type Config struct {
	// LiveKitURL is the LiveKit server the instance advertises, in the
	// configuration and in every livekit{} block (settings
	// LIVEKIT_CONFIGURATION["url"]). Default "https://livekit.visiotest.invalid".
	LiveKitURL string
	// ForceWSSProtocol is settings LIVEKIT_FORCE_WSS_PROTOCOL.
	ForceWSSProtocol bool
	// DefaultSources is settings LIVEKIT_DEFAULT_SOURCES (default camera,
	// microphone, screen_share, screen_share_audio).
	DefaultSources []string
	// SubtitleEnabled is settings ROOM_SUBTITLE_ENABLED; when false
	// start-subtitle answers 404, as the real feature flag does.
	SubtitleEnabled bool
	// RecordingEnabled is settings RECORDING_ENABLE (configuration only).
	RecordingEnabled bool
	// TelephonyNumber, when set, turns telephony on in the configuration.
	TelephonyNumber string
	// AllowUnregisteredRooms is settings ALLOW_UNREGISTERED_ROOMS: an
	// unknown code then opens a public room on the fly instead of a 404.
	// The real default is true; the fake's is false so that a test asks
	// for it.
	AllowUnregisteredRooms bool
	// LiveKit, when set, is the LiveKit server the instance drives, as the
	// real backend drives its own: tokens, hand raise, rename, mute,
	// removal, lobby notification and subtitle agent all reach it (see
	// LiveKit). LiveKitURL defaults to its URL.
	LiveKit LiveKit
	// Minter, when set, makes the LiveKit tokens instead (even with
	// LiveKit set). Without Minter or LiveKit the fake makes opaque
	// tokens it alone understands (enough for the bearer-token
	// endpoints).
	Minter TokenMinter
	// WaitingTimeout is how long a waiting lobby entry lives after the
	// last poll (LOBBY_WAITING_TIMEOUT, 3 s).
	WaitingTimeout time.Duration
	// DeniedTimeout is how long a refusal is remembered (LOBBY_DENIED_TIMEOUT,
	// 5 s); after it a new request waits again.
	DeniedTimeout time.Duration
	// AcceptedTimeout is how long an admission is remembered
	// (LOBBY_ACCEPTED_TIMEOUT, 6 h).
	AcceptedTimeout time.Duration
	// Now is the fake's clock: lobby expiry and handRaisedAt (default
	// time.Now).
	Now func() time.Time
	// SessionCookieName is Django's SESSION_COOKIE_NAME (default "sessionid").
	SessionCookieName string
}

// RoomSpec describes a registered room.
type RoomSpec struct {
	// Slug is the meeting code, abc-defg-hij.
	Slug string
	Name string
	// AccessLevel is Public (default), Trusted or Restricted.
	AccessLevel string
	// Configuration is the room's JSON configuration
	// (can_publish_sources, everyone_can_mute).
	Configuration map[string]any
	// Roles gives users (by Sub) a role in the room: Owner, Admin or
	// Member.
	Roles map[string]string
}

// User is an account that logs in (ProConnect on the state instance).
type User struct {
	Sub      string
	FullName string
	Email    string
}

// Grant is what a token the fake minted allows (the claims the real
// server puts in its JWT: core/utils.py generate_token).
type Grant struct {
	Room     string
	Identity string
	Name     string
	// Color, Role and Authenticated are the participant attributes
	// "color", "room_role", "is_authenticated".
	Color         string
	Role          string
	Authenticated bool
}

// LobbyEntry is a participant in a lobby (core/services/lobby.py
// LobbyParticipant).
type LobbyEntry struct {
	RoomID   string
	ID       string
	Username string
	Color    string
	Status   string // "waiting", "accepted", "denied"
}

// Mute is one accepted mute-participant call.
type Mute struct {
	RoomID   string
	By       string // caller's identity (bearer) or user sub (session)
	Identity string
	TrackSID string
}

// Request is an API request as the fake received it.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Cookie names the real server uses.
const (
	// LobbyCookie is settings LOBBY_COOKIE_NAME.
	LobbyCookie = "lobbyParticipantId"
	// CSRFCookie is Django's CSRF_COOKIE_NAME.
	CSRFCookie = "csrftoken"
)

type room struct {
	id        string
	spec      RoomSpec
	hands     map[string]string // identity → handRaisedAt
	subtitles bool
}

type entry struct {
	LobbyEntry
	expires time.Time
}

// Server is the fake instance. Its methods are safe for concurrent use.
type Server struct {
	// URL is the instance's origin, http://127.0.0.1:port.
	URL string

	srv *httptest.Server
	cfg Config

	mu        sync.Mutex
	rooms     map[string]*room // by id
	slugs     map[string]string
	sessions  map[string]User
	lobby     map[string]map[string]*entry // room id → participant id → entry
	grants    map[string]Grant             // token → grant
	mutes     []Mute
	removals  []Removal
	lkErrors  []error
	requests  []Request
	intercept func(http.ResponseWriter, *http.Request) bool
	arrivals  chan LobbyEntry
}

// New starts a fake instance on a loopback port. Close it when done.
func New(cfg Config) *Server {
	if cfg.LiveKitURL == "" && cfg.LiveKit != nil {
		cfg.LiveKitURL = cfg.LiveKit.URL()
	}
	if cfg.LiveKitURL == "" {
		cfg.LiveKitURL = "https://livekit.visiotest.invalid"
	}
	if cfg.DefaultSources == nil {
		cfg.DefaultSources = []string{"camera", "microphone", "screen_share", "screen_share_audio"}
	}
	if cfg.WaitingTimeout <= 0 {
		cfg.WaitingTimeout = 3 * time.Second
	}
	if cfg.DeniedTimeout <= 0 {
		cfg.DeniedTimeout = 5 * time.Second
	}
	if cfg.AcceptedTimeout <= 0 {
		cfg.AcceptedTimeout = 6 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionCookieName == "" {
		cfg.SessionCookieName = "sessionid"
	}
	s := &Server{
		cfg:      cfg,
		rooms:    map[string]*room{},
		slugs:    map[string]string{},
		sessions: map[string]User{},
		lobby:    map[string]map[string]*entry{},
		grants:   map[string]Grant{},
		arrivals: make(chan LobbyEntry, 64),
	}
	mux := http.NewServeMux()
	const api = "/api/v1.0/"
	mux.HandleFunc("GET "+api+"config/{$}", s.config)
	mux.HandleFunc("GET "+api+"users/me/{$}", s.me)
	mux.HandleFunc("GET "+api+"rooms/{pk}/{$}", s.retrieve)
	mux.HandleFunc("POST "+api+"rooms/{pk}/request-entry/{$}", s.requestEntry)
	mux.HandleFunc("GET "+api+"rooms/{pk}/waiting-participants/{$}", s.waitingParticipants)
	mux.HandleFunc("POST "+api+"rooms/{pk}/enter/{$}", s.enter)
	mux.HandleFunc("POST "+api+"rooms/{pk}/toggle-hand/{$}", s.toggleHand)
	mux.HandleFunc("POST "+api+"rooms/{pk}/rename/{$}", s.rename)
	mux.HandleFunc("POST "+api+"rooms/{pk}/start-subtitle/{$}", s.startSubtitle)
	mux.HandleFunc("POST "+api+"rooms/{pk}/mute-participant/{$}", s.muteParticipant)
	mux.HandleFunc("POST "+api+"rooms/{pk}/remove-participant/{$}", s.removeParticipant)
	s.srv = httptest.NewServer(s.front(mux))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// AddRoom registers a room and returns its id (a UUID).
func (s *Server) AddRoom(spec RoomSpec) string {
	if spec.AccessLevel == "" {
		spec.AccessLevel = Public
	}
	if spec.Name == "" {
		spec.Name = spec.Slug
	}
	if spec.Configuration == nil {
		spec.Configuration = map[string]any{}
	}
	id := newUUID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms[id] = &room{id: id, spec: spec, hands: map[string]string{}}
	s.slugs[spec.Slug] = id
	return id
}

// AddUser logs a user in, as the OIDC callback does, and returns the
// session cookie's value and the CSRF token Django sets at login
// (django.contrib.auth.login rotates it).
func (s *Server) AddUser(u User) (sessionID, csrfToken string) {
	sessionID, csrfToken = randomHex(16), randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[sessionID] = u
	return sessionID, csrfToken
}

// SetIntercept installs h in front of every API request (after logging):
// when h returns true it has answered and the fake does nothing more. Tests
// use it to inject 5xx, garbage or slow answers; nil removes it.
func (s *Server) SetIntercept(h func(http.ResponseWriter, *http.Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intercept = h
}

// Requests returns the API requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Grant returns what a token the fake handed out allows.
func (s *Server) Grant(token string) (Grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[token]
	return g, ok
}

// Arrivals reports each participant who starts waiting in a lobby: what
// the real server announces to the room with the data packet
// {"type": "participantWaiting"} (services/lobby.py LobbyService.enter).
// Reports beyond a backlog of 64 are dropped.
func (s *Server) Arrivals() <-chan LobbyEntry { return s.arrivals }

// Waiting lists who waits in a room's lobby now.
func (s *Server) Waiting(roomID string) []LobbyEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitingLocked(roomID)
}

// Decide admits (allow) or turns away a waiting participant, as a host's
// POST /rooms/{id}/enter/ does. It fails when the participant is not in
// the lobby (never came, or expired for not polling).
func (s *Server) Decide(roomID, participantID string, allow bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.decideLocked(roomID, participantID, allow) {
		return fmt.Errorf("visiotest: participant %s not in the lobby of %s", participantID, roomID)
	}
	return nil
}

// HandRaisedAt is the handRaisedAt attribute the API last set for identity
// in a room: an ISO-8601 time, or "" when lowered or never raised.
func (s *Server) HandRaisedAt(roomID, identity string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rooms[roomID]; r != nil {
		return r.hands[identity]
	}
	return ""
}

// SubtitleStarted says whether someone started subtitles in a room.
func (s *Server) SubtitleStarted(roomID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[roomID]
	return r != nil && r.subtitles
}

// Mutes lists the accepted mute-participant calls.
func (s *Server) Mutes() []Mute {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mutes)
}

// front logs each request and runs the intercept hook.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body,
		})
		h := s.intercept
		s.mu.Unlock()
		if h != nil && h(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// --- authentication, as Django REST framework runs it ---------------------

// sessionUser is DRF SessionAuthentication: the user behind the session
// cookie. An unknown session is an anonymous user, as in Django.
func (s *Server) sessionUser(r *http.Request) (User, bool) {
	c, err := r.Cookie(s.cfg.SessionCookieName)
	if err != nil {
		return User{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.sessions[c.Value]
	return u, ok
}

// csrfFailure is Django's CSRF check, which DRF runs on unsafe requests
// authenticated by session (SessionAuthentication.enforce_csrf): an Origin
// must match the host (over https, Origin or Referer is required), the
// csrftoken cookie must exist and X-CSRFToken must equal it. The real
// check compares unmasked secrets; the fake hands out unmasked tokens.
func csrfFailure(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if o := r.Header.Get("Origin"); o != "" {
		if o != scheme+"://"+r.Host {
			return fmt.Sprintf("Origin checking failed - %s does not match any trusted origins.", o)
		}
	} else if r.TLS != nil && r.Header.Get("Referer") == "" {
		return "Referer checking failed - no Referer."
	}
	c, err := r.Cookie(CSRFCookie)
	if err != nil || c.Value == "" {
		return "CSRF cookie not set."
	}
	h := r.Header.Get("X-CSRFToken")
	if h == "" {
		return "CSRF token missing."
	}
	if h != c.Value {
		return "CSRF token incorrect."
	}
	return ""
}

// sessionAuth authenticates the default way (meet/settings.py
// REST_FRAMEWORK: SessionAuthenticationWith401 only). It answers and
// returns false when the request must stop.
func (s *Server) sessionAuth(w http.ResponseWriter, r *http.Request) (User, bool, bool) {
	u, ok := s.sessionUser(r)
	if ok && r.Method != http.MethodGet {
		if why := csrfFailure(r); why != "" {
			detail(w, http.StatusForbidden, "CSRF Failed: "+why)
			return User{}, false, false
		}
	}
	return u, ok, true
}

// bearer is authentication/livekit.py LiveKitTokenAuthentication: no
// header, no attempt; a malformed header or a token it cannot verify is a
// 403 (the class has no authenticate_header, so DRF does not say 401). The
// real one verifies the JWT with the LiveKit key; the fake knows the
// tokens it handed out, and verifies others when its LiveKit is a
// TokenVerifier.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) (g Grant, present, proceed bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Grant{}, false, true
	}
	parts := strings.Fields(h)
	if len(parts) != 2 || !strings.EqualFold(parts[0], "bearer") {
		detail(w, http.StatusForbidden, "Authorization header must be: Bearer <token>")
		return Grant{}, false, false
	}
	s.mu.Lock()
	g, ok := s.grants[parts[1]]
	s.mu.Unlock()
	if ok {
		return g, true, true
	}
	why := "signature verification failed"
	if v, can := s.cfg.LiveKit.(TokenVerifier); can {
		c, err := v.Verify(parts[1])
		switch {
		case err != nil:
			why = err.Error()
		case c.Identity == "":
			why = "Token missing user identity"
		default:
			return Grant{
				Room: c.Room, Identity: c.Identity, Name: c.Name,
				Color: c.Attributes["color"], Role: c.Attributes["room_role"],
				Authenticated: c.Attributes["is_authenticated"] == "true",
			}, true, true
		}
	}
	detail(w, http.StatusForbidden, "Invalid LiveKit token: "+why)
	return Grant{}, false, false
}

// --- endpoints ------------------------------------------------------------

// config is core/api/__init__.py get_frontend_configuration.
func (s *Server) config(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.sessionAuth(w, r); !ok {
		return
	}
	tel := map[string]any{"enabled": false}
	if s.cfg.TelephonyNumber != "" {
		tel = map[string]any{"enabled": true, "default_country": "FR", "international_phone_number": s.cfg.TelephonyNumber}
	}
	modes := []string{}
	if s.cfg.RecordingEnabled {
		modes = []string{"screen_recording", "transcript"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"LANGUAGE_CODE": "fr",
		"recording": map[string]any{
			"is_enabled": s.cfg.RecordingEnabled, "available_modes": modes,
			"expiration_days": nil, "max_duration": nil,
		},
		"background_image": map[string]any{"upload_is_enabled": false},
		"telephony":        tel,
		"resource":         map[string]any{"default_access_level": Public},
		"subtitle":         map[string]any{"enabled": s.cfg.SubtitleEnabled},
		"diagnostics":      map[string]any{"connection_test_enabled": false},
		"livekit": map[string]any{
			"url":                             s.cfg.LiveKitURL,
			"force_wss_protocol":              s.cfg.ForceWSSProtocol,
			"enable_firefox_proxy_workaround": false,
			"default_sources":                 s.cfg.DefaultSources,
		},
		"authenticated_users_can_edit_display_name": true,
		// settings.FRONTEND_CONFIGURATION, merged at the top level.
		"silence_livekit_debug_logs":    false,
		"is_silent_login_enabled":       true,
		"idle_disconnect_warning_delay": nil,
		"feedback":                      map[string]any{},
		"max_participants_for_sound":    5,
		"auto_mute_on_join_threshold":   50,
	})
}

// me is UserViewSet.get_me (permission IsAuthenticated → 401 anonymous).
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u, ok, proceed := s.sessionAuth(w, r)
	if !proceed {
		return
	}
	if !ok {
		notAuthenticated(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": u.Sub, "email": u.Email, "full_name": u.FullName, "short_name": u.FullName,
	})
}

// retrieve is RoomViewSet.retrieve with serializers.py
// RoomSerializer.to_representation.
func (s *Server) retrieve(w http.ResponseWriter, r *http.Request) {
	u, authed, ok := s.sessionAuth(w, r)
	if !ok {
		return
	}
	username := r.URL.Query().Get("username")
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.lookupLocked(r.PathValue("pk"))
	if rm == nil {
		if !s.cfg.AllowUnregisteredRooms {
			detail(w, http.StatusNotFound, "No Room matches the given query.")
			return
		}
		slug := slugify(r.PathValue("pk"))
		lk, err := s.livekitLocked(slug, nil, u, authed, username, "", "", "")
		if err != nil {
			detail(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id": nil, "slug": slug, "is_administrable": false,
			"access_level": Public, "livekit": lk,
		})
		return
	}
	role := rm.role(u, authed)
	out := map[string]any{
		"id": rm.id, "name": rm.spec.Name, "slug": rm.spec.Slug,
		"configuration": rm.spec.Configuration, "access_level": rm.spec.AccessLevel,
		"pin_code": nil,
	}
	if role == Owner || role == Admin {
		var acc []map[string]any
		for sub, ro := range rm.spec.Roles {
			acc = append(acc, map[string]any{"id": newUUID(), "user": map[string]any{"id": sub}, "resource": rm.id, "role": ro})
		}
		out["accesses"] = acc
	}
	if rm.spec.AccessLevel == Trusted && authed || role != "" || rm.spec.AccessLevel == Public {
		// Without participant_id: an anonymous user gets a fresh random
		// identity on every fetch (core/utils.py generate_token).
		lk, err := s.livekitLocked(rm.id, rm.spec.Configuration, u, authed, username, "", role, "")
		if err != nil {
			detail(w, http.StatusInternalServerError, err.Error())
			return
		}
		out["livekit"] = lk
	} else {
		delete(out, "pin_code")
	}
	writeJSON(w, http.StatusOK, out)
}

// requiredString is a DRF CharField(required=True, allow_blank=False):
// whitespace trimmed, then present and not blank, or a 400 naming the field.
func requiredString(w http.ResponseWriter, body map[string]any, field string) (string, bool) {
	v, present := body[field]
	if !present {
		fieldError(w, field, "This field is required.")
		return "", false
	}
	str, _ := v.(string)
	if str = strings.TrimSpace(str); str == "" {
		fieldError(w, field, "This field may not be blank.")
		return "", false
	}
	return str, true
}

// requestEntry is RoomViewSet.request_entry and services/lobby.py
// LobbyService.request_entry.
func (s *Server) requestEntry(w http.ResponseWriter, r *http.Request) {
	u, authed, ok := s.sessionAuth(w, r)
	if !ok {
		return
	}
	var body map[string]any
	if !decodeBody(w, r, &body) {
		return
	}
	// serializers.py RequestEntrySerializer: username required, not blank
	// (DRF trims whitespace), validated before the room is looked up.
	username, ok := requiredString(w, body, "username")
	if !ok {
		return
	}
	s.mu.Lock()
	rm := s.lookupLocked(r.PathValue("pk"))
	if rm == nil {
		s.mu.Unlock()
		// get_object only: no unregistered-room fallback here.
		detail(w, http.StatusNotFound, "No Room matches the given query.")
		return
	}
	pid := newUUID()
	if c, err := r.Cookie(LobbyCookie); err == nil && c.Value != "" {
		pid = c.Value
	}
	p := s.getLocked(rm.id, pid)
	role := rm.role(u, authed)
	var lk map[string]any
	var err error
	entered := false
	bypass := rm.spec.AccessLevel == Public ||
		rm.spec.AccessLevel == Trusted && authed ||
		rm.spec.AccessLevel == Restricted && authed && role != ""
	switch {
	case bypass:
		// can_bypass_lobby. The real service marks the entry accepted in
		// the answer only, without storing it.
		var le LobbyEntry
		if p != nil {
			le = p.LobbyEntry
		} else {
			le = LobbyEntry{RoomID: rm.id, ID: pid, Username: username, Color: color(pid)}
		}
		le.Status = "accepted"
		p = &entry{LobbyEntry: le}
		lk, err = s.livekitLocked(rm.id, rm.spec.Configuration, u, authed, username, le.Color, role, pid)
	case p == nil:
		// LobbyService.enter: notify the room (below, once the lock is
		// released), store with the waiting timeout.
		entered = true
		p = &entry{
			LobbyEntry: LobbyEntry{RoomID: rm.id, ID: pid, Username: username, Color: color(pid), Status: "waiting"},
			expires:    s.cfg.Now().Add(s.cfg.WaitingTimeout),
		}
		if s.lobby[rm.id] == nil {
			s.lobby[rm.id] = map[string]*entry{}
		}
		s.lobby[rm.id][pid] = p
		select {
		case s.arrivals <- p.LobbyEntry:
		default:
		}
	case p.Status == "waiting":
		// refresh_waiting_status: cache.touch with the waiting timeout.
		p.expires = s.cfg.Now().Add(s.cfg.WaitingTimeout)
	case p.Status == "accepted":
		lk, err = s.livekitLocked(rm.id, rm.spec.Configuration, u, authed, username, p.Color, role, pid)
	}
	out := map[string]any{"status": p.Status, "username": p.Username, "id": p.ID, "color": p.Color, "livekit": nil}
	s.mu.Unlock()
	if err != nil {
		detail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if entered {
		// LobbyService.enter → utils.notify_participants: {"type":
		// settings.LOBBY_NOTIFICATION_TYPE} to the whole room (admins or
		// not; the web client listens only when admin), before answering.
		// The real service sends it just before storing the entry, so a
		// host who reacts within microseconds could list an empty lobby;
		// the fake stores first.
		s.notifyParticipants(r.Context(), rm.id, []byte(`{"type": "`+LobbyNotification+`"}`))
	}
	// prepare_response sets the cookie on every answer.
	http.SetCookie(w, &http.Cookie{
		Name: LobbyCookie, Value: pid, Path: "/",
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	if lk != nil {
		out["livekit"] = lk
	}
	writeJSON(w, http.StatusOK, out)
}

// hostRoom runs the checks of the host endpoints (permission
// HasPrivilegesOnRoom over session authentication): 401 when not logged
// in, 404 for an unknown room, 403 for a user who is neither owner nor
// administrator. validate runs between authentication and the room
// lookup, where the real view validates its body.
func (s *Server) hostRoom(w http.ResponseWriter, r *http.Request, validate func() bool) (*room, bool) {
	u, authed, ok := s.sessionAuth(w, r)
	if !ok {
		return nil, false
	}
	if !authed {
		notAuthenticated(w)
		return nil, false
	}
	if validate != nil && !validate() {
		return nil, false
	}
	s.mu.Lock()
	rm := s.lookupLocked(r.PathValue("pk"))
	s.mu.Unlock()
	if rm == nil {
		detail(w, http.StatusNotFound, "No Room matches the given query.")
		return nil, false
	}
	if ro := rm.role(u, true); ro != Owner && ro != Admin {
		detail(w, http.StatusForbidden, "You must have privileges on room to perform this action.")
		return nil, false
	}
	return rm, true
}

// waitingParticipants is RoomViewSet.list_waiting_participants.
func (s *Server) waitingParticipants(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.hostRoom(w, r, nil)
	if !ok {
		return
	}
	list := []map[string]any{}
	if rm.spec.AccessLevel != Public {
		for _, e := range s.Waiting(rm.id) {
			list = append(list, map[string]any{"id": e.ID, "username": e.Username, "status": e.Status, "color": e.Color})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"participants": list})
}

// enter is RoomViewSet.allow_participant_to_enter.
func (s *Server) enter(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	var pid string
	var allow bool
	rm, ok := s.hostRoom(w, r, func() bool {
		// serializers.py ParticipantEntrySerializer: participant_id a
		// UUID, allow_entry a boolean (DRF also takes "true", 1…; the
		// fake wants JSON booleans).
		if !decodeBody(w, r, &body) {
			return false
		}
		pid, _ = body["participant_id"].(string)
		if !uuidPattern.MatchString(pid) {
			fieldError(w, "participant_id", "Must be a valid UUID.")
			return false
		}
		var isBool bool
		if allow, isBool = body["allow_entry"].(bool); !isBool {
			fieldError(w, "allow_entry", "Must be a valid boolean.")
			return false
		}
		return true
	})
	if !ok {
		return
	}
	if rm.spec.AccessLevel == Public {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Room has no lobby system."})
		return
	}
	s.mu.Lock()
	found := s.decideLocked(rm.id, strings.ToLower(pid), allow)
	s.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Participant not found."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": "Participant was updated."})
}

// participantRoom runs the checks of the participant actions
// (LiveKitTokenAuthentication + HasLiveKitRoomAccess): a token for this
// very room. The real endpoints then update the participant in LiveKit
// and answer 404 when they are not connected; so does the fake with a
// LiveKit, while without one it takes them as present.
func (s *Server) participantRoom(w http.ResponseWriter, r *http.Request) (*room, Grant, bool) {
	g, present, ok := s.bearer(w, r)
	if !ok {
		return nil, Grant{}, false
	}
	s.mu.Lock()
	rm := s.lookupLocked(r.PathValue("pk"))
	s.mu.Unlock()
	if rm == nil {
		detail(w, http.StatusNotFound, "No Room matches the given query.")
		return nil, Grant{}, false
	}
	if !present {
		detail(w, http.StatusForbidden, "Authentication credentials were not provided.")
		return nil, Grant{}, false
	}
	if g.Room != rm.id {
		detail(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return nil, Grant{}, false
	}
	return rm, g, true
}

// updateParticipant is services/participants_management.py
// ParticipantsManagement.update as the participant actions use it:
// UpdateParticipant on the room named after its id, 404 {"error":
// "Participant not found"} when LiveKit does not know them, 500 {"error":
// failure} on any other error. It answers and returns false on failure;
// without a LiveKit it does nothing and returns true.
//
// The service always sends metadata=json.dumps(metadata), and the actions
// pass none: LiveKit receives the string "null", which is not empty, so
// every hand raise or rename also sets the participant's metadata to
// "null". Clients see that too.
func (s *Server) updateParticipant(w http.ResponseWriter, r *http.Request, roomID, identity string, u ParticipantUpdate, failure string) bool {
	lk := s.cfg.LiveKit
	if lk == nil {
		return true
	}
	if u.Metadata == "" {
		u.Metadata = "null"
	}
	ctx, cancel := lkContext(r.Context())
	defer cancel()
	return s.liveKitAnswer(w, lk.UpdateParticipant(ctx, roomID, identity, u), failure)
}

// liveKitAnswer answers a failed ParticipantsManagement call as the views
// do: ParticipantNotFoundException is a 404, any other error a 500 with
// the view's message. It returns whether err was nil.
func (s *Server) liveKitAnswer(w http.ResponseWriter, err error, failure string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrLiveKitNotFound):
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Participant not found"})
	default:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": failure})
	}
	return false
}

// toggleHand is RoomViewSet.toggle_hand: the participant attribute
// handRaisedAt, timezone.now().isoformat() when raised, "" when lowered
// (LiveKit deletes an attribute set to "", and clients see "").
func (s *Server) toggleHand(w http.ResponseWriter, r *http.Request) {
	rm, g, ok := s.participantRoom(w, r)
	if !ok {
		return
	}
	var body map[string]any
	if !decodeBody(w, r, &body) {
		return
	}
	raised, isBool := body["raised"].(bool)
	if !isBool {
		fieldError(w, "raised", "Must be a valid boolean.")
		return
	}
	at := ""
	if raised {
		at = isoformat(s.cfg.Now())
	}
	if !s.updateParticipant(w, r, rm.id, g.Identity,
		ParticipantUpdate{Attributes: map[string]string{"handRaisedAt": at}},
		"Failed to update participant hand state") {
		return
	}
	s.mu.Lock()
	rm.hands[g.Identity] = at
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// rename is RoomViewSet.rename: UpdateParticipant with the new name (the
// token keeps the old one; the fake's Grant follows the rename so that
// tests can read it).
func (s *Server) rename(w http.ResponseWriter, r *http.Request) {
	rm, g, ok := s.participantRoom(w, r)
	if !ok {
		return
	}
	var body map[string]any
	if !decodeBody(w, r, &body) {
		return
	}
	name, _ := body["name"].(string)
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 255 {
		fieldError(w, "name", "Ensure this field has between 1 and 255 characters.")
		return
	}
	if !s.updateParticipant(w, r, rm.id, g.Identity, ParticipantUpdate{Name: name}, "Failed to rename participant") {
		return
	}
	s.mu.Lock()
	for tok, gr := range s.grants {
		if gr.Room == g.Room && gr.Identity == g.Identity {
			gr.Name = name
			s.grants[tok] = gr
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// startSubtitle is RoomViewSet.start_subtitle, behind the "subtitle"
// feature flag (api/feature_flag.py: Http404 when off), and
// services/subtitle.py SubtitleService.start_subtitle: an agent dispatch
// of settings.ROOM_SUBTITLE_AGENT_NAME to the room. The transcriber agent
// then joins the room and publishes transcriptions; no such agent runs
// here, so clients see nothing but the dispatch (AgentDispatchService
// ListDispatch).
func (s *Server) startSubtitle(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.bearer(w, r); !ok {
		return
	}
	if !s.cfg.SubtitleEnabled {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	rm, _, ok := s.participantRoom(w, r)
	if !ok {
		return
	}
	if lk := s.cfg.LiveKit; lk != nil {
		ctx, cancel := lkContext(r.Context())
		err := lk.CreateAgentDispatch(ctx, rm.id, SubtitleAgent)
		cancel()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{
				"error": "Subtitles failed to start for room " + rm.spec.Slug,
			})
			return
		}
	}
	s.mu.Lock()
	rm.subtitles = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// muteParticipant is RoomViewSet.mute_participant with
// permissions.py CanMuteParticipant: authentication by LiveKit token,
// then session. It only mutes, through ParticipantsManagement.mute
// (MutePublishedTrack, muted=true): the participantMuted notification
// the muted person sees is the web client's own data packet
// (frontend rooms/api/muteParticipant.ts), not the server's.
func (s *Server) muteParticipant(w http.ResponseWriter, r *http.Request) {
	g, tokenAuth, ok := s.bearer(w, r)
	if !ok {
		return
	}
	var u User
	var authed bool
	if !tokenAuth {
		if u, authed, ok = s.sessionAuth(w, r); !ok {
			return
		}
	}
	s.mu.Lock()
	rm := s.lookupLocked(r.PathValue("pk"))
	s.mu.Unlock()
	if rm == nil {
		detail(w, http.StatusNotFound, "No Room matches the given query.")
		return
	}
	by := ""
	switch ro := rm.role(u, authed); {
	case !tokenAuth && (ro == Owner || ro == Admin):
		by = u.Sub
	case !tokenAuth && !authed:
		// NotAuthenticated, but the first authenticator (LiveKit) has no
		// authenticate_header: DRF answers 403, not 401.
		detail(w, http.StatusForbidden, "Authentication credentials were not provided.")
		return
	case !everyoneCanMute(rm.spec.Configuration) || !tokenAuth || g.Room != rm.id:
		// A bearer token is checked against everyone_can_mute even for
		// hosts: they mute by session.
		detail(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return
	default:
		by = g.Identity
	}
	var body map[string]any
	if !decodeBody(w, r, &body) {
		return
	}
	// serializers.py MuteParticipantSerializer: two CharFields, which DRF
	// trims.
	identity, _ := body["participant_identity"].(string)
	track, _ := body["track_sid"].(string)
	identity, track = strings.TrimSpace(identity), strings.TrimSpace(track)
	if identity == "" {
		fieldError(w, "participant_identity", "This field is required.")
		return
	}
	if track == "" || len(track) > 255 {
		fieldError(w, "track_sid", "This field is required.")
		return
	}
	if lk := s.cfg.LiveKit; lk != nil {
		ctx, cancel := lkContext(r.Context())
		defer cancel()
		if tokenAuth {
			// "TEMPORARY" check of the view: a token caller must be in the
			// room. check_if_in_meeting's answer is ignored (a
			// DISCONNECTED participant passes); only a failure to find
			// them, or any LiveKit error, denies.
			if _, err := lk.GetParticipant(ctx, rm.id, g.Identity); err != nil {
				writeJSON(w, http.StatusForbidden, map[string]any{"error": "Could not verify caller presence"})
				return
			}
		}
		// LiveKit answers success for a track SID the participant does
		// not publish. For a participant not in the room, livekit-server
		// (v1.13.5) does not say not_found: its request waits for the
		// participant's node, which never answers, and fails after 3 s
		// with Twirp "unavailable", so the view answers 500, not 404.
		if !s.liveKitAnswer(w, lk.MutePublishedTrack(ctx, rm.id, identity, track), "Failed to mute participant") {
			return
		}
	}
	s.mu.Lock()
	s.mutes = append(s.mutes, Mute{RoomID: rm.id, By: by, Identity: identity, TrackSID: track})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// removeParticipant is RoomViewSet.remove_participant (permission
// HasPrivilegesOnRoom over session authentication; the body is validated
// after the room lookup, serializers.py
// BaseParticipantsManagementSerializer) and
// ParticipantsManagement.remove: the participant's lobby entry (keyed by
// their identity, which is the lobby id of an anonymous guest) is
// cleared, so an admitted guest must ask again, then RemoveParticipant.
// The frontend calls it from the participant menu
// (rooms/api/removeParticipant.ts).
func (s *Server) removeParticipant(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.hostRoom(w, r, nil)
	if !ok {
		return
	}
	u, _ := s.sessionUser(r)
	var body map[string]any
	if !decodeBody(w, r, &body) {
		return
	}
	identity, ok := requiredString(w, body, "participant_identity")
	if !ok {
		return
	}
	s.mu.Lock()
	delete(s.lobby[rm.id], identity)
	s.mu.Unlock()
	if lk := s.cfg.LiveKit; lk != nil {
		ctx, cancel := lkContext(r.Context())
		err := lk.RemoveParticipant(ctx, rm.id, identity)
		cancel()
		if !s.liveKitAnswer(w, err, "Failed to remove participant") {
			return
		}
	}
	s.mu.Lock()
	s.removals = append(s.removals, Removal{RoomID: rm.id, By: u.Sub, Identity: identity})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// --- state ------------------------------------------------------------------

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// lookupLocked is RoomViewSet.get_object: by id when pk is a UUID, else by
// slugify(pk).
func (s *Server) lookupLocked(pk string) *room {
	if uuidPattern.MatchString(pk) {
		return s.rooms[strings.ToLower(pk)]
	}
	return s.rooms[s.slugs[slugify(pk)]]
}

// role is core/models.py Resource.get_role.
func (rm *room) role(u User, authed bool) string {
	if !authed {
		return ""
	}
	return rm.spec.Roles[u.Sub]
}

// getLocked is LobbyService._get_participant, with the cache's expiry.
func (s *Server) getLocked(roomID, pid string) *entry {
	e := s.lobby[roomID][pid]
	if e == nil {
		return nil
	}
	if !s.cfg.Now().Before(e.expires) {
		delete(s.lobby[roomID], pid)
		return nil
	}
	return e
}

func (s *Server) waitingLocked(roomID string) []LobbyEntry {
	var out []LobbyEntry
	for pid := range s.lobby[roomID] {
		if e := s.getLocked(roomID, pid); e != nil && e.Status == "waiting" {
			out = append(out, e.LobbyEntry)
		}
	}
	slices.SortFunc(out, func(a, b LobbyEntry) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// decideLocked is LobbyService.handle_participant_entry.
func (s *Server) decideLocked(roomID, pid string, allow bool) bool {
	e := s.getLocked(roomID, pid)
	if e == nil {
		return false
	}
	if allow {
		e.Status, e.expires = "accepted", s.cfg.Now().Add(s.cfg.AcceptedTimeout)
	} else {
		e.Status, e.expires = "denied", s.cfg.Now().Add(s.cfg.DeniedTimeout)
	}
	return true
}

// livekitLocked is core/utils.py generate_livekit_config and
// generate_token: identity is the user's sub, else participantID (lobby),
// else random; the name is username, else the account's name or
// "Anonymous"; attributes color, room_role and is_authenticated; grants
// to join the room, publish the room's can_publish_sources (the
// instance's default sources for its owners and administrators, who also
// administer the room), subscribe and publish data, but not to update
// one's own metadata or attributes. conf is the room's configuration (nil
// for an unregistered room).
func (s *Server) livekitLocked(roomName string, conf map[string]any, u User, authed bool, username, col, role, participantID string) (map[string]any, error) {
	g := Grant{Room: roomName, Role: role, Authenticated: authed}
	switch {
	case authed:
		g.Identity, g.Name = u.Sub, u.FullName
	case participantID != "":
		g.Identity, g.Name = participantID, "Anonymous"
	default:
		g.Identity, g.Name = newUUID(), "Anonymous"
	}
	if username != "" {
		g.Name = username
	}
	g.Color = col
	if g.Color == "" {
		g.Color = color(g.Identity)
	}
	admin := role == Owner || role == Admin
	sources := s.cfg.DefaultSources
	if v, ok := conf["can_publish_sources"]; ok && v != nil && !admin {
		sources = stringList(v)
	}
	authenticated := "false"
	if authed {
		authenticated = "true"
	}
	tok, err := s.mint(TokenClaims{
		Room: g.Room, Identity: g.Identity, Name: g.Name,
		// room_role is None for people without a role; the SDK writes
		// null, which LiveKit reads as "".
		Attributes:        map[string]string{"color": g.Color, "room_role": role, "is_authenticated": authenticated},
		RoomAdmin:         admin,
		CanPublish:        len(sources) > 0,
		CanPublishSources: slices.Clone(sources),
		CanSubscribe:      true,
		CanPublishData:    true, // VideoGrants' default
		TTL:               tokenTTL,
	})
	if err != nil {
		return nil, err
	}
	s.grants[tok] = g
	return map[string]any{"url": s.cfg.LiveKitURL, "room": roomName, "token": tok}, nil
}

// stringList reads a JSON list of strings, as decoded (of any) or as a
// test wrote it ([]string).
func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func everyoneCanMute(conf map[string]any) bool {
	v, ok := conf["everyone_can_mute"].(bool)
	return !ok || v
}

// color is core/utils.py generate_color's shape (an HSL colour stable per
// identity), not its exact values.
func color(identity string) string {
	h := sha1.Sum([]byte(identity))
	return fmt.Sprintf("hsl(%d, %d%%, %d%%)", (int(h[0])<<8|int(h[1]))%361, 50+int(h[2])%26, 25+int(h[3])%36)
}

// slugify is the part of Django's slugify meeting codes go through.
func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// --- HTTP helpers -------------------------------------------------------------

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// detail answers as DRF does for its exceptions.
func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// notAuthenticated is DRF's NotAuthenticated under
// SessionAuthenticationWith401 (authentication/backends.py).
func notAuthenticated(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Session")
	detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
}

// fieldError is a DRF validation error on one field.
func fieldError(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string][]string{field: {msg}})
}

// decodeBody is DRF's JSONParser: an empty body is empty data; a body
// needs a JSON content type (415 otherwise) and must parse (400).
func decodeBody(w http.ResponseWriter, r *http.Request, v *map[string]any) bool {
	b, _ := io.ReadAll(r.Body)
	*v = map[string]any{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return true
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		detail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", r.Header.Get("Content-Type")))
		return false
	}
	if err := json.Unmarshal(b, v); err != nil || *v == nil {
		detail(w, http.StatusBadRequest, "JSON parse error")
		return false
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
