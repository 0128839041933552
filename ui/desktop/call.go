package desktop

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/client"
	"causerie/media"
)

// person is a participant as the call screen shows them.
type person struct {
	p        client.Participant
	tile     *tile
	micOff   bool
	camOff   bool
	speaking bool
	hand     time.Time
	camera   string // SID of their camera track, "" if none
}

// share is a screen a participant shares, on a tile of its own.
type share struct {
	track client.Track
	tile  *tile
}

// shareKey is a shared screen's tile key, for pinning: apart from the
// participants' identities.
func shareKey(sid string) string { return "screen:" + sid }

// callScreen is one meeting, from joining to leaving. Its fields are
// Fyne's thread's, except feeds (read by decoders) and what end owns.
type callScreen struct {
	a   *App
	m   Meeting
	req JoinRequest

	cancelJoin context.CancelFunc
	ending     bool
	ended      chan struct{} // closed once the meeting and its pump ended

	// feeds maps a video track SID to its feed, for the decoders (and
	// localVideo to our own camera's).
	feeds sync.Map
	// fresh tells the presenter a feed has a new picture; stopPresenter
	// ends the presenter.
	fresh         atomic.Bool
	stopPresenter chan struct{}
	presenterOnce sync.Once

	phase   string // "joining", "lobby", "call"
	room    string
	self    string
	people  map[string]*person
	tracks  map[string]client.Track
	micOff  bool
	camOff  bool
	handUp  bool
	speaker bool   // speaker layout rather than grid
	pinned  string // key of the pinned tile (identity, or shareKey)
	loudest string // identity of the active speaker
	// autoSpeaker: the speaker layout was switched on by a pin or a
	// shared screen, not by the user, and goes back to the grid when
	// neither remains.
	autoSpeaker bool
	shares      map[string]*share // by track SID
	shareOrder  []string          // track SIDs, oldest first: the newest is the focus
	tiles       map[fyne.CanvasObject]*tile
	meter       *qualityMeter
	// received and receivedLoss rate everything we receive (loss -1:
	// too few packets to tell).
	received     quality
	receivedLoss float64
	views        viewQueue
	unread       int
	panel        string // "", "chat", "people"
	caption      string
	toasts       []*toast
	lastConn     client.ConnState

	// Widgets.
	root        *fyne.Container
	callContent *fyne.Container
	body        *fyne.Container // joining / lobby / call content
	stage       *fyne.Container
	stageLay    *stageLayout
	side        *fyne.Container
	chat        *chatPanel
	roster      *rosterPanel
	toastBox    *fyne.Container
	captionBox  *widget.Label
	status      *statusScreen
	connLabel   *widget.Label
	connBars    *qualityBars
	more        *fyne.Container // the strip's "+N" tile
	moreCount   *canvas.Text
	btn         struct {
		mic, cam, hand, react, chat, people, layout, stats, help, leave *widget.Button
	}
}

// startCall connects to the meeting of req and shows the joining screen;
// the call screen replaces it once joined.
func (a *App) startCall(req JoinRequest) {
	req = a.withPreferences(req)
	c := &callScreen{a: a, req: req, people: map[string]*person{}, tracks: map[string]client.Track{},
		ended: make(chan struct{}), phase: "joining", micOff: req.MicOff, camOff: req.CameraOff,
		stopPresenter: make(chan struct{}), shares: map[string]*share{}, tiles: map[fyne.CanvasObject]*tile{},
		meter: newQualityMeter(), receivedLoss: -1}
	c.views.init()
	m, err := a.connect(req, c.onFrame) // prejoin.go: the meeting, or a test call
	if err != nil {
		if req.Test {
			a.testCallOver(req, err) // back to the pre-join screen, which says why
			return
		}
		a.showHome(a.p.Error(err))
		return
	}
	c.m = m
	a.call, a.last = c, c
	c.build()
	a.setScreen(c.root, c.end)

	ctx, cancel := context.WithCancel(context.Background())
	c.cancelJoin = cancel
	var wg sync.WaitGroup
	wg.Add(5)
	// The pump: the session's events, applied on Fyne's thread in order.
	go func() {
		defer wg.Done()
		for ev := range m.Events() {
			// Once the app has quit, DoAndWait runs the function here:
			// nothing is shown any more, the stream is only drained.
			a.doWait(func() {
				if !a.closed.Load() {
					c.apply(ev)
				}
			})
		}
	}()
	go func() {
		defer wg.Done()
		// A failure ends the stream with Left, which the pump shows.
		if err := m.Join(ctx); err == nil {
			a.do(c.applyStartMutes)
		}
	}()
	go func() { wg.Wait(); close(c.ended) }()
	// The sizes asked of the SFU, in order, and the connection quality:
	// both stop with the presenter, when the screen ends.
	go func() {
		defer wg.Done()
		c.views.run(c.stopPresenter, c.m.SetVideoView, func(err error) { a.do(func() { c.toast(a.p.Error(err)) }) })
	}()
	go func() {
		defer wg.Done()
		c.sampleQuality(qualityEvery)
	}()
	go func() {
		defer wg.Done()
		prepareAll := func() { c.feeds.Range(func(_, f any) bool { f.(*feed).prepare(); return true }) }
		presenter(&c.fresh, presentFPS, c.stopPresenter, a.doWait, prepareAll, func() {
			if a.closed.Load() {
				return
			}
			c.feeds.Range(func(_, f any) bool { f.(*feed).present(); return true })
			c.revealVideos()
		})
	}()
}

// presentFPS is the most pictures a second the call shows per tile: the
// cameras' 30.
const presentFPS = 30

func (c *callScreen) haltPresenter() { c.presenterOnce.Do(func() { close(c.stopPresenter) }) }

// applyStartMutes mutes what the pre-join screen said to join muted,
// for a meeting that did not start so (the connector passes the request's
// choice to the session, which publishes those tracks muted; muting
// again changes nothing). It reads the request, not the controls: the
// session's own "published, not muted" may have reached them first.
func (c *callScreen) applyStartMutes() {
	if c.req.MicOff {
		c.command(func() error { return c.m.SetMicMuted(true) })
	}
	if c.req.CameraOff {
		c.command(func() error { return c.m.SetCameraMuted(true) })
	}
	c.refreshControls()
}

// end leaves the meeting (once); the pump then sees Left and the stream
// close. It never blocks Fyne's thread.
func (c *callScreen) end() {
	if c.ending {
		return
	}
	c.ending = true
	for _, t := range c.toasts {
		t.timer.Stop()
	}
	removeShortcuts(c.a.win.Canvas())
	c.feeds.Range(func(_, f any) bool { f.(*feed).close(); return true })
	c.haltPresenter()
	go func() {
		c.cancelJoin()
		c.m.Leave()
	}()
}

// LocalVideo is the track SID under which the connector gives our own
// camera's pictures to the VideoSink, for our tile.
const LocalVideo = "local"

const localVideo = LocalVideo

// onFrame receives decoded pictures, on the decoders' goroutines, and our
// own camera's, on its sender's.
func (c *callScreen) onFrame(_, trackSID string, img *media.I420) {
	if f, ok := c.feeds.Load(trackSID); ok {
		f.(*feed).put(img)
	}
}

func (c *callScreen) build() {
	p := c.a.p
	c.moreCount = canvas.NewText("", colorOnStage)
	c.moreCount.TextSize = 24
	c.moreCount.TextStyle.Bold = true
	c.moreCount.Alignment = fyne.TextAlignCenter
	moreHint := canvas.NewText(p.T("stage.more_hint"), colorOnStage)
	moreHint.TextSize = 12
	moreHint.Alignment = fyne.TextAlignCenter
	moreBg := canvas.NewRectangle(colorTile)
	moreBg.CornerRadius = 10
	moreBtn := widget.NewButton("", func() {
		if c.panel != "people" {
			c.togglePanel("people")
		}
	})
	moreBtn.Importance = widget.LowImportance
	c.more = container.NewStack(moreBg, container.NewCenter(container.NewVBox(c.moreCount, moreHint)), moreBtn)
	c.more.Hide()
	c.stageLay = &stageLayout{
		scale: func() float32 { return c.a.win.Canvas().Scale() },
		sized: func(o fyne.CanvasObject, w, h int) {
			if t := c.tiles[o]; t != nil {
				t.drawn = [2]int{w, h}
				if t.feed != nil {
					t.feed.setSize(w, h)
				}
				c.askView(t)
				t.refreshOverlay() // the quality in words, if it fits now
			}
		},
		more: c.more,
		setMore: func(n int) {
			if text := p.T("stage.more", "count", n); c.moreCount.Text != text {
				c.moreCount.Text = text
				c.moreCount.Refresh()
			}
		},
	}
	c.stage = container.New(c.stageLay)
	c.chat = newChatPanel(p, func(text string) {
		c.command(func() error { return c.m.SendChat(text) })
	})
	c.roster = newRosterPanel(p)
	c.side = container.NewStack()
	c.side.Hide()
	c.toastBox = container.NewVBox()
	c.captionBox = widget.NewLabel("")
	c.captionBox.Wrapping = fyne.TextWrapWord
	c.captionBox.Alignment = fyne.TextAlignCenter
	c.captionBox.Hide()
	c.connLabel = widget.NewLabel("")
	c.connBars = newQualityBars()

	b := &c.btn
	b.mic = widget.NewButtonWithIcon(p.T("call.mic"), iconMic, c.toggleMic)
	b.cam = widget.NewButtonWithIcon(p.T("call.camera"), iconCamera, c.toggleCamera)
	b.hand = widget.NewButtonWithIcon(p.T("call.hand"), iconHand, c.toggleHand)
	b.react = widget.NewButtonWithIcon(p.T("call.react"), iconSmile, c.showReactions)
	b.chat = widget.NewButtonWithIcon(p.T("call.chat"), iconChat, func() { c.togglePanel("chat") })
	b.people = widget.NewButtonWithIcon(p.T("call.people"), iconPeople, func() { c.togglePanel("people") })
	b.layout = widget.NewButtonWithIcon(p.T("call.layout_speaker"), theme.ViewFullScreenIcon(), c.toggleLayout)
	b.stats = widget.NewButtonWithIcon("", theme.InfoIcon(), c.showStats)
	b.help = widget.NewButtonWithIcon("", theme.HelpIcon(), c.showHelp)
	b.leave = widget.NewButtonWithIcon(p.T("call.leave"), iconHangup, c.end)
	b.leave.Importance = widget.DangerImportance
	bar := container.NewHBox(b.mic, b.cam, widget.NewSeparator(), b.hand, b.react, widget.NewSeparator(),
		b.chat, b.people, b.layout, b.stats, b.help, widget.NewSeparator(), b.leave)

	stageBg := canvas.NewRectangle(colorStage)
	toasts := container.NewVBox(container.NewHBox(layoutSpacer(), c.toastBox))
	stage := container.NewStack(c.stage, container.NewWithoutLayout(c.more))
	center := container.NewStack(stageBg, container.NewPadded(stage), toasts)
	conn := container.NewHBox(container.NewCenter(c.connBars.root), c.connLabel)
	bottom := container.NewVBox(c.captionBox, container.NewHBox(conn, layoutSpacer(), bar, layoutSpacer()))
	c.body = container.NewStack()
	c.root = container.NewStack(c.body)
	content, s := c.a.statusContent(p.T("joining.title"), p.T("joining.message"), p.T("joining.cancel"),
		theme.CancelIcon(), true, c.end)
	c.status = s
	c.body.Objects = []fyne.CanvasObject{content}
	c.callContent = container.NewBorder(nil, container.NewPadded(bottom), nil, c.side, center)
	c.refreshControls()
	c.installShortcuts()
}

// showPhase switches between the joining or lobby message and the call.
func (c *callScreen) showPhase(phase string) {
	if c.phase == phase {
		return
	}
	c.phase = phase
	p := c.a.p
	switch phase {
	case "lobby":
		content, s := c.a.statusContent(p.T("lobby.title"), p.T("lobby.message"), p.T("lobby.cancel"),
			theme.CancelIcon(), true, c.end)
		c.status = s
		c.body.Objects = []fyne.CanvasObject{content}
	case "call":
		c.body.Objects = []fyne.CanvasObject{c.callContent}
	}
	c.body.Refresh()
}

func (c *callScreen) apply(ev client.Event) {
	p := c.a.p
	switch ev := ev.(type) {
	case client.Lobby:
		switch ev.State {
		case client.LobbyWaiting:
			c.showPhase("lobby")
		case client.LobbyAccepted:
			if c.status != nil {
				c.status.message.SetText(p.T("lobby.accepted"))
			}
		}
	case client.Joined:
		c.room, c.self = ev.Room, ev.Self.Identity
		self := ev.Self
		self.Local = true
		c.addPerson(self)
		if ps := c.people[c.self]; ps != nil {
			f := newFeed(&c.fresh)
			c.feeds.Store(localVideo, f)
			ps.camera = localVideo
			ps.tile.video = localVideo
			ps.tile.setVideo(f)
			ps.tile.showVideo(!c.camOff)
			ps.tile.show(ps.tile.camOff, c.camOff)
			c.stage.Refresh()
		}
		c.showPhase("call")
		if c.req.Link != "" && !c.req.Test {
			c.a.prefs.addRecent(c.req.Link)
		}
		c.a.win.SetTitle(p.T("call.window_title", "room", c.room))
	case client.ParticipantJoined:
		if c.addPerson(ev.Participant) {
			c.toast(p.T("event.participant_joined", "name", ev.Participant.DisplayName()))
		}
	case client.ParticipantUpdated:
		if ps := c.people[ev.Participant.Identity]; ps != nil {
			local := ps.p.Local
			ps.p = ev.Participant
			ps.p.Local = local
			if !local {
				ps.tile.setName(ps.p.DisplayName())
			}
			for _, sh := range c.shares {
				if sh.track.Participant == ps.p.Identity {
					sh.tile.setName(p.T("tile.screen", "name", c.name(ps.p.Identity)))
				}
			}
			c.roster.refresh(c)
		}
	case client.ParticipantLeft:
		c.removePerson(ev.Participant.Identity)
		c.toast(p.T("event.participant_left", "name", ev.Participant.DisplayName()))
	case client.TrackPublished:
		c.tracks[ev.Track.SID] = ev.Track
		c.noteTrack(ev.Track)
	case client.TrackSubscribed:
		c.tracks[ev.Track.SID] = ev.Track
		c.noteTrack(ev.Track)
		if ev.Track.Kind == client.Video && ev.Track.Source == client.SourceScreenShare {
			c.addShare(ev.Track)
		} else if ev.Track.Kind == client.Video {
			if ps := c.people[ev.Track.Participant]; ps != nil {
				f := newFeed(&c.fresh)
				c.feeds.Store(ev.Track.SID, f)
				ps.camera = ev.Track.SID
				ps.tile.video, ps.tile.view, ps.tile.videoOff = ev.Track.SID, [2]int{}, ev.Track.Muted
				ps.tile.setVideo(f)
				ps.tile.showVideo(!ev.Track.Muted)
				c.stage.Refresh() // lays out again, giving the feed its size
			}
		}
	case client.TrackUnsubscribed:
		c.dropTrack(ev.Track.SID)
	case client.TrackMuted:
		t, ok := c.tracks[ev.Track.SID]
		if !ok {
			t = ev.Track
		}
		t.Muted = ev.Muted
		c.tracks[t.SID] = t
		c.noteTrack(t)
	case client.Speaking:
		if ps := c.people[ev.Participant]; ps != nil {
			ps.speaking = ev.Speaking
			ps.tile.setSpeaking(ev.Speaking)
			if ev.Speaking && ev.Participant != c.self {
				c.loudest = ev.Participant
				c.layoutStage()
			}
		}
	case client.ChatMessage:
		from := ev.From.DisplayName()
		if ev.From.Identity == c.self || ev.From.Local {
			from = p.T("call.you")
		}
		c.chat.add(from, ev.Text, ev.Time)
		if c.panel != "chat" && ev.From.Identity != c.self {
			c.unread++
			c.toast(p.T("event.chat", "name", from, "text", ev.Text))
			c.refreshControls()
		}
	case client.Reaction:
		c.toast(p.T("event.reaction", "name", c.name(ev.From.Identity), "emoji", reactionGlyph(ev.Emoji)))
	case client.Hand:
		if ps := c.people[ev.Participant.Identity]; ps != nil {
			ps.hand = time.Time{}
			if ev.Raised {
				ps.hand = ev.At
				if ps.hand.IsZero() {
					ps.hand = time.Now()
				}
			}
			ps.tile.show(ps.tile.hand, ev.Raised)
			c.roster.refresh(c)
		}
		if ev.Participant.Identity == c.self {
			c.handUp = ev.Raised
			c.refreshControls()
		} else if ev.Raised {
			c.toast(p.T("event.hand_raised", "name", c.name(ev.Participant.Identity)))
		}
	case client.Caption:
		c.caption = p.T("event.caption", "name", ev.Speaker.DisplayName(), "text", ev.Text)
		c.captionBox.SetText(c.caption)
		c.captionBox.Show()
	case client.Notification:
		var sources []string
		for _, s := range ev.Sources {
			sources = append(sources, string(s))
		}
		text := p.T("notify."+ev.Type, "name", c.name(ev.From.Identity), "sources", strings.Join(sources, ", "))
		c.toast(text)
		if !c.a.foreground {
			c.a.notify(p.T("app.title"), text)
		}
	case client.ConnectionState:
		c.lastConn = ev.State
		c.refreshConn()
		if ev.State == client.Reconnecting {
			c.toast(p.T("call.reconnecting"))
		}
	case client.SpeakingWhileMuted:
		c.toast(p.T("event.speaking_muted"))
	case client.Error:
		c.toast(p.Error(ev.Err))
	case client.Left:
		// The tiles keep their feeds (closed) for Stats.
		c.feeds.Range(func(_, f any) bool { f.(*feed).close(); return true })
		c.ending = true
		c.haltPresenter()
		removeShortcuts(c.a.win.Canvas())
		c.a.call = nil
		c.a.stop = nil // this screen ended on its own
		c.a.win.SetTitle(p.T("app.title"))
		if c.req.Test {
			c.a.testCallOver(c.req, ev.Err) // prejoin.go
		} else if ev.Err != nil {
			c.a.showError(p.Error(ev.Err))
		} else {
			c.a.showHome("")
		}
	}
}

// noteTrack reflects a track's mute state on its owner's tile and on our
// own controls.
func (c *callScreen) noteTrack(t client.Track) {
	if t.Participant == c.self {
		switch t.Kind {
		case client.Audio:
			c.micOff = t.Muted
		case client.Video:
			c.camOff = t.Muted
		}
		c.refreshControls()
	}
	if sh := c.shares[t.SID]; sh != nil {
		sh.track.Muted = t.Muted
		sh.tile.videoOff = t.Muted
		sh.tile.showVideo(!t.Muted)
		c.askView(sh.tile)
		return
	}
	ps := c.people[t.Participant]
	if ps == nil {
		return
	}
	switch t.Kind {
	case client.Audio:
		ps.micOff = t.Muted
		ps.tile.show(ps.tile.micOff, t.Muted)
	case client.Video:
		if t.Source != client.SourceScreenShare {
			ps.camOff = t.Muted
			ps.tile.showVideo(!t.Muted)
			ps.tile.show(ps.tile.camOff, t.Muted)
			if ps.tile.video == t.SID {
				// Muted, nothing to forward; unmuted, the size shown
				// again (a layout may not come for a while).
				ps.tile.videoOff = t.Muted
				c.askView(ps.tile)
			}
		}
	}
	c.roster.refresh(c)
}

func (c *callScreen) addPerson(p client.Participant) bool {
	if _, ok := c.people[p.Identity]; ok {
		return false
	}
	ps := &person{p: p, tile: newTile(p, c.a.p.T("call.you"))}
	c.people[p.Identity] = ps
	c.addTile(ps.tile, false)
	c.roster.refresh(c)
	c.layoutStage()
	return true
}

func (c *callScreen) removePerson(id string) {
	ps := c.people[id]
	if ps == nil {
		return
	}
	if ps.camera != "" {
		c.dropTrack(ps.camera)
	}
	for _, sid := range slices.Clone(c.shareOrder) {
		if c.shares[sid].track.Participant == id {
			c.removeShare(sid)
		}
	}
	delete(c.people, id)
	c.removeTile(ps.tile)
	if c.pinned == id {
		c.pinned = ""
		c.leaveAutoSpeaker()
	}
	c.roster.refresh(c)
	c.layoutStage()
}

func (c *callScreen) dropTrack(sid string) {
	t := c.tracks[sid]
	delete(c.tracks, sid)
	if f, ok := c.feeds.LoadAndDelete(sid); ok {
		f.(*feed).close()
	}
	if c.shares[sid] != nil {
		c.removeShare(sid)
		return
	}
	if ps := c.people[t.Participant]; ps != nil && ps.camera == sid {
		ps.camera = ""
		ps.tile.video, ps.tile.view = "", [2]int{}
		ps.tile.setVideo(nil)
	}
}

func (c *callScreen) name(identity string) string {
	if identity == c.self {
		return c.a.p.T("call.you")
	}
	if ps := c.people[identity]; ps != nil {
		return ps.p.DisplayName()
	}
	return identity
}

// layoutStage puts the focus tile large in speaker mode: the pinned
// tile, else the newest shared screen, else whoever spoke last, else the
// first other.
func (c *callScreen) layoutStage() {
	c.stageLay.speaker = c.speaker
	focus := c.tileByKey(c.pinned)
	if focus == nil && len(c.shareOrder) > 0 {
		focus = c.shares[c.shareOrder[len(c.shareOrder)-1]].tile
	}
	if focus == nil && c.loudest != c.self {
		if ps := c.people[c.loudest]; ps != nil {
			focus = ps.tile
		}
	}
	if focus == nil {
		for _, o := range c.stage.Objects {
			if t := c.tiles[o]; t != nil && t.key != c.self {
				focus = t
				break
			}
		}
	}
	c.stageLay.focus = nil
	if focus != nil {
		c.stageLay.focus = focus.root
	}
	for _, t := range c.tiles {
		t.setPinned(t.key == c.pinned && c.pinned != "")
	}
	c.stage.Refresh()
}

// askView tells the SFU the size a tile's remote video is drawn at (0×0:
// not at all, while hidden or muted), when it changed
// by more than a tenth (layouts settle through several sizes).
func (c *callScreen) askView(t *tile) {
	if t.video == "" || t.video == localVideo {
		return
	}
	w, h := t.drawn[0], t.drawn[1]
	if t.videoOff {
		w, h = 0, 0 // nothing to draw: nothing to forward
	}
	old := t.view
	if old == [2]int{w, h} || (w > 0 && old[0] > 0 && abs(w-old[0])*10 < old[0] && abs(h-old[1])*10 < old[1]) {
		return
	}
	t.view = [2]int{w, h}
	c.views.ask(t.video, w, h)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// command runs a session command off Fyne's thread (commands may wait on
// the network) and shows its failure, if any.
func (c *callScreen) command(run func() error) {
	go func() {
		if err := run(); err != nil {
			c.a.do(func() { c.toast(c.a.p.Error(err)) })
		}
	}()
}

func (c *callScreen) toggleMic() {
	c.micOff = !c.micOff
	off := c.micOff
	c.command(func() error { return c.m.SetMicMuted(off) })
	c.refreshControls()
}

func (c *callScreen) toggleCamera() {
	c.camOff = !c.camOff
	off := c.camOff
	c.command(func() error { return c.m.SetCameraMuted(off) })
	c.refreshControls()
}

func (c *callScreen) toggleHand() {
	up := !c.handUp
	c.command(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.m.RaiseHand(ctx, up)
	})
}

func (c *callScreen) toggleLayout() {
	c.speaker = !c.speaker
	c.autoSpeaker = false // the user's choice from now on
	c.refreshControls()
	c.layoutStage()
}

func (c *callScreen) togglePanel(which string) {
	if c.panel == which {
		c.panel = ""
	} else {
		c.panel = which
	}
	switch c.panel {
	case "chat":
		c.unread = 0
		c.side.Objects = []fyne.CanvasObject{c.chat.root}
		c.side.Show()
		c.a.win.Canvas().Focus(c.chat.entry)
	case "people":
		c.side.Objects = []fyne.CanvasObject{c.roster.root}
		c.side.Show()
	default:
		c.side.Hide()
	}
	c.side.Refresh()
	c.refreshControls()
}

func (c *callScreen) refreshControls() {
	p := c.a.p
	b := &c.btn
	if c.micOff {
		b.mic.SetIcon(iconMicOff)
		b.mic.SetText(p.T("call.mic_off"))
		b.mic.Importance = widget.DangerImportance
	} else {
		b.mic.SetIcon(iconMic)
		b.mic.SetText(p.T("call.mic"))
		b.mic.Importance = widget.MediumImportance
	}
	if c.camOff {
		b.cam.SetIcon(iconCameraOff)
		b.cam.SetText(p.T("call.camera_off"))
		b.cam.Importance = widget.DangerImportance
	} else {
		b.cam.SetIcon(iconCamera)
		b.cam.SetText(p.T("call.camera"))
		b.cam.Importance = widget.MediumImportance
	}
	if c.handUp {
		b.hand.Importance = widget.HighImportance
		b.hand.SetText(p.T("call.hand_lower"))
	} else {
		b.hand.Importance = widget.MediumImportance
		b.hand.SetText(p.T("call.hand"))
	}
	if c.unread > 0 {
		b.chat.SetText(p.T("call.chat_unread", "count", c.unread))
		b.chat.Importance = widget.HighImportance
	} else {
		b.chat.SetText(p.T("call.chat"))
		b.chat.Importance = widget.MediumImportance
	}
	if c.speaker {
		b.layout.SetText(p.T("call.layout_grid"))
		b.layout.SetIcon(theme.GridIcon())
	} else {
		b.layout.SetText(p.T("call.layout_speaker"))
		b.layout.SetIcon(theme.ViewFullScreenIcon())
	}
	for _, x := range []*widget.Button{b.mic, b.cam, b.hand, b.chat, b.layout} {
		x.Refresh()
	}
}

// rosterOrder lists identities for the participants panel: raised hands
// first in the order they were raised, then everyone by name.
func (c *callScreen) rosterOrder() []string {
	ids := slices.Collect(maps.Keys(c.people))
	sort.Slice(ids, func(i, j int) bool {
		a, b := c.people[ids[i]], c.people[ids[j]]
		switch {
		case !a.hand.IsZero() && !b.hand.IsZero():
			return a.hand.Before(b.hand)
		case !a.hand.IsZero() != !b.hand.IsZero():
			return !a.hand.IsZero()
		}
		return strings.ToLower(a.p.DisplayName()) < strings.ToLower(b.p.DisplayName())
	})
	return ids
}

// revealVideos turns the tiles waiting for their first picture from the
// avatar to the video once it came.
func (c *callScreen) revealVideos() {
	for _, t := range c.tiles {
		if t.wantVideo && t.feed != nil && !t.slot.Visible() {
			t.revealVideo()
		}
	}
}

// addTile puts t on the stage (first, or last) and wires its pin button
// and menu.
func (c *callScreen) addTile(t *tile, first bool) {
	c.tiles[t.root] = t
	key := t.key
	t.pin.tapped = func() { c.togglePin(key) }
	t.touch.double = func() { c.togglePin(key) }
	t.touch.secondary = func(at fyne.Position) {
		widget.ShowPopUpMenuAtPosition(c.tileMenu(key), c.a.win.Canvas(), at)
	}
	if first {
		c.stage.Objects = append([]fyne.CanvasObject{t.root}, c.stage.Objects...)
	} else {
		c.stage.Add(t.root)
	}
}

func (c *callScreen) removeTile(t *tile) {
	delete(c.tiles, t.root)
	c.stage.Remove(t.root)
}

// tileByKey finds the tile of a participant's identity or of a shareKey;
// nil if there is none.
func (c *callScreen) tileByKey(key string) *tile {
	if key == "" {
		return nil
	}
	if ps := c.people[key]; ps != nil {
		return ps.tile
	}
	for _, sh := range c.shares {
		if sh.tile.key == key {
			return sh.tile
		}
	}
	return nil
}

// tileMenu is a tile's secondary-tap menu.
func (c *callScreen) tileMenu(key string) *fyne.Menu {
	label := c.a.p.T("tile.pin")
	if c.pinned == key {
		label = c.a.p.T("tile.unpin")
	}
	return fyne.NewMenu("", fyne.NewMenuItem(label, func() { c.togglePin(key) }))
}

// togglePin pins the tile of key (the large one in speaker view, which
// it switches to), or unpins it.
func (c *callScreen) togglePin(key string) {
	if c.ending {
		return
	}
	if c.pinned == key {
		c.pinned = ""
		c.leaveAutoSpeaker()
	} else {
		if c.tileByKey(key) == nil {
			return
		}
		c.pinned = key
		c.enterAutoSpeaker()
	}
	c.roster.refresh(c)
	c.layoutStage()
}

// enterAutoSpeaker switches to the speaker view for a pin or a shared
// screen, remembering the user did not ask for it.
func (c *callScreen) enterAutoSpeaker() {
	if !c.speaker {
		c.speaker, c.autoSpeaker = true, true
		c.refreshControls()
	}
}

// leaveAutoSpeaker goes back to the grid once nothing that switched to
// the speaker view on its own remains.
func (c *callScreen) leaveAutoSpeaker() {
	if c.autoSpeaker && c.pinned == "" && len(c.shares) == 0 {
		c.speaker, c.autoSpeaker = false, false
		c.refreshControls()
	}
}

// addShare gives a shared screen its tile, first on the stage and the
// focus of the speaker view.
func (c *callScreen) addShare(t client.Track) {
	if c.shares[t.SID] != nil {
		return
	}
	p := c.a.p
	name := c.name(t.Participant)
	tl := newShareTile(shareKey(t.SID), p.T("tile.screen", "name", name))
	f := newFeed(&c.fresh)
	c.feeds.Store(t.SID, f)
	tl.video, tl.videoOff = t.SID, t.Muted
	tl.setVideo(f)
	tl.showVideo(!t.Muted)
	c.shares[t.SID] = &share{track: t, tile: tl}
	c.shareOrder = append(c.shareOrder, t.SID)
	c.addTile(tl, true)
	c.enterAutoSpeaker()
	c.toast(p.T("share.started", "name", name))
	c.layoutStage()
}

// removeShare takes a shared screen's tile away; the grid comes back if
// the share had switched to the speaker view.
func (c *callScreen) removeShare(sid string) {
	sh := c.shares[sid]
	if sh == nil {
		return
	}
	if f, ok := c.feeds.LoadAndDelete(sid); ok {
		f.(*feed).close()
	}
	delete(c.tracks, sid)
	delete(c.shares, sid)
	c.shareOrder = slices.DeleteFunc(c.shareOrder, func(s string) bool { return s == sid })
	c.removeTile(sh.tile)
	if c.pinned == sh.tile.key {
		c.pinned = ""
	}
	c.leaveAutoSpeaker()
	c.layoutStage()
}

// setForeground follows the application's lifecycle, on Fyne's thread:
// notifications go to the system while the window is in the background.
// Video is not paused there: Fyne's desktop drivers report the
// background when the window loses the keyboard focus, also while it
// stays in sight (notes typed beside the call), and give no minimised
// state; a frozen call beside one's notes is worse than the decoding.
func (a *App) setForeground(on bool) { a.foreground = on }

// sampleQuality reads the session's report every interval until the
// screen ends, and shows the connection quality it tells (on Fyne's
// thread).
func (c *callScreen) sampleQuality(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-c.stopPresenter:
			return
		case now := <-tick.C:
			r := c.m.Report(c.a.o.Start)
			c.a.do(func() {
				if !c.ending && !c.a.closed.Load() {
					c.applyReport(r, now)
				}
			})
		}
	}
}

// applyReport rates each tile's tracks and our own link from a report
// made at now.
func (c *callScreen) applyReport(r client.Report, now time.Time) {
	p := c.a.p
	known := func(sid string) bool {
		t, ok := c.tracks[sid]
		return ok && t.Participant != c.self
	}
	expect := func(sid string) bool {
		t := c.tracks[sid]
		switch {
		case t.Muted:
			return false
		case t.Kind == client.Audio:
			return true
		}
		if vt := c.videoTile(sid); vt != nil {
			return vt.view[0] > 0 // the SFU sends nothing for 0×0
		}
		return false
	}
	c.meter.observe(r, now, known, expect)
	var all []string
	for id, ps := range c.people {
		if id == c.self {
			continue
		}
		var sids []string
		for sid, t := range c.tracks {
			if t.Participant == id && c.shares[sid] == nil {
				sids = append(sids, sid)
			}
		}
		all = append(all, sids...)
		level, _ := c.meter.judge(sids, now)
		ps.tile.setQuality(level, p.T(level.key()))
	}
	for sid, sh := range c.shares {
		all = append(all, sid)
		level, _ := c.meter.judge([]string{sid}, now)
		sh.tile.setQuality(level, p.T(level.key()))
	}
	c.received, c.receivedLoss = c.meter.judge(all, now)
	c.refreshConn()
}

// videoTile is the tile showing a remote video track, nil if none.
func (c *callScreen) videoTile(sid string) *tile {
	if sh := c.shares[sid]; sh != nil {
		return sh.tile
	}
	t := c.tracks[sid]
	if ps := c.people[t.Participant]; ps != nil && ps.tile.video == sid {
		return ps.tile
	}
	return nil
}

// refreshConn shows our own link in the bottom bar and on our tile: the
// connection's state, the quality and the loss of what we receive.
func (c *callScreen) refreshConn() {
	p := c.a.p
	state := p.T("state." + c.lastConn.String())
	level := selfQuality(c.lastConn, c.received)
	c.connBars.set(level)
	// Short, beside the controls (which take most of the width in
	// French): the state, and what is lost while connected; the bars'
	// colour says the quality.
	text := state
	if c.lastConn == client.Connected && c.receivedLoss >= 0 {
		loss := formatLoss(c.receivedLoss)
		if p.Lang() == "fr" {
			loss = strings.Replace(loss, ".", ",", 1)
		}
		text = p.T("quality.self_loss", "state", state, "loss", loss)
	}
	c.connLabel.SetText(text)
	if ps := c.people[c.self]; ps != nil {
		ps.tile.setQuality(level, p.T(level.key()))
	}
}

// viewQueue carries the sizes asked of the SFU to one goroutine, which
// gives the session the latest for each track in the order asked: a
// command per request could overtake another and leave a hidden tile's
// video flowing, or a shown one's stopped.
type viewQueue struct {
	mu      sync.Mutex
	pending map[string][2]int
	order   []string
	wake    chan struct{}
}

func (q *viewQueue) init() {
	q.pending = map[string][2]int{}
	q.wake = make(chan struct{}, 1)
}

// ask records a size for the track; it never blocks.
func (q *viewQueue) ask(sid string, w, h int) {
	q.mu.Lock()
	if _, ok := q.pending[sid]; !ok {
		q.order = append(q.order, sid)
	}
	q.pending[sid] = [2]int{w, h}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default: // already woken: it will see this one too
	}
}

// run sets the sizes asked through set until stop is closed, telling
// fail of each failure.
func (q *viewQueue) run(stop <-chan struct{}, set func(sid string, w, h int) error, fail func(error)) {
	for {
		select {
		case <-stop:
			return
		case <-q.wake:
		}
		q.mu.Lock()
		pending, order := q.pending, q.order
		q.pending, q.order = map[string][2]int{}, nil
		q.mu.Unlock()
		for _, sid := range order {
			v := pending[sid]
			if err := set(sid, v[0], v[1]); err != nil {
				fail(err)
			}
		}
	}
}
