package settings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// samples give every key two good values, as TOML and as the effective Go
// value, and a bad one. Layers alternate a and b, so whichever layer wins
// shows in the value as well as in the origin.
var samples = []struct {
	key        string
	a, b       string // TOML
	aGo, bGo   any
	flagA      any // a as a flag gives it
	bad        string
	wantExpect string
}{
	{"meetings.allowed_hosts", `["Visio.Numerique.Gouv.FR", "*.example.org"]`, `["127.0.0.1"]`,
		[]string{"visio.numerique.gouv.fr", "*.example.org"}, []string{"127.0.0.1"}, []string{"visio.numerique.gouv.fr", "*.example.org"},
		`["https://visio.example.fr/"]`, "hosts"},
	{"meetings.default_host", `"visio.example.fr"`, `"localhost:8071"`, "visio.example.fr", "localhost:8071", "visio.example.fr", `"visio.example.fr/abc"`, "host"},
	{"identity.display_name", `"Camille"`, `"Dominique Martin"`, "Camille", "Dominique Martin", "Camille", `"tab\there"`, "text"},
	{"identity.display_name_source", `"system"`, `"user"`, "system", "user", "system", `"ldap"`, "one_of"},
	{"features.chat", `false`, `true`, false, true, false, `"no"`, "bool"},
	{"features.screen_share", `false`, `true`, false, true, false, `0`, "bool"},
	{"features.reactions", `false`, `true`, false, true, false, `"off"`, "bool"},
	{"features.test_call", `false`, `true`, false, true, false, `[]`, "bool"},
	{"media.camera", `"HD Pro Webcam C920"`, `"NONE"`, "HD Pro Webcam C920", "none", "HD Pro Webcam C920", `1`, "device"},
	{"media.microphone", `"USB Audio Device"`, `"DEFAULT"`, "USB Audio Device", "default", "USB Audio Device", `true`, "device"},
	{"media.max_resolution", `"180p"`, `"720p"`, "180p", "720p", "180p", `"1080p"`, "one_of"},
	{"media.echo_cancel", `false`, `true`, false, true, false, `"yes"`, "bool"},
	{"media.noise_suppress", `false`, `true`, false, true, false, `1`, "bool"},
	{"media.auto_gain", `false`, `true`, false, true, false, `"true"`, "bool"},
	{"network.http_proxy", `"http://proxy.example.fr:3128"`, `"socks5://10.0.0.1:1080"`, "http://proxy.example.fr:3128", "socks5://10.0.0.1:1080", "http://proxy.example.fr:3128", `"ftp://proxy.example.fr"`, "proxy"},
	{"network.relay_only", `true`, `false`, true, false, true, `"always"`, "bool"},
	{"network.ca_bundle", `"/etc/ssl/corp.pem"`, `'C:\ProgramData\Corp\ca.pem'`, "/etc/ssl/corp.pem", `C:\ProgramData\Corp\ca.pem`, "/etc/ssl/corp.pem", `"corp.pem"`, "path"},
	{"logging.level", `"debug"`, `"warn"`, "debug", "warn", "debug", `"verbose"`, "one_of"},
	{"logging.directory", `"/var/log/causerie"`, `"/tmp/causerie"`, "/var/log/causerie", "/tmp/causerie", "/var/log/causerie", `"logs"`, "path"},
	{"ui.language", `"fr"`, `"en"`, "fr", "en", "fr", `"de"`, "one_of"},
}

// The samples cover the model: a key added without a test fails here.
func TestSamplesCoverEveryKey(t *testing.T) {
	var got []string
	for _, s := range samples {
		got = append(got, s.key)
	}
	if !slices.Equal(got, Keys()) {
		t.Fatalf("samples %v\nkeys    %v", got, Keys())
	}
}

// doc is a TOML document setting key to v, with the key's table as a
// header so the value sits on line 3.
func doc(key, v string) string {
	table, name, _ := strings.Cut(key, ".")
	return "# test\n[" + table + "]\n" + name + " = " + v + "\n"
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(e.Settings, Defaults()) {
		t.Errorf("settings %+v, want the defaults", e.Settings)
	}
	for _, k := range Keys() {
		if o := e.Origin(k); o.Layer != LayerDefault || e.Locked(k) {
			t.Errorf("%s: origin %+v", k, o)
		}
	}
	// Missing files are no problem: they are listed as not found.
	dir := t.TempDir()
	e, err = Load(Options{Paths: Paths{Machine: filepath.Join(dir, "m.toml"), User: filepath.Join(dir, "u.toml"), Policy: filepath.Join(dir, "p.toml")}})
	if err != nil || len(e.Problems) != 0 || len(e.Sources) != 3 || e.Sources[0].Found {
		t.Fatalf("err %v, problems %v, sources %+v", err, e.Problems, e.Sources)
	}
}

// TestLayers: for every key, each layer overrides the one below it, and
// the origin names the file and line, or the flag.
func TestLayers(t *testing.T) {
	for _, s := range samples {
		t.Run(s.key, func(t *testing.T) {
			dir := t.TempDir()
			machine := write(t, dir, "machine.toml", doc(s.key, s.a))
			user := write(t, dir, "user.toml", doc(s.key, s.b))
			policy := write(t, dir, "policy.toml", doc(s.key, s.b))
			flag := Flag{Key: s.key, Value: s.flagA, Name: "--" + s.key}
			cases := []struct {
				name  string
				opts  Options
				want  any
				layer Layer
				where string
			}{
				{"default", Options{}, Defaults().Get(s.key), LayerDefault, ""},
				{"machine", Options{Paths: Paths{Machine: machine}}, s.aGo, LayerMachine, machine + ":3"},
				{"user over machine", Options{Paths: Paths{Machine: machine, User: user}}, s.bGo, LayerUser, user + ":3"},
				{"flag over user", Options{Paths: Paths{Machine: machine, User: user}, Flags: []Flag{flag}}, s.aGo, LayerFlag, flag.Name},
				{"policy over user", Options{Paths: Paths{Machine: machine, User: user, Policy: policy}}, s.bGo, LayerPolicy, policy + ":3"},
			}
			for _, c := range cases {
				e, err := Load(c.opts)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if len(e.Problems) != 0 {
					t.Errorf("%s: problems %v", c.name, e.Problems)
				}
				if got := e.Settings.Get(s.key); !reflect.DeepEqual(got, c.want) {
					t.Errorf("%s: %s = %#v, want %#v", c.name, s.key, got, c.want)
				}
				o := e.Origin(s.key)
				if o.Layer != c.layer || o.Where.String() != c.where {
					t.Errorf("%s: origin %v %q, want %v %q", c.name, o.Layer, o.Where, c.layer, c.where)
				}
				if e.Locked(s.key) != (c.layer == LayerPolicy) {
					t.Errorf("%s: locked %v", c.name, e.Locked(s.key))
				}
				// The other keys keep their defaults.
				for _, k := range Keys() {
					if k != s.key && e.Origin(k).Layer != LayerDefault {
						t.Errorf("%s: %s came from %v", c.name, k, e.Origin(k).Layer)
					}
				}
			}
		})
	}
}

// TestEveryKeyLocks: a policy locks each key against the user's file and
// the flags: a flag giving another value is refused, one giving the same
// value is accepted.
func TestEveryKeyLocks(t *testing.T) {
	for _, s := range samples {
		t.Run(s.key, func(t *testing.T) {
			dir := t.TempDir()
			user := write(t, dir, "user.toml", doc(s.key, s.a))
			policy := write(t, dir, "policy.toml", doc(s.key, s.b))
			paths := Paths{Machine: write(t, dir, "machine.toml", doc(s.key, s.a)), User: user, Policy: policy}

			e, err := Load(Options{Paths: paths, Flags: []Flag{{Key: s.key, Value: s.flagA, Name: "--x"}}})
			var locked *LockedError
			if !errors.As(err, &locked) || locked.Key != s.key || locked.Flag != "--x" || !reflect.DeepEqual(locked.Value, s.bGo) {
				t.Fatalf("flag against the policy: %v", err)
			}
			if got := e.Settings.Get(s.key); !reflect.DeepEqual(got, s.bGo) || !e.Locked(s.key) {
				t.Errorf("refused flag: %s = %#v (locked %v), want the policy's %#v", s.key, got, e.Locked(s.key), s.bGo)
			}

			same := s.bGo
			e, err = Load(Options{Paths: paths, Flags: []Flag{{Key: s.key, Value: same, Name: "--x"}}})
			if err != nil || !e.Locked(s.key) || e.Origin(s.key).Where.String() != policy+":3" {
				t.Errorf("flag equal to the policy: %v, origin %+v", err, e.Origin(s.key))
			}
		})
	}
}

// TestBadValues: every key refuses a bad value, with the line, what it
// expects, and the value from the layer below kept.
func TestBadValues(t *testing.T) {
	for _, s := range samples {
		t.Run(s.key, func(t *testing.T) {
			dir := t.TempDir()
			machine := write(t, dir, "machine.toml", doc(s.key, s.a))
			user := write(t, dir, "user.toml", doc(s.key, s.bad))
			e, err := Load(Options{Paths: Paths{Machine: machine, User: user}})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Problems) != 1 {
				t.Fatalf("problems %v", e.Problems)
			}
			p := e.Problems[0]
			if p.Kind != BadValue || p.Key != s.key || p.Where.Line != 3 || p.Where.Name != user || p.Layer != LayerUser ||
				p.Text != strings.ReplaceAll(s.bad, "\\t", "\\t") || p.Expect.What != s.wantExpect {
				t.Errorf("problem %+v", p)
			}
			if got := e.Settings.Get(s.key); !reflect.DeepEqual(got, s.aGo) || e.Origin(s.key).Layer != LayerMachine {
				t.Errorf("%s = %#v from %v, want the machine's %#v", s.key, got, e.Origin(s.key).Layer, s.aGo)
			}
			// The same value in the policy stops everything.
			policy := write(t, dir, "policy.toml", doc(s.key, s.bad))
			_, err = Load(Options{Paths: Paths{Policy: policy}})
			var pe *PolicyError
			if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Key != s.key {
				t.Errorf("bad policy value: %v", err)
			}
			// And a flag with a bad value is refused.
			if s.flagA != nil {
				_, err = Load(Options{Flags: []Flag{{Key: s.key, Value: 42, Name: "--y"}}})
				var fe *FlagError
				if !errors.As(err, &fe) || fe.Flag != "--y" || fe.Key != s.key {
					t.Errorf("bad flag: %v", err)
				}
			}
		})
	}
}

// A policy with unknown keys and bad values: each problem at its line;
// the unknown keys are warnings, the bad values make the policy invalid;
// the good keys are locked all the same.
func TestPolicyFileProblems(t *testing.T) {
	dir := t.TempDir()
	policy := write(t, dir, "policy.toml", `# Causerie policy
[meetings]
allowed_hosts = ["visio.numerique.gouv.fr", "https://bad.example/"]
default_host = "visio.numerique.gouv.fr"
alowed_hosts = ["typo.example"]

[media]
max_resolution = "1080p"
echo_cancel = true
noise_suppress = "on"

[telemetry]
enabled = false

[features]
chat = false
chat = true
`)
	e, err := Load(Options{Paths: Paths{Policy: policy}})
	type short struct {
		kind    ProblemKind
		line    int
		key     string
		suggest string
	}
	var got []short
	for _, p := range e.Problems {
		got = append(got, short{p.Kind, p.Where.Line, p.Key, p.Suggest})
	}
	want := []short{
		{BadValue, 3, "meetings.allowed_hosts", ""},
		{UnknownKey, 5, "meetings.alowed_hosts", "meetings.allowed_hosts"},
		{BadValue, 8, "media.max_resolution", ""},
		{BadValue, 10, "media.noise_suppress", ""},
		{UnknownKey, 12, "telemetry", ""},
		{Duplicate, 17, "features.chat", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %v\nwant %v", got, want)
	}
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Problems) != 4 {
		t.Fatalf("error %v", err)
	}
	if pe.MessageKey() != "settings.error.policy_invalid" {
		t.Error(pe.MessageKey())
	}
	for _, k := range []string{"meetings.default_host", "media.echo_cancel", "features.chat"} {
		if !e.Locked(k) {
			t.Errorf("%s not locked", k)
		}
	}
	if e.Settings.Features.Chat || !e.Settings.Media.EchoCancel {
		t.Errorf("features.chat given twice keeps the first: %+v", e.Settings.Features)
	}
	for _, k := range []string{"meetings.allowed_hosts", "media.max_resolution", "media.noise_suppress"} {
		if e.Locked(k) {
			t.Errorf("%s, bad, was locked", k)
		}
	}
	if msg := e.Problems[0].Error(); msg != policy+`:3: bad value ["visio.numerique.gouv.fr", "https://bad.example/"] for meetings.allowed_hosts (expected a list of host names, such as ["visio.numerique.gouv.fr", "*.example.org"])` {
		t.Errorf("message %s", msg)
	}
}

// Unknown keys alone in a policy are warnings: an older Causerie meets a
// newer policy and keeps the rules it knows.
func TestPolicyUnknownKeysOnly(t *testing.T) {
	dir := t.TempDir()
	policy := write(t, dir, "policy.toml", "[meetings]\nallowed_hosts = [\"visio.numerique.gouv.fr\"]\nrecording = false\n")
	e, err := Load(Options{Paths: Paths{Policy: policy}})
	if err != nil || len(e.Problems) != 1 || e.Problems[0].Kind != UnknownKey || e.Problems[0].Where.Line != 3 {
		t.Fatalf("err %v, problems %v", err, e.Problems)
	}
	if !e.Locked("meetings.allowed_hosts") {
		t.Error("not locked")
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
	}{
		{"missing quote", "[ui]\nlanguage = \"fr\n", 2},
		{"no value", "[logging]\n\nlevel =\n", 3},
		{"bad header", "[media\ncamera = \"none\"\n", 1},
		{"unterminated array", "[meetings]\nallowed_hosts = [\"a.example\",\n", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := Check("f.toml", []byte(c.text))
			if len(ps) != 1 || ps[0].Kind != Syntax || ps[0].Where.Line != c.line {
				t.Fatalf("problems %+v, want a syntax error on line %d", ps, c.line)
			}
			// In the user's file, a syntax error costs the whole file.
			dir := t.TempDir()
			e, err := Load(Options{Paths: Paths{User: write(t, dir, "u.toml", c.text)}})
			if err != nil || len(e.Problems) != 1 || !reflect.DeepEqual(e.Settings, Defaults()) {
				t.Errorf("user file: %v %v", err, e.Problems)
			}
			// In the policy, it stops meetings.
			if _, err := Load(Options{Paths: Paths{Policy: write(t, dir, "p.toml", c.text)}}); !errors.As(err, new(*PolicyError)) {
				t.Errorf("policy: %v", err)
			}
		})
	}
}

// Dotted keys and inline tables are the same keys as tables.
func TestKeyForms(t *testing.T) {
	ps := Check("f.toml", []byte(`media.camera = "none"
network = { relay_only = true, http_proxy = "http://p.example:8080" }
[logging]
level = "warn"
[[meetings]]
x = 1
`))
	if len(ps) != 1 || ps[0].Kind != UnknownKey || ps[0].Where.Line != 5 {
		t.Fatalf("problems %v", ps)
	}
	dir := t.TempDir()
	e, err := Load(Options{Paths: Paths{User: write(t, dir, "u.toml", "media.camera = \"none\"\nnetwork = { relay_only = true }\n")}})
	if err != nil || e.Settings.Media.Camera != "none" || !e.Settings.Network.RelayOnly || e.Origin("network.relay_only").Where.Line != 2 {
		t.Fatalf("%v %+v", err, e.Settings)
	}
}

func TestUnreadablePolicy(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	dir := t.TempDir()
	p := write(t, dir, "policy.toml", "[ui]\nlanguage = \"fr\"\n")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{Paths: Paths{Policy: p}}); !errors.As(err, new(*PolicyError)) {
		t.Fatalf("unreadable policy: %v", err)
	}
}

// A policy that is a directory cannot be read: meetings stop (this one
// also fails as root).
func TestPolicyIsDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(Options{Paths: Paths{Policy: dir}})
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Problems[0].Kind != Unreadable {
		t.Fatalf("policy directory: %v", err)
	}
}

func TestAllows(t *testing.T) {
	cases := []struct {
		allowed []string
		host    string
		want    bool
	}{
		{nil, "anything.example", true},
		{[]string{"visio.numerique.gouv.fr"}, "visio.numerique.gouv.fr", true},
		{[]string{"visio.numerique.gouv.fr"}, "VISIO.numerique.gouv.fr.", true},
		{[]string{"visio.numerique.gouv.fr"}, "visio.numerique.gouv.fr:443", true},
		{[]string{"visio.numerique.gouv.fr"}, "other.example", false},
		{[]string{"visio.numerique.gouv.fr"}, "evil-visio.numerique.gouv.fr", false},
		{[]string{"visio.numerique.gouv.fr"}, "visio.numerique.gouv.fr.evil.example", false},
		{[]string{"*.example.org"}, "meet.example.org", true},
		{[]string{"*.example.org"}, "a.b.example.org:7880", true},
		{[]string{"*.example.org"}, "example.org", false},
		{[]string{"*.example.org"}, "badexample.org", false},
		{[]string{"127.0.0.1"}, "127.0.0.1:7880", true},
		{[]string{"::1"}, "[::1]:7880", true},
		{[]string{"::1"}, "[0:0::1]:7880", true},
		{[]string{"127.0.0.1"}, "localhost", false},
	}
	for _, c := range cases {
		m := Meetings{AllowedHosts: c.allowed}
		if got := m.Allows(c.host); got != c.want {
			t.Errorf("%v allows %q: %v, want %v", c.allowed, c.host, got, c.want)
		}
		err := m.CheckHost(c.host)
		var hn *HostNotAllowedError
		if c.want != (err == nil) || (err != nil && (!errors.As(err, &hn) || hn.MessageKey() != "settings.error.host_not_allowed")) {
			t.Errorf("CheckHost(%q) = %v", c.host, err)
		}
	}
	err := Meetings{AllowedHosts: []string{"visio.numerique.gouv.fr"}}.CheckHost("Other.example:443")
	if hn := (*HostNotAllowedError)(nil); !errors.As(err, &hn) || hn.Host != "other.example" || !slices.Equal(hn.Allowed, []string{"visio.numerique.gouv.fr"}) {
		t.Errorf("%#v", err)
	}
}

func TestHostPatterns(t *testing.T) {
	good := map[string]string{"Visio.Example.FR": "visio.example.fr", "*.Example.org": "*.example.org", "127.0.0.1": "127.0.0.1",
		"[::1]": "::1", "localhost": "localhost", "xn--bcher-kva.example": "xn--bcher-kva.example"}
	for in, want := range good {
		if got, ok := normHostPattern(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "https://visio.example.fr", "visio.example.fr/abc", "visio.example.fr:443", "*.fr", "*.127.0.0.1",
		"-bad.example", "bad_.example", "a..b", "*", "sp ace.example"} {
		if got, ok := normHostPattern(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
	for in, ok := range map[string]bool{"localhost:8071": true, "[::1]:8071": true, "h.example:0": false, "h.example:99999": false, "h.example:": false} {
		if _, got := normHostPort(in); got != ok {
			t.Errorf("host:port %q: %v", in, got)
		}
	}
}

func TestDefaultPaths(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux paths")
	}
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	t.Setenv("XDG_STATE_HOME", "/state")
	p := DefaultPaths()
	want := Paths{Machine: "/etc/causerie/config.toml", User: "/cfg/causerie/config.toml", Policy: "/etc/causerie/policy.toml", LogDir: "/state/causerie/logs"}
	if p != want {
		t.Errorf("%+v", p)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if p := DefaultPaths(); p.LogDir != "/home/u/.local/state/causerie/logs" {
		t.Errorf("log dir %q", p.LogDir)
	}
}

// Outside Windows the registry policy reads nothing, and says so.
func TestRegistryElsewhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows reads it")
	}
	e, err := Load(Options{Paths: Paths{PolicyRegistry: true}})
	if err != nil || len(e.Sources) != 1 || e.Sources[0].Found || e.Sources[0].Name != `HKLM\Software\Policies\Causerie` {
		t.Fatalf("%v %+v", err, e.Sources)
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[any]string{"a\"b": `"a\"b"`, true: "true", int64(3): "3"} {
		if got := Format(v); got != want {
			t.Errorf("%#v: %s", v, got)
		}
	}
	if got := Format([]string{"a", "b"}); got != `["a", "b"]` {
		t.Error(got)
	}
	if got := Format([]any{"a", int64(1), []any{}}); got != `["a", 1, []]` {
		t.Error(got)
	}
}
