package video

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"causerie/media"
	"causerie/media/synth"
)

// tiny is a 2×4 picture: the two columns of a cell at KittyScale.
var tiny = Picture{W: 2, H: 4, Pix: []RGB{
	{255, 0, 0}, {0, 255, 0},
	{0, 0, 255}, {255, 255, 255},
	{0, 0, 0}, {1, 2, 3},
	{10, 20, 30}, {128, 128, 128},
}}

// rgbOf is p as the protocol's f=24 bytes.
func rgbOf(p *Picture) []byte {
	var b []byte
	for _, px := range p.Pix {
		b = append(b, px.R, px.G, px.B)
	}
	return b
}

// unzip decodes a payload: base64, then zlib.
func unzip(t *testing.T, payload string) []byte {
	t.Helper()
	z, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("zlib: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("zlib: %v", err)
	}
	return out
}

// The escapes of a tiny picture, byte for byte: transmit and place in
// one command, the deletion, the placeholder cells.
func TestKittyGolden(t *testing.T) {
	var e KittyEncoder
	const payload = "eAEEwKEBADAIxMC0ODSaWX/zcAICqsD71bNJLgAA//9p+Ae9"
	want := "\x1b_Ga=T,U=1,q=2,C=1,f=24,o=z,s=2,v=4,i=16,c=1,r=1,m=0;" + payload + "\x1b\\"
	got := string(e.AppendTransmit(nil, 16, &tiny, 1, 1))
	if got != want {
		// The payload is Go's zlib at its fastest level: should a Go
		// release compress otherwise, it still has to decode to the
		// picture.
		t.Errorf("transmit:\n%q\nwant\n%q", got, want)
	}
	if rgb := unzip(t, payload); !bytes.Equal(rgb, rgbOf(&tiny)) {
		t.Fatalf("the golden payload decodes to %v", rgb)
	}

	if got, want := string(AppendKittyDelete(nil, 16)), "\x1b_Ga=d,d=I,q=2,i=16\x1b\\"; got != want {
		t.Errorf("delete %q, want %q", got, want)
	}

	// A 3×2 placement centred in 7×4 cells: the first cell of a row
	// names row and column 0 (U+0305 is 0, U+030D is 1); the others
	// count on from their left neighbour.
	lines := KittyLines(16, 3, 2, 7, 4)
	wantLines := []string{
		"       ",
		"  \x1b[38;5;16m\U0010EEEE\u0305\u0305\U0010EEEE\U0010EEEE\x1b[m  ",
		"  \x1b[38;5;16m\U0010EEEE\u030D\u0305\U0010EEEE\U0010EEEE\x1b[m  ",
		"       ",
	}
	for i := range wantLines {
		if lines[i] != wantLines[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], wantLines[i])
		}
		if w := ansi.StringWidth(lines[i]); w != 7 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
}

// Placeholder lines are always the tile's size, even when the placement
// is wider or taller than the tile (a picture from before a resize).
func TestKittyLinesCut(t *testing.T) {
	for _, c := range []struct{ pc, pr, cols, rows int }{
		{5, 3, 3, 2}, {1, 1, 1, 1}, {0, 0, 4, 2}, {4, 2, 0, 0}, {297, 100, 297, 100}, {400, 350, 420, 360},
	} {
		lines := KittyLines(200, c.pc, c.pr, c.cols, c.rows)
		if len(lines) != c.rows {
			t.Fatalf("%+v: %d lines", c, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != c.cols {
				t.Fatalf("%+v: line %d is %d cells wide: %q", c, i, w, l)
			}
		}
	}
	// The last row of the largest placement names row 296.
	lines := KittyLines(200, 297, 297, 297, 297)
	if !strings.Contains(lines[296], "\U0010EEEE\U0001D244\u0305") {
		t.Fatal("row 296 is not U+1D244")
	}
}

// A picture larger than one escape goes in chunks of at most 4096 bytes
// of base64: m=1 on all but the last, the keys on the first only, and
// the payloads, put together, decode to the picture.
func TestKittyChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := Picture{W: 80, H: 60, Pix: make([]RGB, 80*60)}
	for i := range p.Pix { // noise: zlib cannot shrink it below 3 chunks
		p.Pix[i] = RGB{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32())}
	}
	var e KittyEncoder
	out := string(e.AppendTransmit([]byte("before"), 42, &p, 40, 15))
	if !strings.HasPrefix(out, "before") {
		t.Fatal("dst not appended to")
	}
	out = strings.TrimPrefix(out, "before")
	escapes := strings.SplitAfter(out, "\x1b\\")
	if escapes[len(escapes)-1] != "" {
		t.Fatalf("trailing bytes %q", escapes[len(escapes)-1])
	}
	escapes = escapes[:len(escapes)-1]
	if len(escapes) < 3 {
		t.Fatalf("%d escapes, want several", len(escapes))
	}
	var all strings.Builder
	for i, esc := range escapes {
		body, ok := strings.CutPrefix(esc, "\x1b_G")
		body, ok2 := strings.CutSuffix(body, "\x1b\\")
		keys, payload, ok3 := strings.Cut(body, ";")
		if !ok || !ok2 || !ok3 {
			t.Fatalf("escape %d malformed: %q", i, esc)
		}
		last := i == len(escapes)-1
		wantKeys := "q=2,m=1"
		switch {
		case i == 0:
			wantKeys = "a=T,U=1,q=2,C=1,f=24,o=z,s=80,v=60,i=42,c=40,r=15,m=1"
		case last:
			wantKeys = "q=2,m=0"
		}
		if keys != wantKeys {
			t.Errorf("escape %d keys %q, want %q", i, keys, wantKeys)
		}
		if len(payload) > 4096 || len(payload) == 0 || (!last && len(payload)%4 != 0) {
			t.Errorf("escape %d: %d bytes of payload", i, len(payload))
		}
		all.WriteString(payload)
	}
	if rgb := unzip(t, all.String()); !bytes.Equal(rgb, rgbOf(&p)) {
		t.Fatal("the chunks do not decode to the picture")
	}

	// At the chunks' edges: no empty escape after a full chunk.
	for _, c := range []struct {
		n    int
		want []int
	}{{0, []int{0}}, {4, []int{4}}, {4096, []int{4096}}, {4100, []int{4096, 4}}, {8192, []int{4096, 4096}}} {
		out := string(appendKittyChunks([]byte("\x1b_Ga=t"), bytes.Repeat([]byte("A"), c.n)))
		var got []int
		for i, esc := range strings.SplitAfter(out, "\x1b\\") {
			if esc == "" {
				continue
			}
			prefix := "\x1b_Gq=2,m="
			if i == 0 {
				prefix = "\x1b_Ga=t,m="
			}
			more := "1;"
			if i == (c.n+kittyChunk-1)/kittyChunk-1 || c.n == 0 {
				more = "0;"
			}
			if !strings.HasPrefix(esc, prefix+more) {
				t.Errorf("%d bytes, escape %d: %.20q", c.n, i, esc)
			}
			got = append(got, len(esc)-len(prefix+more)-2)
		}
		if len(got) != len(c.want) || got[0] != c.want[0] || got[len(got)-1] != c.want[len(c.want)-1] {
			t.Errorf("%d bytes: chunks %v, want %v", c.n, got, c.want)
		}
	}
}

// In steady state the encoder allocates nothing: its buffers and the
// caller's are reused.
func TestKittyNoAllocs(t *testing.T) {
	var e KittyEncoder
	img := uniform(640, 360, 100, 120, 140)
	var p Picture
	w, h := KittyWant(47, 19)
	Downscale(&p, img, w, h)
	c, r := KittyPlacement(p.W, p.H, 47, 19)
	dst := e.AppendTransmit(nil, 16, &p, c, r)
	if n := testing.AllocsPerRun(20, func() { dst = e.AppendTransmit(dst[:0], 16, &p, c, r) }); n != 0 {
		t.Fatalf("%v allocations a picture", n)
	}
}

func TestKittySizes(t *testing.T) {
	if w, h := KittyWant(47, 19); w != 94 || h != 38 {
		t.Fatalf("KittyWant(47, 19) = %d, %d", w, h)
	}
	if w, h := KittyWant(400, 300); w != 2*297 || h != 2*297 {
		t.Fatalf("KittyWant(400, 300) = %d, %d: above the largest placement", w, h)
	}
	for _, c := range []struct{ w, h, cols, rows, c, r int }{
		{94, 52, 47, 19, 47, 13},     // made for the tile: its width
		{302, 168, 151, 55, 151, 42}, // 200×60's speaker tile
		{72, 128, 47, 19, 21, 19},    // portrait: its height
		{302, 168, 47, 19, 47, 13},   // from before a shrink: scaled down
		{302, 168, 500, 300, 297, 82},
		{0, 0, 47, 19, 0, 0},
	} {
		if pc, pr := KittyPlacement(c.w, c.h, c.cols, c.rows); pc != c.c || pr != c.r {
			t.Errorf("KittyPlacement(%d,%d,%d,%d) = %d,%d, want %d,%d", c.w, c.h, c.cols, c.rows, pc, pr, c.c, c.r)
		}
	}
}

func TestDetectGraphics(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want Graphics
	}{
		{"nothing", nil, Cells},
		{"xterm", map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, Cells},
		{"kitty", map[string]string{"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, Kitty},
		{"kitty over ssh", map[string]string{"TERM": "xterm-kitty"}, Kitty},
		{"kitty, TERM changed", map[string]string{"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, Kitty},
		{"ghostty", map[string]string{"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, Kitty},
		{"ghostty, TERM changed", map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}, Kitty},
		{"ghostty over ssh", map[string]string{"TERM": "xterm-ghostty"}, Kitty},
		{"wezterm: no placeholders", map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, Cells},
		{"tmux in kitty", map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0", "KITTY_WINDOW_ID": "1", "TERM_PROGRAM": "tmux"}, Cells},
		{"tmux, TERM forced", map[string]string{"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, Cells},
		{"screen in ghostty", map[string]string{"TERM": "screen.xterm-256color", "STY": "1.pts-0", "TERM_PROGRAM": "ghostty"}, Cells},
		{"zellij in kitty", map[string]string{"TERM": "xterm-kitty", "ZELLIJ": "0"}, Cells},
		{"apple terminal", map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, Cells},
	}
	for _, c := range cases {
		if got := DetectGraphics(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// benchmarkKitty is the kitty path's share of a frame, as benchmarkCells
// is the half blocks': downscaling a 640×360 decoded picture for the
// speaker tile of a w×h terminal and encoding its transmission. Its
// placeholder lines cost nothing a frame: they change only with the
// tile's size. bytes/frame is what the terminal receives for the
// picture; the cells' counterpart, which goes through Bubble Tea's
// renderer, is the terminal package's BenchmarkRender*.
func benchmarkKitty(b *testing.B, cols, rows int) {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		b.Fatal(err)
	}
	pics := make([]*media.I420, 30)
	for i := range pics {
		pics[i] = &media.I420{}
		cam.Draw(pics[i], time.UnixMilli(int64(i)*1000/MaxFPS))
	}
	var (
		p     Picture
		e     KittyEncoder
		out   []byte
		bytes int64
	)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w, h := KittyWant(cols, rows)
		Downscale(&p, pics[i%len(pics)], w, h)
		c, r := KittyPlacement(p.W, p.H, cols, rows)
		out = e.AppendTransmit(out[:0], 16, &p, c, r)
		bytes += int64(len(out))
	}
	perFrame := float64(bytes) / float64(b.N)
	b.ReportMetric(perFrame, "bytes/frame")
	b.ReportMetric(perFrame*MaxFPS, "bytes/s@15fps")
}

// The tiles of BenchmarkCells*.
func BenchmarkKitty80x24(b *testing.B)  { benchmarkKitty(b, 47, 19) }
func BenchmarkKitty200x60(b *testing.B) { benchmarkKitty(b, 151, 55) }
