package visiotest_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"causerie/client/livekit/lkserver"
	"causerie/client/visio/visiotest"
	"causerie/client/visio/visiotest/lkapi"
)

// wait bounds every wait for something LiveKit relays; on loopback it
// takes milliseconds.
const wait = 10 * time.Second

// quiet is how long a test watches for something that must not come.
const quiet = 500 * time.Millisecond

func startSFU(t *testing.T) *lkserver.Server {
	t.Helper()
	bin, err := lkserver.Find()
	if err != nil {
		t.Fatalf("%v: `make test` builds it; by hand, set CAUSERIE_LIVEKIT_SERVER=$HOME/.cache/causerie/livekit-%s/server", err, lkserver.Version)
	}
	srv, err := lkserver.Start(context.Background(), bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// What a peer saw, reported by lksdk's callbacks (on its goroutines) to
// the test over buffered channels that never block them.
type attrChange struct {
	identity string
	changed  map[string]string
	p        lksdk.Participant
}

type dataMsg struct {
	sender, topic string
	payload       string
}

type muteEvent struct {
	identity, sid string
	local         bool
}

type peer struct {
	room      *lksdk.Room
	attrs     chan attrChange
	data      chan dataMsg
	probes    chan struct{}
	published chan *lksdk.RemoteTrackPublication
	muted     chan muteEvent
	left      chan string
	gone      chan lksdk.DisconnectionReason
}

func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// join connects to LiveKit with a token the fake minted.
func join(t *testing.T, url, token string) *peer {
	t.Helper()
	p := &peer{
		attrs: make(chan attrChange, 64), data: make(chan dataMsg, 64), probes: make(chan struct{}, 64),
		published: make(chan *lksdk.RemoteTrackPublication, 64), muted: make(chan muteEvent, 64),
		left: make(chan string, 64), gone: make(chan lksdk.DisconnectionReason, 1),
	}
	cb := &lksdk.RoomCallback{
		ParticipantCallback: lksdk.ParticipantCallback{
			OnAttributesChanged: func(changed map[string]string, pa lksdk.Participant) {
				offer(p.attrs, attrChange{pa.Identity(), changed, pa})
			},
			OnDataPacket: func(d lksdk.DataPacket, params lksdk.DataReceiveParams) {
				switch u, ok := d.(*lksdk.UserDataPacket); {
				case ok && u.Topic == probeTopic:
					offer(p.probes, struct{}{})
				case ok:
					offer(p.data, dataMsg{params.SenderIdentity, u.Topic, string(u.Payload)})
				}
			},
			OnTrackPublished: func(pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) { offer(p.published, pub) },
			OnTrackMuted: func(pub lksdk.TrackPublication, pa lksdk.Participant) {
				_, local := pa.(*lksdk.LocalParticipant)
				offer(p.muted, muteEvent{pa.Identity(), pub.SID(), local})
			},
		},
		OnParticipantDisconnected: func(rp *lksdk.RemoteParticipant) { offer(p.left, rp.Identity()) },
		OnDisconnectedWithReason:  func(r lksdk.DisconnectionReason) { offer(p.gone, r) },
	}
	room, err := lksdk.ConnectToRoomWithToken(url, token, cb, lksdk.WithAutoSubscribe(false))
	if err != nil {
		t.Fatalf("join LiveKit: %v", err)
	}
	p.room = room
	t.Cleanup(room.Disconnect)
	return p
}

// await returns the first value from ch that matches, failing after wait.
func await[T any](t *testing.T, ch <-chan T, what string, match func(T) bool) T {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case v := <-ch:
			if match(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("no %s within %v", what, wait)
		}
	}
}

// none fails if ch yields a value within quiet.
func none[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Errorf("unexpected %s: %+v", what, v)
	case <-time.After(quiet):
	}
}

// probeTopic marks the packets ready sends.
const probeTopic = "visiotest-probe"

// ready waits until LiveKit delivers data packets to p. A participant's
// data channel opens some milliseconds after the join that
// ConnectToRoomWithToken waits for, and livekit-server drops what it
// would send there before: a host who has just joined misses a
// participantWaiting sent in that window, in production as here.
func ready(t *testing.T, srv *lkserver.Server, room string, p *peer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	topic := probeTopic
	for {
		_, err := srv.RoomService().SendData(ctx, &livekit.SendDataRequest{
			Room: room, Data: []byte("?"), Kind: livekit.DataPacket_RELIABLE, Topic: &topic,
			DestinationIdentities: []string{p.room.LocalParticipant.Identity()},
		})
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		select {
		case <-p.probes:
			return
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%s's data channel not open within %v", p.room.LocalParticipant.Identity(), wait)
		}
	}
}

// remote waits until p sees identity in the room.
func remote(t *testing.T, p *peer, identity string) *lksdk.RemoteParticipant {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if rp := p.room.GetParticipantByIdentity(identity); rp != nil {
			return rp
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared in %s's room", identity, p.room.LocalParticipant.Identity())
	return nil
}

// member is a logged-in user's browser, with the session's CSRF token.
type member struct {
	*browser
	csrf string
}

func login(t *testing.T, s *visiotest.Server, sub, name string) member {
	sess, csrf := s.AddUser(visiotest.User{Sub: sub, FullName: name})
	return member{newBrowser(t, s, &http.Cookie{Name: "sessionid", Value: sess}, &http.Cookie{Name: visiotest.CSRFCookie, Value: csrf}), csrf}
}

func (m member) post(path string, body any) (int, map[string]any) {
	return m.do("POST", path, body, "X-CSRFToken", m.csrf)
}

// credentials fetches a room as the web client does and returns its
// livekit block.
func credentials(t *testing.T, b *browser, slug, username string) (url, room, token string) {
	t.Helper()
	st, out := b.do("GET", "rooms/"+slug+"/?username="+username, nil)
	lk, _ := out["livekit"].(map[string]any)
	if st != 200 || lk == nil {
		t.Fatalf("GET room: %d %v", st, out)
	}
	url, _ = lk["url"].(string)
	room, _ = lk["room"].(string)
	token, _ = lk["token"].(string)
	return url, room, token
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// opusSilence is one 20 ms Opus frame of silence (RFC 6716 TOC 0xf8:
// CELT fullband 20 ms, mono, one frame).
var opusSilence = []byte{0xf8, 0xff, 0xfe}

// publishMic publishes a microphone track fed with silence until the test
// ends, and returns its SID.
func publishMic(t *testing.T, p *peer) string {
	t.Helper()
	track, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := p.room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{Name: "mic", Source: livekit.TrackSource_MICROPHONE})
	if err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = track.WriteSample(pmedia.Sample{Data: opusSilence, Duration: 20 * time.Millisecond}, nil)
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return pub.SID()
}

// TestLiveKit runs the fake against a real livekit-server: what the real
// backend does to LiveKit, clients connected to it see.
func TestLiveKit(t *testing.T) {
	srv := startSFU(t)
	s := visiotest.New(visiotest.Config{LiveKit: lkapi.New(srv.URL, srv.Key, srv.Secret), SubtitleEnabled: true})
	defer s.Close()
	const slug = "abc-defg-hij"
	id := s.AddRoom(visiotest.RoomSpec{
		Slug: slug, AccessLevel: visiotest.Restricted,
		Configuration: map[string]any{"can_publish_sources": []any{"camera", "microphone"}},
		Roles:         map[string]string{"sub-alice": visiotest.Owner, "sub-carol": visiotest.Member, "sub-dave": visiotest.Member},
	})
	alice := login(t, s, "sub-alice", "Alice Martin")
	carol := login(t, s, "sub-carol", "Carol Petit")
	dave := login(t, s, "sub-dave", "Dave")

	url, room, aliceTok := credentials(t, alice.browser, slug, "Alice")
	if url != srv.URL || room != id {
		t.Fatalf("livekit url %q room %q, want %q %q", url, room, srv.URL, id)
	}
	_, _, carolTok := credentials(t, carol.browser, slug, "Carol")
	_, _, daveTok := credentials(t, dave.browser, slug, "Dave") // never joins
	alicePeer := join(t, url, aliceTok)
	carolPeer := join(t, url, carolTok)
	ready(t, srv, id, alicePeer)
	ready(t, srv, id, carolPeer)

	var guestID, guestColor, guestTok string
	guest := newBrowser(t, s)

	t.Run("token", func(t *testing.T) {
		// Each sees the other's attributes from generate_token.
		for _, tc := range []struct {
			from *peer
			of   string
			name string
			role string
			tok  string
		}{
			{carolPeer, "sub-alice", "Alice", visiotest.Owner, aliceTok},
			{alicePeer, "sub-carol", "Carol", visiotest.Member, carolTok},
		} {
			g, _ := s.Grant(tc.tok)
			rp := remote(t, tc.from, tc.of)
			want := map[string]string{"color": g.Color, "room_role": tc.role, "is_authenticated": "true"}
			if got := rp.Attributes(); !mapsEqual(got, want) || rp.Name() != tc.name {
				t.Errorf("%s seen as %q %v, want %q %v", tc.of, rp.Name(), got, tc.name, want)
			}
		}
		// Grants: owners publish the default sources, members the room's
		// can_publish_sources; nobody updates their own metadata.
		rs := srv.RoomService()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		for identity, want := range map[string][]livekit.TrackSource{
			"sub-alice": {livekit.TrackSource_CAMERA, livekit.TrackSource_MICROPHONE, livekit.TrackSource_SCREEN_SHARE, livekit.TrackSource_SCREEN_SHARE_AUDIO},
			"sub-carol": {livekit.TrackSource_CAMERA, livekit.TrackSource_MICROPHONE},
		} {
			pi, err := rs.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: id, Identity: identity})
			if err != nil {
				t.Fatal(err)
			}
			p := pi.Permission
			if !p.CanPublish || !p.CanSubscribe || !p.CanPublishData || p.CanUpdateMetadata || !slices.Equal(p.CanPublishSources, want) {
				t.Errorf("%s's permission %v", identity, p)
			}
		}
	})

	t.Run("lobby notifies the room", func(t *testing.T) {
		st, out := guest.requestEntry(id, "Guest")
		if st != 200 || out["status"] != "waiting" {
			t.Fatalf("request-entry: %d %v", st, out)
		}
		guestID, _ = out["id"].(string)
		guestColor, _ = out["color"].(string)
		// To everyone in the room (Carol is no admin), from the server,
		// no topic: utils.notify_participants.
		for who, p := range map[string]*peer{"alice": alicePeer, "carol": carolPeer} {
			d := await(t, p.data, who+"'s participantWaiting", func(dataMsg) bool { return true })
			if d != (dataMsg{"", "", `{"type": "participantWaiting"}`}) {
				t.Errorf("%s got %+v", who, d)
			}
		}
		// A poll only refreshes the entry: no new notification.
		if _, out := guest.requestEntry(id, "Guest"); out["status"] != "waiting" {
			t.Fatalf("poll: %v", out)
		}
		none(t, alicePeer.data, "notification on a poll")

		if st, out := alice.post("rooms/"+id+"/enter/", map[string]any{"participant_id": guestID, "allow_entry": true}); st != 200 {
			t.Fatalf("enter: %d %v", st, out)
		}
		_, out = guest.requestEntry(id, "Guest")
		lk, _ := out["livekit"].(map[string]any)
		guestTok, _ = lk["token"].(string)
		if out["status"] != "accepted" || guestTok == "" {
			t.Fatalf("admitted: %v", out)
		}
		if errs := s.LiveKitErrors(); len(errs) > 0 {
			t.Errorf("LiveKit errors: %v", errs)
		}
	})
	if guestTok == "" {
		t.Fatal("the guest was not let in")
	}
	// Joined here, not in the subtest, to stay for the rest of the test.
	guestPeer := join(t, url, guestTok)
	ready(t, srv, id, guestPeer)
	t.Run("anonymous token", func(t *testing.T) {
		// Lobby id as identity, lobby colour, no role.
		rp := remote(t, alicePeer, guestID)
		want := map[string]string{"color": guestColor, "room_role": "", "is_authenticated": "false"}
		if got := rp.Attributes(); !mapsEqual(got, want) || rp.Name() != "Guest" {
			t.Errorf("guest seen as %q %v, want %v", rp.Name(), got, want)
		}
	})

	t.Run("toggle-hand", func(t *testing.T) {
		if st, out := carol.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": true}, bearer(carolTok)...); st != 200 {
			t.Fatalf("raise: %d %v", st, out)
		}
		ch := await(t, alicePeer.attrs, "carol's handRaisedAt", func(c attrChange) bool {
			_, ok := c.changed["handRaisedAt"]
			return c.identity == "sub-carol" && ok
		})
		at := ch.changed["handRaisedAt"]
		if at == "" || at != s.HandRaisedAt(id, "sub-carol") || !strings.HasSuffix(at, "+00:00") {
			t.Errorf("handRaisedAt %q, fake says %q", at, s.HandRaisedAt(id, "sub-carol"))
		}
		if ts, err := time.Parse("2006-01-02T15:04:05.999999-07:00", at); err != nil || time.Since(ts) > time.Minute || time.Since(ts) < -time.Minute {
			t.Errorf("handRaisedAt %q: %v", at, err)
		}
		// ParticipantsManagement.update sends metadata=json.dumps(None).
		if md := ch.p.Metadata(); md != "null" {
			t.Errorf("carol's metadata %q, want the real backend's \"null\"", md)
		}

		if st, out := carol.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": false}, bearer(carolTok)...); st != 200 {
			t.Fatalf("lower: %d %v", st, out)
		}
		ch = await(t, alicePeer.attrs, "carol's hand lowered", func(c attrChange) bool {
			v, ok := c.changed["handRaisedAt"]
			return c.identity == "sub-carol" && ok && v == ""
		})
		if _, still := ch.p.Attributes()["handRaisedAt"]; still || s.HandRaisedAt(id, "sub-carol") != "" {
			t.Errorf("after lowering: %v, fake %q", ch.p.Attributes(), s.HandRaisedAt(id, "sub-carol"))
		}

		// Someone with a token who is not in the LiveKit room: 404.
		if st, out := dave.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": true}, bearer(daveTok)...); st != 404 || out["error"] != "Participant not found" {
			t.Errorf("not connected: %d %v", st, out)
		}
		// Any token signed with the LiveKit key is accepted, as the real
		// TokenVerifier does; another key's is not.
		own, err := srv.TokenFor(id, "sub-carol", "Carol", nil)
		if err != nil {
			t.Fatal(err)
		}
		if st, out := carol.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": true}, bearer(own)...); st != 200 {
			t.Errorf("token signed by the server's key: %d %v", st, out)
		}
		forged, _ := (&lkserver.Server{Key: srv.Key, Secret: strings.Repeat("x", 48)}).TokenFor(id, "sub-carol", "Carol", nil)
		if st, out := carol.do("POST", "rooms/"+id+"/toggle-hand/", map[string]any{"raised": true}, bearer(forged)...); st != 403 {
			t.Errorf("forged token: %d %v", st, out)
		}
	})

	t.Run("mute-participant", func(t *testing.T) {
		sid := publishMic(t, guestPeer)
		await(t, alicePeer.published, "guest's microphone", func(p *lksdk.RemoteTrackPublication) bool { return p.SID() == sid })

		// A host mutes by session (the web client's way for admins).
		if st, out := alice.post("rooms/"+id+"/mute-participant/", map[string]any{"participant_identity": guestID, "track_sid": sid}); st != 200 {
			t.Fatalf("mute: %d %v", st, out)
		}
		await(t, guestPeer.muted, "the guest's own track muted", func(e muteEvent) bool { return e.local && e.sid == sid })
		await(t, alicePeer.muted, "alice seeing the guest muted", func(e muteEvent) bool { return e.identity == guestID && e.sid == sid })
		if m := s.Mutes(); len(m) != 1 || m[0] != (visiotest.Mute{RoomID: id, By: "sub-alice", Identity: guestID, TrackSID: sid}) {
			t.Errorf("mutes %+v", m)
		}
		// The server sends no notification: participantMuted is the web
		// client's own packet.
		none(t, guestPeer.data, "data packet on mute")

		// By token: the caller must be in the room…
		if st, out := dave.post("rooms/"+id+"/mute-participant/", nil); st != 403 {
			t.Errorf("session member: %d %v", st, out)
		}
		if st, out := dave.do("POST", "rooms/"+id+"/mute-participant/", map[string]any{"participant_identity": guestID, "track_sid": sid}, bearer(daveTok)...); st != 403 || out["error"] != "Could not verify caller presence" {
			t.Errorf("caller not connected: %d %v", st, out)
		}
		// …but an absent target is no 404: livekit-server's
		// MutePublishedTrack gives up after 3 s with "unavailable" rather
		// than not_found, and the view answers 500.
		if st, out := carol.do("POST", "rooms/"+id+"/mute-participant/", map[string]any{"participant_identity": "nobody", "track_sid": sid}, bearer(carolTok)...); st != 500 || out["error"] != "Failed to mute participant" {
			t.Errorf("target not connected: %d %v", st, out)
		}
		if st, out := carol.do("POST", "rooms/"+id+"/mute-participant/", map[string]any{"participant_identity": guestID, "track_sid": sid}, bearer(carolTok)...); st != 200 {
			t.Errorf("member mutes by token: %d %v", st, out)
		}
	})

	t.Run("start-subtitle", func(t *testing.T) {
		if st, out := carol.do("POST", "rooms/"+id+"/start-subtitle/", nil, bearer(carolTok)...); st != 200 {
			t.Fatalf("start-subtitle: %d %v", st, out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		list, err := srv.AgentDispatch().ListDispatch(ctx, &livekit.ListAgentDispatchRequest{Room: id})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(list.AgentDispatches, func(d *livekit.AgentDispatch) bool { return d.AgentName == visiotest.SubtitleAgent }) {
			t.Errorf("dispatches %v", list.AgentDispatches)
		}
	})

	t.Run("rename", func(t *testing.T) {
		if st, out := carol.do("POST", "rooms/"+id+"/rename/", map[string]any{"name": " Caro "}, bearer(carolTok)...); st != 200 {
			t.Fatalf("rename: %d %v", st, out)
		}
		deadline := time.Now().Add(wait)
		for remote(t, alicePeer, "sub-carol").Name() != "Caro" {
			if time.Now().After(deadline) {
				t.Fatalf("alice still sees %q", remote(t, alicePeer, "sub-carol").Name())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("remove-participant", func(t *testing.T) {
		if st, out := carol.post("rooms/"+id+"/remove-participant/", map[string]any{"participant_identity": guestID}); st != 403 {
			t.Errorf("member removes: %d %v", st, out)
		}
		if st, out := alice.post("rooms/"+id+"/remove-participant/", map[string]any{"participant_identity": "nobody"}); st != 404 || out["error"] != "Participant not found" {
			t.Errorf("unknown participant: %d %v", st, out)
		}
		if st, out := alice.post("rooms/"+id+"/remove-participant/", map[string]any{"participant_identity": guestID}); st != 200 {
			t.Fatalf("remove: %d %v", st, out)
		}
		await(t, guestPeer.gone, "the guest disconnected", func(lksdk.DisconnectionReason) bool { return true })
		await(t, alicePeer.left, "alice seeing the guest leave", func(id string) bool { return id == guestID })
		if r := s.Removals(); len(r) != 1 || r[0] != (visiotest.Removal{RoomID: id, By: "sub-alice", Identity: guestID}) {
			t.Errorf("removals %+v", r)
		}
		// The lobby forgot the admission: the guest waits again, and the
		// room hears of it.
		if _, out := guest.requestEntry(id, "Guest"); out["status"] != "waiting" {
			t.Errorf("after removal: %v", out)
		}
		await(t, alicePeer.data, "participantWaiting again", func(d dataMsg) bool { return strings.Contains(d.payload, "participantWaiting") })
	})

	t.Run("empty room", func(t *testing.T) {
		// Nobody in LiveKit: notify_participants finds no room and sends
		// nothing, without error.
		other := s.AddRoom(visiotest.RoomSpec{Slug: "zzz-zzzz-zzz", AccessLevel: visiotest.Restricted})
		if st, out := newBrowser(t, s).requestEntry(other, "G"); st != 200 || out["status"] != "waiting" {
			t.Errorf("request-entry: %d %v", st, out)
		}
		if errs := s.LiveKitErrors(); len(errs) > 0 {
			t.Errorf("LiveKit errors: %v", errs)
		}
	})
}

// TestLiveKitHookConcurrency: lobby notifications from many guests at once
// reach the room, one per guest, with the race detector watching the
// fake's locking around LiveKit calls.
func TestLiveKitHookConcurrency(t *testing.T) {
	srv := startSFU(t)
	s := visiotest.New(visiotest.Config{LiveKit: lkapi.New(srv.URL, srv.Key, srv.Secret)})
	defer s.Close()
	id := s.AddRoom(visiotest.RoomSpec{Slug: "abc-defg-hij", AccessLevel: visiotest.Trusted,
		Roles: map[string]string{"sub-host": visiotest.Owner}})
	host := login(t, s, "sub-host", "Host")
	url, _, tok := credentials(t, host.browser, "abc-defg-hij", "Host")
	p := join(t, url, tok)
	ready(t, srv, id, p)

	const guests = 8
	var wg sync.WaitGroup
	for range guests {
		wg.Go(func() {
			if st, out := newBrowser(t, s).requestEntry(id, "G"); st != 200 || out["status"] != "waiting" {
				t.Errorf("request-entry: %d %v", st, out)
			}
		})
	}
	wg.Wait()
	for i := range guests {
		await(t, p.data, "notification "+string(rune('1'+i)), func(dataMsg) bool { return true })
	}
	none(t, p.data, "extra notification")
	if w := s.Waiting(id); len(w) != guests {
		t.Errorf("%d waiting, want %d", len(w), guests)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
