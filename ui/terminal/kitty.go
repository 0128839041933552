package terminal

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"causerie/ui/terminal/video"
)

// Kitty graphics, the model's side: which image each tile shows, and the
// escapes that keep the terminal's images in step with the tiles. They
// leave the model only as commands (tea.Raw), which the program writes
// before its next frame; nothing else writes to the terminal.

// Image ids travel in the placeholder cells' foreground colour as a
// 256-colour index, which every colour profile of 256 colours or more
// passes unchanged, where a 24-bit colour could be rounded. 16 and up
// leaves alone the basic colours, which a renderer may write as SGR
// 30–37 or 90–97. Our alternate screen holds no other program's images,
// so 240 ids are plenty for four tiles; they are taken in turn, so a
// deleted id is not reused at once.
const firstImageID, lastImageID = 16, 255

// quitFlush is how long quitting waits after the images' deletion: the
// program writes what commands give it at its next frame, 1/60 s by
// default, and must do so while the alternate screen, which owns the
// images, is still on. Six frames, still too short to notice.
const quitFlush = 100 * time.Millisecond

// kittyState is the model's kitty graphics bookkeeping.
type kittyState struct {
	enc    video.KittyEncoder
	nextID uint8
	gone   []uint8     // images to delete with the next output
	free   []*kittyOut // buffers the program has handed back
}

// kittyOut is one batch of escapes handed to the program with tea.Raw.
// The program formats it into its output buffer (fmt.Sprint calls Format,
// which copies the bytes) and then passes the same message to Update,
// which takes the buffer back for a later batch: a batch's bytes are not
// copied into a string of ours, nor allocated anew each frame. A buffer
// that never comes back (the program ended first) is left to the
// collector.
type kittyOut struct{ b []byte }

func (o *kittyOut) Format(f fmt.State, _ rune) { _, _ = f.Write(o.b) }

func (m *Model) kitty() bool { return m.o.Graphics == video.Kitty && m.o.Video != nil }

// newImageID is the next id in turn that no tile holds and none waits
// for its deletion.
func (m *Model) newImageID() uint8 {
	used := func(id uint8) bool {
		for _, t := range m.tiles {
			if t.img == id {
				return true
			}
		}
		for _, g := range m.k.gone {
			if g == id {
				return true
			}
		}
		return false
	}
	for range lastImageID - firstImageID + 1 {
		if m.k.nextID < firstImageID { // also after 255 wrapped to 0
			m.k.nextID = firstImageID
		}
		id := m.k.nextID
		m.k.nextID++
		if !used(id) {
			return id
		}
	}
	return m.k.nextID // unreachable with at most maxTiles tiles
}

// placeKitty brings t's placeholder lines and image up to date after its
// picture or its size changed; changed tells whether the pixels did.
func (m *Model) placeKitty(t *tile, changed bool) {
	newImage := t.img == 0
	if newImage {
		t.img = m.newImageID()
	}
	c, r := video.KittyPlacement(t.pic.W, t.pic.H, t.cols, t.rows)
	placed := c != t.pc || r != t.pr // the placement travels with a picture
	if newImage || placed || t.lineCols != t.cols || t.lineRows != t.rows {
		t.pc, t.pr, t.lineCols, t.lineRows = c, r, t.cols, t.rows
		t.lines = video.KittyLines(t.img, c, r, t.cols, t.rows)
	}
	t.dirty = t.dirty || changed || newImage || placed
}

// unsent tells whether t's picture has yet to reach the terminal. A
// tile too small for one cell of picture waits for a larger size.
func (t *tile) unsent() bool { return t.dirty && t.img != 0 && t.pc > 0 && t.pr > 0 }

// forget stops t's pictures and has its image deleted.
func (m *Model) forget(t *tile) {
	m.o.Video.Want(t.sid, 0, 0)
	if t.img != 0 {
		m.k.gone = append(m.k.gone, t.img)
		t.img = 0
	}
}

// kittyOutput is what the terminal must hear since the last call: the
// deletion of images no tile shows any more, then each changed picture,
// in one synchronized update so the terminal never draws a tile between
// an image's old data going and its new data coming. Nil when nothing
// changed. Off a call, or quitting, every image goes.
func (m *Model) kittyOutput() *kittyOut {
	if !m.kitty() {
		return nil
	}
	if m.screen != screenCall || m.closing {
		for id, t := range m.tiles {
			m.forget(t)
			delete(m.tiles, id)
		}
	}
	dirty := false
	for _, t := range m.tiles {
		dirty = dirty || t.unsent()
	}
	if !dirty && len(m.k.gone) == 0 {
		return nil
	}
	var o *kittyOut
	if n := len(m.k.free); n > 0 {
		o, m.k.free = m.k.free[n-1], m.k.free[:n-1]
	} else {
		o = &kittyOut{}
	}
	o.b = append(o.b[:0], ansi.SetModeSynchronizedOutput...)
	for _, id := range m.k.gone {
		o.b = video.AppendKittyDelete(o.b, id)
	}
	m.k.gone = m.k.gone[:0]
	for _, id := range m.order { // a stable order, for the tests' bytes
		if t := m.tiles[id]; t != nil && t.unsent() {
			o.b = m.k.enc.AppendTransmit(o.b, t.img, &t.pic, t.pc, t.pr)
			t.dirty = false
		}
	}
	o.b = append(o.b, ansi.ResetModeSynchronizedOutput...)
	return o
}

// kittyCmd hands kittyOutput to the program; nil when there is none.
func (m *Model) kittyCmd() tea.Cmd {
	if o := m.kittyOutput(); o != nil {
		return tea.Raw(o)
	}
	return nil
}

// quit ends the program. With kitty images on screen it deletes them
// first and lets the program write that before it leaves the alternate
// screen: the terminal keeps an alternate screen's images after it is
// left, and a deletion sent then would reach the main screen's instead.
func (m *Model) quit() tea.Cmd {
	m.closing = true
	o := m.kittyOutput()
	if o == nil {
		return tea.Quit
	}
	return tea.Sequence(tea.Raw(o), tea.Tick(quitFlush, func(time.Time) tea.Msg { return tea.QuitMsg{} }))
}

// KittyCleanup is what the command writes once the program has ended
// without quit (a signal cancelled it): the deletion of the images still
// shown, once inside a visit to the alternate screen, where the terminal
// keeps them (entering it clears it too, and kitty its images with it),
// and once on the main screen, where a picture the program wrote after
// leaving the alternate screen would have landed. Empty when no image is
// left, as after quit.
func (m *Model) KittyCleanup() string {
	if !m.kitty() {
		return ""
	}
	for _, t := range m.tiles {
		if t.img != 0 {
			m.k.gone = append(m.k.gone, t.img)
			t.img = 0
		}
	}
	var del []byte
	for _, id := range m.k.gone {
		del = video.AppendKittyDelete(del, id)
	}
	m.k.gone = m.k.gone[:0]
	if len(del) == 0 {
		return ""
	}
	return string(del) + ansi.SetModeAltScreenSaveCursor + string(del) + ansi.ResetModeAltScreenSaveCursor
}
