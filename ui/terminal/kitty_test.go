package terminal

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"causerie/client"
	"causerie/ui/i18n"
	"causerie/ui/terminal/video"
)

// kittyCall is videoCall with kitty graphics; styles plain when plain,
// for golden views.
func kittyCall(tb testing.TB, w, h int, plain bool) (*Model, *fakeSession, *video.Store, *clock) {
	c := &clock{t: fixed}
	store := video.NewStore(c.now)
	f := newFake()
	st := DefaultStyles()
	if plain {
		st = PlainStyles()
	}
	m := New(Options{Session: f, Printer: i18n.New("en"), Video: store, Graphics: video.Kitty, Styles: st,
		Now: c.now, Width: w, Height: h})
	meeting(m)
	m.Update(frameTickMsg(c.t)) // the store learns the tile size
	return m, f, store, c
}

// frame is what the frame tick does, with its output kept: the newest
// pictures taken, then the escapes for the terminal, whose buffer the
// program hands back once written.
func frame(m *Model) string {
	m.refreshVideo()
	o := m.kittyOutput()
	if o == nil {
		return ""
	}
	s := string(o.b)
	m.Update(tea.RawMsg{Msg: o})
	return s
}

// escapes splits the graphics escapes out of an output, in order, each
// cut to its keys: "a=T,…" or "a=d,…"; chunks after the first are left
// out. The output is one synchronized update.
func escapes(t *testing.T, out string) []string {
	t.Helper()
	body, ok := strings.CutPrefix(out, "\x1b[?2026h")
	body, ok2 := strings.CutSuffix(body, "\x1b[?2026l")
	if !ok || !ok2 {
		t.Fatalf("output not one synchronized update: %.40q…", out)
	}
	var keys []string
	for _, esc := range strings.SplitAfter(body, "\x1b\\") {
		k, _, _ := strings.Cut(strings.TrimPrefix(esc, "\x1b_G"), ";")
		k = strings.TrimSuffix(k, "\x1b\\")
		if k != "" && !strings.HasPrefix(k, "q=2,m=") {
			keys = append(keys, k)
		}
	}
	return keys
}

// The speaker's picture through kitty graphics: the view holds
// placeholder cells of image 16, the output sends the picture once.
func TestKittyView(t *testing.T) {
	m, _, store, c := kittyCall(t, 80, 24, true)
	store.Put("TR_a2", testPicture(t, 1000))
	out := frame(m)
	checkSize(t, m)
	golden(t, "video_kitty_80x24.txt", m.render())
	if strings.Contains(m.render(), "▀") {
		t.Fatal("half blocks with kitty graphics")
	}
	// The tile is 47×19 cells, the picture 94×52 pixels placed as 47×13.
	want := []string{"a=T,U=1,q=2,C=1,f=24,o=z,s=94,v=52,i=16,c=47,r=13,m=1"}
	if got := escapes(t, out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("escapes %q, want %q", got, want)
	}
	// No new picture: nothing to send. The same picture again: nothing
	// either, no pixel moved.
	if out := frame(m); out != "" {
		t.Fatalf("unchanged: %.60q", out)
	}
	c.t = c.t.Add(time.Second / video.MaxFPS)
	store.Put("TR_a2", testPicture(t, 1000))
	if out := frame(m); out != "" {
		t.Fatalf("same picture: %.60q", out)
	}
}

// Cells, chosen by the flag or by default, are the half blocks of
// before, byte for byte, and nothing goes out of band.
func TestCellsUnchanged(t *testing.T) {
	store := video.NewStore(func() time.Time { return fixed })
	m := New(Options{Session: newFake(), Printer: i18n.New("en"), Video: store, Graphics: video.Cells,
		Styles: PlainStyles(), Now: func() time.Time { return fixed }, Width: 80, Height: 24})
	meeting(m)
	m.Update(frameTickMsg(fixed))
	store.Put("TR_a2", testPicture(t, 1000))
	m.Update(frameTickMsg(fixed))
	golden(t, "video_80x24.txt", m.render())
	if o := m.kittyOutput(); o != nil {
		t.Fatalf("output with cells: %.60q", o.b)
	}
	if s := m.KittyCleanup(); s != "" {
		t.Fatalf("cleanup with cells: %q", s)
	}
}

// Sizes from one cell to wide draw exactly the terminal's cells, and a
// picture goes out only with a placement of at least one cell. (The
// cells' TestResize goes through every size; the layout is the same.)
func TestKittyResize(t *testing.T) {
	m, _, store, c := kittyCall(t, 80, 24, true)
	pics := pictures(t, 4)
	i, sent := 0, 0
	for _, l := range []string{"", "v"} {
		if l != "" {
			press(t, m, key(l))
		}
		for _, s := range [][2]int{{1, 1}, {20, 6}, {59, 10}, {60, 12}, {61, 5}, {62, 6}, {80, 4},
			{80, 24}, {100, 30}, {120, 40}, {200, 60}, {211, 64}, {130, 7}} {
			m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			c.t = c.t.Add(time.Second / video.MaxFPS)
			store.Put("TR_a2", pics[i%len(pics)])
			i++
			out := frame(m)
			checkSize(t, m)
			if out == "" {
				continue
			}
			for _, k := range escapes(t, out) {
				if strings.Contains(k, ",c=0,") || strings.Contains(k, ",r=0,") {
					t.Fatalf("%dx%d: %q", s[0], s[1], k)
				}
				sent += strings.Count(k, "a=T,")
			}
		}
	}
	if sent < 10 {
		t.Fatalf("%d pictures sent", sent)
	}
}

// A new picture changes no cell: the renderer writes nothing, only the
// picture goes out.
func TestKittyOnlyPictureWritten(t *testing.T) {
	m, _, store, c := kittyCall(t, 120, 40, false)
	scr := newTermScreen(120, 40)
	pics := pictures(t, 2)
	store.Put("TR_a2", pics[0])
	frame(m)
	first := scr.draw(t, m)
	c.t = c.t.Add(time.Second / video.MaxFPS)
	store.Put("TR_a2", pics[1])
	out := frame(m)
	if n := scr.draw(t, m); n != 0 {
		t.Fatalf("a new picture rewrote %d bytes of cells", n)
	}
	if got := escapes(t, out); len(got) != 1 || !strings.HasPrefix(got[0], "a=T,") {
		t.Fatalf("escapes %q", got)
	}
	t.Logf("120×40: first screen %d bytes of cells, next frame %d bytes of picture", first, len(out))
}

// Images go when their tiles do: on leaving, on a new camera track, on
// a smaller grid, and all of them at the error screen; never two tiles
// on one id.
func TestKittyDeletes(t *testing.T) {
	m, _, store, c := kittyCall(t, 120, 40, true)
	next := func() {
		c.t = c.t.Add(time.Second / video.MaxFPS)
		for _, sid := range []string{"TR_a2", "TR_b2", "TR_b3"} {
			store.Put(sid, testPicture(t, c.t.UnixMilli()))
		}
	}
	store.Put("TR_a2", testPicture(t, 1000))
	frame(m)
	send(m, client.TrackSubscribed{Track: client.Track{SID: "TR_b2", Participant: "bruno", Kind: client.Video, Source: client.SourceCamera}})
	press(t, m, key("v")) // the grid: Ana and Bruno
	next()
	frame(m) // the store learns the new sizes
	next()
	got := escapes(t, frame(m))
	if len(got) != 2 || !strings.Contains(got[0], ",i=16,") || !strings.Contains(got[1], ",i=17,") {
		t.Fatalf("grid: %q", got)
	}
	// Bruno changes camera: his image goes, another comes.
	send(m, client.TrackSubscribed{Track: client.Track{SID: "TR_b3", Participant: "bruno", Kind: client.Video, Source: client.SourceCamera}})
	next()
	got = escapes(t, frame(m)) // the store learns the new track's size
	next()
	got = append(got, escapes(t, frame(m))...)
	if len(got) < 2 || got[0] != "a=d,d=I,q=2,i=17" || !strings.Contains(got[len(got)-1], ",i=18,") {
		t.Fatalf("new camera: %q", got)
	}
	// Ana leaves: her image goes at the next frame.
	send(m, client.ParticipantLeft{Participant: ana})
	next()
	if got := escapes(t, frame(m)); len(got) == 0 || got[0] != "a=d,d=I,q=2,i=16" {
		t.Fatalf("left: %q", got)
	}
	// The session fails: the error screen shows no picture, the next
	// tick deletes the last one and stops.
	send(m, client.Left{Err: client.ErrRemoved})
	_, cmd := m.Update(frameTickMsg(c.t))
	if cmd == nil {
		t.Fatal("no deletion at the error screen")
	}
	raw, ok := cmd().(tea.RawMsg)
	if !ok {
		t.Fatalf("%T, want the output", raw)
	}
	if got := escapes(t, fmt.Sprint(raw.Msg)); fmt.Sprint(got) != "[a=d,d=I,q=2,i=18]" {
		t.Fatalf("error screen: %q", got)
	}
	if s := m.KittyCleanup(); s != "" {
		t.Fatalf("cleanup after every image went: %q", s)
	}
}

// The program's buffers come back and are used again: a frame allocates
// no buffer of escapes.
func TestKittyBufferReuse(t *testing.T) {
	m, _, store, c := kittyCall(t, 80, 24, true)
	pics := pictures(t, 3)
	var seen *kittyOut
	for i, p := range pics {
		c.t = c.t.Add(time.Second / video.MaxFPS)
		store.Put("TR_a2", p)
		m.refreshVideo()
		o := m.kittyOutput()
		if o == nil {
			t.Fatalf("frame %d: no output", i)
		}
		if i > 0 && o != seen {
			t.Fatalf("frame %d: a new buffer", i)
		}
		seen = o
		m.Update(tea.RawMsg{Msg: o})
	}
	// A buffer the program has not handed back is not reused.
	c.t = c.t.Add(time.Second / video.MaxFPS)
	store.Put("TR_a2", pics[0])
	m.refreshVideo()
	o1 := m.kittyOutput()
	c.t = c.t.Add(time.Second / video.MaxFPS)
	store.Put("TR_a2", pics[1])
	m.refreshVideo()
	if o2 := m.kittyOutput(); o2 == nil || o2 == o1 {
		t.Fatal("a buffer in flight reused")
	}
}

// Killed by a signal, the program leaves images behind: the command
// deletes them, in the alternate screen and out of it, once.
func TestKittyCleanup(t *testing.T) {
	m, _, store, _ := kittyCall(t, 80, 24, true)
	store.Put("TR_a2", testPicture(t, 1000))
	frame(m)
	del := "\x1b_Ga=d,d=I,q=2,i=16\x1b\\"
	if got, want := m.KittyCleanup(), del+"\x1b[?1049h"+del+"\x1b[?1049l"; got != want {
		t.Fatalf("cleanup %q, want %q", got, want)
	}
	if got := m.KittyCleanup(); got != "" {
		t.Fatalf("second cleanup %q", got)
	}
}

// syncBuffer is a program's output, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A real program: pictures go out through tea.Raw before the frames that
// show them, and when the session ends the images are deleted before the
// program leaves the alternate screen, which owns them.
func TestKittyProgram(t *testing.T) {
	store := video.NewStore(nil)
	f := newFake()
	m := New(Options{Session: f, Printer: i18n.New("en"), Video: store, Graphics: video.Kitty, Styles: PlainStyles()})
	var out syncBuffer
	prog := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(&out), tea.WithWindowSize(80, 24), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() {
		_, err := prog.Run()
		done <- err
	}()
	f.events <- client.Joined{Room: "abc-defg-hij", Self: me}
	f.events <- client.ParticipantJoined{Participant: ana}
	f.events <- client.TrackSubscribed{Track: client.Track{SID: "TR_a2", Participant: "ana", Kind: client.Video, Source: client.SourceCamera}}
	pic := testPicture(t, 1000)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "a=T,") || !strings.Contains(out.String(), "\U0010EEEE") {
		if time.Now().After(deadline) {
			t.Fatalf("no picture sent: %.300q", out.String())
		}
		store.Put("TR_a2", pic) // dropped until the tile's size is known
		time.Sleep(20 * time.Millisecond)
	}
	f.events <- client.Left{}
	close(f.events)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the program did not quit")
	}
	s := out.String()
	del, exit := strings.LastIndex(s, "\x1b_Ga=d,d=I,q=2,i=16\x1b\\"), strings.LastIndex(s, "\x1b[?1049l")
	if del < 0 || exit < 0 || del > exit {
		t.Fatalf("deletion at %d, alternate screen left at %d: %.200q", del, exit, s[max(len(s)-400, 0):])
	}
	if strings.Contains(s[del:], "a=T,") {
		t.Fatal("a picture sent after the deletion")
	}
	if c := m.KittyCleanup(); c != "" {
		t.Fatalf("cleanup left after a clean quit: %q", c)
	}
}
