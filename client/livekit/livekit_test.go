package livekit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/livekit/lkserver"
	"causerie/media/playout"
	"causerie/media/synth"
)

func startSFU(t *testing.T) *lkserver.Server {
	t.Helper()
	bin, err := lkserver.Find()
	if err != nil {
		t.Fatalf("%v: `make test` builds it", err)
	}
	srv, err := lkserver.Start(context.Background(), bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// participant joins the room with the synthetic devices, or none.
func participant(t *testing.T, srv *lkserver.Server, identity string, devices bool) (*client.Session, <-chan client.Event) {
	t.Helper()
	var cfg client.Config
	if devices {
		cfg.Camera, _ = synth.NewCamera(synth.CameraConfig{Width: 320, Height: 180, FPS: 15})
		cfg.Mic, _ = synth.NewMic(synth.MicConfig{})
	}
	return joinRoom(t, srv, "commands", identity, cfg)
}

// joinRoom joins room as identity with cfg's devices, a LiveKit backend
// and cfg.Speaker (the null speaker when nil), and leaves at the end of
// the test.
func joinRoom(t *testing.T, srv *lkserver.Server, room, identity string, cfg client.Config) (*client.Session, <-chan client.Event) {
	t.Helper()
	token, err := srv.Token(room, identity, identity)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend, err = livekit.New(srv.URL, token, livekit.Options{}); err != nil {
		t.Fatal(err)
	}
	if cfg.Speaker == nil {
		cfg.Speaker = playout.NewNull()
	}
	s := client.New(cfg)
	// Relay the events through a buffer so the session never waits on
	// the test, and the test can wait for the one it expects.
	events := make(chan client.Event, 1024)
	go func() {
		for ev := range s.Events() {
			events <- ev
		}
		close(events)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Join(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Leave)
	return s, events
}

// await returns the first event that matches, failing after 10 s.
func await[E client.Event](t *testing.T, events <-chan client.Event, what string, match func(E) bool) E {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream closed waiting for %s", what)
			}
			if e, is := ev.(E); is && match(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s within 10 s", what)
		}
	}
}

// TestCommandsReachOthers: chat, mutes and data packets sent by one
// participant arrive at another through a real SFU, in order.
func TestCommandsReachOthers(t *testing.T) {
	srv := startSFU(t)
	alice, _ := participant(t, srv, "alice", true)
	_, bobEvents := participant(t, srv, "bob", false)

	got := map[client.Kind]bool{}
	await(t, bobEvents, "alice's camera and microphone", func(e client.TrackSubscribed) bool {
		if e.Track.Participant == "alice" {
			got[e.Track.Kind] = true
		}
		return got[client.Audio] && got[client.Video]
	})

	if err := alice.SendChat("Bonjour à tous"); err != nil {
		t.Fatal(err)
	}
	msg := await(t, bobEvents, "chat", func(e client.ChatMessage) bool { return true })
	if msg.Text != "Bonjour à tous" || msg.From.Identity != "alice" || msg.ID == "" {
		t.Fatalf("chat %+v", msg)
	}
	// The legacy copy sent beside the stream is not shown again.
	if err := alice.SendChat("deuxième"); err != nil {
		t.Fatal(err)
	}
	if next := await(t, bobEvents, "second chat", func(e client.ChatMessage) bool { return true }); next.Text != "deuxième" {
		t.Fatalf("chat after the first: %+v (legacy copy shown?)", next)
	}

	if err := alice.SetMicMuted(true); err != nil {
		t.Fatal(err)
	}
	await(t, bobEvents, "mic muted", func(e client.TrackMuted) bool {
		return e.Track.Participant == "alice" && e.Track.Kind == client.Audio && e.Muted
	})
	if err := alice.SetMicMuted(false); err != nil {
		t.Fatal(err)
	}
	await(t, bobEvents, "mic unmuted", func(e client.TrackMuted) bool {
		return e.Track.Participant == "alice" && e.Track.Kind == client.Audio && !e.Muted
	})
	if err := alice.SetCameraMuted(true); err != nil {
		t.Fatal(err)
	}
	await(t, bobEvents, "camera muted", func(e client.TrackMuted) bool {
		return e.Track.Participant == "alice" && e.Track.Kind == client.Video && e.Muted
	})

	if err := alice.SendData("causerie-test", []byte(`{"type":"ping"}`), true); err != nil {
		t.Fatal(err)
	}
	data := await(t, bobEvents, "data", func(e client.DataMessage) bool { return e.Topic == "causerie-test" })
	if string(data.Payload) != `{"type":"ping"}` || data.From != "alice" {
		t.Fatalf("data %+v", data)
	}

	if err := alice.SendReaction("party-popper"); err != nil {
		t.Fatal(err)
	}
	if r := await(t, bobEvents, "reaction", func(e client.Reaction) bool { return true }); r.Emoji != "party-popper" || r.From.Identity != "alice" {
		t.Fatalf("reaction %+v", r)
	}
	if err := alice.SendReaction("pile-of-poo"); !errors.Is(err, client.ErrBadReaction) {
		t.Fatalf("unknown reaction: %v", err)
	}

	alice.Leave()
	await(t, bobEvents, "alice leaving", func(e client.ParticipantLeft) bool { return e.Participant.Identity == "alice" })
}

// TestLegacyChatShownOnce: browsers send each chat message twice, as an
// lk.chat stream and as a legacy packet marked ignoreLegacy; the legacy
// copy of such a message is dropped, a legacy-only message is shown.
func TestLegacyChatShownOnce(t *testing.T) {
	srv := startSFU(t)
	alice, _ := participant(t, srv, "alice", false)
	_, bobEvents := participant(t, srv, "bob", false)
	await(t, bobEvents, "alice", func(e client.ParticipantJoined) bool { return e.Participant.Identity == "alice" })

	dup := `{"id":"m1","timestamp":1790000000000,"message":"double","ignoreLegacy":true}`
	old := `{"id":"m2","timestamp":1790000000001,"message":"legacy only","ignoreLegacy":false}`
	if err := alice.SendData(livekit.LegacyChatTopic, []byte(dup), true); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendData(livekit.LegacyChatTopic, []byte(old), true); err != nil {
		t.Fatal(err)
	}
	msg := await(t, bobEvents, "chat", func(e client.ChatMessage) bool { return true })
	if msg.Text != "legacy only" || msg.ID != "m2" || msg.Time.UnixMilli() != 1790000000001 {
		t.Fatalf("first chat shown: %+v", msg)
	}
}
