package visiotest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"causerie/client/visio/visiotest"
)

// clock is a manual clock for the lobby's expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// browser is a raw HTTP client with a cookie jar, as a browser tab.
type browser struct {
	t   *testing.T
	s   *visiotest.Server
	hc  *http.Client
	hdr http.Header
}

func newBrowser(t *testing.T, s *visiotest.Server, cookies ...*http.Cookie) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, s: s, hc: &http.Client{Jar: jar, Timeout: 5 * time.Second}, hdr: http.Header{}}
	if len(cookies) > 0 {
		req, _ := http.NewRequest("GET", s.URL, nil)
		jar.SetCookies(req.URL, cookies)
	}
	return b
}

// do sends a request and returns the status and the decoded JSON object.
func (b *browser) do(method, path string, body any, hdr ...string) (int, map[string]any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.s.URL+"/api/v1.0/"+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (b *browser) requestEntry(id, name string, hdr ...string) (int, map[string]any) {
	return b.do("POST", "rooms/"+id+"/request-entry/", map[string]any{"username": name}, hdr...)
}

func TestLobbyEntryExpiresWithoutPolls(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)}
	s := visiotest.New(visiotest.Config{Now: clk.Now})
	defer s.Close()
	id := s.AddRoom(visiotest.RoomSpec{Slug: "abc-defg-hij", AccessLevel: visiotest.Restricted})
	b := newBrowser(t, s)

	st, out := b.requestEntry(id, "Guest")
	if st != 200 || out["status"] != "waiting" || out["livekit"] != nil {
		t.Fatalf("%d %v", st, out)
	}
	pid, _ := out["id"].(string)
	if pid == "" {
		t.Fatalf("no participant id in %v", out)
	}
	select {
	case a := <-s.Arrivals():
		if a.ID != pid {
			t.Errorf("arrival %+v", a)
		}
	default:
		t.Error("no arrival reported")
	}

	// Polls within 3 s keep the entry.
	for range 3 {
		clk.Advance(2 * time.Second)
		if _, out := b.requestEntry(id, "Guest"); out["status"] != "waiting" || out["id"] != pid {
			t.Fatalf("poll: %v", out)
		}
	}
	if w := s.Waiting(id); len(w) != 1 || w[0].ID != pid {
		t.Fatalf("waiting %+v", w)
	}

	// 3 s without a poll: gone, and a host can no longer admit them.
	clk.Advance(3 * time.Second)
	if w := s.Waiting(id); len(w) != 0 {
		t.Errorf("still waiting after 3 s without a poll: %+v", w)
	}
	if err := s.Decide(id, pid, true); err == nil {
		t.Error("admitted an expired entry")
	}

	// The next poll comes back as a new arrival with the same id (cookie).
	if _, out := b.requestEntry(id, "Guest"); out["status"] != "waiting" || out["id"] != pid {
		t.Errorf("after expiry: %v", out)
	}
	select {
	case a := <-s.Arrivals():
		if a.ID != pid {
			t.Errorf("second arrival %+v", a)
		}
	default:
		t.Error("no second arrival")
	}

	// A refusal is remembered 5 s, then the lobby starts over.
	if err := s.Decide(id, pid, false); err != nil {
		t.Fatal(err)
	}
	if _, out := b.requestEntry(id, "Guest"); out["status"] != "denied" {
		t.Errorf("after denial: %v", out)
	}
	clk.Advance(5 * time.Second)
	if _, out := b.requestEntry(id, "Guest"); out["status"] != "waiting" {
		t.Errorf("5 s after denial: %v", out)
	}

	// An admission lasts (6 h) whether or not the guest polls.
	if err := s.Decide(id, pid, true); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	_, out = b.requestEntry(id, "Guest")
	lk, _ := out["livekit"].(map[string]any)
	if out["status"] != "accepted" || lk == nil || lk["room"] != id || lk["token"] == "" {
		t.Errorf("accepted: %v", out)
	}
}

func TestLobbyCookie(t *testing.T) {
	s := visiotest.New(visiotest.Config{})
	defer s.Close()
	id := s.AddRoom(visiotest.RoomSpec{Slug: "abc-defg-hij", AccessLevel: visiotest.Restricted})
	req, _ := http.NewRequest("POST", s.URL+"/api/v1.0/rooms/"+id+"/request-entry/", strings.NewReader(`{"username":"G"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var c *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == visiotest.LobbyCookie {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("lobby cookie %+v", c)
	}

	// Validation comes first, as in the real view.
	b := newBrowser(t, s)
	if st, out := b.requestEntry(id, "  "); st != 400 || out["username"] == nil {
		t.Errorf("blank name: %d %v", st, out)
	}
	if st, _ := b.do("POST", "rooms/"+id+"/request-entry/", map[string]any{}); st != 400 {
		t.Errorf("no name: %d", st)
	}
	if st, _ := b.requestEntry("zzz-zzzz-zzz", "G"); st != 404 {
		t.Errorf("unknown room: %d", st)
	}
}

func TestAccessLevels(t *testing.T) {
	s := visiotest.New(visiotest.Config{})
	defer s.Close()
	roles := map[string]string{"sub-member": visiotest.Member, "sub-owner": visiotest.Owner}
	rooms := map[string]string{
		visiotest.Public:     s.AddRoom(visiotest.RoomSpec{Slug: "pub-pubp-pub", Roles: roles}),
		visiotest.Trusted:    s.AddRoom(visiotest.RoomSpec{Slug: "tru-trus-tru", AccessLevel: visiotest.Trusted, Roles: roles}),
		visiotest.Restricted: s.AddRoom(visiotest.RoomSpec{Slug: "res-rest-res", AccessLevel: visiotest.Restricted, Roles: roles}),
	}
	slugs := map[string]string{visiotest.Public: "pub-pubp-pub", visiotest.Trusted: "tru-trus-tru", visiotest.Restricted: "res-rest-res"}
	users := map[string]*browser{"anonymous": newBrowser(t, s)}
	for _, sub := range []string{"sub-member", "sub-owner", "sub-stranger"} {
		sess, csrf := s.AddUser(visiotest.User{Sub: sub, FullName: sub})
		users[sub] = newBrowser(t, s, &http.Cookie{Name: "sessionid", Value: sess}, &http.Cookie{Name: "csrftoken", Value: csrf})
		users[sub].hdr.Set("X-CSRFToken", csrf)
	}
	// Who enters directly (serializers.py RoomSerializer.to_representation,
	// services/lobby.py can_bypass_lobby).
	direct := map[[2]string]bool{
		{visiotest.Public, "anonymous"}: true, {visiotest.Public, "sub-stranger"}: true,
		{visiotest.Public, "sub-member"}: true, {visiotest.Public, "sub-owner"}: true,
		{visiotest.Trusted, "sub-stranger"}: true, {visiotest.Trusted, "sub-member"}: true,
		{visiotest.Trusted, "sub-owner"}:     true,
		{visiotest.Restricted, "sub-member"}: true, {visiotest.Restricted, "sub-owner"}: true,
	}
	for level, id := range rooms {
		for who, b := range users {
			want := direct[[2]string{level, who}]
			st, out := b.do("GET", "rooms/"+strings.ToUpper(slugs[level])+"/?username=X", nil)
			if st != 200 || out["id"] != id || out["access_level"] != level {
				t.Fatalf("%s/%s: %d %v", level, who, st, out)
			}
			if got := out["livekit"] != nil; got != want {
				t.Errorf("%s room, %s: livekit %v, want %v", level, who, got, want)
			}
			if _, pin := out["pin_code"]; pin != want {
				t.Errorf("%s room, %s: pin_code present %v", level, who, pin)
			}
			if _, acc := out["accesses"]; acc != (who == "sub-owner") {
				t.Errorf("%s room, %s: accesses present %v", level, who, acc)
			}
			_, entry := b.requestEntry(id, "X", "X-CSRFToken", b.hdr.Get("X-CSRFToken"))
			wantStatus := "waiting"
			if want {
				wantStatus = "accepted"
			}
			if entry["status"] != wantStatus {
				t.Errorf("%s room, %s: request-entry %v, want %s", level, who, entry, wantStatus)
			}
		}
	}
}

func TestUnknownSlug(t *testing.T) {
	s := visiotest.New(visiotest.Config{})
	defer s.Close()
	if st, out := newBrowser(t, s).do("GET", "rooms/abc-defg-hij/", nil); st != 404 || out["detail"] == nil {
		t.Errorf("unknown slug: %d %v", st, out)
	}
	s2 := visiotest.New(visiotest.Config{AllowUnregisteredRooms: true, LiveKitURL: "ws://127.0.0.1:7880"})
	defer s2.Close()
	st, out := newBrowser(t, s2).do("GET", "rooms/abc-defg-hij/", nil)
	lk, _ := out["livekit"].(map[string]any)
	if v, ok := out["id"]; st != 200 || !ok || v != nil || out["access_level"] != "public" || lk["room"] != "abc-defg-hij" || lk["url"] != "ws://127.0.0.1:7880" {
		t.Errorf("unregistered: %d %v", st, out)
	}
}

func TestCSRFEnforcedOnSessionPosts(t *testing.T) {
	s := visiotest.New(visiotest.Config{})
	defer s.Close()
	id := s.AddRoom(visiotest.RoomSpec{Slug: "abc-defg-hij", AccessLevel: visiotest.Restricted,
		Roles: map[string]string{"sub-host": visiotest.Owner}})
	sess, csrf := s.AddUser(visiotest.User{Sub: "sub-host"})
	host := newBrowser(t, s, &http.Cookie{Name: "sessionid", Value: sess}, &http.Cookie{Name: "csrftoken", Value: csrf})

	for _, tc := range []struct {
		hdr  []string
		want int
	}{
		{nil, 403},
		{[]string{"X-CSRFToken", "wrong"}, 403},
		{[]string{"X-CSRFToken", csrf, "Origin", "https://evil.example"}, 403},
		{[]string{"X-CSRFToken", csrf, "Origin", s.URL}, 200},
		{[]string{"X-CSRFToken", csrf}, 200},
	} {
		if st, out := host.requestEntry(id, "Host", tc.hdr...); st != tc.want {
			t.Errorf("headers %v: %d %v, want %d", tc.hdr, st, out, tc.want)
		}
	}
	// GETs and anonymous POSTs are not checked.
	if st, _ := host.do("GET", "rooms/"+id+"/waiting-participants/", nil); st != 200 {
		t.Errorf("GET: %d", st)
	}
	if st, _ := newBrowser(t, s).requestEntry(id, "Guest"); st != 200 {
		t.Errorf("anonymous POST: %d", st)
	}
	// Host endpoints: 401 anonymous, 403 stranger.
	if st, _ := newBrowser(t, s).do("GET", "rooms/"+id+"/waiting-participants/", nil); st != 401 {
		t.Errorf("anonymous lists the lobby: %d", st)
	}
	sess2, _ := s.AddUser(visiotest.User{Sub: "sub-stranger"})
	if st, _ := newBrowser(t, s, &http.Cookie{Name: "sessionid", Value: sess2}).do("GET", "rooms/"+id+"/waiting-participants/", nil); st != 403 {
		t.Errorf("stranger lists the lobby: %d", st)
	}
	// enter validates its body.
	if st, out := host.do("POST", "rooms/"+id+"/enter/", map[string]any{"participant_id": "nope", "allow_entry": true}, "X-CSRFToken", csrf); st != 400 || out["participant_id"] == nil {
		t.Errorf("bad participant id: %d %v", st, out)
	}
}

func TestBearerEndpoints(t *testing.T) {
	var minted []string
	var mu sync.Mutex
	s := visiotest.New(visiotest.Config{Minter: func(room, identity, name string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		minted = append(minted, room+"|"+identity+"|"+name)
		return "jwt-" + identity, nil
	}})
	defer s.Close()
	id := s.AddRoom(visiotest.RoomSpec{Slug: "abc-defg-hij"})
	other := s.AddRoom(visiotest.RoomSpec{Slug: "zzz-zzzz-zzz"})
	sess, _ := s.AddUser(visiotest.User{Sub: "sub-alice", FullName: "Alice"})
	b := newBrowser(t, s, &http.Cookie{Name: "sessionid", Value: sess})

	_, out := b.do("GET", "rooms/abc-defg-hij/?username=Ali", nil)
	lk, _ := out["livekit"].(map[string]any)
	tok, _ := lk["token"].(string)
	mu.Lock()
	if tok != "jwt-sub-alice" || len(minted) != 1 || minted[0] != id+"|sub-alice|Ali" {
		t.Errorf("minter got %v, token %q", minted, tok)
	}
	mu.Unlock()

	for _, tc := range []struct {
		room, auth string
		want       int
	}{
		{id, "", 403},
		{id, "Bearer", 403},
		{id, "Token " + tok, 403},
		{id, "Bearer forged", 403},
		{other, "Bearer " + tok, 403},
		{id, "Bearer " + tok, 200},
		{id, "bearer " + tok, 200},
	} {
		st, resp := b.do("POST", "rooms/"+tc.room+"/toggle-hand/", map[string]any{"raised": true}, "Authorization", tc.auth)
		if st != tc.want {
			t.Errorf("Authorization %q on %s: %d %v, want %d", tc.auth, tc.room, st, resp, tc.want)
		}
	}
	if s.HandRaisedAt(id, "sub-alice") == "" {
		t.Error("hand not raised")
	}
	if st, _ := b.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": "yes please"}, "Authorization", "Bearer "+tok); st != 400 {
		t.Errorf("non-boolean raised: %d", st)
	}
	// Subtitles are off: 404 after authentication.
	if st, _ := b.do("POST", "rooms/"+id+"/start-subtitle/", nil, "Authorization", "Bearer "+tok); st != 404 {
		t.Errorf("subtitles off: %d", st)
	}
}
