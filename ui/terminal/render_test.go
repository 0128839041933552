package terminal

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"

	"causerie/media"
	"causerie/ui/i18n"
	"causerie/ui/terminal/video"
)

// termScreen is the terminal side of a model: the cell-diffing renderer that
// Bubble Tea v2 drives (ultraviolet's), writing to a byte counter. After
// the first frame it writes only the cells that changed.
type termScreen struct {
	buf uv.ScreenBuffer
	scr *uv.TerminalRenderer
	out counter
}

type counter struct{ n int64 }

func (c *counter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

func newTermScreen(w, h int) *termScreen {
	s := &termScreen{buf: uv.NewScreenBuffer(w, h)}
	s.scr = uv.NewTerminalRenderer(&s.out, []string{"TERM=xterm-256color", "COLORTERM=truecolor"})
	s.scr.SetColorProfile(colorprofile.TrueColor)
	s.scr.SetFullscreen(true)
	s.scr.SetRelativeCursor(false)
	s.scr.Resize(w, h)
	return s
}

// draw renders the model's view and returns the bytes written for it.
func (s *termScreen) draw(tb testing.TB, m *Model) int64 {
	before := s.out.n
	s.buf.Clear()
	uv.NewStyledString(m.View().Content).Draw(s.buf, s.buf.Bounds())
	s.scr.Render(s.buf.RenderBuffer)
	if err := s.scr.Flush(); err != nil {
		tb.Fatal(err)
	}
	return s.out.n - before
}

// clock is a store clock that the test moves by one 15 fps period a frame.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// videoCall is a model in a call whose active speaker has a camera, with
// a store fed like a decoder would.
func videoCall(tb testing.TB, w, h int) (*Model, *video.Store, *clock) {
	c := &clock{t: fixed}
	store := video.NewStore(c.now)
	f := newFake()
	m := New(Options{Session: f, Printer: i18n.New("en"), Video: store, Styles: DefaultStyles(), Now: c.now, Width: w, Height: h})
	meeting(m)
	m.Update(frameTickMsg(c.t))
	return m, store, c
}

// pictures are camera frames 1/15 s apart: a moving test pattern.
func pictures(tb testing.TB, n int) []*media.I420 {
	out := make([]*media.I420, n)
	for i := range out {
		out[i] = testPicture(tb, 1_000_000+int64(i)*1000/video.MaxFPS)
	}
	return out
}

// Only what changed is written: the same picture again costs nothing, a
// new one costs far less than the whole screen. (A line holding a wide
// glyph, such as an emoji in the chat, is redrawn at every frame by the
// renderer; the call here has none.)
func TestOnlyChangedCellsWritten(t *testing.T) {
	m, store, c := videoCall(t, 120, 40)
	scr := newTermScreen(120, 40)
	pics := pictures(t, 1)
	// The same picture with a 64×64 square changed: a few cells differ.
	changed := &media.I420{}
	changed.Resize(pics[0].Width, pics[0].Height)
	copy(changed.Y, pics[0].Y)
	copy(changed.U, pics[0].U)
	copy(changed.V, pics[0].V)
	for y := 100; y < 164; y++ {
		for x := 300; x < 364; x++ {
			changed.Y[y*changed.YStride+x] = 255 - changed.Y[y*changed.YStride+x]
		}
	}
	pics = append(pics, changed)
	store.Put("TR_a2", pics[0])
	m.Update(frameTickMsg(c.t))
	full := scr.draw(t, m)
	if again := scr.draw(t, m); again != 0 {
		t.Fatalf("unchanged screen wrote %d bytes", again)
	}
	c.t = c.t.Add(time.Second / video.MaxFPS)
	store.Put("TR_a2", pics[1])
	m.Update(frameTickMsg(c.t))
	next := scr.draw(t, m)
	if next == 0 || next >= full/20 {
		t.Fatalf("first frame %d bytes, next %d: want 0 < next < 5%%", full, next)
	}
	t.Logf("120×40: first screen %d bytes, next frame %d bytes", full, next)
}

func benchmarkRender(b *testing.B, w, h int) {
	m, store, c := videoCall(b, w, h)
	scr := newTermScreen(w, h)
	pics := pictures(b, 60)
	store.Put("TR_a2", pics[0])
	m.Update(frameTickMsg(c.t))
	scr.draw(b, m)
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.t = c.t.Add(time.Second / video.MaxFPS)
		store.Put("TR_a2", pics[(i+1)%len(pics)]) // the decoder goroutine's share
		m.Update(frameTickMsg(c.t))               // the UI tick's
		bytes += scr.draw(b, m)                   // Bubble Tea's renderer's
	}
	perFrame := float64(bytes) / float64(b.N)
	b.ReportMetric(perFrame, "bytes/frame")
	b.ReportMetric(perFrame*video.MaxFPS, "bytes/s@15fps")
}

func BenchmarkRender80x24(b *testing.B)  { benchmarkRender(b, 80, 24) }
func BenchmarkRender200x60(b *testing.B) { benchmarkRender(b, 200, 60) }
func BenchmarkRender120x40(b *testing.B) { benchmarkRender(b, 120, 40) }

// benchmarkRenderKitty is benchmarkRender with kitty graphics: the
// pictures go out of band (tea.Raw), the cells hold their place and
// change only with the layout. bytes/frame counts both.
func benchmarkRenderKitty(b *testing.B, w, h int) {
	m, _, store, c := kittyCall(b, w, h, false)
	scr := newTermScreen(w, h)
	pics := pictures(b, 60)
	store.Put("TR_a2", pics[0])
	frame(m)
	scr.draw(b, m)
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.t = c.t.Add(time.Second / video.MaxFPS)
		store.Put("TR_a2", pics[(i+1)%len(pics)]) // the decoder goroutine's share
		m.refreshVideo()                          // the UI tick's
		if o := m.kittyOutput(); o != nil {
			bytes += int64(len(o.b))
			m.Update(tea.RawMsg{Msg: o}) // written by the program, handed back
		}
		bytes += scr.draw(b, m) // Bubble Tea's renderer's: nothing moves
	}
	perFrame := float64(bytes) / float64(b.N)
	b.ReportMetric(perFrame, "bytes/frame")
	b.ReportMetric(perFrame*video.MaxFPS, "bytes/s@15fps")
}

func BenchmarkRenderKitty80x24(b *testing.B)  { benchmarkRenderKitty(b, 80, 24) }
func BenchmarkRenderKitty200x60(b *testing.B) { benchmarkRenderKitty(b, 200, 60) }
