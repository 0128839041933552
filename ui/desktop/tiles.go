package desktop

import (
	"hash/fnv"
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"causerie/client"
)

// tile is one participant on the stage: their video, or their initials
// on their colour when there is none; name, microphone and hand on top;
// a ring while they speak.
type tile struct {
	root     *fyne.Container
	ring     *canvas.Rectangle
	avatar   *fyne.Container
	circle   *canvas.Circle
	initials *canvas.Text
	slot     *fyne.Container // holds the feed's image, or nothing
	name     *canvas.Text
	micOff   *canvas.Image
	hand     *canvas.Image
	feed     *feed
}

func newTile(p client.Participant, you string) *tile {
	t := &tile{}
	bg := canvas.NewRectangle(colorTile)
	bg.CornerRadius = 10
	t.ring = canvas.NewRectangle(color.Transparent)
	t.ring.CornerRadius = 10
	t.ring.StrokeWidth = 3
	t.circle = canvas.NewCircle(participantColor(p))
	t.initials = canvas.NewText(initials(p.DisplayName()), colorOnStage)
	t.initials.TextSize = 28
	t.initials.TextStyle.Bold = true
	t.initials.Alignment = fyne.TextAlignCenter
	circleBox := container.New(&squareLayout{size: 96}, t.circle, container.NewCenter(t.initials))
	t.avatar = container.NewCenter(circleBox)
	t.slot = container.NewStack()
	t.name = canvas.NewText(p.DisplayName(), colorOnStage)
	t.name.TextSize = 14
	if p.Local {
		t.name.Text = you
	}
	t.micOff = canvas.NewImageFromResource(iconMicOff)
	t.micOff.SetMinSize(fyne.NewSize(18, 18))
	t.micOff.Hide()
	t.hand = canvas.NewImageFromResource(iconHand)
	t.hand.SetMinSize(fyne.NewSize(20, 20))
	t.hand.Hide()
	shade := canvas.NewRectangle(color.NRGBA{A: 0x90})
	shade.CornerRadius = 6
	label := container.NewStack(shade, container.NewPadded(container.NewHBox(t.micOff, t.name)))
	top := container.NewHBox(layout.NewSpacer(), t.hand)
	overlay := container.NewBorder(container.NewPadded(top), container.NewPadded(container.NewHBox(label)), nil, nil)
	t.root = container.NewStack(bg, t.avatar, t.slot, overlay, t.ring)
	return t
}

func (t *tile) setName(name string) {
	t.name.Text = name
	t.name.Refresh()
	t.initials.Text = initials(name)
	t.initials.Refresh()
}

// setVideo shows f (nil: the avatar).
func (t *tile) setVideo(f *feed) {
	t.feed = f
	if f == nil {
		t.slot.RemoveAll()
		t.avatar.Show()
		return
	}
	t.slot.Objects = []fyne.CanvasObject{f.img}
	t.slot.Refresh()
	t.avatar.Hide()
}

// showVideo hides the picture while the camera is muted.
func (t *tile) showVideo(on bool) {
	if t.feed == nil {
		return
	}
	if on {
		t.slot.Show()
		t.avatar.Hide()
	} else {
		t.slot.Hide()
		t.avatar.Show()
	}
}

func (t *tile) setSpeaking(on bool) {
	if on {
		t.ring.StrokeColor = colorSpeaking
	} else {
		t.ring.StrokeColor = color.Transparent
	}
	t.ring.Refresh()
}

func setShown(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// initials are the first letters of the first and last words of a name.
func initials(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return "?"
	}
	first := []rune(words[0])[:1]
	if len(words) == 1 {
		return strings.ToUpper(string(first))
	}
	last := []rune(words[len(words)-1])[:1]
	return strings.ToUpper(string(first) + string(last))
}

// avatarPalette is used when the service gives no colour: stable per
// identity, readable under white initials.
var avatarPalette = []color.NRGBA{
	{0x6a, 0x4c, 0x93, 0xff}, {0x1f, 0x7a, 0x8c, 0xff}, {0xb3, 0x4e, 0x2e, 0xff}, {0x2e, 0x7d, 0x32, 0xff},
	{0x8e, 0x24, 0x4d, 0xff}, {0x3d, 0x5a, 0xa8, 0xff}, {0x80, 0x62, 0x15, 0xff}, {0x4a, 0x4e, 0x69, 0xff},
}

// participantColor is the participant's Visio colour (an attribute set by
// La Suite Meet, "#rrggbb" or a CSS hsl()), else one from the palette.
func participantColor(p client.Participant) color.Color {
	if c, ok := parseColor(p.Attributes[client.AttrColor]); ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(p.Identity))
	return avatarPalette[h.Sum32()%uint32(len(avatarPalette))]
}

func parseColor(s string) (color.NRGBA, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 7 && s[0] == '#' {
		var v [3]uint8
		for i := range 3 {
			hi, ok1 := hexDigit(s[1+2*i])
			lo, ok2 := hexDigit(s[2+2*i])
			if !ok1 || !ok2 {
				return color.NRGBA{}, false
			}
			v[i] = hi<<4 | lo
		}
		return color.NRGBA{v[0], v[1], v[2], 0xff}, true
	}
	return color.NRGBA{}, false
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// squareLayout lays its objects on top of each other in a square.
type squareLayout struct{ size float32 }

func (l *squareLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	side := min(s.Width, s.Height)
	pos := fyne.NewPos((s.Width-side)/2, (s.Height-side)/2)
	for _, o := range objs {
		o.Resize(fyne.NewSize(side, side))
		o.Move(pos)
	}
}

func (l *squareLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(l.size, l.size) }

// stageLayout places the tiles: a grid of equal 16:9 tiles as large as
// the stage allows, or one large tile (the pinned participant or the
// active speaker) above a strip of small ones. After each layout it tells
// the feeds their size in pixels, so decoders convert no more than shown.
type stageLayout struct {
	speaker bool
	focus   fyne.CanvasObject // the large tile in speaker mode
	scale   func() float32
	sized   func(o fyne.CanvasObject, w, h int)
}

const tileGap = 8

func (l *stageLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	var shown []fyne.CanvasObject
	for _, o := range objs {
		if o.Visible() {
			shown = append(shown, o)
		}
	}
	if len(shown) == 0 {
		return
	}
	if l.speaker && len(shown) > 1 {
		l.layoutSpeaker(shown, s)
		return
	}
	l.layoutGrid(shown, fyne.NewPos(0, 0), s)
}

// layoutGrid picks the column count that gives the largest 16:9 tiles.
func (l *stageLayout) layoutGrid(objs []fyne.CanvasObject, at fyne.Position, s fyne.Size) {
	n := len(objs)
	bestW, bestCols := float32(0), 1
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		w := (s.Width - tileGap*float32(cols-1)) / float32(cols)
		h := (s.Height - tileGap*float32(rows-1)) / float32(rows)
		w = min(w, h*16/9)
		if w > bestW {
			bestW, bestCols = w, cols
		}
	}
	if bestW <= 0 {
		bestW = 0 // a stage not laid out yet: nothing to show
	}
	w, h := bestW, bestW*9/16
	rows := (n + bestCols - 1) / bestCols
	gridH := h*float32(rows) + tileGap*float32(rows-1)
	y0 := at.Y + (s.Height-gridH)/2
	for i, o := range objs {
		row, col := i/bestCols, i%bestCols
		inRow := min(bestCols, n-row*bestCols)
		rowW := w*float32(inRow) + tileGap*float32(inRow-1)
		x0 := at.X + (s.Width-rowW)/2
		l.place(o, fyne.NewPos(x0+float32(col)*(w+tileGap), y0+float32(row)*(h+tileGap)), fyne.NewSize(w, h))
	}
}

func (l *stageLayout) layoutSpeaker(objs []fyne.CanvasObject, s fyne.Size) {
	focus := objs[0]
	for _, o := range objs {
		if o == l.focus {
			focus = o
		}
	}
	stripH := max(90, s.Height/5)
	bigH := max(0, s.Height-stripH-tileGap)
	l.layoutGrid([]fyne.CanvasObject{focus}, fyne.NewPos(0, 0), fyne.NewSize(s.Width, bigH))
	var rest []fyne.CanvasObject
	for _, o := range objs {
		if o != focus {
			rest = append(rest, o)
		}
	}
	w := max(0, min(stripH*16/9, (s.Width-tileGap*float32(len(rest)-1))/float32(len(rest))))
	h := w * 9 / 16
	x0 := (s.Width - (w*float32(len(rest)) + tileGap*float32(len(rest)-1))) / 2
	for i, o := range rest {
		l.place(o, fyne.NewPos(x0+float32(i)*(w+tileGap), bigH+tileGap+(stripH-h)/2), fyne.NewSize(w, h))
	}
}

func (l *stageLayout) place(o fyne.CanvasObject, at fyne.Position, s fyne.Size) {
	o.Move(at)
	o.Resize(s)
	if l.sized != nil {
		sc := float32(1)
		if l.scale != nil {
			sc = l.scale()
		}
		l.sized(o, int(s.Width*sc), int(s.Height*sc))
	}
}

func (l *stageLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(320, 180) }
