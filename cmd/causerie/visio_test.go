package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lkproto "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/livekit/lkserver"
	"causerie/client/visio"
	"causerie/client/visio/visiotest"
	"causerie/client/visio/visiotest/lkapi"
	"causerie/media/playout"
)

// The Visio tests run the whole path a civil servant takes: a meeting link,
// La Suite Meet's API (its test double, driving the real livekit-server as
// the real backend does), the lobby, then the room.

const meetingCode = "abc-defg-hij"

// visioInstance starts an SFU and a La Suite Meet double that drives it.
func visioInstance(t *testing.T) (*lkserver.Server, *visiotest.Server) {
	t.Helper()
	srv := startSFU(t)
	v := visiotest.New(visiotest.Config{LiveKit: lkapi.New(srv.URL, srv.Key, srv.Secret), SubtitleEnabled: true})
	t.Cleanup(v.Close)
	return srv, v
}

// attendee is a Causerie participant run in the test process, through
// the same client API the front ends use. It keeps every event it got, so
// a test may wait for them in any order.
type attendee struct {
	*client.Session
	mu     sync.Mutex
	seen   []client.Event
	closed bool
	more   chan struct{} // signalled after each event
}

// history returns the events so far and whether the stream has ended.
func (a *attendee) history() ([]client.Event, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.seen), a.closed
}

// attend joins the meeting by its link. login, when set, is a user's
// session and CSRF token (hosts act with them).
func attend(t *testing.T, v *visiotest.Server, name string, devices bool, login ...string) *attendee {
	t.Helper()
	link, err := visio.ParseLink(v.URL + "/" + meetingCode)
	if err != nil {
		t.Fatal(err)
	}
	var opts []visio.Option
	if len(login) == 2 {
		opts = append(opts, visio.WithSession(login[0]), visio.WithCSRFToken(login[1]))
	}
	api, err := visio.New(link.BaseURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := client.Config{Speaker: playout.NewNull(), Resolve: api.Resolver(link, name, func(url, token string) (client.Backend, error) {
		return livekit.New(url, token, livekit.Options{})
	})}
	if devices {
		if err := openSynthetic(&cfg, "test", "test"); err != nil {
			t.Fatal(err)
		}
	}
	a := &attendee{Session: client.New(cfg), more: make(chan struct{}, 1)}
	go func() {
		for ev := range a.Events() {
			a.mu.Lock()
			a.seen = append(a.seen, ev)
			a.mu.Unlock()
			select {
			case a.more <- struct{}{}:
			default:
			}
		}
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		select {
		case a.more <- struct{}{}:
		default:
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Join(ctx); err != nil {
		t.Fatalf("%s: join: %v", name, err)
	}
	t.Cleanup(a.Leave)
	return a
}

// await returns the first event of type E that matches, received so far
// or within 15 s.
func await[E client.Event](t *testing.T, a *attendee, what string, match func(E) bool) E {
	t.Helper()
	return awaitNth(t, a, what, 1, match)
}

// awaitNth returns the nth event of type E that matches.
func awaitNth[E client.Event](t *testing.T, a *attendee, what string, n int, match func(E) bool) E {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		evs, closed := a.history()
		found := 0
		for _, ev := range evs {
			if e, is := ev.(E); is && match(e) {
				if found++; found == n {
					return e
				}
			}
		}
		if closed {
			t.Fatalf("stream closed waiting for %s", what)
		}
		select {
		case <-a.more:
		case <-timeout:
			t.Fatalf("no %s within 15 s", what)
		}
	}
}

// dataReady waits until the SFU delivers data packets to a: livekit-server
// drops server-sent packets until the participant's data channel is open,
// a moment after joining (the web client has the same window).
func dataReady(t *testing.T, srv *lkserver.Server, room string, a *attendee) {
	t.Helper()
	topic := "causerie-probe"
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := srv.RoomService().SendData(ctx, &lkproto.SendDataRequest{Room: room, Data: []byte("?"),
			Kind: lkproto.DataPacket_RELIABLE, Topic: &topic, DestinationIdentities: []string{a.Self().Identity}})
		cancel()
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		select {
		case <-a.more:
		case <-time.After(200 * time.Millisecond):
		}
		evs, _ := a.history()
		for _, ev := range evs {
			if d, ok := ev.(client.DataMessage); ok && d.Topic == topic {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("data channel never opened")
		}
	}
}

type printedEvent struct {
	Event    string `json:"event"`
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Emoji    string `json:"emoji"`
	State    string `json:"state"`
	Type     string `json:"type"`
	Error    string `json:"error"`
}

// printed parses the JSON lines of --print-events.
func printed(t *testing.T, out string) []printedEvent {
	t.Helper()
	var evs []printedEvent
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var e printedEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

func count(evs []printedEvent, match func(printedEvent) bool) int {
	n := 0
	for _, e := range evs {
		if match(e) {
			n++
		}
	}
	return n
}

// TestVisioJoinByLink: the acceptance run. Alice pastes the link (any
// case, no hyphens) into `causerie join`; a host is in the meeting with
// camera and microphone, says hello and applauds.
func TestVisioJoinByLink(t *testing.T) {
	srv, v := visioInstance(t)
	roomID := v.AddRoom(visiotest.RoomSpec{Slug: meetingCode, Roles: map[string]string{"sub-host": visiotest.Owner}})
	sess, csrf := v.AddUser(visiotest.User{Sub: "sub-host", FullName: "Hélène Hôte"})
	host := attend(t, v, "Hélène", true, sess, csrf)
	dataReady(t, srv, roomID, host)

	dir := t.TempDir()
	alice := causerie(t, nil, "join", v.URL+"/ABCDEFGHIJ", "--name", "Alice", "--headless", "--camera", "test", "--mic", "test",
		"--print-events", "--duration", "8s", "--stats-json", filepath.Join(dir, "alice.json"), "--chat", "Bonjour Hélène")
	joined := await(t, host, "Alice joining", func(e client.ParticipantJoined) bool { return e.Participant.Name == "Alice" })
	if joined.Participant.Role() != "" || joined.Participant.Attributes["is_authenticated"] != "false" {
		t.Errorf("Alice's attributes %v", joined.Participant.Attributes)
	}
	// The chat may overtake the SFU's news of Alice, so it is matched by
	// text and checked by identity.
	if chat := await(t, host, "Alice's chat", func(e client.ChatMessage) bool { return e.Text == "Bonjour Hélène" }); chat.From.Identity != joined.Participant.Identity {
		t.Errorf("chat %+v from %q, want Alice %q", chat, chat.From.Identity, joined.Participant.Identity)
	}
	if err := host.SendChat("Bienvenue, Alice !"); err != nil {
		t.Fatal(err)
	}
	if err := host.SendReaction("clapping-hands"); err != nil {
		t.Fatal(err)
	}
	if code := alice.wait(t, 40*time.Second); code != 0 {
		t.Fatalf("alice exited %d\n%s\n%s", code, alice.stdout.String(), alice.stderr.String())
	}
	evs := printed(t, alice.stdout.String())
	for what, n := range map[string]int{
		"joined":            count(evs, func(e printedEvent) bool { return e.Event == "joined" && e.Name == "Alice" }),
		"host present":      count(evs, func(e printedEvent) bool { return e.Event == "participant_joined" && e.Identity == "sub-host" }),
		"host's camera":     count(evs, func(e printedEvent) bool { return e.Event == "track_subscribed" && e.Kind == "video" }),
		"host's chat, once": count(evs, func(e printedEvent) bool { return e.Event == "chat" && e.Text == "Bienvenue, Alice !" }),
		"host's applause":   count(evs, func(e printedEvent) bool { return e.Event == "reaction" && e.Emoji == "clapping-hands" }),
		"left cleanly":      count(evs, func(e printedEvent) bool { return e.Event == "left" && e.Error == "" }),
	} {
		if n != 1 {
			t.Errorf("%s: %d events, want 1\n%s", what, n, alice.stdout.String())
		}
	}
	r := readReport(t, filepath.Join(dir, "alice.json"))
	var frames uint64
	for _, rr := range r.Remote {
		if rr.Kind == "video" && rr.Participant == "sub-host" {
			frames = rr.FramesDecoded
		}
	}
	if frames < bar(120) || r.Local.Video == nil || r.Local.Video.FramesEncoded < bar(200) {
		t.Errorf("media: %d frames from the host, local %+v", frames, r.Local.Video)
	}
	t.Logf("alice, by link: joined %d ms after start (API and LiveKit), first picture at %d ms, %d frames from the host",
		r.JoinMs, r.FirstRemoteVideoMs, frames)
}

// TestVisioLobby: a restricted meeting. A guest waits in the lobby until
// the host, told by the participantWaiting notification, admits them; a
// second guest is turned away and told so.
func TestVisioLobby(t *testing.T) {
	srv, v := visioInstance(t)
	roomID := v.AddRoom(visiotest.RoomSpec{Slug: meetingCode, AccessLevel: visiotest.Restricted,
		Roles: map[string]string{"sub-host": visiotest.Owner}})
	sess, csrf := v.AddUser(visiotest.User{Sub: "sub-host", FullName: "Hélène Hôte"})
	host := attend(t, v, "Hélène", false, sess, csrf)
	dataReady(t, srv, roomID, host)
	link := v.URL + "/" + meetingCode

	for i, c := range []struct {
		name  string
		allow bool
	}{{"Invité", true}, {"Intrus", false}} {
		t.Run(c.name, func(t *testing.T) {
			guest := causerie(t, nil, "join", link, "--name", c.name, "--headless", "--camera", "none", "--mic", "none",
				"--print-events", "--duration", "3s")
			// The host is told someone waits, then lists the lobby.
			awaitNth(t, host, "participantWaiting", i+1, func(e client.Notification) bool { return e.Type == client.NotifyParticipantWaiting })
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			var id string
			for id == "" {
				waiting, err := host.Waiting(ctx)
				if err != nil {
					t.Fatalf("%s never listed in the lobby: %v", c.name, err)
				}
				for _, w := range waiting {
					if w.Name == c.name {
						id = w.ID
					}
				}
				if id == "" {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if err := host.Admit(ctx, id, c.allow); err != nil {
				t.Fatal(err)
			}
			code := guest.wait(t, 40*time.Second)
			evs := printed(t, guest.stdout.String())
			waited := count(evs, func(e printedEvent) bool { return e.Event == "lobby" && e.State == "waiting" })
			if c.allow {
				if code != 0 || waited != 1 || count(evs, func(e printedEvent) bool { return e.Event == "lobby" && e.State == "accepted" }) != 1 ||
					count(evs, func(e printedEvent) bool { return e.Event == "joined" }) != 1 {
					t.Fatalf("admitted guest: exit %d\n%s\n%s", code, guest.stdout.String(), guest.stderr.String())
				}
				await(t, host, "the admitted guest", func(e client.ParticipantJoined) bool { return e.Participant.Name == c.name })
				return
			}
			if code != exitDenied || waited != 1 || !strings.Contains(guest.stderr.String(), "was declined") {
				t.Fatalf("denied guest: exit %d (want %d)\n%s\n%s", code, exitDenied, guest.stdout.String(), guest.stderr.String())
			}
		})
	}
}

// TestVisioHandsMuteRemove: hands queue in the order they were raised, a
// host mutes a participant who is told who did it, and removes another.
func TestVisioHandsMuteRemove(t *testing.T) {
	srv, v := visioInstance(t)
	roomID := v.AddRoom(visiotest.RoomSpec{Slug: meetingCode, Roles: map[string]string{"sub-host": visiotest.Owner}})
	sess, csrf := v.AddUser(visiotest.User{Sub: "sub-host", FullName: "Hélène Hôte"})
	host := attend(t, v, "Hélène", false, sess, csrf)
	ann := attend(t, v, "Ann", true)
	ben := attend(t, v, "Ben", false)
	dataReady(t, srv, roomID, ann)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Hands: Ann first, then Ben.
	for _, a := range []*attendee{ann, ben} {
		if err := a.RaiseHand(ctx, true); err != nil {
			t.Fatal(err)
		}
		name := a.Self().Name
		await(t, host, name+"'s hand", func(e client.Hand) bool { return e.Raised && e.Participant.Name == name })
	}
	if q := host.RaisedHands(); len(q) != 2 || q[0].Name != "Ann" || q[1].Name != "Ben" {
		t.Fatalf("hand queue %v, want Ann then Ben", q)
	}
	if err := ann.RaiseHand(ctx, false); err != nil {
		t.Fatal(err)
	}
	await(t, host, "Ann lowering", func(e client.Hand) bool { return !e.Raised && e.Participant.Name == "Ann" })
	if q := host.RaisedHands(); len(q) != 1 || q[0].Name != "Ben" {
		t.Fatalf("hand queue %v after Ann lowered, want Ben", q)
	}

	// The host mutes Ann's microphone: the track is muted for everyone and
	// Ann is told by whom.
	annID := ann.Self().Identity
	await(t, host, "Ann's microphone", func(e client.TrackSubscribed) bool {
		return e.Track.Participant == annID && e.Track.Kind == client.Audio
	})
	if err := host.MuteParticipant(ctx, annID, client.Audio); err != nil {
		t.Fatal(err)
	}
	await(t, ann, "her microphone muted", func(e client.TrackMuted) bool {
		return e.Track.Participant == annID && e.Track.Kind == client.Audio && e.Muted
	})
	if n := await(t, ann, "who muted her", func(e client.Notification) bool { return e.Type == client.NotifyParticipantMuted }); n.From.Identity != "sub-host" {
		t.Fatalf("muted by %+v", n.From)
	}

	// Captions: the host starts subtitles; the transcription agent (played
	// here by the test, as LiveKit agents publish) sends a segment of
	// Ann's speech, which everyone sees under her name.
	if err := host.StartCaptions(ctx); err != nil {
		t.Fatal(err)
	}
	annMic := await(t, ben, "Ann's microphone", func(e client.TrackSubscribed) bool {
		return e.Track.Participant == annID && e.Track.Kind == client.Audio
	}).Track.SID
	agentToken, err := srv.TokenFor(roomID, "multi-user-transcriber-"+roomID, "Transcription", nil)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := lksdk.ConnectToRoomWithToken(srv.URL, agentToken, lksdk.NewRoomCallback())
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Disconnect()
	agent.LocalParticipant.SendText("Bonjour à toutes et à tous", lksdk.StreamTextOptions{Topic: livekit.TranscriptionTopic,
		Attributes: map[string]string{"lk.segment_id": "SG_1", "lk.transcription_final": "true", "lk.transcribed_track_id": annMic}})
	if c := await(t, ben, "a caption", func(e client.Caption) bool { return e.ID == "SG_1" }); c.Speaker.Name != "Ann" || c.Text != "Bonjour à toutes et à tous" || !c.Final {
		t.Fatalf("caption %+v", c)
	}

	// A host takes the camera away from participants (the web client
	// sends permissionsRemoved beside the new permissions): Ann stops
	// publishing it, and everyone sees it go.
	annCam := await(t, host, "Ann's camera", func(e client.TrackSubscribed) bool {
		return e.Track.Participant == annID && e.Track.Kind == client.Video
	}).Track.SID
	removal := []byte(`{"type":"permissionsRemoved","data":{"removedSources":["camera"]}}`)
	if _, err := srv.RoomService().SendData(ctx, &lkproto.SendDataRequest{Room: roomID, Data: removal,
		Kind: lkproto.DataPacket_RELIABLE, DestinationIdentities: []string{annID}}); err != nil {
		t.Fatal(err)
	}
	if n := await(t, ann, "permissionsRemoved", func(e client.Notification) bool { return e.Type == client.NotifyPermissionsRemoved }); len(n.Sources) != 1 || n.Sources[0] != client.SourceCamera {
		t.Fatalf("notification %+v", n)
	}
	await(t, host, "Ann's camera gone", func(e client.TrackUnsubscribed) bool { return e.Track.SID == annCam })
	if err := ann.SetCameraMuted(false); err == nil {
		t.Fatal("camera turned back on after its permission was removed")
	}

	// The host removes Ben, whose meeting ends with that reason.
	if err := host.RemoveParticipant(ctx, ben.Self().Identity); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ben.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("Ben still in the meeting after his removal")
	}
	if !errors.Is(ben.Err(), client.ErrRemoved) {
		t.Fatalf("Ben's meeting ended with %v", ben.Err())
	}

	// Members are not hosts: the API refuses them.
	if err := ann.Admit(ctx, "someone", true); !errors.Is(err, visio.ErrUnauthorized) {
		t.Fatalf("a member admitting: %v", err)
	}
}

// TestVisioFailures: each way a Visio meeting can fail has its sentence
// and its exit status.
func TestVisioFailures(t *testing.T) {
	srv, v := visioInstance(t)
	roomID := v.AddRoom(visiotest.RoomSpec{Slug: meetingCode})

	t.Run("unknown meeting", func(t *testing.T) {
		p := causerie(t, nil, "join", v.URL+"/zzz-zzzz-zzz", "--headless", "--duration", "1s")
		if code := p.wait(t, 30*time.Second); code != exitRefused || !strings.Contains(p.stderr.String(), "No meeting has this code") {
			t.Fatalf("exit %d\n%s", code, p.stderr.String())
		}
	})
	t.Run("dead backend", func(t *testing.T) {
		p := causerie(t, nil, "join", "http://127.0.0.1:9/"+meetingCode, "--headless", "--duration", "1s")
		if code := p.wait(t, 30*time.Second); code != exitUnreachable || !strings.Contains(p.stderr.String(), "Visio server cannot be reached") {
			t.Fatalf("exit %d\n%s", code, p.stderr.String())
		}
	})
	t.Run("room closed", func(t *testing.T) {
		p := causerie(t, nil, "join", v.URL+"/"+meetingCode, "--name", "Zoé", "--headless", "--camera", "none", "--mic", "none",
			"--print-events", "--duration", "60s")
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(p.stdout.String(), `"event":"joined"`) {
			if time.Now().After(deadline) {
				t.Fatalf("never joined\n%s\n%s", p.stdout.String(), p.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := srv.RoomService().DeleteRoom(ctx, &lkproto.DeleteRoomRequest{Room: roomID}); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t, 30*time.Second); code != exitEnded || !strings.Contains(p.stderr.String(), "The meeting was closed") {
			t.Fatalf("exit %d\n%s", code, p.stderr.String())
		}
	})
}
