package desktop

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"causerie/client"
	"causerie/client/visio"
)

var windowSize = fyne.NewSize(1366, 768)

var (
	bob   = client.Participant{Identity: "bob", Name: "Bob Durand"}
	carol = client.Participant{Identity: "carol", Name: "Carole Petit", Attributes: map[string]string{client.AttrColor: "#1f7a8c"}}
	dan   = client.Participant{Identity: "dan", Name: "Dan"}
)

// The whole way through: home, pre-join, joining, the call (chat, hand,
// layout, mute), leaving, and home again with the meeting remembered.
func TestHomeToCallAndBack(t *testing.T) {
	m := newFakeMeeting(bob, carol, dan)
	var asked JoinRequest
	ta := newTestApp(t, "en", Options{Connect: func(req JoinRequest, _ VideoSink) (Meeting, error) {
		asked = req
		return m, nil
	}})
	ta.ui.do(func() {
		test.Type(ta.home.link, "https://visio.example.fr/abc-defg-hij")
		ta.home.name.SetText("")
		test.Type(ta.home.name, "Ann Martin")
		test.Tap(ta.home.cont)
	})
	ta.until("pre-join screen", func() bool { return ta.pre != nil })
	ta.ui.do(func() {
		test.Tap(ta.pre.micOff)
		test.Tap(ta.pre.join)
	})
	ta.until("in call with four tiles", func() bool {
		return ta.call != nil && ta.call.phase == "call" && len(ta.call.stage.Objects) == 4
	})
	if asked.Link != "https://visio.example.fr/abc-defg-hij" || asked.Name != "Ann Martin" || !asked.MicOff || asked.CameraOff {
		t.Fatalf("connector asked for %+v", asked)
	}
	// Joining with the microphone off mutes it once joined.
	ta.until("microphone muted", func() bool { return ta.call.micOff && ta.call.btn.mic.Text == "Unmute" })

	// Chat: a message from Bob while the panel is closed counts as unread.
	m.post(client.ChatMessage{ID: "b1", From: bob, Text: "Bonjour à tous"})
	ta.until("unread chat", func() bool { return ta.call.unread == 1 && ta.call.btn.chat.Text == "Chat (1)" })
	ta.until("toast for the chat", func() bool {
		return slices.Contains(ta.call.toastTexts(), "Bob Durand: Bonjour à tous")
	})
	ta.ui.do(func() { test.Tap(ta.call.btn.chat) })
	ta.until("chat open and read", func() bool { return ta.call.panel == "chat" && ta.call.unread == 0 })
	ta.ui.do(func() {
		test.Type(ta.call.chat.entry, "Salut Bob")
		test.Tap(ta.call.chat.send)
	})
	ta.until("own message shown", func() bool { return ta.call.chat.count == 2 })
	if got := m.sentChats(); !slices.Equal(got, []string{"Salut Bob"}) {
		t.Fatalf("sent %q", got)
	}

	// Hand: raised through the session, shown on our tile and first in
	// the participants panel; Dan's hand, raised later, comes after.
	ta.ui.do(func() { test.Tap(ta.call.btn.hand) })
	ta.until("hand raised", func() bool { return ta.call.handUp && ta.call.btn.hand.Text == "Lower hand" })
	m.post(client.Hand{Participant: dan, Raised: true})
	ta.ui.do(func() { test.Tap(ta.call.btn.people) })
	ta.until("hand queue", func() bool {
		r := ta.call.roster.rows
		return len(r) == 4 && r[0] == "✋ Ann Martin (you)" && r[1] == "✋ Dan"
	})

	// The SFU is told the size each camera is drawn at.
	ta.until("views asked", func() bool {
		v := m.view("TR_cam0")
		return v[0] > 300 && v[1] > 150
	})

	// Layout: speaker view puts the active speaker first and large.
	ta.ui.do(func() { test.Tap(ta.call.btn.layout) })
	m.post(client.Speaking{Participant: "carol", Speaking: true})
	ta.until("speaker layout on Carol", func() bool {
		big := ta.call.people["carol"].tile.root.Size()
		small := ta.call.people["bob"].tile.root.Size()
		return ta.call.speaker && big.Width > 2*small.Width
	})
	ta.until("smaller view asked for Bob's small tile", func() bool {
		return m.view("TR_cam0")[0] < m.view("TR_cam1")[0]/2
	})

	// Unmute.
	ta.ui.do(func() { test.Tap(ta.call.btn.mic) })
	ta.until("unmuted", func() bool { return !ta.call.micOff })

	// Leaving goes home, and the meeting is among the recent ones.
	ta.ui.do(func() { test.Tap(ta.call.btn.leave) })
	ta.until("home again", func() bool { return ta.call == nil && ta.home != nil && len(ta.home.recent) == 1 })
	ta.ui.do(func() {
		if ta.home.recent[0].Text != "https://visio.example.fr/abc-defg-hij" || ta.home.name.Text != "Ann Martin" {
			t.Errorf("home remembers %q, name %q", ta.home.recent[0].Text, ta.home.name.Text)
		}
	})
}

// A lobby: the waiting screen, then the host says no: the error screen,
// in French, and the way home.
func TestLobbyDenied(t *testing.T) {
	m := newFakeMeeting(bob)
	m.lobby = true
	ta := newTestApp(t, "fr", Options{
		Join:    JoinRequest{Link: "https://visio.example.fr/abc-defg-hij", Name: "Ann"},
		Connect: func(JoinRequest, VideoSink) (Meeting, error) { return m, nil },
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("waiting room", func() bool {
		return ta.call != nil && ta.call.phase == "lobby" && strings.Contains(ta.call.status.message.Text, "salle d'attente")
	})
	m.admit <- false
	ta.until("error screen", func() bool {
		return ta.call == nil && ta.status != nil && strings.Contains(ta.status.message.Text, ta.p.T(visio.ErrorKey(visio.ErrDenied)))
	})
	ta.ui.do(func() { test.Tap(ta.status.button) })
	ta.until("home", func() bool { return ta.home != nil && ta.stop == nil })
}

// Lobby admitted: waiting, then in the call.
func TestLobbyAdmitted(t *testing.T) {
	m := newFakeMeeting(bob)
	m.lobby = true
	ta := newTestApp(t, "en", Options{
		Join:    JoinRequest{Link: "https://visio.example.fr/abc-defg-hij", Name: "Ann"},
		Connect: func(JoinRequest, VideoSink) (Meeting, error) { return m, nil },
	})
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("waiting room", func() bool { return ta.call != nil && ta.call.phase == "lobby" })
	m.admit <- true
	ta.until("in call", func() bool { return ta.call != nil && ta.call.phase == "call" && len(ta.call.people) == 2 })
}

// What is wrong before any network traffic is said on the home screen:
// nothing given, a malformed link, a server without token; and a
// connector's refusal comes back there too.
func TestHomeProblems(t *testing.T) {
	refuse := errors.New("boom")
	ta := newTestApp(t, "fr", Options{Connect: func(JoinRequest, VideoSink) (Meeting, error) {
		return nil, refuse
	}})
	for _, c := range []struct {
		link, url, token string
		want             string
	}{
		{"", "", "", ta.p.T("home.need_link")},
		{"ftp://nowhere", "", "", ta.p.Error(visio.ErrBadLink)[:20]},
		{"", "wss://sfu.example.fr", "", ta.p.T("home.need_token")},
		{"https://visio.example.fr/abc-defg-hij", "wss://sfu.example.fr", "t", ta.p.T("home.link_or_server")},
	} {
		ta.ui.do(func() {
			ta.home.link.SetText(c.link)
			ta.home.url.SetText(c.url)
			ta.home.token.SetText(c.token)
			test.Tap(ta.home.cont)
		})
		ta.until("problem "+c.want, func() bool {
			return ta.pre == nil && ta.home.problem.Visible() && strings.HasPrefix(ta.home.problem.Text, c.want)
		})
	}
	ta.ui.do(func() {
		ta.home.link.SetText("")
		ta.home.url.SetText("wss://sfu.example.fr")
		ta.home.token.SetText("token")
		test.Tap(ta.home.cont)
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("refusal on home", func() bool {
		return ta.home != nil && ta.pre == nil && strings.Contains(ta.home.problem.Text, "boom")
	})
}

// Settings: choices are saved for the next run, the screen is redrawn in
// the language chosen, the next call gets the devices and processing
// chosen; a key the organisation locks cannot be changed.
func TestSettings(t *testing.T) {
	m := newFakeMeeting(bob)
	var asked JoinRequest
	ta := newTestApp(t, "en", Options{
		Managed: func(key string) bool { return key == KeyEchoCancel },
		Connect: func(req JoinRequest, _ VideoSink) (Meeting, error) { asked = req; return m, nil },
	})
	ta.ui.do(func() {
		test.Type(ta.home.link, "https://visio.example.fr/abc-defg-hij")
		test.Tap(ta.home.settings)
	})
	ta.until("settings open", func() bool { return ta.settings != nil })
	ta.ui.do(func() {
		d := ta.settings
		if !d.echo.Disabled() || d.noise.Disabled() {
			t.Errorf("locked echo cancellation: disabled %v; noise suppression disabled %v", d.echo.Disabled(), d.noise.Disabled())
		}
		d.lang.SetSelected("Français")
		d.camera.SetSelectedIndex(2) // none
		d.quality.SetSelected("180p")
		test.Tap(d.noise)
		d.dlg.Hide()
	})
	// Hide is a cancel: nothing saved.
	ta.ui.do(func() {
		if ta.prefs.load().Lang != "" {
			t.Error("cancelled settings were saved")
		}
		d := ta.showSettings(func() { ta.showHome("") })
		d.lang.SetSelected("Français")
		d.camera.SetSelectedIndex(2)
		d.quality.SetSelected("180p")
		test.Tap(d.noise)
		d.dlg.Confirm()
	})
	ta.until("home in French", func() bool { return ta.home != nil && ta.home.cont.Text == "Continuer" })
	got := ta.prefs.load()
	if got.Lang != "fr" || got.Camera != "none" || got.Quality != "180p" || !got.NoNoiseSuppress || got.NoEchoCancel {
		t.Fatalf("saved %+v", got)
	}
	ta.ui.do(func() {
		test.Type(ta.home.link, "https://visio.example.fr/abc-defg-hij")
		test.Tap(ta.home.cont)
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("in call", func() bool { return ta.call != nil && ta.call.phase == "call" })
	if asked.Camera != "none" || asked.Quality != "180p" || !asked.NoNoiseSuppress || asked.NoEchoCancel {
		t.Fatalf("call asked for %+v", asked)
	}
}

// A link handed over by another launch opens the pre-join screen, or,
// during a call, waits in a toast.
func TestOpenLink(t *testing.T) {
	m := newFakeMeeting(bob)
	ta := newTestApp(t, "en", Options{Connect: func(JoinRequest, VideoSink) (Meeting, error) { return m, nil }})
	ta.ui.do(func() { ta.OpenLink("https://visio.example.fr/abc-defg-hij") })
	ta.until("pre-join", func() bool { return ta.pre != nil && ta.pre.req.Link == "https://visio.example.fr/abc-defg-hij" })
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("in call", func() bool { return ta.call != nil && ta.call.phase == "call" })
	ta.ui.do(func() { ta.OpenLink("https://visio.example.fr/xyz-abcd-efg") })
	ta.until("toast", func() bool {
		for _, s := range ta.call.toastTexts() {
			if strings.Contains(s, "xyz-abcd-efg") {
				return true
			}
		}
		return false
	})
}
