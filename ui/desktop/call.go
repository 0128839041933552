package desktop

import (
	"context"
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
	view     [2]int // the size last asked of the SFU for it
}

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

	phase    string // "joining", "lobby", "call"
	room     string
	self     string
	people   map[string]*person
	tracks   map[string]client.Track
	micOff   bool
	camOff   bool
	handUp   bool
	speaker  bool   // speaker layout rather than grid
	pinned   string // identity
	loudest  string // identity of the active speaker
	unread   int
	panel    string // "", "chat", "people"
	caption  string
	toasts   []*toast
	lastConn client.ConnState

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
		stopPresenter: make(chan struct{})}
	m, err := a.o.Connect(req, c.onFrame)
	if err != nil {
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
	wg.Add(3)
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
	go func() {
		defer wg.Done()
		presenter(&c.fresh, presentFPS, c.stopPresenter, a.doWait, func() {
			if a.closed.Load() {
				return
			}
			c.feeds.Range(func(_, f any) bool { f.(*feed).present(); return true })
		})
	}()
}

// presentFPS is the most pictures a second the call shows per tile: the
// cameras' 30.
const presentFPS = 30

func (c *callScreen) haltPresenter() { c.presenterOnce.Do(func() { close(c.stopPresenter) }) }

// applyStartMutes mutes what the pre-join screen said to join muted.
func (c *callScreen) applyStartMutes() {
	if c.micOff {
		c.command(func() error { return c.m.SetMicMuted(true) })
	}
	if c.camOff {
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
	c.stageLay = &stageLayout{
		scale: func() float32 { return c.a.win.Canvas().Scale() },
		sized: func(o fyne.CanvasObject, w, h int) {
			for _, ps := range c.people {
				if ps.tile.root == o && ps.tile.feed != nil {
					ps.tile.feed.setSize(w, h)
					c.askView(ps, w, h)
				}
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
	center := container.NewStack(stageBg, container.NewPadded(c.stage), toasts)
	bottom := container.NewVBox(c.captionBox, container.NewHBox(c.connLabel, layoutSpacer(), bar, layoutSpacer()))
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
			ps.tile.setVideo(f)
			ps.tile.showVideo(!c.camOff)
			c.stage.Refresh()
		}
		c.showPhase("call")
		if c.req.Link != "" {
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
		if ev.Track.Kind == client.Video && ev.Track.Source != client.SourceScreenShare {
			if ps := c.people[ev.Track.Participant]; ps != nil {
				f := newFeed(&c.fresh)
				c.feeds.Store(ev.Track.SID, f)
				ps.camera = ev.Track.SID
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
			setShown(ps.tile.hand, ev.Raised)
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
		c.connLabel.SetText(p.T("state." + ev.State.String()))
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
		if ev.Err != nil {
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
	ps := c.people[t.Participant]
	if ps == nil {
		return
	}
	switch t.Kind {
	case client.Audio:
		ps.micOff = t.Muted
		setShown(ps.tile.micOff, t.Muted)
	case client.Video:
		if t.Source != client.SourceScreenShare {
			ps.camOff = t.Muted
			ps.tile.showVideo(!t.Muted)
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
	c.stage.Add(ps.tile.root)
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
	delete(c.people, id)
	c.stage.Remove(ps.tile.root)
	if c.pinned == id {
		c.pinned = ""
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
	if ps := c.people[t.Participant]; ps != nil && ps.camera == sid {
		ps.camera = ""
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

// layoutStage puts the focus tile first in speaker mode: the pinned
// participant, else whoever spoke last, else the first other.
func (c *callScreen) layoutStage() {
	c.stageLay.speaker = c.speaker
	focus := c.pinned
	if focus == "" {
		focus = c.loudest
	}
	if ps := c.people[focus]; ps != nil {
		c.stageLay.focus = ps.tile.root
	} else {
		c.stageLay.focus = nil
		for id, ps := range c.people {
			if id != c.self {
				c.stageLay.focus = ps.tile.root
				break
			}
		}
	}
	c.stage.Refresh()
}

// askView tells the SFU the size a remote camera is drawn at, when it
// changed by more than a tenth (layouts settle through several sizes).
func (c *callScreen) askView(ps *person, w, h int) {
	if ps.camera == "" || ps.camera == localVideo {
		return
	}
	if ps.camOff {
		w, h = 0, 0 // nothing to draw: nothing to forward
	}
	old := ps.view
	if old == [2]int{w, h} || (w > 0 && old[0] > 0 && abs(w-old[0])*10 < old[0] && abs(h-old[1])*10 < old[1]) {
		return
	}
	ps.view = [2]int{w, h}
	sid := ps.camera
	c.command(func() error { return c.m.SetVideoView(sid, w, h) })
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
	ids := slices.Collect(mapKeys(c.people))
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

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
