package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"causerie/client/settings"
	"causerie/ui/i18n"
)

// The test binary, and it alone, reads its settings from the files the
// tests name (CAUSERIE_TEST_*), never from this machine's own: a
// developer's ~/.config/causerie or /etc/causerie cannot change what
// other tests see, and a test never writes into the developer's logs.
func init() {
	settingsPaths = func() settings.Paths {
		logs := os.Getenv("CAUSERIE_TEST_LOG_DIR")
		if logs == "" {
			logs = filepath.Join(os.TempDir(), "causerie-test-logs")
		}
		return settings.Paths{
			Machine: os.Getenv("CAUSERIE_TEST_MACHINE_CONFIG"),
			User:    os.Getenv("CAUSERIE_TEST_USER_CONFIG"),
			Policy:  os.Getenv("CAUSERIE_TEST_POLICY"),
			LogDir:  logs,
		}
	}
}

// settingsEnv writes the policy and user files given (empty: none) into a
// temporary directory and returns the environment that points the
// command at them, with its own log directory.
func settingsEnv(t *testing.T, policy, user string) (env []string, dir string) {
	t.Helper()
	dir = t.TempDir()
	env = []string{"CAUSERIE_TEST_LOG_DIR=" + filepath.Join(dir, "logs")}
	for _, f := range []struct{ name, text, v string }{{"policy.toml", policy, "CAUSERIE_TEST_POLICY"}, {"config.toml", user, "CAUSERIE_TEST_USER_CONFIG"}} {
		if f.text == "" {
			continue
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		env = append(env, f.v+"="+p)
	}
	return env, dir
}

// line is the line of out that starts with prefix.
func line(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

const oneHostPolicy = `# Causerie policy of the test
[meetings]
allowed_hosts = ["visio.numerique.gouv.fr"]

[media]
echo_cancel = true
`

// TestConfigShowsLocks: `causerie config` lists every key with its value
// and layer, the policy's keys marked as managed, in English and French.
func TestConfigShowsLocks(t *testing.T) {
	env, dir := settingsEnv(t, oneHostPolicy, "[identity]\ndisplay_name = \"Camille\"\n[media]\necho_cancel = false\n")
	policy, user := filepath.Join(dir, "policy.toml"), filepath.Join(dir, "config.toml")

	p := causerie(t, env, "config")
	if code := p.wait(t, 10*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, &p.stderr)
	}
	out := p.stdout.String()
	t.Logf("causerie config:\n%s", out)
	for key, want := range map[string]*regexp.Regexp{
		"meetings.allowed_hosts":       regexp.MustCompile(`^meetings\.allowed_hosts +\["visio\.numerique\.gouv\.fr"\] +policy ` + regexp.QuoteMeta(policy) + `:3 — managed by your organisation$`),
		"media.echo_cancel":            regexp.MustCompile(`^media\.echo_cancel +true +policy ` + regexp.QuoteMeta(policy) + `:6 — managed by your organisation$`),
		"identity.display_name ":       regexp.MustCompile(`^identity\.display_name +"Camille" +user ` + regexp.QuoteMeta(user) + `:2$`),
		"identity.display_name_source": regexp.MustCompile(`^identity\.display_name_source +"user" +default$`),
	} {
		if l := line(out, key); !want.MatchString(l) {
			t.Errorf("%s line: %q, want %v", key, l, want)
		}
	}
	for _, k := range settings.Keys() {
		if line(out, k+" ") == "" {
			t.Errorf("%s is not listed", k)
		}
	}
	if n := strings.Count(out, "managed by your organisation"); n != 2 {
		t.Errorf("%d keys shown as managed, want 2", n)
	}
	if l := line(out, "  user "); !strings.HasSuffix(l, " "+user) {
		t.Errorf("user file line %q", l)
	}
	if l := line(out, "  policy "); !strings.HasSuffix(l, " "+policy) {
		t.Errorf("policy file line %q", l)
	}
	if !strings.Contains(out, "\nCauserie sends no telemetry") {
		t.Error("nothing said of telemetry")
	}

	fr := causerie(t, append(env, "LANG=fr_FR.UTF-8"), "config")
	if code := fr.wait(t, 10*time.Second); code != exitOK || !strings.Contains(line(fr.stdout.String(), "meetings.allowed_hosts"), "politique "+policy+":3 — géré par votre organisation") ||
		!strings.Contains(fr.stdout.String(), "aucune télémétrie") {
		t.Errorf("French: exit %d\n%s", code, &fr.stdout)
	}

	js := causerie(t, env, "config", "--json")
	if code := js.wait(t, 10*time.Second); code != exitOK {
		t.Fatalf("--json: exit %d", code)
	}
	var doc configDoc
	if err := json.Unmarshal([]byte(js.stdout.String()), &doc); err != nil {
		t.Fatalf("%v\n%s", err, &js.stdout)
	}
	locked := map[string]bool{}
	for _, s := range doc.Settings {
		if s.Locked {
			locked[s.Key] = true
		}
	}
	if len(doc.Settings) != len(settings.Keys()) || len(locked) != 2 || !locked["meetings.allowed_hosts"] || !locked["media.echo_cancel"] || doc.Telemetry != "none" {
		t.Errorf("json: %+v", doc)
	}
}

// TestConfigCheck: --check reports each problem of a file with its line,
// exit 1; a good file passes, exit 0.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "policy.toml")
	if err := os.WriteFile(bad, []byte(`[meetings]
allowed_hosts = ["visio.numerique.gouv.fr"]
alowed_hosts = ["x.example"]
[media]
max_resolution = "1080p"
[logging]
level = "verbose"
colour = true
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := causerie(t, nil, "config", "--check", bad)
	code := p.wait(t, 10*time.Second)
	want := []string{
		bad + `:3: unknown key "meetings.alowed_hosts" (did you mean "meetings.allowed_hosts"?)`,
		bad + `:5: bad value "1080p" for media.max_resolution (expected one of auto, 720p, 360p, 180p)`,
		bad + `:7: bad value "verbose" for logging.level (expected one of debug, info, warn, error)`,
		bad + `:8: unknown key "logging.colour"`,
	}
	if got := strings.Split(strings.TrimSpace(p.stdout.String()), "\n"); code != exitFailure || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exit %d\n got:\n%s\nwant:\n%s", code, &p.stdout, strings.Join(want, "\n"))
	}

	fr := causerie(t, []string{"LANG=fr_FR.UTF-8"}, "config", "--check", bad)
	if code := fr.wait(t, 10*time.Second); code != exitFailure || !strings.Contains(fr.stdout.String(), bad+`:5: valeur incorrecte "1080p" pour media.max_resolution (attendu : l’une des valeurs auto, 720p, 360p, 180p)`) {
		t.Errorf("French: exit %d\n%s", code, &fr.stdout)
	}

	syntax := filepath.Join(dir, "syntax.toml")
	if err := os.WriteFile(syntax, []byte("[ui]\nlanguage = \"fr\nx = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sp := causerie(t, nil, "config", "--check", syntax)
	if code := sp.wait(t, 10*time.Second); code != exitFailure || !strings.HasPrefix(sp.stdout.String(), syntax+":2: not valid TOML") {
		t.Errorf("syntax: exit %d\n%s", code, &sp.stdout)
	}

	good := filepath.Join(dir, "good.toml")
	if err := os.WriteFile(good, []byte(oneHostPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	g := causerie(t, nil, "config", "--check", good)
	if code := g.wait(t, 10*time.Second); code != exitOK || strings.TrimSpace(g.stdout.String()) != good+": no problems found." {
		t.Errorf("good file: exit %d\n%s", code, &g.stdout)
	}

	missing := causerie(t, nil, "config", "--check", filepath.Join(dir, "nope.toml"))
	if code := missing.wait(t, 10*time.Second); code != exitFailure || !strings.Contains(missing.stdout.String(), "cannot be read: no such file") {
		t.Errorf("missing file: exit %d\n%s", code, &missing.stdout)
	}
	usage := causerie(t, nil, "config", "--check")
	if code := usage.wait(t, 10*time.Second); code != exitUsage {
		t.Errorf("--check without a file: exit %d", code)
	}
}

// countingServer is an HTTP server on loopback that counts the requests
// it gets: the proof that a refused meeting sent nothing.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestPolicyRefusesHost is the acceptance: a policy that allows
// one host turns away a meeting elsewhere, in the user's language,
// before any traffic; the allowed host goes through.
func TestPolicyRefusesHost(t *testing.T) {
	env, _ := settingsEnv(t, oneHostPolicy, "")
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"link", nil, []string{"https://other.example/abc-defg-hij"},
			"Your organisation’s policy does not allow meetings on other.example: it allows only visio.numerique.gouv.fr."},
		{"link in French", []string{"LANG=fr_FR.UTF-8"}, []string{"https://other.example/abc-defg-hij"},
			"La politique de votre organisation n’autorise pas les réunions sur other.example : elle n’autorise que visio.numerique.gouv.fr."},
		{"--lang fr", nil, []string{"https://OTHER.example/abcdefghij", "--lang", "fr"}, "n’autorise pas les réunions sur other.example"},
		{"LiveKit URL", nil, []string{"--url", "wss://sfu.other.example", "--token", "x.y.z"}, "does not allow meetings on sfu.other.example"},
		{"look-alike", nil, []string{"https://visio.numerique.gouv.fr.other.example/abc-defg-hij"}, "does not allow meetings on visio.numerique.gouv.fr.other.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := causerie(t, append(env, c.env...), append([]string{"join", "--headless", "--duration", "1s"}, c.args...)...)
			if code := p.wait(t, 10*time.Second); code != exitPolicy || !strings.Contains(p.stderr.String(), c.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, &p.stderr, exitPolicy, c.want)
			}
		})
	}

	// A meeting on loopback, refused: the server hears nothing. Allowed,
	// the same meeting reaches it.
	srv, requests := countingServer(t)
	link := srv.URL + "/abc-defg-hij"
	p := causerie(t, env, "join", link, "--headless", "--duration", "1s")
	if code := p.wait(t, 10*time.Second); code != exitPolicy || requests.Load() != 0 {
		t.Fatalf("refused: exit %d, %d requests\n%s", code, requests.Load(), &p.stderr)
	}
	allowEnv, _ := settingsEnv(t, "[meetings]\nallowed_hosts = [\"visio.numerique.gouv.fr\", \"127.0.0.1\"]\n", "")
	p = causerie(t, allowEnv, "join", link, "--headless", "--duration", "1s")
	if code := p.wait(t, 20*time.Second); code == exitPolicy || requests.Load() == 0 {
		t.Fatalf("allowed: exit %d, %d requests\n%s", code, requests.Load(), &p.stderr)
	}

	// A bare code goes to meetings.default_host, and the policy judges it
	// there.
	userEnv, _ := settingsEnv(t, oneHostPolicy, "[meetings]\ndefault_host = \"meet.other.example\"\n")
	p = causerie(t, userEnv, "join", "abc-defg-hij", "--headless", "--duration", "1s")
	if code := p.wait(t, 10*time.Second); code != exitPolicy || !strings.Contains(p.stderr.String(), "meetings on meet.other.example") {
		t.Fatalf("bare code: exit %d\n%s", code, &p.stderr)
	}
}

// deadURL is a loopback address where nothing listens: a join that gets
// past the settings ends at once as unreachable.
func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "ws://" + addr
}

// TestLockedFlags: a flag against a locked key is refused with the key
// and its value; the same value is accepted; an unlocked key takes the
// flag over the user's file.
func TestLockedFlags(t *testing.T) {
	allowLoopback := strings.Replace(oneHostPolicy, `["visio.numerique.gouv.fr"]`, `["127.0.0.1"]`, 1)
	env, _ := settingsEnv(t, allowLoopback+"[identity]\ndisplay_name_source = \"system\"\n", "[ui]\nlanguage = \"fr\"\n")
	url := deadURL(t)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"processing forced on", []string{"--echo-cancel=false"}, exitPolicy,
			"--echo-cancel ne peut pas être utilisé : votre organisation gère media.echo_cancel et le fixe à true."},
		{"same value", []string{"--echo-cancel=true"}, exitUnreachable, "injoignable"},
		{"name from the system", []string{"--name", "Zorro"}, exitPolicy, "--name ne peut pas être utilisé : votre organisation gère identity.display_name_source"},
		{"unlocked flag", []string{"--noise-suppress=false", "--lang", "en"}, exitUnreachable, "cannot be reached"},
		{"bad --lang", []string{"--lang", "de"}, exitUsage, "--lang \"de\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := causerie(t, env, append([]string{"join", "--headless", "--duration", "1s", "--url", url, "--token", "x.y.z"}, c.args...)...)
			if code := p.wait(t, 30*time.Second); code != c.code || !strings.Contains(p.stderr.String(), c.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, &p.stderr, c.code, c.want)
			}
		})
	}
}

// TestInvalidPolicyStopsMeetings: a policy with a bad value stops every
// meeting (a typo must not lift a restriction); unknown keys alone do
// not, and are reported.
func TestInvalidPolicyStopsMeetings(t *testing.T) {
	env, dir := settingsEnv(t, "[meetings]\nallowed_hosts = \"visio.numerique.gouv.fr\"\nrecording = false\n", "")
	p := causerie(t, env, "join", "https://visio.numerique.gouv.fr/abc-defg-hij", "--headless", "--duration", "1s")
	policy := filepath.Join(dir, "policy.toml")
	code := p.wait(t, 10*time.Second)
	for _, want := range []string{
		"Warning: " + policy + `:2: bad value "visio.numerique.gouv.fr" for meetings.allowed_hosts (expected a list of host names`,
		"Warning: " + policy + `:3: unknown key "meetings.recording"`,
		"Your organisation’s policy has errors",
	} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("no %q", want)
		}
	}
	if code != exitPolicy {
		t.Errorf("exit %d\n%s", code, &p.stderr)
	}

	env, _ = settingsEnv(t, "[meetings]\nallowed_hosts = [\"127.0.0.1\"]\nrecording = false\n", "")
	p = causerie(t, env, "join", "--url", deadURL(t), "--token", "x.y.z", "--headless", "--duration", "1s")
	if code := p.wait(t, 30*time.Second); code != exitUnreachable || !strings.Contains(p.stderr.String(), `unknown key "meetings.recording"`) {
		t.Errorf("unknown key only: exit %d\n%s", code, &p.stderr)
	}
}

// TestFeaturesAndLimits: on a real SFU, a participant whose policy
// switches chat off neither sends nor sees chat, and sends video no
// larger than media.max_resolution; a participant without the policy
// sees the chat.
func TestFeaturesAndLimits(t *testing.T) {
	srv := startSFU(t)
	env, dir := settingsEnv(t, "[features]\nchat = false\n[media]\nmax_resolution = \"180p\"\n", "")
	token := func(id string) string {
		tok, err := srv.Token("policy", id, strings.ToUpper(id[:1])+id[1:])
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	stats := filepath.Join(dir, "bob.json")
	bob := causerie(t, env, "join", "--url", srv.URL, "--token", token("bob"), "--headless", "--mic", "none",
		"--print-events", "--chat", "from bob", "--duration", "8s", "--stats-json", stats)
	carol := causerie(t, nil, "join", "--url", srv.URL, "--token", token("carol"), "--headless", "--camera", "none", "--mic", "none",
		"--print-events", "--duration", "8s")
	for _, p := range []*proc{bob, carol} {
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(p.stdout.String(), `"event":"joined"`) {
			if time.Now().After(deadline) {
				t.Fatalf("never joined\n%s\n%s", &p.stdout, &p.stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	alice := causerie(t, nil, "join", "--url", srv.URL, "--token", token("alice"), "--headless", "--camera", "none", "--mic", "none",
		"--chat", "hello from alice", "--duration", "3s")
	for name, p := range map[string]*proc{"alice": alice, "bob": bob, "carol": carol} {
		if code := p.wait(t, 40*time.Second); code != exitOK {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, &p.stdout, &p.stderr)
		}
	}
	if !strings.Contains(carol.stdout.String(), "hello from alice") {
		t.Fatalf("carol, without the policy, did not get the chat:\n%s", &carol.stdout)
	}
	if strings.Contains(bob.stdout.String(), "hello from alice") || strings.Contains(carol.stdout.String(), "from bob") {
		t.Errorf("chat crossed the policy:\nbob:\n%s\ncarol:\n%s", &bob.stdout, &carol.stdout)
	}
	if !strings.Contains(bob.stderr.String(), "Chat is switched off by your organisation.") {
		t.Errorf("bob's --chat: %s", &bob.stderr)
	}
	r := readReport(t, stats)
	if v := r.Local.Video; v == nil || v.Width != 320 || v.Height != 180 || v.FramesEncoded == 0 {
		t.Errorf("bob's video at max_resolution 180p: %+v", v)
	}
	// The log tells the meeting's life.
	logText, err := os.ReadFile(filepath.Join(dir, "logs", logFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"msg=start", "msg=joining", "msg=joined", "msg=leaving", "locked=\"features.chat media.max_resolution\""} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log has no %q:\n%s", want, logText)
		}
	}
}

// A JWT shaped like LiveKit's, and cookies as Visio sets them.
const (
	plantedJWT     = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2aWRlbyI6eyJyb29tIjoieCJ9LCJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA"
	plantedSession = "k3x9sessionsecretvalue"
	plantedCSRF    = "c5rfSecretValue42"
)

// TestReportRedacts: the log never holds the token a join was given, and
// `causerie report` bundles logs and settings with every planted secret
// removed.
func TestReportRedacts(t *testing.T) {
	env, dir := settingsEnv(t, "[meetings]\nallowed_hosts = [\"127.0.0.1\"]\n",
		"[network]\nhttp_proxy = \"http://agent:pr0xyPass@proxy.example:3128\"\n")
	logs := filepath.Join(dir, "logs")
	p := causerie(t, env, "join", "--url", deadURL(t)+"/rtc?access_token="+plantedJWT, "--token", plantedJWT, "--headless", "--duration", "1s")
	if code := p.wait(t, 30*time.Second); code != exitUnreachable {
		t.Fatalf("exit %d\n%s", code, &p.stderr)
	}
	b, err := os.ReadFile(filepath.Join(logs, logFileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "msg=\"join failed\"") || strings.Contains(string(b), plantedJWT[40:70]) {
		t.Errorf("log:\n%s", b)
	}
	// A log of an older run, as if written before redaction.
	old := "time=2026-01-01T10:00:00Z level=INFO msg=\"old request\" url=\"wss://sfu.example/rtc?access_token=" + plantedJWT + "\"\n" +
		"time=2026-01-01T10:00:01Z level=DEBUG msg=cookies header=\"sessionid=" + plantedSession + "; csrftoken=" + plantedCSRF + "\"\n" +
		"time=2026-01-01T10:00:02Z level=DEBUG msg=auth header=\"Authorization: Bearer " + plantedJWT + "\"\n"
	if err := os.WriteFile(filepath.Join(logs, logFileName+".1"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "report.zip")
	r := causerie(t, env, "report", "--out", out)
	if code := r.wait(t, 10*time.Second); code != exitOK || !strings.Contains(r.stdout.String(), "Report written to "+out) {
		t.Fatalf("exit %d\n%s\n%s", code, &r.stdout, &r.stderr)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(b)
	}
	for _, name := range []string{"config.txt", "config.json", "system.json", "logs/causerie.log", "logs/causerie.log.1"} {
		if _, ok := files["causerie-report/"+name]; !ok {
			t.Errorf("no %s in the report (%d files)", name, len(files))
		}
	}
	for name, text := range files {
		for _, secret := range []string{plantedJWT[:60], plantedJWT[40:90], plantedSession, plantedCSRF, "pr0xyPass"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds the secret %q", name, secret)
			}
		}
	}
	old1 := files["causerie-report/logs/causerie.log.1"]
	for _, want := range []string{"msg=\"old request\"", "access_token=[redacted]", "sessionid=[redacted]; csrftoken=[redacted]", "Authorization: [redacted]"} {
		if !strings.Contains(old1, want) {
			t.Errorf("old log: no %q:\n%s", want, old1)
		}
	}
	cfg := files["causerie-report/config.txt"]
	if !strings.Contains(line(cfg, "network.http_proxy"), `"http://agent:[redacted]@proxy.example:3128"`) ||
		!strings.Contains(line(cfg, "meetings.allowed_hosts"), "managed by your organisation") {
		t.Errorf("config.txt:\n%s", cfg)
	}
	var sys reportSystem
	if err := json.Unmarshal([]byte(files["causerie-report/system.json"]), &sys); err != nil || sys.OS == "" || sys.GoVersion == "" || len(sys.LogFiles) != 2 {
		t.Errorf("system.json: %v %+v", err, sys)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"token=" + plantedJWT:                                     "token=[redacted]",
		`{"token":"abc.def.ghi"}`:                                 `{"token":"[redacted]"}`,
		"wss://h/rtc?access_token=abc&auto_subscribe=1":           "wss://h/rtc?access_token=[redacted]&auto_subscribe=1",
		"Cookie: sessionid=" + plantedSession + "; other=1":       "Cookie: sessionid=[redacted]; other=1",
		"X-CSRFToken: " + plantedCSRF:                             "X-CSRFToken: [redacted]",
		"--session-cookie=" + plantedSession:                      "--session-cookie=[redacted]",
		"http://u:p4ss@proxy:3128":                                "http://u:[redacted]@proxy:3128",
		"error=\"client: access token refused: 401\"":             "error=\"client: access token refused: 401\"",
		"msg=joined room=e2e identity=bob":                        "msg=joined room=e2e identity=bob",
		"authorization: Bearer " + plantedJWT:                     "authorization: [redacted]",
		"lobbyParticipantId=0b6b3a1c-4d0e-4f6e-9d3a-6c1f2e8b7a90": "lobbyParticipantId=[redacted]",
	}
	for in, want := range cases {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLogRotation: the log moves aside when full, keeps logFiles files of
// at most the size given, the newest lines in causerie.log.
func TestLogRotation(t *testing.T) {
	dir := t.TempDir()
	const limit = 1000
	r, err := openRotating(dir, logFileName, limit, 3)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 99) + "\n"
	for i := 0; i < 55; i++ {
		if _, err := io.WriteString(r, line); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(r, "last token="+plantedJWT+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 3 {
		t.Fatalf("files %v", names)
	}
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil || st.Size() > limit || st.Size() == 0 {
			t.Errorf("%s: %v %d bytes", n, err, st.Size())
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", n, st.Mode())
		}
	}
	cur, _ := os.ReadFile(filepath.Join(dir, logFileName))
	if !strings.HasSuffix(string(cur), "last token=[redacted]\n") {
		t.Errorf("newest file ends %q", cur[max(0, len(cur)-40):])
	}
	// Another writer that finds the file moved aside reopens it rather
	// than rotating again.
	a, _ := openRotating(dir, logFileName, limit, 3)
	b, _ := openRotating(dir, logFileName, limit, 3)
	defer a.Close()
	defer b.Close()
	for i := 0; i < 12; i++ {
		io.WriteString(a, line)
		io.WriteString(b, line)
	}
	names, _ = filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 3 {
		t.Errorf("two writers: files %v", names)
	}
}

// TestLocksHoldAfterParsing: what changes a meeting's flags after the
// command line (the desktop's settings screen does) cannot lift the
// policy: config puts locked values back and refuses a host not allowed.
func TestLocksHoldAfterParsing(t *testing.T) {
	env, _ := settingsEnv(t, oneHostPolicy+"noise_suppress = false\n", "")
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v)
	}
	var f meetingFlags
	fs := flag.NewFlagSet("causerie gui", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	if _, code, ok := f.parse(fs, []string{"https://visio.numerique.gouv.fr/abc-defg-hij", "--camera", "none", "--mic", "none"}, io.Discard, i18n.New("en")); !ok {
		t.Fatalf("parse: exit %d", code)
	}
	f.noSoundDevice = true
	f.echoCancel, f.noiseSuppress, f.autoGain = false, true, false // as a settings screen would
	_, lm, err := f.config()
	lm.close()
	if err != nil {
		t.Fatal(err)
	}
	if !f.echoCancel || f.noiseSuppress || f.autoGain {
		t.Errorf("processing after config: echo %v, noise %v (the policy's), gain %v (not locked)", f.echoCancel, f.noiseSuppress, f.autoGain)
	}
	f.link = "https://other.example/abc-defg-hij"
	_, lm, err = f.config()
	lm.close()
	var hn *settings.HostNotAllowedError
	if !errors.As(err, &hn) || hn.Host != "other.example" {
		t.Fatalf("another host after parsing: %v", err)
	}
	if got := i18n.New("fr").Error(err); !strings.HasPrefix(got, "La politique de votre organisation n’autorise pas les réunions sur ce serveur.") {
		t.Errorf("French: %s", got)
	}
}
