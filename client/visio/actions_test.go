package visio_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"causerie/client/visio"
	"causerie/client/visio/visiotest"
)

// checkBearer checks the last POST to action carried the token and a body
// equal to want (nil: no body).
func checkBearer(t *testing.T, s *visiotest.Server, id, action, token string, want map[string]any) {
	t.Helper()
	r := lastRequest(t, s, "POST", "/rooms/"+id+"/"+action+"/")
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("%s: Authorization %q", action, got)
	}
	if want == nil {
		if len(r.Body) != 0 {
			t.Errorf("%s: body %s, want none", action, r.Body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", action, ct)
	}
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s: body %s, want %v", action, r.Body, want)
	}
}

func TestParticipantActions(t *testing.T) {
	s := fake(t, visiotest.Config{SubtitleEnabled: true})
	id := s.AddRoom(visiotest.RoomSpec{Slug: slug})
	otherID := s.AddRoom(visiotest.RoomSpec{Slug: "zzz-zzzz-zzz"})
	c := newClient(t, s)
	ctx := bounded(t)
	cr, err := c.Join(ctx, linkOn(t, s, slug), "Alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := s.Grant(cr.Token)

	if err := c.ToggleHand(ctx, cr.RoomID, cr.Token, true); err != nil {
		t.Fatal(err)
	}
	checkBearer(t, s, id, "toggle-hand", cr.Token, map[string]any{"raised": true})
	if s.HandRaisedAt(id, me.Identity) == "" {
		t.Error("hand not raised")
	}
	if err := c.ToggleHand(ctx, cr.RoomID, cr.Token, false); err != nil {
		t.Fatal(err)
	}
	checkBearer(t, s, id, "toggle-hand", cr.Token, map[string]any{"raised": false})
	if at := s.HandRaisedAt(id, me.Identity); at != "" {
		t.Errorf("hand still raised at %q", at)
	}

	if err := c.Rename(ctx, cr.RoomID, cr.Token, "Alice M."); err != nil {
		t.Fatal(err)
	}
	checkBearer(t, s, id, "rename", cr.Token, map[string]any{"name": "Alice M."})
	if g, _ := s.Grant(cr.Token); g.Name != "Alice M." {
		t.Errorf("renamed to %q", g.Name)
	}

	if err := c.StartSubtitle(ctx, cr.RoomID, cr.Token); err != nil {
		t.Fatal(err)
	}
	checkBearer(t, s, id, "start-subtitle", cr.Token, nil)
	if !s.SubtitleStarted(id) {
		t.Error("subtitles not started")
	}

	if err := c.MuteParticipant(ctx, cr.RoomID, cr.Token, "bob-identity", "TR_AMkZ3b9"); err != nil {
		t.Fatal(err)
	}
	checkBearer(t, s, id, "mute-participant", cr.Token, map[string]any{"participant_identity": "bob-identity", "track_sid": "TR_AMkZ3b9"})
	if m := s.Mutes(); len(m) != 1 || m[0] != (visiotest.Mute{RoomID: id, By: me.Identity, Identity: "bob-identity", TrackSID: "TR_AMkZ3b9"}) {
		t.Errorf("mutes %+v", m)
	}

	// A token is for one room only; an unknown one is refused; none is
	// refused without asking.
	if err := c.ToggleHand(ctx, otherID, cr.Token, true); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("other room's token: %v", err)
	}
	if err := c.ToggleHand(ctx, cr.RoomID, "forged", true); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("forged token: %v", err)
	}
	n := len(s.Requests())
	for _, err := range []error{
		c.ToggleHand(ctx, cr.RoomID, "", true),
		c.StartSubtitle(ctx, cr.RoomID, ""),
		c.Rename(ctx, cr.RoomID, "", "x"),
	} {
		if !errors.Is(err, visio.ErrUnauthorized) {
			t.Errorf("no token: %v", err)
		}
	}
	if len(s.Requests()) != n {
		t.Error("requests sent without a token")
	}
}

func TestStartSubtitleDisabled(t *testing.T) {
	s := fake(t, visiotest.Config{})
	s.AddRoom(visiotest.RoomSpec{Slug: slug})
	c := newClient(t, s)
	cr, err := c.Join(bounded(t), linkOn(t, s, slug), "Alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.StartSubtitle(bounded(t), cr.RoomID, cr.Token)
	if he, ok := errors.AsType[*visio.HTTPError](err); !ok || he.Status != 404 || errors.Is(err, visio.ErrRoomNotFound) {
		t.Errorf("subtitles off: %v", err)
	}
}

// With everyone_can_mute off, a bearer token may not mute, not even a
// host's; hosts mute with their session instead.
func TestMuteByHostSession(t *testing.T) {
	s := fake(t, visiotest.Config{})
	id := s.AddRoom(visiotest.RoomSpec{Slug: slug, Configuration: map[string]any{"everyone_can_mute": false},
		Roles: map[string]string{"sub-host": visiotest.Admin}})
	sess, csrf := s.AddUser(visiotest.User{Sub: "sub-host", FullName: "Hôte"})
	host := newClient(t, s, visio.WithSession(sess), visio.WithCSRFToken(csrf))
	ctx := bounded(t)
	cr, err := host.Join(ctx, linkOn(t, s, slug), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := host.MuteParticipant(ctx, id, cr.Token, "bob", "TR_1"); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("bearer mute with everyone_can_mute off: %v", err)
	}
	if err := host.MuteParticipant(ctx, id, "", "bob", "TR_1"); err != nil {
		t.Fatalf("session mute by an administrator: %v", err)
	}
	r := lastRequest(t, s, "POST", "/mute-participant/")
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-CSRFToken") != csrf {
		t.Errorf("session mute headers %v", r.Header)
	}
	if m := s.Mutes(); len(m) != 1 || m[0].By != "sub-host" {
		t.Errorf("mutes %+v", m)
	}
	if err := newClient(t, s).MuteParticipant(ctx, id, "", "bob", "TR_1"); !errors.Is(err, visio.ErrUnauthorized) {
		t.Errorf("anonymous session mute: %v", err)
	}
}
