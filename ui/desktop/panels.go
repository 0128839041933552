package desktop

import (
	"image/color"

	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/client"
	"causerie/ui/i18n"
)

// sideWidth is the width of the chat and participants panels.
const sideWidth = 320

func layoutSpacer() fyne.CanvasObject { return layout.NewSpacer() }

// chatPanel is the chat's scrollback and input.
type chatPanel struct {
	root   fyne.CanvasObject
	lines  *fyne.Container
	scroll *container.Scroll
	entry  *widget.Entry
	send   *widget.Button
	count  int
}

// maxChatLines bounds the scrollback kept on screen.
const maxChatLines = 500

func newChatPanel(p *i18n.Printer, send func(string)) *chatPanel {
	c := &chatPanel{lines: container.NewVBox()}
	c.scroll = container.NewVScroll(c.lines)
	c.entry = widget.NewEntry()
	c.entry.SetPlaceHolder(p.T("chat.placeholder"))
	submit := func() {
		text := strings.TrimSpace(c.entry.Text)
		if text == "" {
			return
		}
		c.entry.SetText("")
		send(text)
	}
	c.entry.OnSubmitted = func(string) { submit() }
	c.send = widget.NewButtonWithIcon("", theme.MailSendIcon(), submit)
	title := widget.NewLabelWithStyle(p.T("chat.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(sideWidth, 0))
	c.root = container.NewStack(pad, container.NewBorder(title, container.NewBorder(nil, nil, nil, c.send, c.entry), nil, nil, c.scroll))
	return c
}

func (c *chatPanel) add(from, text string, at time.Time) {
	if at.IsZero() {
		at = time.Now()
	}
	head := widget.NewLabelWithStyle(fmt.Sprintf("%s · %s", from, at.Local().Format("15:04")), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapWord
	c.lines.Add(container.NewVBox(head, body))
	if len(c.lines.Objects) > maxChatLines {
		c.lines.Objects = c.lines.Objects[len(c.lines.Objects)-maxChatLines:]
	}
	c.count++
	c.lines.Refresh()
	c.scroll.ScrollToBottom()
}

// rosterPanel lists the participants, each with a button to pin them.
type rosterPanel struct {
	p    *i18n.Printer
	root fyne.CanvasObject
	list *fyne.Container
	rows []string // what each row says, for the tests
	// pins are the rows' pin buttons by identity, for the tests.
	pins map[string]*widget.Button
}

// iconPin is the pin on the theme's background (the tiles draw their own
// over video).
var iconPin = themedIcon("pin.svg")

func newRosterPanel(p *i18n.Printer) *rosterPanel {
	r := &rosterPanel{p: p, list: container.NewVBox()}
	title := widget.NewLabelWithStyle(p.T("people.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(sideWidth, 0))
	r.root = container.NewStack(pad, container.NewBorder(title, nil, nil, nil, container.NewVScroll(r.list)))
	return r
}

func (r *rosterPanel) refresh(c *callScreen) {
	r.list.RemoveAll()
	r.rows = r.rows[:0]
	r.pins = map[string]*widget.Button{}
	for _, id := range c.rosterOrder() {
		ps := c.people[id]
		name := ps.p.DisplayName()
		if ps.p.Local || id == c.self {
			name = r.p.T("people.you", "name", name)
		}
		var badges []string
		if ps.p.IsHost() {
			badges = append(badges, r.p.T("people.host"))
		}
		row := container.NewHBox()
		if !ps.hand.IsZero() {
			row.Add(iconOf(iconHand))
		}
		row.Add(widget.NewLabel(name))
		for _, b := range badges {
			l := widget.NewLabel(b)
			l.Importance = widget.LowImportance
			row.Add(l)
		}
		row.Add(layout.NewSpacer())
		if ps.micOff {
			row.Add(iconOf(iconMicOff))
		} else {
			row.Add(iconOf(iconMic))
		}
		if ps.camOff || ps.camera == "" {
			row.Add(iconOf(iconCameraOff))
		} else {
			row.Add(iconOf(iconCamera))
		}
		pin := widget.NewButtonWithIcon("", iconPin, func() { c.togglePin(id) })
		pin.Importance = widget.LowImportance
		if c.pinned == id {
			pin.Importance = widget.HighImportance
		}
		r.pins[id] = pin
		row.Add(pin)
		r.list.Add(row)
		desc := name
		if !ps.hand.IsZero() {
			desc = "✋ " + desc
		}
		r.rows = append(r.rows, desc)
	}
	r.list.Refresh()
}

func iconOf(res fyne.Resource) fyne.CanvasObject {
	return widget.NewIcon(res)
}

// reactionGlyphs draws Visio's reaction names.
var reactionGlyphs = map[string]string{
	"thumbs-up": "👍", "thumbs-down": "👎", "clapping-hands": "👏", "red-heart": "❤️",
	"face-with-tears-of-joy": "😂", "face-with-open-mouth": "😮", "party-popper": "🎉", "folded-hands": "🙏",
}

func reactionGlyph(name string) string {
	if g, ok := reactionGlyphs[name]; ok {
		return g
	}
	return name
}

// showReactions offers the reactions in a menu under the button.
func (c *callScreen) showReactions() {
	var items []*fyne.MenuItem
	for _, r := range client.Reactions {
		items = append(items, fyne.NewMenuItem(reactionGlyph(r)+"  "+c.a.p.T("reaction."+r), func() {
			c.command(func() error { return c.m.SendReaction(r) })
		}))
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(c.btn.react)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c.a.win.Canvas(), pos.Add(fyne.NewPos(0, -float32(len(items))*36)))
}

// toast is a short message over the stage that goes away on its own.
type toast struct {
	obj   fyne.CanvasObject
	timer *time.Timer
}

// toastFor is how long a toast stays.
const toastFor = 5 * time.Second

// maxToasts bounds the toasts shown at once.
const maxToasts = 4

func (c *callScreen) toast(text string) {
	if c.ending {
		return
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.CornerRadius = 8
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(300, 0))
	t := &toast{obj: container.NewStack(pad, bg, container.NewPadded(label))}
	c.toasts = append(c.toasts, t)
	c.toastBox.Add(t.obj)
	if len(c.toasts) > maxToasts {
		c.dropToast(c.toasts[0])
	}
	t.timer = time.AfterFunc(toastFor, func() { c.a.do(func() { c.dropToast(t) }) })
}

func (c *callScreen) dropToast(t *toast) {
	for i, x := range c.toasts {
		if x == t {
			c.toasts = append(c.toasts[:i], c.toasts[i+1:]...)
			t.timer.Stop()
			c.toastBox.Remove(t.obj)
			return
		}
	}
}

// toastTexts lists the toasts shown, for the tests.
func (c *callScreen) toastTexts() []string {
	var out []string
	for _, t := range c.toasts {
		var walk func(o fyne.CanvasObject)
		walk = func(o fyne.CanvasObject) {
			switch o := o.(type) {
			case *widget.Label:
				out = append(out, o.Text)
			case *fyne.Container:
				for _, x := range o.Objects {
					walk(x)
				}
			}
		}
		walk(t.obj)
	}
	return out
}

// shortcuts are the call's keys, listed by the help dialog.
var shortcuts = []struct {
	key  fyne.KeyName
	mod  fyne.KeyModifier
	name string // message key of what it does
}{
	{fyne.KeyD, fyne.KeyModifierShortcutDefault, "help.mic"},
	{fyne.KeyE, fyne.KeyModifierShortcutDefault, "help.camera"},
	{fyne.KeyH, fyne.KeyModifierShortcutDefault, "help.hand"},
	{fyne.KeyT, fyne.KeyModifierShortcutDefault, "help.chat"},
	{fyne.KeyP, fyne.KeyModifierShortcutDefault, "help.people"},
	{fyne.KeyL, fyne.KeyModifierShortcutDefault, "help.layout"},
}

func (c *callScreen) installShortcuts() {
	actions := map[string]func(){
		"help.mic": c.toggleMic, "help.camera": c.toggleCamera, "help.hand": c.toggleHand,
		"help.chat": func() { c.togglePanel("chat") }, "help.people": func() { c.togglePanel("people") },
		"help.layout": c.toggleLayout,
	}
	canv := c.a.win.Canvas()
	for _, s := range shortcuts {
		run := actions[s.name]
		canv.AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: s.mod}, func(fyne.Shortcut) {
			if c.phase == "call" && !c.ending {
				run()
			}
		})
	}
	// Space held: push to talk while muted (not while typing: an entry
	// that has the focus takes the keys first).
	if dc, ok := canv.(desktop.Canvas); ok {
		talking := false
		dc.SetOnKeyDown(func(e *fyne.KeyEvent) {
			if e.Name == fyne.KeySpace && c.phase == "call" && c.micOff && !talking && canv.Focused() == nil {
				talking = true
				c.command(func() error { return c.m.SetMicMuted(false) })
			}
		})
		dc.SetOnKeyUp(func(e *fyne.KeyEvent) {
			if e.Name == fyne.KeySpace && talking {
				talking = false
				c.command(func() error { return c.m.SetMicMuted(true) })
			}
		})
	}
}

// removeShortcuts undoes installShortcuts when the call screen goes.
func removeShortcuts(canv fyne.Canvas) {
	for _, s := range shortcuts {
		canv.RemoveShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: s.mod})
	}
	if dc, ok := canv.(desktop.Canvas); ok {
		dc.SetOnKeyDown(nil)
		dc.SetOnKeyUp(nil)
	}
}

func (c *callScreen) showHelp() {
	p := c.a.p
	form := widget.NewForm()
	for _, s := range shortcuts {
		form.Append(p.T("help.ctrl", "key", string(s.key)), widget.NewLabel(p.T(s.name)))
	}
	form.Append(p.T("help.space"), widget.NewLabel(p.T("help.push_to_talk")))
	dialog.ShowCustom(p.T("help.title"), p.T("help.close"), form, c.a.win)
}

// showStats shows the statistics of every track, refreshed while open.
func (c *callScreen) showStats() {
	p := c.a.p
	text := widget.NewLabel(c.statsText())
	text.TextStyle.Monospace = true
	d := dialog.NewCustom(p.T("stats.title"), p.T("help.close"), container.NewVScroll(text), c.a.win)
	d.Resize(fyne.NewSize(640, 420))
	stop := make(chan struct{})
	d.SetOnClosed(func() { close(stop) })
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-c.ended:
				return
			case <-tick.C:
				s := c.statsText()
				c.a.do(func() { text.SetText(s) })
			}
		}
	}()
	d.Show()
}

// statsText renders the session's report; safe on any goroutine.
func (c *callScreen) statsText() string {
	p := c.a.p
	r := c.m.Report(c.a.o.Start)
	var b strings.Builder
	if v := r.Local.Video; v != nil {
		fmt.Fprintln(&b, p.T("stats.sent_video", "codec", v.Codec, "width", v.Width, "height", v.Height,
			"frames", v.FramesEncoded, "kbytes", v.Bytes/1000, "encode", fmt.Sprintf("%.1f", v.EncodeMsP50)))
	}
	if a := r.Local.Audio; a != nil {
		fmt.Fprintln(&b, p.T("stats.sent_audio", "codec", a.Codec, "packets", a.PacketsSent, "kbytes", a.Bytes/1000))
	}
	for _, t := range r.Remote {
		loss := 0.0
		if n := t.PacketsReceived + t.PacketsLost; n > 0 {
			loss = float64(t.PacketsLost) * 100 / float64(n)
		}
		if t.Kind == "video" {
			fmt.Fprintln(&b, p.T("stats.recv_video", "name", t.Name, "codec", t.Codec, "width", t.Width, "height", t.Height,
				"frames", t.FramesDecoded, "loss", fmt.Sprintf("%.1f", loss), "latency", fmt.Sprintf("%.0f", t.LatencyMsP50)))
			if t.SyncedFrames > 0 {
				fmt.Fprintln(&b, "    "+p.T("receive.stats.video_sync", "frames", t.SyncedFrames,
					"hold", fmt.Sprintf("%.0f", t.SyncHoldMsP50), "offset", fmt.Sprintf("%.0f", t.AVOffsetMsP50)))
			}
		} else {
			fmt.Fprintln(&b, p.T("stats.recv_audio", "name", t.Name, "codec", t.Codec, "packets", t.PacketsReceived,
				"loss", fmt.Sprintf("%.1f", loss), "concealed", t.ConcealedMs))
			if t.TargetDelayMs > 0 {
				fmt.Fprintln(&b, "    "+p.T("receive.stats.audio_delay", "jitter", fmt.Sprintf("%.1f", t.JitterMs),
					"delay", fmt.Sprintf("%.0f", t.DelayMs), "target", fmt.Sprintf("%.0f", t.TargetDelayMs),
					"inserted", t.InsertedMs, "dropped", t.DroppedMs))
			}
		}
	}
	return b.String()
}
