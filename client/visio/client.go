// Package visio speaks the REST API of La Suite Meet (Visio, the French
// state's video conferencing, github.com/suitenumerique/meet): from a
// meeting link to the LiveKit URL and token that client/livekit joins
// with, through the lobby when the room has one, plus the few actions the
// API performs for participants and hosts (hand raise, subtitles, mute,
// admitting people from the lobby).
//
// Every path, field and rule below was checked against the server's source
// (suitenumerique/meet, commit e5f0b1c2 of 2026-08-21); comments name the
// file and function each comes from. Backend paths are under src/backend/,
// frontend ones under src/frontend/src/.
package visio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// Defaults, each overridable by an Option.
const (
	// DefaultRequestTimeout bounds each API request, connection included.
	// The API answers in milliseconds; 10 s leaves room for a slow mobile
	// link without leaving a user staring at a frozen screen.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultPollInterval is the lobby's poll period, the web client's
	// (features/rooms/hooks/useLobby.ts POLL_INTERVAL_MS). The server
	// forgets a waiting participant who has not polled for
	// LOBBY_WAITING_TIMEOUT = 3 s (meet/settings.py; services/lobby.py
	// LobbyService.refresh_waiting_status), so the period must stay well
	// under 3 s.
	DefaultPollInterval = time.Second
	// DefaultLobbyTimeout is how long we wait to be let in: the web
	// client's limit (useLobby.ts WAIT_TIMEOUT_MS, 10 minutes).
	DefaultLobbyTimeout = 10 * time.Minute
	// DefaultSessionCookie is Django's session cookie name, which
	// production instances keep (meet/settings.py sets it only for
	// Development, to "meet_sessionid").
	DefaultSessionCookie = "sessionid"
)

// lobbyRetries is how many failed polls in a row (network, 5xx, 429) the
// lobby tolerates before giving up. Three at the 1 s pace keep us within
// the server's 3 s window, so a blip does not cost our place.
const lobbyRetries = 3

// maxBody bounds the answers we read: the largest, /config/, is a few
// kilobytes.
const maxBody = 1 << 20

// csrfCookie is Django's CSRF cookie (CSRF_COOKIE_NAME default), which the
// web client copies into X-CSRFToken (frontend api/fetchApi.ts
// getCsrfToken).
const csrfCookie = "csrftoken"

// Client talks to one La Suite Meet instance. It keeps cookies between
// calls (the lobby recognises us by its lobbyParticipantId cookie) and is
// safe for concurrent use.
type Client struct {
	base      *url.URL
	hc        *http.Client
	timeout   time.Duration
	userAgent string
	poll      time.Duration
	lobbyMax  time.Duration
	session   bool // logged in: a session cookie was given
}

// hasSession tells whether the Client acts for a logged-in user.
func (c *Client) hasSession() bool { return c.session }

// Option tunes a Client.
type Option func(*options)

type options struct {
	hc            *http.Client
	timeout       time.Duration
	version       string
	session       string
	sessionCookie string
	csrf          string
	poll          time.Duration
	lobbyMax      time.Duration
}

// WithHTTPClient makes requests through hc (its Transport, CheckRedirect
// and Jar). hc is copied; when it has no Jar the Client adds its own, since
// the lobby needs cookies. Request time is bounded by WithRequestTimeout,
// whatever hc.Timeout says.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithRequestTimeout bounds each request (default DefaultRequestTimeout).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithVersion sets the version in the User-Agent, Causerie/<version>. The
// default is the main module's version from the build, or "dev".
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// WithSession makes the calls as a logged-in user: sessionID is the value
// of the Django session cookie a ProConnect (OIDC) login ended with.
// Session-authenticated POSTs also need the CSRF token of the same login:
// see WithCSRFToken.
func WithSession(sessionID string) Option { return func(o *options) { o.session = sessionID } }

// WithSessionCookieName changes the session cookie's name (default
// DefaultSessionCookie; development instances use "meet_sessionid").
func WithSessionCookieName(name string) Option { return func(o *options) { o.sessionCookie = name } }

// WithCSRFToken sets the csrftoken cookie that Django set at login. The
// Client copies it into X-CSRFToken on POSTs, as the web client does:
// Django REST framework checks it on every POST made with a session
// (rest_framework SessionAuthentication.enforce_csrf).
func WithCSRFToken(token string) Option { return func(o *options) { o.csrf = token } }

// WithPollInterval sets the lobby poll period (default
// DefaultPollInterval). Tests shorten it; above 3 s the server drops us
// from the lobby between polls.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithLobbyTimeout sets how long WaitInLobby waits to be let in (default
// DefaultLobbyTimeout).
func WithLobbyTimeout(d time.Duration) Option { return func(o *options) { o.lobbyMax = d } }

// New returns a client for the instance at base (a Link's BaseURL:
// https://host, or http://localhost:port). Errors wrap ErrBadLink. Without
// WithHTTPClient, requests go through http.DefaultTransport, so the
// system's proxy settings (HTTPS_PROXY…) apply, as many administrations
// need.
func New(base *url.URL, opts ...Option) (*Client, error) {
	if base == nil {
		return nil, fmt.Errorf("%w: no instance address", ErrBadLink)
	}
	origin, err := checkOrigin(base)
	if err != nil {
		return nil, err
	}
	if p := strings.Trim(base.Path, "/"); p != "" {
		return nil, fmt.Errorf("%w: instance address %q has a path", ErrBadLink, base)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.timeout <= 0 {
		o.timeout = DefaultRequestTimeout
	}
	if o.version == "" {
		o.version = buildVersion()
	}
	if o.sessionCookie == "" {
		o.sessionCookie = DefaultSessionCookie
	}
	if o.poll <= 0 {
		o.poll = DefaultPollInterval
	}
	if o.lobbyMax <= 0 {
		o.lobbyMax = DefaultLobbyTimeout
	}
	hc := &http.Client{}
	if o.hc != nil {
		*hc = *o.hc
	}
	if hc.Jar == nil {
		// cookiejar treats localhost as a secure origin like browsers do,
		// so the Secure lobby cookie survives on a loopback http instance.
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, err
		}
		hc.Jar = jar
	}
	var set []*http.Cookie
	if o.session != "" {
		set = append(set, &http.Cookie{Name: o.sessionCookie, Value: o.session, Path: "/"})
	}
	if o.csrf != "" {
		set = append(set, &http.Cookie{Name: csrfCookie, Value: o.csrf, Path: "/"})
	}
	if len(set) > 0 {
		hc.Jar.SetCookies(origin, set)
	}
	return &Client{
		base:      origin,
		hc:        hc,
		timeout:   o.timeout,
		userAgent: "Causerie/" + o.version,
		poll:      o.poll,
		lobbyMax:  o.lobbyMax,
		session:   o.session != "",
	}, nil
}

// BaseURL is the instance's origin.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}

// call is one API request.
type call struct {
	method string
	// path is the API path under /api/v1.0/, as segments that are escaped
	// one by one; a trailing slash is added (Django REST framework's
	// router URLs end with one).
	path  []string
	query url.Values
	body  any
	// bearer, when set, authorises with a LiveKit token
	// (authentication/livekit.py LiveKitTokenAuthentication).
	bearer string
	// notFound is the sentinel a 404 means for this call, if any.
	notFound error
}

// do sends c and decodes a 2xx JSON answer into out (when out is not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	segs := make([]string, len(cl.path))
	for i, s := range cl.path {
		segs[i] = url.PathEscape(s)
	}
	path := "/api/v1.0/" + strings.Join(segs, "/") + "/"
	what := cl.method + " " + path

	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return fmt.Errorf("visio: %s: %w", what, err)
		}
		body = bytes.NewReader(b)
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.base.String() + path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	req, err := http.NewRequestWithContext(rctx, cl.method, u, body)
	if err != nil {
		return fmt.Errorf("visio: %s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cl.bearer)
	}
	if cl.method != http.MethodGet {
		// What a browser sends with fetch (frontend api/fetchApi.ts):
		// X-CSRFToken from the csrftoken cookie, and an Origin, without
		// which Django's CSRF check fails over https ("Referer checking
		// failed - no Referer") for session-authenticated requests.
		if tok := c.cookie(csrfCookie); tok != "" {
			req.Header.Set("X-CSRFToken", tok)
		}
		req.Header.Set("Origin", c.base.String())
		req.Header.Set("Referer", c.base.String()+"/")
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, rctx, what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return c.transportError(ctx, rctx, what, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("visio: %s: %w", what, newHTTPError(resp.StatusCode, data, statusKind(resp.StatusCode, cl.notFound)))
	}
	if len(data) > maxBody {
		return fmt.Errorf("%w: %s: answer longer than %d bytes", ErrProtocol, what, maxBody)
	}
	if out == nil {
		return nil
	}
	// Every answer we read is a JSON object; json.Unmarshal would take
	// "null" as an empty one.
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("%w: %s: not a JSON object (%s)", ErrProtocol, what, excerpt(data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrProtocol, what, err)
	}
	return nil
}

// transportError sorts a failed exchange: the caller's own cancellation
// stays a context error; everything else, our request timeout included,
// means the server could not be reached.
func (c *Client) transportError(ctx, rctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("visio: %s: %w", what, context.Cause(ctx))
	}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s: no answer within %v: %w", ErrUnreachable, what, c.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnreachable, what, err)
}

// statusKind maps a non-2xx status to a sentinel.
func statusKind(status int, notFound error) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// 401 from session authentication (authentication/backends.py
		// SessionAuthenticationWith401), 403 from a refused permission,
		// CSRF check or LiveKit token (LiveKitTokenAuthentication has no
		// authenticate_header, so DRF answers 403 there).
		return ErrUnauthorized
	case status == http.StatusNotFound:
		return notFound
	case status == http.StatusBadRequest:
		return ErrProtocol
	case status >= 500:
		return ErrServer
	}
	return nil
}

// cookie returns the value of the named cookie the jar holds for the
// instance.
func (c *Client) cookie(name string) string {
	for _, ck := range c.hc.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func excerpt(b []byte) string {
	const n = 64
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	if s == "" {
		return "empty"
	}
	return fmt.Sprintf("%q", s)
}
