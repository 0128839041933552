package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"causerie/client"
	"causerie/media"
	"causerie/media/synth"
	"causerie/ui/i18n"
	"causerie/ui/terminal/video"
)

var update = flag.Bool("update", false, "rewrite the golden views in testdata")

// fakeSession records the commands the model sends, on a channel, and
// answers them with err.
type fakeSession struct {
	events chan client.Event
	calls  chan string
	err    error
	left   chan struct{}
}

func newFake() *fakeSession {
	return &fakeSession{events: make(chan client.Event, 16), calls: make(chan string, 16), left: make(chan struct{})}
}

func (f *fakeSession) Events() <-chan client.Event { return f.events }
func (f *fakeSession) record(s string) error       { f.calls <- s; return f.err }
func (f *fakeSession) SetMicMuted(m bool) error    { return f.record(fmt.Sprint("mic ", m)) }
func (f *fakeSession) SetCameraMuted(m bool) error { return f.record(fmt.Sprint("camera ", m)) }
func (f *fakeSession) SendChat(t string) error     { return f.record("chat " + t) }
func (f *fakeSession) SendReaction(e string) error { return f.record("reaction " + e) }
func (f *fakeSession) RaiseHand(_ context.Context, r bool) error {
	return f.record(fmt.Sprint("hand ", r))
}
func (f *fakeSession) Leave() { _ = f.record("leave") }

// call is the next command the fake received; none within a second fails.
func (f *fakeSession) call(t *testing.T) string {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(time.Second):
		t.Fatal("no session call")
		return ""
	}
}

func (f *fakeSession) noCall(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Fatalf("unexpected session call %q", c)
	default:
	}
}

// fixed is the time every test view shows.
var fixed = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func newModel(t *testing.T, lang string, w, h int, store *video.Store) (*Model, *fakeSession) {
	t.Helper()
	f := newFake()
	m := New(Options{Session: f, Printer: i18n.New(lang), Video: store, Styles: PlainStyles(),
		Now: func() time.Time { return fixed }, Width: w, Height: h})
	return m, f
}

// send applies events as the re-armed wait would deliver them.
func send(m *Model, evs ...client.Event) {
	for _, ev := range evs {
		m.Update(eventMsg{ev})
	}
}

// press types keys and runs the session commands they return, feeding
// their results back.
func press(t *testing.T, m *Model, keys ...tea.KeyPressMsg) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(k)
		if cmd != nil {
			if msg := cmd(); msg != nil {
				m.Update(msg)
			}
		}
	}
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

func typeText(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		if r == ' ' {
			out = append(out, key("space"))
		} else {
			out = append(out, key(string(r)))
		}
	}
	return out
}

var (
	me    = client.Participant{Identity: "me", Name: "Camille"}
	ana   = client.Participant{Identity: "ana", Name: "Ana", Attributes: map[string]string{client.AttrRole: "owner"}}
	bruno = client.Participant{Identity: "bruno", Name: "Bruno"}
)

// meeting is a call with two others, tracks, a hand, chat and a caption.
func meeting(m *Model) {
	send(m,
		client.Joined{Room: "abc-defg-hij", Self: me},
		client.ConnectionState{State: client.Connected},
		client.ParticipantJoined{Participant: ana},
		client.ParticipantJoined{Participant: bruno},
		client.TrackPublished{Track: client.Track{SID: "TR_m", Participant: "me", Kind: client.Audio, Source: client.SourceMicrophone}},
		client.TrackPublished{Track: client.Track{SID: "TR_c", Participant: "me", Kind: client.Video, Source: client.SourceCamera}},
		client.TrackSubscribed{Track: client.Track{SID: "TR_a1", Participant: "ana", Kind: client.Audio, Source: client.SourceMicrophone}},
		client.TrackSubscribed{Track: client.Track{SID: "TR_a2", Participant: "ana", Kind: client.Video, Source: client.SourceCamera}},
		client.TrackSubscribed{Track: client.Track{SID: "TR_b1", Participant: "bruno", Kind: client.Audio, Source: client.SourceMicrophone}},
		client.TrackMuted{Track: client.Track{SID: "TR_b1", Participant: "bruno", Kind: client.Audio, Source: client.SourceMicrophone}, Muted: true},
		client.Speaking{Participant: "ana", Speaking: true, Level: 0.5},
		client.Hand{Participant: bruno, Raised: true, At: fixed},
		client.ChatMessage{ID: "1", From: ana, Text: "bonjour à tous", Time: fixed},
		client.ChatMessage{ID: "2", From: bruno, Text: "salut ! une question un peu longue, qui doit passer à la ligne dans la colonne", Time: fixed.Add(time.Minute)},
		client.Caption{ID: "c1", Speaker: ana, Text: "je partage l'écran dans une minute", Final: false},
	)
}

// golden compares a view with testdata/name byte for byte.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("view differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// checkSize: every view is exactly the terminal's size, whatever is in it.
func checkSize(t *testing.T, m *Model) {
	t.Helper()
	lines := strings.Split(m.render(), "\n")
	if len(lines) != m.h {
		t.Fatalf("%d lines, want %d", len(lines), m.h)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w != m.w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, w, m.w, l)
		}
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			m, _ := newModel(t, "en", w, h, nil)
			golden(t, fmt.Sprintf("joining_%dx%d.txt", w, h), m.render())
			send(m, client.Lobby{State: client.LobbyWaiting})
			golden(t, fmt.Sprintf("lobby_%dx%d.txt", w, h), m.render())
			meeting(m)
			send(m, client.Reaction{From: ana, Emoji: "clapping-hands"})
			checkSize(t, m)
			golden(t, fmt.Sprintf("call_%dx%d.txt", w, h), m.render())
			press(t, m, key("?"))
			golden(t, fmt.Sprintf("help_%dx%d.txt", w, h), m.render())
			press(t, m, key("x"), key("r"), key("right"))
			golden(t, fmt.Sprintf("react_%dx%d.txt", w, h), m.render())

			m, _ = newModel(t, "fr", w, h, nil)
			meeting(m)
			press(t, m, key("enter"))
			press(t, m, typeText("ça va ?")...)
			checkSize(t, m)
			golden(t, fmt.Sprintf("call_fr_typing_%dx%d.txt", w, h), m.render())

			m, _ = newModel(t, "en", w, h, nil)
			send(m, client.Left{Err: fmt.Errorf("%w: server gone", client.ErrConnectionLost)})
			golden(t, fmt.Sprintf("error_%dx%d.txt", w, h), m.render())
		})
	}
}

// A picture through the store: the video area shows the active speaker
// in true-colour half blocks, deterministic for a fixed camera time.
func TestGoldenVideo(t *testing.T) {
	store := video.NewStore(func() time.Time { return fixed })
	m, _ := newModel(t, "en", 80, 24, store)
	meeting(m)
	m.Update(frameTickMsg(fixed)) // the store learns the tile size
	store.Put("TR_a2", testPicture(t, 1000))
	m.Update(frameTickMsg(fixed))
	checkSize(t, m)
	golden(t, "video_80x24.txt", m.render())
	if !strings.Contains(m.render(), "▀") {
		t.Fatal("no video cells")
	}
	// A screen share of the same participant does not take the camera's
	// place: pictures are kept by track.
	before := m.render()
	send(m, client.TrackSubscribed{Track: client.Track{SID: "TR_s", Participant: "ana", Kind: client.Video, Source: client.SourceScreenShare}})
	store.Want("TR_s", 40, 20)
	store.Put("TR_s", testPicture(t, 99_000))
	m.Update(frameTickMsg(fixed))
	if m.render() != before {
		t.Fatal("the screen share's picture replaced the camera's")
	}
}

func testPicture(t testing.TB, ms int64) *media.I420 {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	img := &media.I420{}
	cam.Draw(img, time.UnixMilli(ms))
	return img
}

func TestKeysSendCommands(t *testing.T) {
	m, f := newModel(t, "en", 80, 24, nil)
	meeting(m)

	press(t, m, key("m"))
	if c := f.call(t); c != "mic true" {
		t.Fatalf("m: %q", c)
	}
	// The mute shows once the session confirms it.
	send(m, client.TrackMuted{Track: client.Track{SID: "TR_m", Participant: "me", Kind: client.Audio, Source: client.SourceMicrophone}, Muted: true})
	if !strings.Contains(m.render(), "mic off") {
		t.Fatalf("status after mute:\n%s", m.render())
	}
	press(t, m, key("m"))
	if c := f.call(t); c != "mic false" {
		t.Fatalf("second m: %q", c)
	}
	press(t, m, key("c"))
	if c := f.call(t); c != "camera true" {
		t.Fatalf("c: %q", c)
	}
	press(t, m, key("h"))
	if c := f.call(t); c != "hand true" {
		t.Fatalf("h: %q", c)
	}
	send(m, client.Hand{Participant: me, Raised: true, At: fixed})
	press(t, m, key("h"))
	if c := f.call(t); c != "hand false" {
		t.Fatalf("h with hand up: %q", c)
	}

	// Chat: keys typed go to the input, not to the commands.
	press(t, m, key("enter"))
	press(t, m, typeText("q m salut")...)
	press(t, m, key("backspace"), key("t"))
	f.noCall(t)
	press(t, m, key("enter"))
	if c := f.call(t); c != "chat q m salut" {
		t.Fatalf("chat: %q", c)
	}
	press(t, m, key("t"), key("esc"), key("enter"), key("enter"))
	f.noCall(t) // cancelled, then an empty message is not sent

	// Reactions: by number, or by moving and Enter; Esc sends nothing.
	press(t, m, key("r"), key("3"))
	if c := f.call(t); c != "reaction clapping-hands" {
		t.Fatalf("r 3: %q", c)
	}
	press(t, m, key("r"), key("right"), key("right"), key("right"), key("enter"))
	if c := f.call(t); c != "reaction red-heart" {
		t.Fatalf("r → → → enter: %q", c)
	}
	press(t, m, key("r"), key("esc"))
	f.noCall(t)

	// A failing command shows its error, translated.
	f.err = client.ErrNotSupported
	press(t, m, key("h"))
	f.call(t)
	if !strings.Contains(m.render(), "This meeting does not offer that.") {
		t.Fatalf("error not shown:\n%s", m.render())
	}

	press(t, m, key("q"))
	if c := f.call(t); c != "leave" {
		t.Fatalf("q: %q", c)
	}
}

func TestLeaveQuitsWhenStreamCloses(t *testing.T) {
	m, f := newModel(t, "en", 80, 24, nil)
	meeting(m)
	press(t, m, key("q"))
	f.call(t)
	send(m, client.Left{})
	if _, cmd := m.Update(eventsClosedMsg{}); cmd == nil || !isQuit(cmd) {
		t.Fatal("no quit after the stream closed")
	}
	if m.Err() != nil {
		t.Fatalf("Err %v after a requested leave", m.Err())
	}
}

func TestJoiningCancel(t *testing.T) {
	m, f := newModel(t, "en", 80, 24, nil)
	send(m, client.Lobby{State: client.LobbyWaiting})
	press(t, m, key("m"))
	f.noCall(t)
	press(t, m, key("esc"))
	if c := f.call(t); c != "leave" {
		t.Fatalf("esc in lobby: %q", c)
	}
}

// An error ends on the error screen, which waits for a key to quit.
func TestErrorScreen(t *testing.T) {
	m, _ := newModel(t, "fr", 80, 24, nil)
	meeting(m)
	send(m, client.Left{Err: client.ErrRemoved})
	if _, cmd := m.Update(eventsClosedMsg{}); cmd != nil {
		t.Fatal("quit before the user read the error")
	}
	if !strings.Contains(m.render(), "Vous avez été retiré de la réunion.") {
		t.Fatalf("view:\n%s", m.render())
	}
	if _, cmd := m.Update(key("x")); cmd == nil || !isQuit(cmd) {
		t.Fatal("a key does not quit the error screen")
	}
	if !errors.Is(m.Err(), client.ErrRemoved) {
		t.Fatalf("Err %v", m.Err())
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// Events update the list: leaving removes, speaking marks, the active
// speaker follows who spoke last, the grid shows up to four.
func TestParticipantsAndActiveSpeaker(t *testing.T) {
	m, _ := newModel(t, "en", 120, 40, nil)
	meeting(m)
	send(m, client.TrackSubscribed{Track: client.Track{SID: "TR_b2", Participant: "bruno", Kind: client.Video, Source: client.SourceCamera}})
	if got := m.shown(); len(got) != 1 || got[0] != "ana" {
		t.Fatalf("speaker %v, want ana", got)
	}
	send(m, client.Speaking{Participant: "bruno", Speaking: true})
	if got := m.shown(); got[0] != "bruno" {
		t.Fatalf("speaker %v, want bruno", got)
	}
	press(t, m, key("v"))
	if got := m.shown(); len(got) != 2 {
		t.Fatalf("grid %v", got)
	}
	for i := range 5 {
		p := client.Participant{Identity: fmt.Sprint("p", i), Name: fmt.Sprint("P", i)}
		send(m, client.ParticipantJoined{Participant: p},
			client.TrackSubscribed{Track: client.Track{SID: fmt.Sprint("TR_p", i), Participant: p.Identity, Kind: client.Video, Source: client.SourceCamera}})
	}
	if got := m.shown(); len(got) != maxTiles {
		t.Fatalf("grid %v", got)
	}
	checkSize(t, m)
	send(m, client.ParticipantLeft{Participant: ana})
	if strings.Contains(m.render(), "Ana host") || !strings.Contains(m.render(), "Participants (7)") {
		t.Fatalf("Ana still shown:\n%s", m.render())
	}
	send(m, client.TrackMuted{Track: client.Track{SID: "TR_b2", Participant: "bruno", Kind: client.Video, Source: client.SourceCamera}, Muted: true})
	for _, id := range m.shown() {
		if id == "bruno" {
			t.Fatal("bruno's camera is off but he is shown")
		}
	}
}

// Every size from tiny to wide draws exactly the terminal's cells.
func TestResize(t *testing.T) {
	store := video.NewStore(func() time.Time { return fixed })
	m, _ := newModel(t, "en", 80, 24, store)
	meeting(m)
	for _, s := range [][2]int{{20, 6}, {59, 10}, {60, 12}, {80, 24}, {200, 60}, {100, 30}, {80, 4}, {61, 5}} {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		store.Put("TR_a2", testPicture(t, int64(s[0])*1000))
		m.Update(frameTickMsg(fixed))
		checkSize(t, m)
	}
	// Every size, down to one cell, in both layouts: no panic, and the
	// terminal's size exactly.
	for _, l := range []string{"v", "v"} {
		press(t, m, key(l))
		for w := 1; w <= 130; w += 3 {
			for h := 1; h <= 45; h += 2 {
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				m.Update(frameTickMsg(fixed))
				checkSize(t, m)
			}
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, m, key("v"))
	checkSize(t, m)
	m.Update(tea.WindowSizeMsg{Width: 0, Height: 0})
	if m.render() != "" {
		t.Fatal("a view before the size is known")
	}
}

func TestChatScrollback(t *testing.T) {
	m, _ := newModel(t, "en", 80, 24, nil)
	meeting(m)
	for i := range 40 {
		send(m, client.ChatMessage{ID: fmt.Sprint("n", i), From: ana, Text: fmt.Sprint("line ", i), Time: fixed})
	}
	if !strings.Contains(m.render(), "line 39") {
		t.Fatal("newest line not shown")
	}
	for range 10 {
		press(t, m, key("pgup"))
	}
	v := m.render()
	if strings.Contains(v, "line 39") || !strings.Contains(v, "line 29") {
		t.Fatalf("after scrolling back 10:\n%s", v)
	}
	// A new message does not move what is being read.
	send(m, client.ChatMessage{ID: "x", From: ana, Text: "line 40", Time: fixed})
	if v2 := m.render(); !strings.Contains(v2, "line 29") || strings.Contains(v2, "line 40") {
		t.Fatalf("after a new line:\n%s", v2)
	}
}

// The status line shows the send rate and the loss of the last second.
func TestStatusRates(t *testing.T) {
	m, _ := newModel(t, "en", 120, 40, nil)
	m.o.Stats = func() Stats { return Stats{} }
	meeting(m)
	m.Update(statsMsg{at: fixed, s: Stats{SentBytes: 1_000_000, PacketsReceived: 1000, PacketsLost: 0}})
	if strings.Contains(m.render(), "kbit/s") {
		t.Fatal("a rate from one sample")
	}
	m.Update(statsMsg{at: fixed.Add(time.Second), s: Stats{SentBytes: 1_100_000, PacketsReceived: 1196, PacketsLost: 4}})
	if v := m.render(); !strings.Contains(v, "↑ 800 kbit/s, loss 2.0%") {
		t.Fatalf("status:\n%s", v)
	}
}
