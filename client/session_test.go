package client

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeBackend is an in-memory Backend: the test plays the SFU by posting
// into the sink, as lksdk's callbacks would from their goroutines.
type fakeBackend struct {
	joinErr error
	others  []Participant
	sink    chan Sink
	left    chan struct{}
	chats   chan string
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{sink: make(chan Sink, 1), left: make(chan struct{}), chats: make(chan string, 8)}
}

func (f *fakeBackend) Name() string { return "fake" }
func (f *fakeBackend) Join(ctx context.Context, sink Sink) (Joined, []Participant, error) {
	if f.joinErr != nil {
		return Joined{}, nil, f.joinErr
	}
	f.sink <- sink
	return Joined{Room: "r", Self: Participant{Identity: "me", Local: true}}, f.others, nil
}
func (f *fakeBackend) Publish(context.Context, TrackOptions) (LocalTrack, error) {
	return nil, errors.New("fake: no media")
}
func (f *fakeBackend) SendChat(text string) (string, error) {
	f.chats <- text
	return "id-" + text, nil
}
func (f *fakeBackend) SendData(string, []byte, bool, ...string) error { return nil }
func (f *fakeBackend) Notify(string, ...string) error                 { return nil }
func (f *fakeBackend) SendReaction(string) error                      { return nil }
func (f *fakeBackend) Leave() {
	select {
	case <-f.left:
	default:
		close(f.left)
	}
}

func collect(t *testing.T, s *Session) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("event stream not closed; got %#v", evs)
		}
	}
}

func TestSessionOrdersAndDeduplicates(t *testing.T) {
	before := runtime.NumGoroutine()
	fb := newFakeBackend()
	fb.others = []Participant{{Identity: "ann", Name: "Ann"}}
	s := New(Config{Backend: fb})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-fb.sink
	bob := Participant{Identity: "bob", Name: "Bob"}
	sink.Post(ParticipantJoined{Participant: bob})
	sink.Post(ParticipantJoined{Participant: Participant{Identity: "ann", Name: "Ann B."}}) // already known
	sink.Post(TrackPublished{Track: Track{SID: "TR_1", Participant: "bob", Kind: Video}})
	sink.Post(TrackMuted{Track: Track{SID: "TR_1"}, Muted: true})
	sink.Post(TrackMuted{Track: Track{SID: "TR_1"}, Muted: true}) // no change: no event
	sink.Post(TrackMuted{Track: Track{SID: "TR_unknown"}, Muted: true})
	sink.Post(ActiveSpeakers{Identities: []string{"bob"}, Levels: []float32{0.5}})
	sink.Post(ActiveSpeakers{})
	s.Post(mutedVoice{})
	s.Post(mutedVoice{}) // within 10 s of the first: no second hint
	sink.Post(ChatMessage{ID: "c1", From: Participant{Identity: "bob"}, Text: "salut"})
	sink.Post(ChatMessage{ID: "c1", From: Participant{Identity: "bob"}, Text: "salut"}) // its legacy copy
	sink.Post(ParticipantLeft{Participant: bob})
	sink.Post(ParticipantLeft{Participant: bob}) // twice: once
	if err := s.SendChat("bonjour"); err != nil {
		t.Fatal(err)
	}
	sink.Post(Ended{Err: ErrConnectionLost})
	evs := collect(t, s)

	want := []string{"Joined", "ConnectionState", "ParticipantJoined ann", "ParticipantJoined bob",
		"ParticipantUpdated ann", "TrackPublished TR_1", "TrackMuted TR_1 true", "Speaking bob true",
		"Speaking bob false", "SpeakingWhileMuted", "ChatMessage Bob salut", "ParticipantLeft bob", "ChatMessage me bonjour",
		"ConnectionState", "Left"}
	var got []string
	for _, ev := range evs {
		got = append(got, describeEvent(ev))
	}
	if len(got) != len(want) {
		t.Fatalf("events:\n got %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %q, want %q\nall: %q", i, got[i], want[i], got)
		}
	}
	if left := evs[len(evs)-1].(Left); !errors.Is(left.Err, ErrConnectionLost) {
		t.Fatalf("Left.Err = %v", left.Err)
	}
	if !errors.Is(s.Err(), ErrConnectionLost) {
		t.Fatalf("Err() = %v", s.Err())
	}
	select {
	case <-fb.left:
	default:
		t.Fatal("backend not left after the connection was lost")
	}
	if err := s.SendChat("late"); !errors.Is(err, ErrNotJoined) {
		t.Fatalf("SendChat after end: %v", err)
	}
	s.Leave() // after the end: returns at once
	waitGoroutines(t, before)
}

func TestSessionJoinFailure(t *testing.T) {
	fb := newFakeBackend()
	fb.joinErr = ErrTokenRefused
	s := New(Config{Backend: fb})
	if err := s.Join(context.Background()); !errors.Is(err, ErrTokenRefused) {
		t.Fatalf("Join: %v", err)
	}
	evs := collect(t, s)
	if len(evs) != 1 {
		t.Fatalf("events %#v, want only Left", evs)
	}
	if left, ok := evs[0].(Left); !ok || !errors.Is(left.Err, ErrTokenRefused) {
		t.Fatalf("event %#v", evs[0])
	}
}

func TestSessionLeave(t *testing.T) {
	before := runtime.NumGoroutine()
	fb := newFakeBackend()
	s := New(Config{Backend: fb})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	go s.Leave()
	evs := collect(t, s)
	if left := evs[len(evs)-1].(Left); left.Err != nil {
		t.Fatalf("Left.Err = %v after a requested leave", left.Err)
	}
	if s.Err() != nil {
		t.Fatalf("Err() = %v", s.Err())
	}
	waitGoroutines(t, before)
}

func describeEvent(ev Event) string {
	switch ev := ev.(type) {
	case ParticipantJoined:
		return "ParticipantJoined " + ev.Participant.Identity
	case ParticipantUpdated:
		return "ParticipantUpdated " + ev.Participant.Identity
	case ParticipantLeft:
		return "ParticipantLeft " + ev.Participant.Identity
	case TrackPublished:
		return "TrackPublished " + ev.Track.SID
	case TrackMuted:
		if ev.Muted {
			return "TrackMuted " + ev.Track.SID + " true"
		}
		return "TrackMuted " + ev.Track.SID + " false"
	case Speaking:
		if ev.Speaking {
			return "Speaking " + ev.Participant + " true"
		}
		return "Speaking " + ev.Participant + " false"
	case ChatMessage:
		return "ChatMessage " + ev.From.DisplayName() + " " + ev.Text
	case Reaction:
		return "Reaction " + ev.From.DisplayName() + " " + ev.Emoji
	case Joined:
		return "Joined"
	case ConnectionState:
		return "ConnectionState"
	case Left:
		return "Left"
	case SpeakingWhileMuted:
		return "SpeakingWhileMuted"
	}
	return "?"
}

// waitGoroutines fails if goroutines started by the test outlive it.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left running (was %d):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSessionGivesUpReconnecting(t *testing.T) {
	fb := newFakeBackend()
	s := New(Config{Backend: fb, ReconnectTimeout: 100 * time.Millisecond})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-fb.sink
	// A reconnection that succeeds in time keeps the session.
	sink.Post(ConnectionState{State: Reconnecting})
	sink.Post(ConnectionState{State: Connected})
	time.Sleep(200 * time.Millisecond)
	select {
	case <-s.Done():
		t.Fatal("session ended although the connection came back")
	default:
	}
	// One that does not is given up.
	sink.Post(ConnectionState{State: Reconnecting})
	evs := collect(t, s)
	if left := evs[len(evs)-1].(Left); !errors.Is(left.Err, ErrConnectionLost) {
		t.Fatalf("Left.Err = %v", left.Err)
	}
}

// fakeService records what the session asks of the meeting's API.
type fakeService struct{ hands chan bool }

func (f *fakeService) SetHand(_ context.Context, raised bool) error { f.hands <- raised; return nil }
func (f *fakeService) StartCaptions(context.Context) error          { return nil }
func (f *fakeService) MuteParticipant(context.Context, string, string) error {
	return nil
}
func (f *fakeService) Waiting(context.Context) ([]Waiting, error)      { return nil, nil }
func (f *fakeService) Admit(context.Context, string, bool) error       { return nil }
func (f *fakeService) RemoveParticipant(context.Context, string) error { return nil }

func TestSessionResolvesThroughLobbyAndQueuesHands(t *testing.T) {
	fb := newFakeBackend()
	svc := &fakeService{hands: make(chan bool, 1)}
	s := New(Config{Resolve: func(ctx context.Context, emit func(Event)) (Backend, Service, error) {
		emit(Lobby{State: LobbyWaiting})
		emit(Lobby{State: LobbyAccepted})
		return fb, svc, nil
	}})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.RaiseHand(context.Background(), true); err != nil || !<-svc.hands {
		t.Fatalf("RaiseHand: %v", err)
	}
	sink := <-fb.sink
	hand := func(id, at string) Participant {
		return Participant{Identity: id, Name: id, Attributes: map[string]string{AttrHandRaisedAt: at}}
	}
	sink.Post(ParticipantJoined{Participant: hand("zoe", "")})
	sink.Post(ParticipantJoined{Participant: hand("yann", "")})
	sink.Post(ParticipantUpdated{Participant: hand("zoe", "2026-11-27T10:00:02.000000+00:00")})
	sink.Post(ParticipantUpdated{Participant: hand("yann", "2026-11-27T10:00:01.500000+00:00")})
	sink.Post(ParticipantUpdated{Participant: hand("zoe", "2026-11-27T10:00:02.000000+00:00")}) // no change
	if q := s.RaisedHands(); len(q) != 2 || q[0].Identity != "yann" || q[1].Identity != "zoe" {
		t.Fatalf("queue %v, want yann then zoe", q)
	}
	sink.Post(ParticipantUpdated{Participant: hand("yann", "")})
	if q := s.RaisedHands(); len(q) != 1 || q[0].Identity != "zoe" {
		t.Fatalf("queue %v after yann lowered, want zoe", q)
	}
	s.Leave()
	var got []string
	for _, ev := range collect(t, s) {
		switch ev := ev.(type) {
		case Lobby:
			got = append(got, "lobby "+string(ev.State))
		case Joined:
			got = append(got, "joined")
		case Hand:
			if ev.Raised {
				got = append(got, "hand up "+ev.Participant.Identity)
			} else {
				got = append(got, "hand down "+ev.Participant.Identity)
			}
		}
	}
	want := []string{"lobby waiting", "lobby accepted", "joined", "hand up zoe", "hand up yann", "hand down yann"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestSessionCommandsBeforeJoin(t *testing.T) {
	s := New(Config{Backend: newFakeBackend()})
	if q := s.RaisedHands(); q != nil {
		t.Fatalf("hands before joining: %v", q)
	}
	if err := s.MuteParticipant(context.Background(), "x", Audio); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("MuteParticipant before joining: %v", err)
	}
	if err := s.SetMicMuted(true); !errors.Is(err, ErrMediaDevice) {
		t.Fatalf("SetMicMuted before joining: %v", err)
	}
}

func TestSessionWithoutServiceRefusesServiceCommands(t *testing.T) {
	fb := newFakeBackend()
	s := New(Config{Backend: fb})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { s.Leave(); collect(t, s) }()
	if err := s.RaiseHand(context.Background(), true); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("RaiseHand without a service: %v", err)
	}
	if _, err := s.Waiting(context.Background()); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("Waiting without a service: %v", err)
	}
}

// A chat line or reaction from someone the SFU has not announced yet waits
// for them, so it carries their name; one from someone never announced
// comes after strangerWait with their identity.
func TestSessionWaitsForUnannouncedSenders(t *testing.T) {
	defer func(d time.Duration) { strangerWait = d }(strangerWait)
	strangerWait = 300 * time.Millisecond
	fb := newFakeBackend()
	s := New(Config{Backend: fb})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-fb.sink
	sink.Post(ChatMessage{ID: "c1", From: Participant{Identity: "ana"}, Text: "salut"})
	sink.Post(Reaction{From: Participant{Identity: "ana"}, Emoji: "👍"})
	sink.Post(ChatMessage{ID: "c2", From: Participant{Identity: "ghost"}, Text: "boo"})
	sink.Post(ChatMessage{ID: "c3", From: Participant{Identity: "named", Name: "Named"}, Text: "ok"})
	sink.Post(ParticipantJoined{Participant: Participant{Identity: "ana", Name: "Ana"}})
	time.Sleep(3 * strangerWait)
	sink.Post(Ended{})
	var got []string
	for _, ev := range collect(t, s) {
		got = append(got, describeEvent(ev))
	}
	want := []string{"Joined", "ConnectionState", "ChatMessage Named ok", "ParticipantJoined ana",
		"ChatMessage Ana salut", "Reaction Ana 👍", "ChatMessage ghost boo", "ConnectionState", "Left"}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n got %q\nwant %q", got, want)
	}
}
