package terminal

import (
	"strings"

	"charm.land/lipgloss/v2"

	"causerie/ui/terminal/video"
)

// rect is a tile's place in the video area, in cells; the last row is
// the name label.
type rect struct{ x, y, w, h int }

// shown lists who the video area shows: the active speaker (the one who
// most recently started speaking among those with a camera on, else the
// first with one), or in the grid the first four with a camera on.
func (m *Model) shown() []string {
	var withVideo []string
	for _, id := range m.order {
		mb := m.members[id]
		if id != m.self && mb.hasCam && !mb.camOff {
			withVideo = append(withVideo, id)
		}
	}
	if len(withVideo) == 0 {
		return nil
	}
	if m.layout == layoutGrid {
		return withVideo[:min(len(withVideo), maxTiles)]
	}
	best := withVideo[0]
	for _, id := range withVideo {
		if m.members[id].spoke > m.members[best].spoke {
			best = id
		}
	}
	return []string{best}
}

// tileRects places n tiles in a w×h area: one alone, two side by side,
// three or four in two rows.
func tileRects(n, w, h int) []rect {
	switch {
	case n <= 0:
		return nil
	case n == 1:
		return []rect{{0, 0, w, h}}
	case n == 2:
		hw := (w - 1) / 2
		return []rect{{0, 0, hw, h}, {hw + 1, 0, w - hw - 1, h}}
	}
	hw, hh := (w-1)/2, h/2
	rs := []rect{{0, 0, hw, hh}, {hw + 1, 0, w - hw - 1, hh}, {0, hh, hw, h - hh}, {hw + 1, hh, w - hw - 1, h - hh}}
	return rs[:n]
}

// refreshVideo tells the store what is shown at which size and takes the
// newest pictures. It runs on the UI tick and on changes of layout.
func (m *Model) refreshVideo() {
	if m.o.Video == nil || m.screen != screenCall || m.closing {
		return
	}
	g := m.geometry()
	ids := m.shown()
	rects := tileRects(len(ids), g.videoW, g.bodyH)
	keep := map[string]bool{}
	for i, id := range ids {
		r := rects[i]
		cols, rows := r.w, max(r.h-1, 0)
		keep[id] = true
		sid := m.members[id].camSID
		t := m.tiles[id]
		if t != nil && t.sid != sid { // a new camera track
			m.forget(t)
			t = nil
		}
		if t == nil {
			t = &tile{sid: sid}
			m.tiles[id] = t
		}
		wantCols, wantRows := cols, rows
		if m.kitty() {
			wantCols, wantRows = video.KittyWant(cols, rows)
		}
		m.o.Video.Want(sid, wantCols, wantRows)
		seq, fresh := m.o.Video.Latest(sid, t.seq, &t.next)
		if fresh || t.cols != cols || t.rows != rows {
			t.seq, t.cols, t.rows = seq, cols, rows
			if t.seq > 0 {
				changed := t.pic.Hold(&t.next, holdThreshold)
				if m.kitty() {
					m.placeKitty(t, changed)
				} else {
					t.lines = video.Lines(&t.pic, cols, rows)
				}
			}
		}
	}
	for id, t := range m.tiles {
		if !keep[id] {
			m.forget(t)
			delete(m.tiles, id)
		}
	}
}

// videoLines draws the video area, w×h cells.
func (m *Model) videoLines(w, h int) []string {
	out := make([]string, h)
	blank := strings.Repeat(" ", w)
	for i := range out {
		out[i] = blank
	}
	ids := m.shown()
	if len(ids) == 0 {
		if h > 0 {
			msg := m.p.T("tui.no_video")
			out[h/2] = m.st.Placeholder.Render(centre(msg, w, fit(msg, w)))
		}
		return out
	}
	rects := tileRects(len(ids), w, h)
	content := make([][]string, len(ids)) // each tile's lines, r.w cells wide
	for i, id := range ids {
		r := rects[i]
		t, mb := m.tiles[id], m.members[id]
		for y := range max(r.h-1, 0) {
			cell := strings.Repeat(" ", r.w)
			if t != nil && t.lines != nil && t.cols == r.w && y < len(t.lines) {
				cell = t.lines[y]
			}
			content[i] = append(content[i], cell)
		}
		label, style := mb.p.DisplayName(), m.st.Name
		if mb.speaking {
			label, style = symSpeaking+" "+label, m.st.Speaking
		}
		if r.h > 0 {
			content[i] = append(content[i], style.Render(centre(label, r.w, "")))
		}
	}
	for y := range h {
		var b strings.Builder
		x := 0
		for i, r := range rects { // in reading order: left before right
			if y < r.y || y >= r.y+r.h {
				continue
			}
			b.WriteString(strings.Repeat(" ", r.x-x))
			b.WriteString(content[i][y-r.y])
			x = r.x + r.w
		}
		b.WriteString(strings.Repeat(" ", max(w-x, 0)))
		out[y] = b.String()
	}
	return out
}

// centre centres plain text s in w cells; fallback when s is too wide.
func centre(s string, w int, fallback string) string {
	sw := lipgloss.Width(s)
	if sw > w {
		if fallback != "" {
			return fallback
		}
		return fit(s, w)
	}
	left := (w - sw) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", w-sw-left)
}
