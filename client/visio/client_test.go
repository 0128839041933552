package visio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"causerie/client/visio"
	"causerie/client/visio/visiotest"
)

const slug = "abc-defg-hij"

// fake starts a fake instance that closes with the test.
func fake(t *testing.T, cfg visiotest.Config) *visiotest.Server {
	t.Helper()
	s := visiotest.New(cfg)
	t.Cleanup(s.Close)
	return s
}

// newClient returns a client of s that polls the lobby every 10 ms.
func newClient(t *testing.T, s *visiotest.Server, opts ...visio.Option) *visio.Client {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := visio.New(u, append([]visio.Option{visio.WithPollInterval(10 * time.Millisecond), visio.WithVersion("test")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func linkOn(t *testing.T, s *visiotest.Server, code string) visio.Link {
	t.Helper()
	l, err := visio.ParseLinkWithHost(code, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// bounded is a context that ends the test's wait after a few seconds, so
// a hang fails instead of blocking the suite.
func bounded(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// lastRequest is the last request the fake received to a path ending in
// suffix.
func lastRequest(t *testing.T, s *visiotest.Server, method, suffix string) visiotest.Request {
	t.Helper()
	reqs := s.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && strings.HasSuffix(reqs[i].Path, suffix) {
			return reqs[i]
		}
	}
	t.Fatalf("no %s …%s request", method, suffix)
	return visiotest.Request{}
}

func hasCookie(r visiotest.Request, name, value string) bool {
	h := http.Header{"Cookie": r.Header.Values("Cookie")}
	for _, c := range (&http.Request{Header: h}).Cookies() {
		if c.Name == name && c.Value == value {
			return true
		}
	}
	return false
}

func TestConfigAndRoom(t *testing.T) {
	s := fake(t, visiotest.Config{
		LiveKitURL:       "https://livekit.example.org",
		SubtitleEnabled:  true,
		RecordingEnabled: true,
		TelephonyNumber:  "+33 1 23 45 67 89",
	})
	id := s.AddRoom(visiotest.RoomSpec{
		Slug: slug, Name: "Point hebdo",
		Configuration: map[string]any{"everyone_can_mute": false, "can_publish_sources": []string{"microphone"}},
	})
	c := newClient(t, s)
	ctx := bounded(t)

	cfg, err := c.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LiveKit.URL != "https://livekit.example.org" || cfg.LiveKit.ForceWSSProtocol {
		t.Errorf("livekit config %+v", cfg.LiveKit)
	}
	if len(cfg.LiveKit.DefaultSources) != 4 || cfg.LiveKit.DefaultSources[0] != "camera" {
		t.Errorf("default sources %v", cfg.LiveKit.DefaultSources)
	}
	if !cfg.Subtitle.Enabled || !cfg.Recording.IsEnabled || len(cfg.Recording.AvailableModes) != 2 || cfg.Recording.MaxDuration != nil {
		t.Errorf("subtitle %+v recording %+v", cfg.Subtitle, cfg.Recording)
	}
	if !cfg.Telephony.Enabled || cfg.Telephony.InternationalPhoneNumber != "+33 1 23 45 67 89" {
		t.Errorf("telephony %+v", cfg.Telephony)
	}
	if cfg.LanguageCode != "fr" || cfg.AutoMuteOnJoinThreshold != 50 || !cfg.AuthenticatedUsersCanEditDisplayName {
		t.Errorf("config %+v", cfg)
	}
	r := lastRequest(t, s, "GET", "/api/v1.0/config/")
	if ua := r.Header.Get("User-Agent"); ua != "Causerie/test" {
		t.Errorf("User-Agent %q", ua)
	}

	room, err := c.Room(ctx, slug, "Alice Martin")
	if err != nil {
		t.Fatal(err)
	}
	if room.ID != id || room.Name != "Point hebdo" || room.Slug != slug || room.AccessLevel != visio.Public {
		t.Errorf("room %+v", room)
	}
	if room.Configuration.EveryoneCanMute == nil || *room.Configuration.EveryoneCanMute ||
		len(room.Configuration.CanPublishSources) != 1 || room.Administrable {
		t.Errorf("configuration %+v, administrable %v", room.Configuration, room.Administrable)
	}
	if room.LiveKit == nil || room.LiveKit.Room != id || room.LiveKit.URL != "https://livekit.example.org" {
		t.Fatalf("livekit %+v", room.LiveKit)
	}
	g, ok := s.Grant(room.LiveKit.Token)
	if !ok || g.Name != "Alice Martin" || g.Room != id || g.Authenticated {
		t.Errorf("grant %+v", g)
	}
	r = lastRequest(t, s, "GET", "/rooms/"+slug+"/")
	if q, _ := url.ParseQuery(r.Query); q.Get("username") != "Alice Martin" {
		t.Errorf("query %q", r.Query)
	}

	_, err = c.Room(ctx, "zzz-zzzz-zzz", "Alice")
	if !errors.Is(err, visio.ErrRoomNotFound) {
		t.Errorf("unknown room: %v", err)
	}
	if he, ok := errors.AsType[*visio.HTTPError](err); !ok || he.Status != 404 {
		t.Errorf("unknown room: no HTTPError 404 in %v", err)
	}
	if visio.ErrorKey(err) != "visio.error.room_not_found" {
		t.Errorf("key %q", visio.ErrorKey(err))
	}
}

func TestUnregisteredRoom(t *testing.T) {
	s := fake(t, visiotest.Config{AllowUnregisteredRooms: true})
	c := newClient(t, s)
	cr, err := c.Join(bounded(t), linkOn(t, s, "XYZ-ABCD-EFG"), "Alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cr.RoomID != "" || cr.LiveKitRoom != "xyz-abcd-efg" || cr.Room.AccessLevel != visio.Public || cr.ViaLobby {
		t.Errorf("credentials %+v", cr)
	}
}

func TestJoinPublicRoom(t *testing.T) {
	s := fake(t, visiotest.Config{LiveKitURL: "http://127.0.0.1:7880"})
	id := s.AddRoom(visiotest.RoomSpec{Slug: slug})
	c := newClient(t, s)
	cr, err := c.Join(bounded(t), linkOn(t, s, "ABCDEFGHIJ"), "Alice", func(visio.EntryStatus) {
		t.Error("a public room has no lobby")
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.URL != "http://127.0.0.1:7880" || cr.RoomID != id || cr.LiveKitRoom != id || cr.ViaLobby || cr.Token == "" {
		t.Errorf("credentials %+v", cr)
	}
	if g, _ := s.Grant(cr.Token); g.Name != "Alice" || g.Identity == "" {
		t.Errorf("grant %+v", g)
	}
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/request-entry/") {
			t.Error("joined a public room through the lobby")
		}
	}

	// A link to another instance is refused before any request.
	other, _ := visio.ParseLink("https://visio.numerique.gouv.fr/" + slug)
	if _, err := c.Join(bounded(t), other, "Alice", nil); !errors.Is(err, visio.ErrBadLink) {
		t.Errorf("link on another host: %v", err)
	}
}

func TestJoinForceWSS(t *testing.T) {
	s := fake(t, visiotest.Config{LiveKitURL: "https://livekit.example.org", ForceWSSProtocol: true})
	s.AddRoom(visiotest.RoomSpec{Slug: slug})
	cr, err := newClient(t, s).Join(bounded(t), linkOn(t, s, slug), "Alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cr.URL != "wss://livekit.example.org" {
		t.Errorf("URL %q, want wss://livekit.example.org", cr.URL)
	}
	if !cr.Config.LiveKit.ForceWSSProtocol {
		t.Error("config not returned")
	}
}

// A logged-in user's session cookie reaches the server: a trusted room
// lets them in directly, names them after their account's identity.
func TestSessionCookieForwarded(t *testing.T) {
	for _, name := range []string{"", "meet_sessionid"} {
		s := fake(t, visiotest.Config{SessionCookieName: name})
		id := s.AddRoom(visiotest.RoomSpec{Slug: slug, AccessLevel: visiotest.Trusted})
		sess, _ := s.AddUser(visiotest.User{Sub: "sub-alice", FullName: "Alice Martin"})

		anon, err := newClient(t, s).Room(bounded(t), slug, "Alice")
		if err != nil {
			t.Fatal(err)
		}
		if anon.LiveKit != nil {
			t.Fatal("anonymous user let into a trusted room")
		}

		opts := []visio.Option{visio.WithSession(sess)}
		if name != "" {
			opts = append(opts, visio.WithSessionCookieName(name))
		}
		room, err := newClient(t, s, opts...).Room(bounded(t), slug, "")
		if err != nil {
			t.Fatal(err)
		}
		if room.LiveKit == nil {
			t.Fatalf("%q: session not honoured", name)
		}
		g, _ := s.Grant(room.LiveKit.Token)
		if g.Identity != "sub-alice" || g.Name != "Alice Martin" || !g.Authenticated || g.Room != id {
			t.Errorf("grant %+v", g)
		}
		cookie := name
		if cookie == "" {
			cookie = visio.DefaultSessionCookie
		}
		if r := lastRequest(t, s, "GET", "/rooms/"+slug+"/"); !hasCookie(r, cookie, sess) {
			t.Errorf("cookie %s not sent: %v", cookie, r.Header.Values("Cookie"))
		}
	}
}

// POSTs carry X-CSRFToken from the csrftoken cookie, whether given at
// construction or set by the server; a session POST without it fails.
func TestCSRFHeader(t *testing.T) {
	s := fake(t, visiotest.Config{})
	id := s.AddRoom(visiotest.RoomSpec{Slug: slug, AccessLevel: visiotest.Restricted,
		Roles: map[string]string{"sub-bob": visiotest.Member}})
	sess, csrf := s.AddUser(visiotest.User{Sub: "sub-bob", FullName: "Bob"})
	ctx := bounded(t)

	c := newClient(t, s, visio.WithSession(sess), visio.WithCSRFToken(csrf))
	st, err := c.RequestEntry(ctx, id, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != visio.Accepted || st.LiveKit == nil {
		t.Errorf("member of a restricted room: %+v", st)
	}
	r := lastRequest(t, s, "POST", "/request-entry/")
	if r.Header.Get("X-CSRFToken") != csrf || !hasCookie(r, "csrftoken", csrf) || !hasCookie(r, "sessionid", sess) {
		t.Errorf("headers %v", r.Header)
	}
	if r.Header.Get("Origin") != s.URL || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Origin %q, Content-Type %q", r.Header.Get("Origin"), r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if json.Unmarshal(r.Body, &body) != nil || body["username"] != "Bob" || len(body) != 1 {
		t.Errorf("body %s", r.Body)
	}

	// Session without its CSRF token: Django refuses.
	_, err = newClient(t, s, visio.WithSession(sess)).RequestEntry(ctx, id, "Bob")
	if !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("session POST without CSRF token: %v", err)
	}
	if he, ok := errors.AsType[*visio.HTTPError](err); !ok || he.Status != 403 || !strings.Contains(he.Error(), "CSRF") {
		t.Errorf("want a 403 about CSRF, got %v", err)
	}

	// A csrftoken cookie the server sets is picked up too.
	s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/config/") {
			http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: "from-server", Path: "/"})
		}
		return false
	})
	c2 := newClient(t, s)
	if _, err := c2.Config(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.RequestEntry(ctx, id, "Anne"); err != nil {
		t.Fatal(err)
	}
	if r := lastRequest(t, s, "POST", "/request-entry/"); r.Header.Get("X-CSRFToken") != "from-server" {
		t.Errorf("X-CSRFToken %q, want the server's cookie", r.Header.Get("X-CSRFToken"))
	}
	// GETs do not carry it.
	if r := lastRequest(t, s, "GET", "/config/"); r.Header.Get("X-CSRFToken") != "" {
		t.Error("X-CSRFToken on a GET")
	}
}

func TestServerError(t *testing.T) {
	s := fake(t, visiotest.Config{})
	s.AddRoom(visiotest.RoomSpec{Slug: slug})
	s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(`{"detail": "upstream down"}` + strings.Repeat(" ", 2000)))
		return true
	})
	c := newClient(t, s)
	_, err := c.Join(bounded(t), linkOn(t, s, slug), "Alice", nil)
	if !errors.Is(err, visio.ErrServer) {
		t.Fatalf("502: %v", err)
	}
	he, ok := errors.AsType[*visio.HTTPError](err)
	if !ok || he.Status != 502 || len(he.Body) > 512 || !strings.Contains(he.Body, "upstream down") {
		t.Errorf("HTTPError %+v", he)
	}
	if !strings.Contains(err.Error(), "upstream down") || !strings.Contains(err.Error(), "/api/v1.0/config/") {
		t.Errorf("message %q", err)
	}
	if visio.ErrorKey(err) != "visio.error.server" {
		t.Errorf("key %q", visio.ErrorKey(err))
	}
}

func TestGarbageJSON(t *testing.T) {
	for _, body := range []string{
		`not json`,
		`<html><body>Maintenance</body></html>`,
		``,
		`null`,
		`[]`,
		`"room"`,
		`{"id": "x", "slug": `,
		`{"id": 42, "slug": "abc-defg-hij", "access_level": "public"}`,
		`{"id": "", "slug": "abc-defg-hij", "access_level": "public"}`,
		`{"id": "1", "access_level": "public"}`,
		`{"id": null, "slug": "abc-defg-hij", "access_level": "public"}`,
		`{"id": "1", "slug": "abc-defg-hij", "access_level": "public", "livekit": {"url": "https://lk.example.org", "room": "1"}}`,
	} {
		s := fake(t, visiotest.Config{})
		s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, "/rooms/") {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
			return true
		})
		_, err := newClient(t, s).Join(bounded(t), linkOn(t, s, slug), "Alice", nil)
		if !errors.Is(err, visio.ErrProtocol) {
			t.Errorf("room answer %q: %v, want ErrProtocol", body, err)
		}
	}

	// The configuration: null would decode as an empty one.
	for _, body := range []string{`null`, `[1]`, `{"livekit": "wss://x"}`} {
		s := fake(t, visiotest.Config{})
		s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(body))
			return true
		})
		if _, err := newClient(t, s).Config(bounded(t)); !errors.Is(err, visio.ErrProtocol) {
			t.Errorf("config answer %q: %v, want ErrProtocol", body, err)
		}
	}

	// Lobby answers too.
	for _, body := range []string{`{"status": "maybe", "id": "x"}`, `{"status": "accepted", "livekit": null}`, `{"status": 3}`} {
		s := fake(t, visiotest.Config{})
		s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(body))
			return true
		})
		_, err := newClient(t, s).RequestEntry(bounded(t), "id", "Alice")
		if !errors.Is(err, visio.ErrProtocol) || visio.ErrorKey(err) != "visio.error.protocol" {
			t.Errorf("request-entry answer %q: %v, want ErrProtocol", body, err)
		}
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := visio.New(&url.URL{Scheme: "http", Host: addr}, visio.WithRequestTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Config(bounded(t))
	if !errors.Is(err, visio.ErrUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v to notice a refused connection", d)
	}
	if visio.ErrorKey(err) != "visio.error.unreachable" {
		t.Errorf("key %q", visio.ErrorKey(err))
	}
}

func TestSlowServer(t *testing.T) {
	s := fake(t, visiotest.Config{})
	s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return true
	})
	c := newClient(t, s, visio.WithRequestTimeout(150*time.Millisecond))
	start := time.Now()
	_, err := c.Config(bounded(t))
	if !errors.Is(err, visio.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow server: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("request timeout 150 ms took %v", d)
	}

	// The caller's own cancellation is not the server's fault.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = newClient(t, s).Config(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, visio.ErrUnreachable) {
		t.Errorf("cancelled: %v", err)
	}
	if visio.ErrorKey(err) != "" {
		t.Errorf("cancellation has key %q", visio.ErrorKey(err))
	}
}

func TestNewRefusesBadBase(t *testing.T) {
	for _, u := range []*url.URL{
		nil,
		{Scheme: "http", Host: "visio.numerique.gouv.fr"},
		{Scheme: "https", Host: "visio.numerique.gouv.fr", Path: "/meet"},
		{Scheme: "ws", Host: "localhost"},
	} {
		if _, err := visio.New(u); !errors.Is(err, visio.ErrBadLink) {
			t.Errorf("New(%v): %v", u, err)
		}
	}
}
