package visio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"causerie/client/visio"
	"causerie/client/visio/visiotest"
)

type joinResult struct {
	cr  visio.Credentials
	err error
}

// lobbyJoin starts a guest's Join in the background and returns the
// statuses it reports and its result.
func lobbyJoin(ctx context.Context, c *visio.Client, l visio.Link, name string) (<-chan visio.EntryStatus, <-chan joinResult) {
	statuses := make(chan visio.EntryStatus, 1024)
	done := make(chan joinResult, 1)
	go func() {
		cr, err := c.Join(ctx, l, name, func(st visio.EntryStatus) {
			select {
			case statuses <- st:
			default:
			}
		})
		done <- joinResult{cr, err}
	}()
	return statuses, done
}

// arrival waits for someone to start waiting in the lobby.
func arrival(t *testing.T, s *visiotest.Server) visiotest.LobbyEntry {
	t.Helper()
	select {
	case e := <-s.Arrivals():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("nobody arrived in the lobby")
	}
	return visiotest.LobbyEntry{}
}

func result(t *testing.T, done <-chan joinResult, within time.Duration) joinResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(within):
		t.Fatalf("Join still running after %v", within)
	}
	return joinResult{}
}

func restrictedRoom(t *testing.T, cfg visiotest.Config) (*visiotest.Server, string) {
	t.Helper()
	s := fake(t, cfg)
	id := s.AddRoom(visiotest.RoomSpec{Slug: slug, AccessLevel: visiotest.Restricted,
		Roles: map[string]string{"sub-host": visiotest.Owner}})
	return s, id
}

func TestLobbyAccepted(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{LiveKitURL: "https://livekit.example.org", ForceWSSProtocol: true})
	statuses, done := lobbyJoin(bounded(t), newClient(t, s), linkOn(t, s, slug), "Guest")

	e := arrival(t, s)
	if e.RoomID != id || e.Username != "Guest" || e.Status != "waiting" {
		t.Errorf("arrival %+v", e)
	}
	var first visio.EntryStatus
	select {
	case first = <-statuses:
	case r := <-done:
		t.Fatalf("Join ended before reporting a status: %v", r.err)
	case <-time.After(2 * time.Second):
		t.Fatal("no lobby status reported")
	}
	if first.Status != visio.Waiting || first.ID != e.ID || first.LiveKit != nil || !strings.HasPrefix(first.Color, "hsl(") {
		t.Errorf("first status %+v", first)
	}
	time.Sleep(50 * time.Millisecond) // a few polls
	if err := s.Decide(id, e.ID, true); err != nil {
		t.Fatal(err)
	}
	r := result(t, done, 2*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !r.cr.ViaLobby || r.cr.RoomID != id || r.cr.LiveKitRoom != id || r.cr.URL != "wss://livekit.example.org" || r.cr.Room.LiveKit != nil {
		t.Errorf("credentials %+v", r.cr)
	}
	// An anonymous participant let in from the lobby is, in LiveKit, the
	// lobby participant id.
	if g, _ := s.Grant(r.cr.Token); g.Identity != e.ID || g.Name != "Guest" || g.Room != id {
		t.Errorf("grant %+v, lobby id %s", g, e.ID)
	}
	// Every poll after the first came back with the lobby cookie.
	polls := 0
	for _, req := range s.Requests() {
		if !strings.HasSuffix(req.Path, "/request-entry/") {
			continue
		}
		if polls > 0 && !hasCookie(req, visiotest.LobbyCookie, e.ID) {
			t.Errorf("poll %d without the lobby cookie: %v", polls, req.Header.Values("Cookie"))
		}
		polls++
	}
	if polls < 3 {
		t.Errorf("%d polls", polls)
	}
}

func TestLobbyDenied(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{})
	_, done := lobbyJoin(bounded(t), newClient(t, s), linkOn(t, s, slug), "Guest")
	e := arrival(t, s)
	if err := s.Decide(id, e.ID, false); err != nil {
		t.Fatal(err)
	}
	r := result(t, done, 2*time.Second)
	if !errors.Is(r.err, visio.ErrDenied) || visio.ErrorKey(r.err) != "visio.error.denied" {
		t.Errorf("denied: %+v", r)
	}
}

func TestLobbyCancel(t *testing.T) {
	s, _ := restrictedRoom(t, visiotest.Config{})
	ctx, cancel := context.WithCancel(bounded(t))
	statuses, done := lobbyJoin(ctx, newClient(t, s, visio.WithPollInterval(time.Second)), linkOn(t, s, slug), "Guest")
	arrival(t, s)
	// Cancel between polls, not during one.
	select {
	case <-statuses:
	case <-time.After(2 * time.Second):
		t.Fatal("no lobby status")
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cancel()
	r := result(t, done, time.Second)
	if !errors.Is(r.err, context.Canceled) || errors.Is(r.err, visio.ErrLobbyTimeout) {
		t.Errorf("cancelled: %v", r.err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("took %v to stop waiting", d)
	}
}

func TestLobbyTimeout(t *testing.T) {
	s, _ := restrictedRoom(t, visiotest.Config{})
	start := time.Now()
	_, done := lobbyJoin(bounded(t), newClient(t, s, visio.WithLobbyTimeout(150*time.Millisecond)), linkOn(t, s, slug), "Guest")
	r := result(t, done, 2*time.Second)
	if !errors.Is(r.err, visio.ErrLobbyTimeout) || visio.ErrorKey(r.err) != "visio.error.lobby_timeout" {
		t.Errorf("timeout: %v", r.err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// Polling faster than the server's waiting timeout, with the lobby cookie,
// keeps one entry alive: without the cookie each poll would be a new
// arrival, and too slow a pace would let the entry expire.
func TestLobbyKeepsItsPlace(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{WaitingTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(bounded(t))
	defer cancel()
	_, done := lobbyJoin(ctx, newClient(t, s, visio.WithPollInterval(20*time.Millisecond)), linkOn(t, s, slug), "Guest")
	e := arrival(t, s)
	time.Sleep(400 * time.Millisecond)
	if w := s.Waiting(id); len(w) != 1 || w[0].ID != e.ID {
		t.Errorf("after 4 waiting timeouts: %+v", w)
	}
	select {
	case again := <-s.Arrivals():
		t.Errorf("second arrival %+v", again)
	default:
	}
	cancel()
	result(t, done, time.Second)
}

// A few failed polls in a row are retried at the same pace; more end the
// wait with the last error.
func TestLobbyRetriesTransientErrors(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{})
	var fails atomic.Int32
	fails.Store(3)
	var entries atomic.Int32
	s.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/request-entry/") {
			return false
		}
		// The first poll goes through (we are waiting); then three fail.
		if entries.Add(1) > 1 && fails.Add(-1) >= 0 {
			status := http.StatusBadGateway
			if fails.Load() == 1 {
				status = http.StatusTooManyRequests
			}
			w.WriteHeader(status)
			return true
		}
		return false
	})
	_, done := lobbyJoin(bounded(t), newClient(t, s), linkOn(t, s, slug), "Guest")
	e := arrival(t, s)
	for deadline := time.Now().Add(3 * time.Second); fails.Load() >= 0; time.Sleep(5 * time.Millisecond) {
		select {
		case r := <-done:
			t.Fatalf("gave up during 3 failed polls: %v", r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("polls stopped with %d failures to go", fails.Load()+1)
		}
	}
	if err := s.Decide(id, e.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := result(t, done, 2*time.Second); r.err != nil {
		t.Fatalf("after 3 failed polls: %v", r.err)
	}

	// Four failures in a row: give up with the server's error.
	s2, _ := restrictedRoom(t, visiotest.Config{})
	var polls atomic.Int32
	s2.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/request-entry/") {
			return false
		}
		polls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	_, done = lobbyJoin(bounded(t), newClient(t, s2), linkOn(t, s2, slug), "Guest")
	r := result(t, done, 2*time.Second)
	if !errors.Is(r.err, visio.ErrServer) {
		t.Errorf("server down: %v", r.err)
	}
	if n := polls.Load(); n != 4 {
		t.Errorf("%d polls, want 1 + 3 retries", n)
	}

	// Errors that will not heal are not retried.
	s3, _ := restrictedRoom(t, visiotest.Config{})
	polls.Store(0)
	s3.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/request-entry/") {
			return false
		}
		polls.Add(1)
		w.WriteHeader(http.StatusForbidden)
		return true
	})
	_, done = lobbyJoin(bounded(t), newClient(t, s3), linkOn(t, s3, slug), "Guest")
	if r := result(t, done, 2*time.Second); !errors.Is(r.err, visio.ErrUnauthorized) || polls.Load() != 1 {
		t.Errorf("403: %v after %d polls", r.err, polls.Load())
	}
}

// The host side through the API: list the lobby and admit, with the
// login session and its CSRF token.
func TestHostAdmitsFromLobby(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{})
	sess, csrf := s.AddUser(visiotest.User{Sub: "sub-host", FullName: "Hélène Hôte"})
	host := newClient(t, s, visio.WithSession(sess), visio.WithCSRFToken(csrf))
	ctx := bounded(t)

	room, err := host.Room(ctx, slug, "")
	if err != nil {
		t.Fatal(err)
	}
	if !room.Administrable || room.LiveKit == nil {
		t.Fatalf("owner's view of the room: %+v", room)
	}
	if w, err := host.WaitingParticipants(ctx, id); err != nil || len(w) != 0 {
		t.Fatalf("empty lobby: %v, %v", w, err)
	}

	_, done := lobbyJoin(bounded(t), newClient(t, s), linkOn(t, s, slug), "Guest")
	arrival(t, s)
	w, err := host.WaitingParticipants(ctx, id)
	if err != nil || len(w) != 1 || w[0].Username != "Guest" || w[0].Status != visio.Waiting || w[0].ID == "" {
		t.Fatalf("lobby: %+v, %v", w, err)
	}
	if err := host.AdmitParticipant(ctx, id, w[0].ID, true); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, s, "POST", "/rooms/"+id+"/enter/")
	if r.Header.Get("X-CSRFToken") != csrf || !hasCookie(r, "sessionid", sess) || r.Header.Get("Authorization") != "" {
		t.Errorf("enter headers %v", r.Header)
	}
	if string(r.Body) != `{"allow_entry":true,"participant_id":"`+w[0].ID+`"}` {
		t.Errorf("enter body %s", r.Body)
	}
	if res := result(t, done, 2*time.Second); res.err != nil || !res.cr.ViaLobby {
		t.Errorf("guest: %+v", res)
	}

	// Someone no longer in the lobby.
	err = host.AdmitParticipant(ctx, id, "2f7f162f-e7d1-421b-90e7-02bfbfbf8def", false)
	if he, ok := errors.AsType[*visio.HTTPError](err); !ok || he.Status != 404 || visio.ErrorKey(err) != visio.KeyRejected {
		t.Errorf("unknown participant: %v", err)
	}

	// Not logged in, or not a host: refused.
	anon := newClient(t, s)
	if _, err := anon.WaitingParticipants(ctx, id); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("anonymous lists the lobby: %v", err)
	}
	sess2, csrf2 := s.AddUser(visiotest.User{Sub: "sub-other"})
	other := newClient(t, s, visio.WithSession(sess2), visio.WithCSRFToken(csrf2))
	if err := other.AdmitParticipant(ctx, id, w[0].ID, true); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("non-host admits: %v", err)
	}
}

// onStatus is called in WaitInLobby's goroutine, once per answer, and a
// nil one is allowed.
func TestWaitInLobbyCallback(t *testing.T) {
	s, id := restrictedRoom(t, visiotest.Config{})
	c := newClient(t, s)
	var mu sync.Mutex
	var seen []visio.LobbyStatus
	host := make(chan error, 1)
	go func() {
		select {
		case e := <-s.Arrivals():
			time.Sleep(30 * time.Millisecond)
			host <- s.Decide(id, e.ID, true)
		case <-time.After(3 * time.Second):
			host <- errors.New("nobody arrived in the lobby")
		}
	}()
	lk, err := c.WaitInLobby(bounded(t), id, "", func(st visio.EntryStatus) {
		mu.Lock()
		seen = append(seen, st.Status)
		mu.Unlock()
	})
	if herr := <-host; herr != nil {
		t.Fatal(herr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if lk.Token == "" || lk.Room != id {
		t.Errorf("credentials %+v", lk)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 || seen[0] != visio.Waiting || seen[len(seen)-1] != visio.Accepted {
		t.Errorf("statuses %v", seen)
	}
	// An empty name is sent as the web client sends it.
	if r := lastRequest(t, s, "POST", "/request-entry/"); string(r.Body) != `{"username":"anonymous"}` {
		t.Errorf("body %s", r.Body)
	}

	// Public room: accepted at once, nil callback.
	s2 := fake(t, visiotest.Config{})
	pub := s2.AddRoom(visiotest.RoomSpec{Slug: slug})
	if _, err := newClient(t, s2).WaitInLobby(bounded(t), pub, "Alice", nil); err != nil {
		t.Error(err)
	}
	if _, err := newClient(t, s2).WaitInLobby(bounded(t), "00000000-0000-4000-8000-000000000000", "Alice", nil); !errors.Is(err, visio.ErrRoomNotFound) {
		t.Errorf("unknown room: %v", err)
	}
}
