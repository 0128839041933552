package desktop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"causerie/client"
	"causerie/client/visio"
	"causerie/ui/i18n"
)

// uiLoop stands in for Fyne's thread. Fyne's test driver runs "main
// thread" functions on whatever goroutine asks, which would let the
// session pump and the test touch widgets at once; here everything that
// touches widgets — the app's own hops and the test's taps — runs on one
// goroutine, in order, as on the real driver.
type uiLoop struct {
	fns  chan func()
	stop chan struct{}
}

func newUILoop(t *testing.T) *uiLoop {
	l := &uiLoop{fns: make(chan func(), 4096), stop: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case fn := <-l.fns:
				fn()
			case <-l.stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(l.stop); <-done })
	return l
}

func (l *uiLoop) thread(fn func(), wait bool) {
	if !wait {
		select {
		case l.fns <- fn:
		case <-l.stop:
		}
		return
	}
	done := make(chan struct{})
	select {
	case l.fns <- func() { defer close(done); fn() }:
	case <-l.stop:
		return
	}
	select {
	case <-done:
	case <-l.stop:
	}
}

// do runs fn on the loop and waits for it: how the test touches widgets.
func (l *uiLoop) do(fn func()) { l.thread(fn, true) }

// testApp is the desktop app on Fyne's test driver.
type testApp struct {
	*App
	ui *uiLoop
	t  *testing.T
}

func newTestApp(t *testing.T, lang string, o Options) *testApp {
	t.Helper()
	fa := test.NewTempApp(t)
	ui := newUILoop(t)
	o.Printer = i18n.New(lang)
	o.thread = ui.thread
	var a *App
	ui.do(func() {
		a = New(fa, o)
		a.win.Resize(windowSize)
	})
	ta := &testApp{App: a, ui: ui, t: t}
	t.Cleanup(func() {
		ui.do(func() { a.win.Close() })
		a.Wait()
	})
	return ta
}

// until polls cond on the UI loop until it holds, failing after 10 s.
func (ta *testApp) until(what string, cond func() bool) {
	ta.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		ta.ui.do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			ta.t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeMeeting behaves as client.Session does towards a front end — the
// same events in the same order, each command echoed as the session
// echoes it — for a meeting the test scripts: who is there, whether a
// lobby keeps us waiting and what the host decides. The end-to-end test
// (TestCallOnRealSFU) uses a real session instead.
type fakeMeeting struct {
	self   client.Participant
	room   string
	others []client.Participant
	lobby  bool
	admit  chan bool // the host's decision, with lobby

	events chan client.Event
	mu     sync.Mutex
	chats  []string
	muted  map[client.Kind]bool
	hand   bool
	views  map[string][2]int
	left   sync.Once
}

func newFakeMeeting(others ...client.Participant) *fakeMeeting {
	return &fakeMeeting{self: client.Participant{Identity: "ann", Name: "Ann Martin"}, room: "abc-defg-hij",
		others: others, events: make(chan client.Event, 256), admit: make(chan bool, 1), muted: map[client.Kind]bool{}}
}

func (m *fakeMeeting) Events() <-chan client.Event { return m.events }

func (m *fakeMeeting) Join(ctx context.Context) error {
	if m.lobby {
		m.events <- client.Lobby{State: client.LobbyWaiting}
		select {
		case ok := <-m.admit:
			if !ok {
				err := fmt.Errorf("lobby: %w", visio.ErrDenied)
				m.end(err)
				return err
			}
			m.events <- client.Lobby{State: client.LobbyAccepted}
		case <-ctx.Done():
			m.end(nil)
			return ctx.Err()
		}
	}
	m.events <- client.Joined{Room: m.room, Self: m.self}
	m.events <- client.ConnectionState{State: client.Connected}
	for i, o := range m.others {
		m.post(client.ParticipantJoined{Participant: o})
		m.post(client.TrackSubscribed{Track: client.Track{SID: fmt.Sprintf("TR_cam%d", i), Participant: o.Identity, Kind: client.Video, Source: client.SourceCamera, Codec: "vp8"}})
		m.post(client.TrackSubscribed{Track: client.Track{SID: fmt.Sprintf("TR_mic%d", i), Participant: o.Identity, Kind: client.Audio, Source: client.SourceMicrophone, Codec: "opus"}})
	}
	m.post(client.TrackPublished{Track: client.Track{SID: "TR_mymic", Participant: m.self.Identity, Kind: client.Audio, Source: client.SourceMicrophone}})
	m.post(client.TrackPublished{Track: client.Track{SID: "TR_mycam", Participant: m.self.Identity, Kind: client.Video, Source: client.SourceCamera}})
	return nil
}

// post delivers an event unless the meeting ended.
func (m *fakeMeeting) post(ev client.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events != nil {
		m.events <- ev
	}
}

func (m *fakeMeeting) end(err error) {
	m.left.Do(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.events <- client.Left{Err: err}
		close(m.events)
		m.events = nil
	})
}

func (m *fakeMeeting) SetMicMuted(muted bool) error {
	m.mu.Lock()
	m.muted[client.Audio] = muted
	m.mu.Unlock()
	m.post(client.TrackMuted{Track: client.Track{SID: "TR_mymic", Participant: m.self.Identity, Kind: client.Audio}, Muted: muted})
	return nil
}

func (m *fakeMeeting) SetCameraMuted(muted bool) error {
	m.mu.Lock()
	m.muted[client.Video] = muted
	m.mu.Unlock()
	m.post(client.TrackMuted{Track: client.Track{SID: "TR_mycam", Participant: m.self.Identity, Kind: client.Video}, Muted: muted})
	return nil
}

func (m *fakeMeeting) SendChat(text string) error {
	m.mu.Lock()
	m.chats = append(m.chats, text)
	m.mu.Unlock()
	self := m.self
	self.Local = true
	m.post(client.ChatMessage{ID: fmt.Sprint("c", len(m.chats)), From: self, Text: text, Time: time.Now()})
	return nil
}

func (m *fakeMeeting) SendReaction(emoji string) error {
	m.post(client.Reaction{From: m.self, Emoji: emoji})
	return nil
}

func (m *fakeMeeting) RaiseHand(_ context.Context, raised bool) error {
	m.mu.Lock()
	m.hand = raised
	m.mu.Unlock()
	m.post(client.Hand{Participant: m.self, Raised: raised, At: time.Now()})
	return nil
}

func (m *fakeMeeting) SetVideoView(sid string, w, h int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.views == nil {
		m.views = map[string][2]int{}
	}
	m.views[sid] = [2]int{w, h}
	return nil
}

func (m *fakeMeeting) view(sid string) [2]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.views[sid]
}

func (m *fakeMeeting) Report(time.Time) client.Report { return client.Report{} }

func (m *fakeMeeting) Leave() { m.end(nil) }

func (m *fakeMeeting) sentChats() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.chats...)
}
