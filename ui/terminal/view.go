package terminal

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"causerie/client"
)

// View draws the current screen: exactly Height lines of Width cells.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "Causerie"
	return v
}

// render is the screen as a string, the part golden tests compare.
func (m *Model) render() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	var lines []string
	switch m.screen {
	case screenJoining:
		msg := m.p.T("tui.joining")
		if m.lobby != "" {
			msg = m.p.T("event.lobby." + string(m.lobby))
		}
		lines = m.centred([]string{m.st.Header.Render("Causerie"), "", msg, "", m.st.Placeholder.Render(m.p.T("tui.cancel_hint"))})
	case screenError:
		body := []string{m.st.ErrorTitle.Render(m.p.T("tui.error_title")), ""}
		for _, l := range wrap(m.p.Error(m.endErr), max(m.w-4, 10)) {
			body = append(body, l)
		}
		body = append(body, "", m.st.Placeholder.Render(m.p.T("tui.error_hint")))
		lines = m.centred(body)
	default:
		lines = m.callLines()
	}
	return strings.Join(lines, "\n")
}

// centred places short lines in the middle of the screen.
func (m *Model) centred(body []string) []string {
	out := make([]string, m.h)
	top := max((m.h-len(body))/2, 0)
	for i := range out {
		s := ""
		if j := i - top; j >= 0 && j < len(body) {
			s = body[j]
		}
		w := lipgloss.Width(s)
		if w > m.w {
			s, w = ansi.Truncate(s, m.w, "…"), m.w
		}
		left := (m.w - w) / 2
		out[i] = strings.Repeat(" ", left) + s + strings.Repeat(" ", m.w-w-left)
	}
	return out
}

// geometry splits the call screen: the video area on the left, the
// participants and chat on the right, four lines of bars.
type geometry struct {
	bodyH, sideW, videoW int
}

func (m *Model) geometry() geometry {
	g := geometry{bodyH: max(m.h-4, 0)}
	if m.w < 60 {
		g.sideW = m.w // too narrow for pictures
		return g
	}
	g.sideW = min(max(m.w*2/5, 28), 48)
	g.videoW = m.w - g.sideW - 1
	return g
}

func (m *Model) callLines() []string {
	g := m.geometry()
	lines := make([]string, 0, m.h)
	title := " Causerie · " + m.room
	if m.self != "" && m.members[m.self] != nil {
		title += " · " + m.members[m.self].p.DisplayName()
	}
	lines = append(lines, m.st.Title.Render(fit(title, m.w)))

	var body []string
	if m.help {
		body = m.helpLines(m.w, g.bodyH)
	} else {
		side := m.sideLines(g.sideW, g.bodyH)
		if g.videoW > 0 {
			vid := m.videoLines(g.videoW, g.bodyH)
			sep := m.st.Border.Render("│")
			for i := range g.bodyH {
				side[i] = vid[i] + sep + side[i]
			}
		}
		body = side
	}
	lines = append(lines, body...)
	lines = append(lines, m.st.Caption.Render(fit(m.caption, m.w)))
	lines = append(lines, m.inputLine())
	lines = append(lines, m.statusLine())
	return lines[:min(len(lines), m.h)]
}

func (m *Model) helpLines(w, h int) []string {
	var body []string
	body = append(body, m.st.Header.Render(fit(" "+m.p.T("tui.help.title"), w)))
	for _, b := range m.keys.helpBindings() {
		keys := strings.Join(b.keys, ", ")
		body = append(body, "  "+m.st.HelpKey.Render(fit(keys, 14))+" "+fit(m.p.T(b.help), max(w-17, 0)))
	}
	body = append(body, "", fit("  "+m.p.T("tui.help.legend", "speaking", symSpeaking, "hand", symHand,
		"mic_on", symMicOn, "mic_off", symMicOff, "cam_on", symCamOn, "cam_off", symCamOff), w))
	body = append(body, "", fit("  "+m.p.T("tui.help.close"), w))
	out := make([]string, h)
	for i := range out {
		if i < len(body) {
			out[i] = fit(body[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out
}

// sideLines are the participant list above the chat.
func (m *Model) sideLines(w, h int) []string {
	out := make([]string, 0, h)
	if h == 0 {
		return out
	}
	out = append(out, m.st.Header.Render(fit(m.p.T("tui.participants", "count", len(m.order)), w)))
	listH := min(len(m.order), max(h/2-1, 1))
	for i, id := range m.order {
		if i == listH {
			break
		}
		if i == listH-1 && len(m.order) > listH {
			out = append(out, fit(m.p.T("tui.more", "count", len(m.order)-i), w))
			break
		}
		out = append(out, m.memberLine(m.members[id], w))
	}
	if len(out) < h {
		out = append(out, m.st.Header.Render(fit(m.p.T("tui.chat"), w)))
	}
	chatH := max(h-len(out), 0)
	var all []string
	for _, l := range m.chat {
		all = append(all, m.chatLines(l, w)...)
	}
	end := max(len(all)-m.scroll, 0)
	start := max(end-chatH, 0)
	for _, l := range all[start:end] {
		out = append(out, l)
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out[:h]
}

func (m *Model) memberLine(mb *member, w int) string {
	spk := "  "
	if mb.speaking {
		spk = m.st.Speaking.Render(symSpeaking + " ")
	}
	// One-cell symbols only: Bubble Tea's renderer redraws every line
	// that holds a wide glyph (an emoji) at each frame.
	flags := ""
	if !mb.hand.IsZero() {
		flags += m.st.Hand.Render(symHand)
	}
	flags += m.deviceFlag(mb.hasMic, mb.micOff, symMicOn, symMicOff)
	flags += m.deviceFlag(mb.hasCam, mb.camOff, symCamOn, symCamOff)
	name, style := mb.p.DisplayName(), m.st.Name
	if mb.p.Identity == m.self {
		name, style = m.p.T("tui.you", "name", name), m.st.Self
	}
	badge := ""
	if mb.p.IsHost() {
		badge = " " + m.p.T("tui.host")
	}
	// A blank last column: a wide glyph there makes terminals (and Bubble
	// Tea's renderer) redraw the line every frame.
	fw := lipgloss.Width(flags) + 1
	nameW := max(w-2-fw-1-lipgloss.Width(badge), 1)
	n := ansi.Truncate(name, nameW, "…")
	pad := max(w-2-lipgloss.Width(n)-lipgloss.Width(badge)-fw, 0)
	line := spk + style.Render(n) + m.st.Host.Render(badge) + strings.Repeat(" ", pad) + flags + " "
	return fit(line, w)
}

func (m *Model) chatLines(l chatLine, w int) []string {
	stamp := l.at.Format("15:04") + " "
	if l.system {
		var out []string
		for _, s := range wrap(stamp+l.text, w) {
			out = append(out, m.st.System.Render(fit(s, w)))
		}
		return out
	}
	head := m.p.T("event.chat", "name", l.from, "text", "")
	var out []string
	for i, s := range wrap(stamp+head+l.text, w) {
		s = fit(s, w)
		// The first line holds the stamp and the name, when not cut.
		if i == 0 && strings.HasPrefix(s, stamp+head) {
			s = m.st.ChatTime.Render(stamp) + m.st.ChatName.Render(head) + s[len(stamp)+len(head):]
		}
		out = append(out, s)
	}
	return out
}

func (m *Model) inputLine() string {
	switch {
	case m.choosing:
		return m.deviceLine()
	case m.picking:
		var b strings.Builder
		b.WriteString(m.p.T("tui.react_prompt") + " ")
		for i, r := range client.Reactions {
			item := fmt.Sprintf("%d %s", i+1, reactionGlyph(r))
			if i == m.pick {
				item = m.st.Selected.Render("[" + item + "]")
			} else {
				item = " " + item + " "
			}
			b.WriteString(item)
		}
		b.WriteString(" " + m.p.T("tui.react_hint"))
		return padTo(ansi.Truncate(b.String(), m.w, "…"), m.w)
	case m.typing:
		s := "> " + string(m.input) + "█"
		if w := lipgloss.Width(s); w > m.w {
			s = ansi.TruncateLeft(s, w-m.w, "")
		}
		return m.st.Input.Render(fit(s, m.w))
	default:
		return m.st.Placeholder.Render(fit(m.p.T("tui.input_placeholder"), m.w))
	}
}

func (m *Model) statusLine() string {
	parts := []string{m.p.T("state." + m.conn.String())}
	if m.leaving {
		parts = []string{m.p.T("tui.leaving")}
	}
	if m.status != "" {
		parts = append(parts, m.status) // before the rest: it is news
	}
	if me := m.members[m.self]; me != nil {
		if me.hasMic {
			parts = append(parts, m.p.T(onOff("tui.status.mic", me.micOff)))
		}
		if me.hasCam {
			parts = append(parts, m.p.T(onOff("tui.status.camera", me.camOff)))
		}
		if !me.hand.IsZero() {
			parts = append(parts, m.p.T("tui.status.hand"))
		}
	}
	if m.rates && !m.leaving {
		parts = append(parts, m.p.T("tui.status.rates", "kbps", m.sendKbps, "loss", fmt.Sprintf("%.1f", m.lossPct)))
	}
	left := " " + strings.Join(parts, " · ")
	right := m.p.T("tui.status.help") + " "
	w := max(m.w-lipgloss.Width(right), 0)
	style := m.st.Status
	if m.isError {
		style = m.st.StatusError
	}
	return style.Render(fit(left, w) + fit(right, m.w-w))
}

func onOff(key string, off bool) string {
	if off {
		return key + "_off"
	}
	return key + "_on"
}

// Symbols of the participant list, each one cell wide.
const (
	symSpeaking = "●"
	symHand     = "☝"
	symMicOn    = "♪"
	symMicOff   = "✕"
	symCamOn    = "▣"
	symCamOff   = "□"
)

// fit cuts s to w cells, with an ellipsis when cut, and pads it to w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return padTo(s, w)
}

func padTo(s string, w int) string {
	if n := w - lipgloss.Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

// deviceFlag is a member's microphone or camera symbol: on, off (in the
// muted style), or a blank when they publish none.
func (m *Model) deviceFlag(has, off bool, on, offSym string) string {
	switch {
	case has && off:
		return m.st.Muted.Render(offSym)
	case has:
		return on
	}
	return " "
}
