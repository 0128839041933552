package settings

import (
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the type of a key's value.
type Kind int

const (
	KindString  Kind = iota // a TOML string
	KindBool                // true or false
	KindStrings             // an array of strings
)

// Expect tells what a key accepts, for messages: What names the sentence
// ("bool", "one_of", "hosts", "host", "proxy", "path", "text"); Values
// are the choices of "one_of".
type Expect struct {
	What   string
	Values []string
}

// keyDef is one key: its dotted name, type, what it accepts, and the
// field of Settings it fills.
type keyDef struct {
	name   string
	kind   Kind
	expect Expect
	// check returns the value normalised (host names in lower case, …),
	// or false when the value is not acceptable.
	check func(any) (any, bool)
	// field points into s: a *string, *bool or *[]string as kind says.
	field func(s *Settings) any
}

// keys are every key, in the order `causerie config` lists them.
var keys = []keyDef{
	{"meetings.allowed_hosts", KindStrings, Expect{What: "hosts"}, checkList(normHostPattern), func(s *Settings) any { return &s.Meetings.AllowedHosts }},
	{"meetings.default_host", KindString, Expect{What: "host"}, checkString(normHostPort), func(s *Settings) any { return &s.Meetings.DefaultHost }},
	{"identity.display_name", KindString, Expect{What: "text"}, checkString(normText), func(s *Settings) any { return &s.Identity.DisplayName }},
	oneOf("identity.display_name_source", func(s *Settings) any { return &s.Identity.DisplayNameSource }, "user", "system"),
	boolKey("features.chat", func(s *Settings) any { return &s.Features.Chat }),
	boolKey("features.screen_share", func(s *Settings) any { return &s.Features.ScreenShare }),
	boolKey("features.reactions", func(s *Settings) any { return &s.Features.Reactions }),
	boolKey("features.test_call", func(s *Settings) any { return &s.Features.TestCall }),
	// The camera: "test", "none", "default" or a camera's name, which
	// only the machine can check (media/camera).
	{"media.camera", KindString, Expect{What: "device"}, checkString(normDevice), func(s *Settings) any { return &s.Media.Camera }},
	// The microphone: "test", "none", "default" or a device's name, which
	// only the sound system can check (media/audio).
	{"media.microphone", KindString, Expect{What: "device"}, checkString(normDevice), func(s *Settings) any { return &s.Media.Microphone }},
	oneOf("media.max_resolution", func(s *Settings) any { return &s.Media.MaxResolution }, "auto", "720p", "360p", "180p"),
	boolKey("media.echo_cancel", func(s *Settings) any { return &s.Media.EchoCancel }),
	boolKey("media.noise_suppress", func(s *Settings) any { return &s.Media.NoiseSuppress }),
	boolKey("media.auto_gain", func(s *Settings) any { return &s.Media.AutoGain }),
	{"network.http_proxy", KindString, Expect{What: "proxy"}, checkString(normProxy), func(s *Settings) any { return &s.Network.HTTPProxy }},
	boolKey("network.relay_only", func(s *Settings) any { return &s.Network.RelayOnly }),
	{"network.ca_bundle", KindString, Expect{What: "path"}, checkString(normPath), func(s *Settings) any { return &s.Network.CABundle }},
	oneOf("logging.level", func(s *Settings) any { return &s.Logging.Level }, "debug", "info", "warn", "error"),
	{"logging.directory", KindString, Expect{What: "path"}, checkString(normPath), func(s *Settings) any { return &s.Logging.Directory }},
	oneOf("ui.language", func(s *Settings) any { return &s.UI.Language }, "auto", "en", "fr"),
}

// Keys are the names of every key ("meetings.allowed_hosts", …), in the
// order of the settings model.
func Keys() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return names
}

// KindOf is the type of a key's value; ok is false for an unknown key.
func KindOf(key string) (kind Kind, ok bool) {
	d := lookup(key)
	if d == nil {
		return 0, false
	}
	return d.kind, true
}

// Get is a key's value in s: a string, a bool or a []string; nil for an
// unknown key.
func (s Settings) Get(key string) any {
	d := lookup(key)
	if d == nil {
		return nil
	}
	switch p := d.field(&s).(type) {
	case *string:
		return *p
	case *bool:
		return *p
	case *[]string:
		return slices.Clone(*p)
	}
	return nil
}

// set stores v, already checked, into s.
func (d *keyDef) set(s *Settings, v any) {
	switch p := d.field(s).(type) {
	case *string:
		*p = v.(string)
	case *bool:
		*p = v.(bool)
	case *[]string:
		*p = slices.Clone(v.([]string))
	}
}

func lookup(key string) *keyDef {
	for i := range keys {
		if keys[i].name == key {
			return &keys[i]
		}
	}
	return nil
}

// isTable tells whether name is a table of the model ("meetings").
func isTable(name string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k.name, name+".") {
			return true
		}
	}
	return false
}

func boolKey(name string, field func(*Settings) any) keyDef {
	return keyDef{name, KindBool, Expect{What: "bool"}, func(v any) (any, bool) {
		b, ok := v.(bool)
		return b, ok
	}, field}
}

// oneOf is a key taking one of a few words; case and surrounding blanks
// do not matter.
func oneOf(name string, field func(*Settings) any, values ...string) keyDef {
	return keyDef{name, KindString, Expect{What: "one_of", Values: values}, checkString(func(s string) (string, bool) {
		s = strings.ToLower(strings.TrimSpace(s))
		return s, slices.Contains(values, s)
	}), field}
}

func checkString(norm func(string) (string, bool)) func(any) (any, bool) {
	return func(v any) (any, bool) {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		return norm(s)
	}
}

// checkList accepts an array of strings each of which norm accepts. It
// takes what the TOML reader gives ([]any) and what the Windows registry
// gives ([]string).
func checkList(norm func(string) (string, bool)) func(any) (any, bool) {
	return func(v any) (any, bool) {
		var items []any
		switch l := v.(type) {
		case []any:
			items = l
		case []string:
			for _, s := range l {
				items = append(items, s)
			}
		default:
			return nil, false
		}
		out := []string{}
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, false
			}
			if s, ok = norm(s); !ok {
				return nil, false
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, true
	}
}

// hostLabel is one label of a DNS name (RFC 1123: letters, digits and
// inner hyphens, at most 63 characters).
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// normHostName accepts a DNS name or an IP address, without a port,
// scheme or path, and returns it in lower case without a trailing dot.
func normHostName(s string) (string, bool) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if s == "" || len(s) > 253 {
		return "", false
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.String(), true
	}
	for _, l := range strings.Split(s, ".") {
		if !hostLabel.MatchString(l) {
			return "", false
		}
	}
	return s, true
}

// normHostPattern is an allowed_hosts entry: a host name, an IP address,
// or *.domain for every host under domain.
func normHostPattern(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		h, ok := normHostName(rest)
		if !ok || !strings.Contains(h, ".") {
			// *.fr would allow a whole top-level domain: surely a mistake.
			return "", false
		}
		if _, err := netip.ParseAddr(h); err == nil {
			return "", false
		}
		return "*." + h, true
	}
	return normHostName(s)
}

// normHostPort is a host with an optional port: "visio.example.fr",
// "localhost:8071", "[::1]:8071".
func normHostPort(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, ok := normHostName(h)
		if !ok || !validPort(port) {
			return "", false
		}
		return net.JoinHostPort(n, port), true
	}
	return normHostName(s)
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}

// normText is free text for people to read: no control characters, at
// most 255 characters.
func normText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 255 {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", false
		}
	}
	return s, true
}

// normDevice is a device: "test" (synthetic), "none", "default" (the
// system's) or a device's name as the system lists it; the three words
// in any case.
func normDevice(s string) (string, bool) {
	s, ok := normText(s)
	if !ok || s == "" {
		return "", false
	}
	switch l := strings.ToLower(s); l {
	case "test", "none", "default":
		return l, true
	}
	return s, true
}

// normProxy is empty or a proxy URL: http, https or socks5, with a host
// and nothing after it but a slash; a bare host:port means http.
func normProxy(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	full := s
	if !strings.Contains(s, "://") {
		full = "http://" + s // a bare host:port is an HTTP proxy, as curl takes it
	}
	u, err := url.Parse(full)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "socks5", "socks5h":
	default:
		return "", false
	}
	if _, ok := normHostPort(u.Host); !ok {
		return "", false
	}
	return s, true
}

// normPath is empty or an absolute path, for this system or Windows: a
// policy is often checked on another system than the one it is for.
func normPath(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || filepath.IsAbs(s) || strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\\`) {
		return s, true
	}
	if len(s) >= 3 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') &&
		(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return s, true
	}
	return "", false
}

// suggest is the known key closest to an unknown one, when a typo is
// the likely cause.
func suggest(unknown string) string {
	best, bestD := "", 4
	for _, k := range keys {
		if d := distance(unknown, k.name); d < bestD {
			best, bestD = k.name, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
