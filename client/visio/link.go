package visio

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// Link is a parsed meeting link: the instance and the meeting code.
type Link struct {
	// Host is the instance's host, lower case, with its port if the link
	// gave one ("visio.numerique.gouv.fr", "localhost:8071").
	Host string
	// Slug is the meeting code, normalised to abc-defg-hij.
	Slug string
	// BaseURL is scheme://host, without a path: the origin the API lives
	// under (/api/v1.0/).
	BaseURL *url.URL
}

// String is the canonical link, as the web client shows it.
func (l Link) String() string {
	if l.BaseURL == nil {
		return l.Slug
	}
	return l.BaseURL.String() + "/" + l.Slug
}

// slugPattern is the web client's flexible pattern (frontend
// features/rooms/utils/isRoomValid.ts flexibleRoomIdPattern: any case,
// hyphens optional), restricted to letters: the server generates codes from
// [a-z] only (backend core/utils.py generate_room_slug) and the canonical
// form is roomIdPattern [a-z]{3}-[a-z]{4}-[a-z]{3}.
var slugPattern = regexp.MustCompile(`^([a-z]{3})-?([a-z]{4})-?([a-z]{3})$`)

// ParseLink reads a meeting link as people paste it:
// https://visio.numerique.gouv.fr/abc-defg-hij, in any case, with or
// without hyphens, a trailing slash, a query or a fragment; the scheme may
// be left out (visio.numerique.gouv.fr/abc-defg-hij). A bare code needs a
// host: see ParseLinkWithHost. Errors wrap ErrBadLink.
func ParseLink(s string) (Link, error) {
	return ParseLinkWithHost(s, "")
}

// ParseLinkWithHost is ParseLink that also accepts a bare meeting code
// (abc-defg-hij, ABCDEFGHIJ), placed on defaultHost. defaultHost is a host
// ("visio.numerique.gouv.fr") or an origin ("http://localhost:8071"); a
// full link keeps its own host.
//
// The scheme is https unless the link says http, which is accepted for
// loopback hosts only (localhost, 127.0.0.0/8, ::1): over plain http the
// session cookie and the LiveKit token would cross the network in clear
// text, and the real server marks its cookies Secure (core/services/
// lobby.py LobbyService.prepare_response; settings.py Production
// SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE), which browsers and Go's
// cookie jar send back over http to loopback hosts only. So http is for a
// development instance on this machine and for tests.
func ParseLinkWithHost(s, defaultHost string) (Link, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Link{}, fmt.Errorf("%w: empty", ErrBadLink)
	}
	if !strings.Contains(s, "/") {
		// A bare code.
		if defaultHost == "" {
			return Link{}, fmt.Errorf("%w: %q has no host (want https://<host>/abc-defg-hij)", ErrBadLink, s)
		}
		base, err := parseBase(defaultHost)
		if err != nil {
			return Link{}, err
		}
		slug, err := normaliseSlug(s)
		if err != nil {
			return Link{}, err
		}
		return Link{Host: base.Host, Slug: slug, BaseURL: base}, nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Link{}, fmt.Errorf("%w: %v", ErrBadLink, err)
	}
	base, err := checkOrigin(u)
	if err != nil {
		return Link{}, err
	}
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return Link{}, fmt.Errorf("%w: %q has no meeting code after the host", ErrBadLink, s)
	}
	if strings.Contains(p, "/") {
		return Link{}, fmt.Errorf("%w: path %q is not a meeting code (want /abc-defg-hij)", ErrBadLink, u.Path)
	}
	slug, err := normaliseSlug(p)
	if err != nil {
		return Link{}, err
	}
	return Link{Host: base.Host, Slug: slug, BaseURL: base}, nil
}

// normaliseSlug turns a meeting code into abc-defg-hij, as the web client
// does (isRoomValid.ts normalizeRoomId).
func normaliseSlug(s string) (string, error) {
	m := slugPattern.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return "", fmt.Errorf("%w: %q is not a meeting code (want 10 letters, abc-defg-hij)", ErrBadLink, s)
	}
	return m[1] + "-" + m[2] + "-" + m[3], nil
}

// parseBase reads a host or an origin given apart from the code.
func parseBase(h string) (*url.URL, error) {
	h = strings.TrimSpace(h)
	if !strings.Contains(h, "://") {
		h = "https://" + h
	}
	u, err := url.Parse(h)
	if err != nil {
		return nil, fmt.Errorf("%w: host: %v", ErrBadLink, err)
	}
	if strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("%w: host %q has a path", ErrBadLink, h)
	}
	return checkOrigin(u)
}

// checkOrigin validates scheme, host and user info and returns the bare
// origin.
func checkOrigin(u *url.URL) (*url.URL, error) {
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%w: scheme %q (want https)", ErrBadLink, u.Scheme)
	}
	if u.User != nil {
		// https://visio.numerique.gouv.fr@elsewhere.example/… goes to
		// elsewhere.example: refuse rather than mislead.
		return nil, fmt.Errorf("%w: user information in a link", ErrBadLink)
	}
	name := u.Hostname()
	if name == "" || strings.ContainsAny(name, " \t") {
		return nil, fmt.Errorf("%w: no host", ErrBadLink)
	}
	if u.Scheme == "http" && !isLoopback(name) {
		return nil, fmt.Errorf("%w: http:// is only allowed for this machine (localhost); use https://%s", ErrBadLink, u.Host)
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}, nil
}

// isLoopback follows the rule browsers (and net/http/cookiejar) use for a
// "potentially trustworthy" origin: localhost, *.localhost and loopback
// addresses.
func isLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
