package terminal

import (
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"causerie/client"
	"causerie/ui/i18n"
	"causerie/ui/terminal/video"
)

// screen is the page the model shows.
type screen int

const (
	screenJoining screen = iota // connecting, or waiting in the lobby
	screenCall                  // in the meeting
	screenError                 // the session ended with an error
)

// layout of the video area.
type layout int

const (
	layoutSpeaker layout = iota // the active speaker alone
	layoutGrid                  // up to four participants
)

// maxTiles is the largest grid: four pictures still have a recognisable
// face each in an 80×24 terminal.
const maxTiles = 4

// holdThreshold is how far (of 255) a pixel's colour must move before its
// cell is repainted: 8 hides sensor noise and compression shimmer, about
// 3% of the range, below what half-block cells let an eye tell apart.
const holdThreshold = 8

// maxChat bounds the scrollback.
const maxChat = 500

// Options configure a model.
type Options struct {
	Session Session
	Printer *i18n.Printer
	// Video holds the decoded pictures; nil shows no video.
	Video *video.Store
	// Graphics is how pictures are drawn: video.Cells (the zero value)
	// or video.Kitty, for a terminal that has kitty graphics.
	Graphics video.Graphics
	Styles   Styles
	Keys     KeyMap
	// Now stamps system lines; nil for the wall clock.
	Now func() time.Time
	// FPS of the video refresh, default video.MaxFPS.
	FPS int
	// Width and Height until the first window-size message.
	Width, Height int
	// Devices lists the sound devices the call can switch to and
	// SelectDevice switches (on a command's goroutine); both nil when the
	// call has no sound device (synthetic or null ones only).
	Devices      func() []Device
	SelectDevice func(kind DeviceKind, name string) error
	// Stats, when set, reads the session's counters for the status line;
	// it is called off the UI loop once a second.
	Stats func() Stats
}

// member is a participant as the list shows them.
type member struct {
	p              client.Participant
	hasMic, hasCam bool
	micOff, camOff bool
	camSID         string // the camera track, whose pictures the video area shows
	speaking       bool
	spoke          uint64 // order of the last start of speech, 0 never
	hand           time.Time
}

type chatLine struct {
	at     time.Time
	from   string // empty for a system line
	text   string
	system bool
}

// tile is a participant's picture as last taken from the store.
type tile struct {
	sid        string        // the track it shows
	pic        video.Picture // as on screen
	next       video.Picture // as last taken from the store
	seq        uint64
	cols, rows int
	lines      []string
	// With kitty graphics: the image that holds the picture, its
	// placement in cells, the tile size lines were made for, and whether
	// the terminal still needs the picture.
	img                uint8
	pc, pr             int
	lineCols, lineRows int
	dirty              bool
}

// Model is the terminal client's state.
type Model struct {
	o      Options
	p      *i18n.Printer
	st     Styles
	keys   KeyMap
	screen screen
	w, h   int

	lobby   client.LobbyState
	room    string
	self    string // identity
	members map[string]*member
	order   []string // identities, self first, then by arrival
	spoke   uint64
	conn    client.ConnState

	chat    []chatLine
	scroll  int // lines scrolled up from the newest
	typing  bool
	input   []rune
	picking bool
	pick    int
	// choosing: the device picker is open on devices, at choice.
	choosing bool
	devices  []Device
	choice   int
	help     bool
	layout   layout
	caption  string
	status   string // last command error or notification, shown in the status line
	isError  bool

	tiles   map[string]*tile
	ticking bool
	k       kittyState
	closing bool // quitting: no more pictures
	// Rates from the last two samples of Stats.
	last     statsMsg
	sendKbps int
	lossPct  float64
	rates    bool
	leaving  bool
	endErr   error
	ended    bool
}

// New returns a model on the joining screen.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FPS <= 0 {
		o.FPS = video.MaxFPS
	}
	if o.Keys.Quit.keys == nil {
		o.Keys = DefaultKeys()
	}
	return &Model{o: o, p: o.Printer, st: o.Styles, keys: o.Keys, w: o.Width, h: o.Height,
		members: map[string]*member{}, tiles: map[string]*tile{}, conn: client.Connecting}
}

// Err is why the session ended: nil after a requested leave.
func (m *Model) Err() error { return m.endErr }

// Init starts reading the session's events.
func (m *Model) Init() tea.Cmd { return waitEvent(m.o.Session.Events()) }

// Update applies one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.refreshVideo()
		return m, nil
	case eventMsg:
		cmd := m.handleEvent(msg.ev)
		return m, tea.Batch(cmd, waitEvent(m.o.Session.Events()))
	case eventsClosedMsg:
		m.ended = true
		if m.screen == screenError {
			return m, nil // the user reads the error, then any key quits
		}
		return m, m.quit()
	case leftMsg:
		return m, nil
	case commandDoneMsg:
		if msg.err != nil {
			m.status, m.isError = m.p.Error(msg.err), true
		} else if m.isError {
			m.status, m.isError = "", false
		}
		return m, nil
	case statsMsg:
		if m.screen != screenCall || m.o.Stats == nil {
			return m, nil
		}
		m.noteStats(msg)
		return m, sampleStats(m.o.Stats)
	case frameTickMsg:
		// Pictures reach the terminal on this tick only, at most
		// o.FPS a second; so do the deletions of images gone since.
		if m.screen != screenCall || m.o.Video == nil {
			m.ticking = false
			return m, m.kittyCmd()
		}
		m.refreshVideo()
		return m, tea.Batch(m.kittyCmd(), frameTick(m.o.FPS))
	case tea.RawMsg:
		if o, ok := msg.Msg.(*kittyOut); ok {
			m.k.free = append(m.k.free, o) // written: the buffer is ours again
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

func (m *Model) handleEvent(ev client.Event) tea.Cmd {
	switch ev := ev.(type) {
	case client.Lobby:
		m.lobby = ev.State
	case client.Joined:
		m.screen, m.room, m.self = screenCall, ev.Room, ev.Self.Identity
		m.member(ev.Self).p = ev.Self
		m.noteHand(ev.Self)
		var cmds []tea.Cmd
		if m.o.Video != nil && !m.ticking {
			m.ticking = true
			cmds = append(cmds, frameTick(m.o.FPS))
		}
		if m.o.Stats != nil {
			cmds = append(cmds, sampleStats(m.o.Stats))
		}
		return tea.Batch(cmds...)
	case client.ParticipantJoined:
		m.member(ev.Participant).p = ev.Participant
		m.noteHand(ev.Participant)
		m.system(m.p.T("event.participant_joined", "name", ev.Participant.DisplayName()))
	case client.ParticipantUpdated:
		m.member(ev.Participant).p = ev.Participant
		m.noteHand(ev.Participant)
	case client.ParticipantLeft:
		id := ev.Participant.Identity
		delete(m.members, id)
		m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == id })
		if t := m.tiles[id]; t != nil && m.o.Video != nil {
			m.forget(t)
		}
		delete(m.tiles, id)
		m.system(m.p.T("event.participant_left", "name", ev.Participant.DisplayName()))
	case client.TrackPublished:
		m.noteTrack(ev.Track, ev.Track.Muted)
	case client.TrackSubscribed:
		m.noteTrack(ev.Track, ev.Track.Muted)
	case client.TrackMuted:
		m.noteTrack(ev.Track, ev.Muted)
	case client.TrackUnsubscribed:
		if mb := m.members[ev.Track.Participant]; mb != nil && ev.Track.Source == client.SourceCamera {
			mb.hasCam = false
		}
	case client.Speaking:
		if mb := m.members[ev.Participant]; mb != nil {
			mb.speaking = ev.Speaking
			if ev.Speaking {
				m.spoke++
				mb.spoke = m.spoke
			}
		}
	case client.ChatMessage:
		m.addChat(chatLine{at: ev.Time, from: ev.From.DisplayName(), text: ev.Text})
	case client.Reaction:
		m.system(m.p.T("event.reaction", "name", m.name(ev.From), "emoji", reactionGlyph(ev.Emoji)))
	case client.Hand:
		if mb := m.members[ev.Participant.Identity]; mb != nil {
			mb.hand = ev.At
			if !ev.Raised {
				mb.hand = time.Time{}
			}
		}
	case client.Caption:
		m.caption = m.p.T("event.caption", "name", ev.Speaker.DisplayName(), "text", ev.Text)
	case client.Notification:
		var sources []string
		for _, s := range ev.Sources {
			sources = append(sources, string(s))
		}
		m.system(m.p.T("notify."+ev.Type, "name", m.name(ev.From), "sources", strings.Join(sources, ", ")))
	case client.ConnectionState:
		m.conn = ev.State
	case client.SpeakingWhileMuted:
		m.status, m.isError = m.p.T("event.speaking_muted"), false
	case client.Error:
		m.status, m.isError = m.p.Error(ev.Err), true
	case client.Left:
		m.endErr = ev.Err
		if ev.Err != nil {
			m.screen = screenError
		}
	}
	return nil
}

// noteStats turns two samples of the counters into the rates shown.
func (m *Model) noteStats(now statsMsg) {
	prev := m.last
	m.last = now
	if prev.at.IsZero() {
		return
	}
	dt := now.at.Sub(prev.at).Seconds()
	if dt <= 0 || now.s.SentBytes < prev.s.SentBytes {
		return
	}
	m.sendKbps = int(float64(now.s.SentBytes-prev.s.SentBytes) * 8 / 1000 / dt)
	m.lossPct = 0
	got, lost := now.s.PacketsReceived-prev.s.PacketsReceived, now.s.PacketsLost-prev.s.PacketsLost
	if got+lost > 0 && now.s.PacketsLost >= prev.s.PacketsLost {
		m.lossPct = 100 * float64(lost) / float64(got+lost)
	}
	m.rates = true
}

// member returns p's entry, creating it in arrival order.
func (m *Model) member(p client.Participant) *member {
	mb := m.members[p.Identity]
	if mb == nil {
		mb = &member{p: p}
		m.members[p.Identity] = mb
		if p.Identity == m.self {
			m.order = append([]string{p.Identity}, m.order...)
		} else {
			m.order = append(m.order, p.Identity)
		}
	}
	return mb
}

func (m *Model) noteHand(p client.Participant) {
	if mb := m.members[p.Identity]; mb != nil {
		mb.hand = p.HandRaisedAt()
	}
}

func (m *Model) noteTrack(t client.Track, muted bool) {
	mb := m.members[t.Participant]
	if mb == nil {
		return
	}
	switch t.Source {
	case client.SourceMicrophone:
		mb.hasMic, mb.micOff = true, muted
	case client.SourceCamera:
		mb.hasCam, mb.camOff, mb.camSID = true, muted, t.SID
	default:
		if t.Source == "" || t.Source == client.SourceUnknown {
			if t.Kind == client.Audio {
				mb.hasMic, mb.micOff = true, muted
			} else {
				mb.hasCam, mb.camOff, mb.camSID = true, muted, t.SID
			}
		}
	}
}

func (m *Model) name(p client.Participant) string {
	if mb := m.members[p.Identity]; mb != nil {
		return mb.p.DisplayName()
	}
	return p.DisplayName()
}

func (m *Model) system(text string) {
	m.addChat(chatLine{at: m.o.Now(), text: text, system: true})
}

func (m *Model) addChat(l chatLine) {
	m.chat = append(m.chat, l)
	if len(m.chat) > maxChat {
		m.chat = slices.Delete(m.chat, 0, len(m.chat)-maxChat)
	}
	if m.scroll > 0 {
		m.scroll++ // keep the lines being read in place
	}
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	switch {
	case m.screen == screenError:
		if m.ended {
			return m.quit()
		}
		return nil
	case k == "ctrl+c":
		return m.leave()
	case m.screen == screenJoining:
		if m.keys.Quit.matches(k) || m.keys.Cancel.matches(k) {
			return m.leave()
		}
		return nil
	case m.help:
		m.help = false
		return nil
	case m.typing:
		return m.typeKey(k, msg.Text)
	case m.picking:
		return m.pickKey(k)
	case m.choosing:
		return m.deviceKey(k)
	}
	s := m.o.Session
	me := m.members[m.self]
	switch {
	case m.keys.Quit.matches(k):
		return m.leave()
	case m.keys.Help.matches(k):
		m.help = true
	case m.keys.Mic.matches(k):
		if me != nil && me.hasMic {
			return setMic(s, !me.micOff)
		}
		return setMic(s, true) // reports "no microphone"
	case m.keys.Camera.matches(k):
		if me != nil && me.hasCam {
			return setCamera(s, !me.camOff)
		}
		return setCamera(s, true)
	case m.keys.Hand.matches(k):
		return raiseHand(s, me == nil || me.hand.IsZero())
	case m.keys.React.matches(k):
		m.picking, m.pick = true, 0
	case m.keys.Devices.matches(k):
		m.openDevices()
	case m.keys.Chat.matches(k):
		m.typing = true
	case m.keys.Layout.matches(k):
		m.layout = 1 - m.layout
		m.refreshVideo()
	case m.keys.ScrollUp.matches(k):
		m.scroll = min(m.scroll+1, max(len(m.chat)-1, 0))
	case m.keys.ScrollDown.matches(k):
		m.scroll = max(m.scroll-1, 0)
	}
	return nil
}

func (m *Model) typeKey(k, text string) tea.Cmd {
	switch {
	case m.keys.Send.matches(k):
		text := strings.TrimSpace(string(m.input))
		m.input, m.typing, m.scroll = nil, false, 0
		if text == "" {
			return nil
		}
		return sendChat(m.o.Session, text)
	case m.keys.Cancel.matches(k):
		m.typing = false
	case m.keys.Backspace.matches(k):
		if len(m.input) > 0 {
			m.input = m.input[:len(m.input)-1]
		}
	case text != "":
		m.input = append(m.input, []rune(text)...)
	}
	return nil
}

func (m *Model) pickKey(k string) tea.Cmd {
	n := len(client.Reactions)
	switch {
	case m.keys.Cancel.matches(k):
		m.picking = false
	case m.keys.Left.matches(k):
		m.pick = (m.pick + n - 1) % n
	case m.keys.Right.matches(k):
		m.pick = (m.pick + 1) % n
	case m.keys.Send.matches(k):
		m.picking = false
		return sendReaction(m.o.Session, client.Reactions[m.pick])
	case len(k) == 1 && k[0] >= '1' && int(k[0]-'0') <= n:
		m.picking = false
		return sendReaction(m.o.Session, client.Reactions[k[0]-'1'])
	}
	return nil
}

func (m *Model) leave() tea.Cmd {
	if m.leaving {
		return nil
	}
	m.leaving = true
	return leave(m.o.Session)
}

// reactionGlyphs are one-glyph forms of the reactions, chosen to be one
// glyph wide in common terminals' reckoning (no variation selectors).
var reactionGlyphs = map[string]string{
	"thumbs-up": "👍", "thumbs-down": "👎", "clapping-hands": "👏", "red-heart": "❤",
	"face-with-tears-of-joy": "😂", "face-with-open-mouth": "😮", "party-popper": "🎉", "folded-hands": "🙏",
}

func reactionGlyph(name string) string {
	if g, ok := reactionGlyphs[name]; ok {
		return g
	}
	return name
}
