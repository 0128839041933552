package desktop

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"causerie/client"
	"causerie/media"
)

// reportingMeeting is the fake meeting with statistics as a session
// keeps them: each remote track received since the meeting began counts
// packets at its rate, the share given in lost lost; a video track the
// SFU was asked 0×0 for receives nothing, as the SFU then stops
// forwarding it.
type reportingMeeting struct {
	*fakeMeeting
	start time.Time

	mu     sync.Mutex
	loss   map[string]float64 // by track SID
	counts map[string][2]uint64
	last   time.Time
}

// packetRate is the packets a second of a track: Opus at 20 ms.
const packetRate = 50

func newReportingMeeting(others ...client.Participant) *reportingMeeting {
	return &reportingMeeting{fakeMeeting: newFakeMeeting(others...), start: time.Now(),
		loss: map[string]float64{}, counts: map[string][2]uint64{}}
}

func (m *reportingMeeting) setLoss(sid string, share float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loss[sid] = share
}

func (m *reportingMeeting) Report(time.Time) client.Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.last.IsZero() {
		m.last = m.start
	}
	dt := now.Sub(m.last).Seconds()
	m.last = now
	r := client.Report{Backend: "fake", Remote: []client.RemoteReport{}}
	for sid, loss := range m.loss {
		kind := "audio"
		if strings.HasPrefix(sid, "TR_cam") || strings.HasPrefix(sid, "TR_screen") {
			kind = "video"
		}
		c := m.counts[sid]
		if v := m.view(sid); kind == "audio" || v[0] > 0 {
			n := dt * packetRate
			c[0] += uint64(n * (1 - loss))
			c[1] += uint64(n * loss)
		}
		m.counts[sid] = c
		r.Remote = append(r.Remote, client.RemoteReport{Track: sid, Kind: kind, PacketsReceived: c[0], PacketsLost: c[1]})
	}
	return r
}

func startCallWith(t *testing.T, lang string, m Meeting) *testApp {
	t.Helper()
	ta := newTestApp(t, lang, Options{
		Join:    JoinRequest{Link: "https://visio.example.fr/abc-defg-hij", Name: "Ann Martin"},
		Connect: func(JoinRequest, VideoSink) (Meeting, error) { return m, nil },
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("in call", func() bool { return ta.call != nil && ta.call.phase == "call" })
	return ta
}

// bigTile tells whether key's tile is the speaker view's large one.
func (ta *testApp) bigTile(key string) bool {
	c := ta.call
	t := c.tileByKey(key)
	if t == nil || !c.speaker || c.stageLay.focus != t.root {
		return false
	}
	for _, o := range c.stage.Objects {
		if o != t.root && o.Visible() && o.Size().Width*2 > t.root.Size().Width {
			return false
		}
	}
	return t.root.Size().Width > 0
}

// Pinning from the tile's button, its menu, a double tap and the
// participants panel: the pinned tile is the large one; unpinning goes
// back to the grid the user had.
func TestPinTile(t *testing.T) {
	m := newFakeMeeting(bob, carol, dan)
	ta := startCallWith(t, "en", m)
	ta.until("four tiles", func() bool { return len(ta.call.stage.Objects) == 4 })

	// The pin button appears while the pointer is over the tile, and
	// stays while it moves onto the button itself.
	var bobTile *tile
	ta.ui.do(func() {
		bobTile = ta.call.people["bob"].tile
		if bobTile.pin.Visible() {
			t.Error("pin button shown without the pointer")
		}
		canv := ta.win.Canvas()
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(bobTile.root)
		mid := at.Add(fyne.NewPos(bobTile.root.Size().Width/2, bobTile.root.Size().Height/2))
		test.MoveMouse(canv, mid)
		if !bobTile.pin.Visible() {
			t.Error("pin button hidden under the pointer")
		}
		pinAt := fyne.CurrentApp().Driver().AbsolutePositionForObject(bobTile.pin)
		test.MoveMouse(canv, pinAt.Add(fyne.NewPos(5, 5)))
		if !bobTile.pin.Visible() || !bobTile.hoverPin {
			t.Error("pin button went when the pointer reached it")
		}
		test.Tap(bobTile.pin)
		test.MoveMouse(canv, fyne.NewPos(1, 1))
	})
	ta.until("Bob pinned and large", func() bool { return ta.call.pinned == "bob" && ta.bigTile("bob") })
	ta.ui.do(func() {
		if !bobTile.pin.Visible() || !bobTile.pin.on {
			t.Error("the pinned tile's button is not shown on")
		}
		if ta.call.btn.layout.Text != "Grid view" {
			t.Errorf("layout button says %q in speaker view", ta.call.btn.layout.Text)
		}
	})
	// Whoever speaks does not take a pinned tile's place.
	m.post(client.Speaking{Participant: "dan", Speaking: true})
	ta.until("Dan spoke", func() bool { return ta.call.loudest == "dan" })
	ta.ui.do(func() {
		if !ta.bigTile("bob") {
			t.Error("the speaker took the pinned tile's place")
		}
	})

	// The menu of Carol's tile pins her instead.
	ta.ui.do(func() {
		carolTile := ta.call.people["carol"].tile
		if got := ta.call.tileMenu("carol").Items[0].Label; got != "Pin" {
			t.Errorf("menu says %q", got)
		}
		test.TapSecondary(carolTile.touch)
		top := ta.win.Canvas().Overlays().Top()
		if top == nil {
			t.Error("no menu on a secondary tap")
			return
		}
		var menu *widget.Menu
		for _, o := range test.LaidOutObjects(top) {
			if pm, ok := o.(*widget.PopUpMenu); ok {
				menu = pm.Menu
			}
		}
		if menu == nil || len(menu.Items) != 1 {
			t.Errorf("menu %v", menu)
			return
		}
		test.Tap(menu.Items[0].(fyne.Tappable))
	})
	ta.until("Carol pinned", func() bool { return ta.call.pinned == "carol" && ta.bigTile("carol") && !bobTile.pinned })
	ta.ui.do(func() {
		if got := ta.call.tileMenu("carol").Items[0].Label; got != "Unpin" {
			t.Errorf("menu of the pinned tile says %q", got)
		}
	})

	// A double tap on Dan's tile pins him; the participants panel's
	// button unpins him, and the grid comes back.
	ta.ui.do(func() { test.DoubleTap(ta.call.people["dan"].tile.touch) })
	ta.until("Dan pinned", func() bool { return ta.call.pinned == "dan" && ta.bigTile("dan") })
	ta.ui.do(func() { test.Tap(ta.call.btn.people) })
	ta.until("pin highlighted in the panel", func() bool {
		b := ta.call.roster.pins["dan"]
		return b != nil && b.Importance == widget.HighImportance && ta.call.roster.pins["bob"].Importance == widget.LowImportance
	})
	ta.ui.do(func() { test.Tap(ta.call.roster.pins["dan"]) })
	ta.until("unpinned, grid again", func() bool {
		return ta.call.pinned == "" && !ta.call.speaker && ta.call.btn.layout.Text == "Speaker view" &&
			!ta.call.people["dan"].tile.pin.Visible()
	})

	// In the speaker view the user chose, unpinning keeps it.
	ta.ui.do(func() { test.Tap(ta.call.btn.layout) })
	ta.ui.do(func() { test.Tap(ta.call.roster.pins["bob"]) })
	ta.until("Bob pinned", func() bool { return ta.bigTile("bob") })
	ta.ui.do(func() { test.Tap(ta.call.roster.pins["bob"]) })
	ta.until("Dan, the speaker, large again", func() bool { return ta.call.pinned == "" && ta.bigTile("dan") })

	// A pinned participant who leaves is unpinned.
	ta.ui.do(func() { test.Tap(ta.call.roster.pins["carol"]) })
	ta.until("Carol pinned", func() bool { return ta.bigTile("carol") })
	m.post(client.ParticipantLeft{Participant: carol})
	ta.until("Carol gone, unpinned", func() bool { return ta.call.pinned == "" && len(ta.call.stage.Objects) == 3 })
}

// A screen shared gets its own tile, large in the speaker view, and
// takes it away again when it stops; a pin outranks it.
func TestScreenShare(t *testing.T) {
	m := newFakeMeeting(bob, carol)
	ta := startCallWith(t, "fr", m)
	ta.until("three tiles", func() bool { return len(ta.call.stage.Objects) == 3 })
	screen := client.Track{SID: "TR_screen0", Participant: "bob", Kind: client.Video, Source: client.SourceScreenShare, Codec: "vp8"}
	key := shareKey(screen.SID)
	m.post(client.TrackPublished{Track: screen})
	m.post(client.TrackSubscribed{Track: screen})
	ta.until("share tile large", func() bool {
		t := ta.call.tileByKey(key)
		return t != nil && len(ta.call.stage.Objects) == 4 && ta.bigTile(key)
	})
	ta.ui.do(func() {
		st := ta.call.tileByKey(key)
		if st.name.Text != "Écran de Bob Durand" {
			t.Errorf("share tile named %q", st.name.Text)
		}
		if ta.call.stage.Objects[0] != st.root {
			t.Error("the share is not first on the stage")
		}
		if _, ok := ta.call.feeds.Load(screen.SID); !ok || st.feed == nil {
			t.Error("no feed for the share")
		}
	})
	ta.until("share view asked large", func() bool {
		v, cam := m.view(screen.SID), m.view("TR_cam0")
		return v[0] > 800 && cam[0] > 0 && cam[0] < v[0]/3
	})
	ta.until("toast", func() bool {
		for _, s := range ta.call.toastTexts() {
			if s == "Bob Durand partage son écran." {
				return true
			}
		}
		return false
	})
	// Pictures reach the share's tile.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = runCamera(ctx, 3, func(img *media.I420) { ta.call.onFrame("bob", screen.SID, img) })
	}()
	ta.until("share pictures", func() bool { return ta.call.tileByKey(key).feed.frames.Load() > 2 })
	cancel()
	<-done

	// Stopped: the tile goes, the grid comes back.
	m.post(client.TrackUnsubscribed{Track: screen})
	ta.until("share gone", func() bool {
		return ta.call.tileByKey(key) == nil && len(ta.call.stage.Objects) == 3 && !ta.call.speaker
	})
	if _, ok := ta.call.feeds.Load(screen.SID); ok {
		t.Error("the share's feed stayed")
	}

	// With Carol pinned, a share comes in the strip, not in her place;
	// her sharer leaving takes it away too.
	ta.ui.do(func() { ta.call.togglePin("carol") })
	ta.until("Carol pinned", func() bool { return ta.bigTile("carol") })
	screen.SID = "TR_screen1"
	m.post(client.TrackSubscribed{Track: screen})
	ta.until("share in the strip", func() bool {
		st := ta.call.tileByKey(shareKey(screen.SID))
		return st != nil && ta.bigTile("carol") && st.root.Visible() && st.root.Size().Width > 0
	})
	ta.ui.do(func() { ta.call.togglePin("carol") })
	ta.until("share large once unpinned", func() bool { return ta.bigTile(shareKey(screen.SID)) })
	m.post(client.ParticipantLeft{Participant: bob})
	ta.until("Bob and his share gone", func() bool {
		return len(ta.call.shares) == 0 && len(ta.call.stage.Objects) == 2 && !ta.call.speaker
	})
}

// The classifier's thresholds, on reports as the session makes them.
func TestQualityMeter(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	all := func(string) bool { return true }
	type step struct {
		after      time.Duration
		recv, lost uint64
		latency    float64
	}
	for _, c := range []struct {
		name     string
		steps    []step
		expect   bool
		want     quality
		wantLoss float64 // -1: too few packets
	}{
		{"clean", []step{{0, 100, 0, 0}, {2 * time.Second, 200, 1, 0}}, true, qualityGood, 0.99},
		{"just under 2 %", []step{{0, 0, 0, 0}, {2 * time.Second, 491, 9, 0}}, true, qualityGood, 1.8},
		{"2 % is fair", []step{{0, 0, 0, 0}, {2 * time.Second, 490, 10, 0}}, true, qualityFair, 2},
		{"5 %", []step{{0, 95, 5, 0}}, true, qualityFair, 5},
		{"8 % is poor", []step{{0, 92, 8, 0}}, true, qualityPoor, 8},
		{"10 %", []step{{0, 900, 100, 0}, {2 * time.Second, 1800, 200, 0}}, true, qualityPoor, 10},
		{"too few packets to judge loss", []step{{0, 8, 2, 0}}, true, qualityGood, -1},
		{"stalled 3 s", []step{{0, 100, 0, 0}, {2 * time.Second, 150, 0, 0}, {5 * time.Second, 150, 0, 0}}, true, qualityPoor, 0},
		{"quiet 2 s is not a stall", []step{{0, 100, 0, 0}, {2 * time.Second, 150, 0, 0}, {4 * time.Second, 150, 0, 0}}, true, qualityGood, 0},
		{"never a packet", []step{{0, 0, 0, 0}, {2 * time.Second, 0, 0, 0}, {4 * time.Second, 0, 0, 0}}, true, qualityPoor, -1},
		{"muted, nothing expected", []step{{0, 100, 0, 0}, {2 * time.Second, 100, 0, 0}, {8 * time.Second, 100, 0, 0}}, false, qualityUnknown, -1},
		{"latency 350 ms", []step{{0, 100, 0, 350}}, true, qualityFair, 0},
		{"latency 600 ms", []step{{0, 100, 0, 600}}, true, qualityPoor, 0},
		// A burst of loss leaves the window: four samples, 6 s.
		{"old burst forgotten", []step{{0, 900, 100, 0}, {2 * time.Second, 1000, 100, 0}, {4 * time.Second, 1100, 100, 0},
			{6 * time.Second, 1200, 100, 0}, {8 * time.Second, 1300, 100, 0}}, true, qualityGood, 0},
		// Subscribed again under the same SID: the counters restart.
		{"counters restart", []step{{0, 5000, 1000, 0}, {2 * time.Second, 100, 0, 0}}, true, qualityGood, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := newQualityMeter()
			var now time.Time
			for _, s := range c.steps {
				now = t0.Add(s.after)
				rr := client.RemoteReport{Track: "TR_a", Kind: "audio", PacketsReceived: s.recv, PacketsLost: s.lost}
				if s.latency > 0 {
					rr.LatencyMsP50, rr.LatencySamples = s.latency, 10
				}
				q.observe(client.Report{Remote: []client.RemoteReport{rr}}, now, all, func(string) bool { return c.expect })
			}
			got, loss := q.judge([]string{"TR_a"}, now)
			if got != c.want {
				t.Errorf("quality %v, want %v", got, c.want)
			}
			if c.wantLoss < 0 && loss >= 0 || c.wantLoss >= 0 && (loss < c.wantLoss-0.05 || loss > c.wantLoss+0.05) {
				t.Errorf("loss %.2f %%, want %.2f", loss, c.wantLoss)
			}
		})
	}

	// Several tracks together: the loss over all of them, the worst
	// stall; a track the screen no longer knows is forgotten.
	q := newQualityMeter()
	known := map[string]bool{"TR_a": true, "TR_b": true}
	isKnown := func(sid string) bool { return known[sid] }
	rep := func(a, b [2]uint64) client.Report {
		return client.Report{Remote: []client.RemoteReport{
			{Track: "TR_a", PacketsReceived: a[0], PacketsLost: a[1]},
			{Track: "TR_b", PacketsReceived: b[0], PacketsLost: b[1]},
		}}
	}
	q.observe(rep([2]uint64{1000, 0}, [2]uint64{900, 100}), t0, isKnown, all)
	if got, loss := q.judge([]string{"TR_a", "TR_b"}, t0); got != qualityFair || loss < 4.9 || loss > 5.1 {
		t.Errorf("two tracks: %v %.1f %%", got, loss)
	}
	delete(known, "TR_b")
	q.observe(rep([2]uint64{1100, 0}, [2]uint64{900, 100}), t0.Add(2*time.Second), isKnown, all)
	if _, ok := q.tracks["TR_b"]; ok {
		t.Error("a track gone is still followed")
	}

	// Our own link: the connection's state first.
	for _, c := range []struct {
		state    client.ConnState
		received quality
		want     quality
	}{
		{client.Connected, qualityUnknown, qualityGood},
		{client.Connected, qualityFair, qualityFair},
		{client.Reconnecting, qualityGood, qualityPoor},
		{client.Disconnected, qualityUnknown, qualityPoor},
		{client.Connecting, qualityGood, qualityUnknown},
	} {
		if got := selfQuality(c.state, c.received); got != c.want {
			t.Errorf("selfQuality(%v, %v) = %v, want %v", c.state, c.received, got, c.want)
		}
	}
}

// The tiles show what the session's statistics say: Bob's 10 % loss
// makes his tile poor, in words too; Carol's clean link good; the
// bottom bar sums up our own.
func TestTileQuality(t *testing.T) {
	m := newReportingMeeting(bob, carol)
	m.setLoss("TR_cam0", 0.10)
	m.setLoss("TR_mic0", 0.10)
	m.setLoss("TR_cam1", 0.005)
	m.setLoss("TR_mic1", 0)
	ta := startCallWith(t, "en", m)
	ta.until("Bob poor, Carol good", func() bool {
		b, c := ta.call.people["bob"], ta.call.people["carol"]
		return b != nil && c != nil && b.tile.quality == qualityPoor && c.tile.quality == qualityGood
	})
	ta.ui.do(func() {
		b, c := ta.call.people["bob"].tile, ta.call.people["carol"].tile
		if !b.bars.root.Visible() || b.bars.level != qualityPoor || !b.qualText.Visible() || b.qualText.Text != "Poor connection" {
			t.Errorf("Bob's tile: bars %v, text %q shown %v", b.bars.level, b.qualText.Text, b.qualText.Visible())
		}
		if c.qualText.Visible() {
			t.Error("a good connection is spelled out without the pointer")
		}
		// A tenth of Bob's two tracks, nothing of Carol's: 5 % overall.
		var loss float64
		if _, err := fmt.Sscanf(ta.call.connLabel.Text, "connected, %f %% lost", &loss); err != nil || loss < 4 || loss > 6 {
			t.Errorf("bottom bar says %q", ta.call.connLabel.Text)
		}
		if ta.call.connBars.level != qualityFair {
			t.Errorf("own link %v", ta.call.connBars.level)
		}
	})
	// Carol mutes her camera: its video stops, which is not a problem.
	m.post(client.TrackMuted{Track: client.Track{SID: "TR_cam1", Participant: "carol", Kind: client.Video, Source: client.SourceCamera}, Muted: true})
	ta.until("Carol's camera off shown", func() bool {
		c := ta.call.people["carol"].tile
		return c.camOff.Visible() && m.view("TR_cam1") == [2]int{}
	})
	time.Sleep(2 * stallAfter)
	ta.ui.do(func() {
		if q := ta.call.people["carol"].tile.quality; q != qualityGood {
			t.Errorf("Carol with her camera off: %v", q)
		}
	})
	// Her camera back: the size shown is asked again at once.
	m.post(client.TrackMuted{Track: client.Track{SID: "TR_cam1", Participant: "carol", Kind: client.Video, Source: client.SourceCamera}, Muted: false})
	ta.until("Carol's camera on", func() bool {
		return !ta.call.people["carol"].tile.camOff.Visible() && m.view("TR_cam1")[0] > 300
	})
	// Reconnecting is poor whatever arrives.
	m.post(client.ConnectionState{State: client.Reconnecting})
	ta.until("poor while reconnecting", func() bool {
		return ta.call.connBars.level == qualityPoor && ta.call.connLabel.Text == "reconnecting"
	})
}

// With more participants than the speaker view's strip holds, the
// hidden ones' video is not asked for, and comes back when shown; in
// the background no video is asked for at all, the microphone untouched.
func TestVideoOnlyWhenShown(t *testing.T) {
	var others []client.Participant
	for i := range 8 {
		others = append(others, client.Participant{Identity: fmt.Sprint("p", i), Name: fmt.Sprint("Person ", i)})
	}
	m := newFakeMeeting(others...)
	ta := startCallWith(t, "en", m)
	cams := func() (shown, hidden int) {
		for i := range others {
			if v := m.view(fmt.Sprint("TR_cam", i)); v[0] > 0 {
				shown++
			} else {
				hidden++
			}
		}
		return
	}
	ta.until("every camera asked in the grid", func() bool { s, _ := cams(); return s == 8 })

	ta.ui.do(func() { test.Tap(ta.call.btn.layout) })
	// The stage is wide enough for six strip slots: five tiles (ours
	// among them) and "+3" for the rest; one large tile above.
	ta.until("three hidden", func() bool { s, h := cams(); return s == 5 && h == 3 })
	ta.ui.do(func() {
		hidden := 0
		for _, o := range ta.call.stage.Objects {
			if !o.Visible() {
				hidden++
				if tl := ta.call.tiles[o]; tl.drawn != [2]int{} || tl.feed.w.Load() != 0 {
					t.Errorf("hidden tile %s drawn at %v, its feed at %d px", tl.key, tl.drawn, tl.feed.w.Load())
				}
			}
		}
		if hidden != 3 {
			t.Errorf("%d tiles hidden", hidden)
		}
		if !ta.call.more.Visible() || ta.call.moreCount.Text != "+3" {
			t.Errorf("more tile shown %v, says %q", ta.call.more.Visible(), ta.call.moreCount.Text)
		}
	})
	// A hidden participant pinned comes large, asked again.
	ta.until("p7 hidden", func() bool { return !ta.call.people["p7"].tile.root.Visible() })
	ta.ui.do(func() { ta.call.togglePin("p7") })
	ta.until("p7 large and asked", func() bool { return ta.bigTile("p7") && m.view("TR_cam7")[0] > 800 })
	ta.ui.do(func() { ta.call.togglePin("p7") })

	// The "+3" tile opens the participants.
	ta.ui.do(func() {
		for _, o := range test.LaidOutObjects(ta.call.more) {
			if b, ok := o.(*widget.Button); ok {
				test.Tap(b)
			}
		}
	})
	ta.until("participants open", func() bool { return ta.call.panel == "people" })

	ta.ui.do(func() { test.Tap(ta.call.btn.layout) })
	ta.until("all shown in the grid", func() bool { s, _ := cams(); return s == 8 && !ta.call.more.Visible() })
}

// TestStageScreenshots draws the speaker view with a shared screen, the
// strip overflowing and a poor connection, at the two laptop sizes, to
// $CAUSERIE_SCREENSHOTS (else a temporary directory): the share is
// large, the strip's tiles and "+N" are drawn.
func TestStageScreenshots(t *testing.T) {
	if raceEnabled {
		t.Skip("screenshots are drawn in the plain pass of make test")
	}
	dir := os.Getenv("CAUSERIE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			out := filepath.Join(dir, lang)
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			others := []client.Participant{bob, carol, dan}
			for i := range 5 {
				others = append(others, client.Participant{Identity: fmt.Sprint("p", i), Name: fmt.Sprint("Personne ", i+1)})
			}
			m := newReportingMeeting(others...)
			m.setLoss("TR_mic0", 0.12)
			m.setLoss("TR_mic1", 0.04)
			m.setLoss("TR_mic2", 0)
			ta := startCallWith(t, lang, m)
			ta.until("everyone", func() bool { return len(ta.call.people) == 9 })
			screen := client.Track{SID: "TR_screen0", Participant: "carol", Kind: client.Video, Source: client.SourceScreenShare}
			m.post(client.TrackSubscribed{Track: screen})
			m.post(client.TrackMuted{Track: client.Track{SID: "TR_cam2", Participant: "dan", Kind: client.Video, Source: client.SourceCamera}, Muted: true})
			ta.until("share large, qualities measured", func() bool {
				return ta.bigTile(shareKey(screen.SID)) && ta.call.people["bob"].tile.quality == qualityPoor
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = runCamera(ctx, 4, func(img *media.I420) {
					for _, sid := range []string{screen.SID, "TR_cam0", "TR_cam1", LocalVideo} {
						ta.call.onFrame("", sid, img)
					}
				})
			}()
			defer func() { cancel(); <-done }()
			ta.until("share drawn", func() bool { return ta.call.tileByKey(shareKey(screen.SID)).feed.frames.Load() > 3 })
			for _, size := range []fyne.Size{windowSize, fyne.NewSize(1920, 1080)} {
				var img image.Image
				ta.ui.do(func() { ta.win.Resize(size) })
				time.Sleep(100 * time.Millisecond) // feeds take the new tile size
				ta.ui.do(func() {
					ta.win.Resize(size.AddWidthHeight(1, 1))
					ta.win.Resize(size)
					img = ta.win.Canvas().Capture()
				})
				name := fmt.Sprintf("call-share-%dx%d.png", int(size.Width), int(size.Height))
				f, err := os.Create(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				f.Close()
				ta.ui.do(func() {
					if !ta.call.more.Visible() {
						t.Errorf("%v: no +N tile with nine tiles", size)
					}
				})
			}
		})
	}
}
