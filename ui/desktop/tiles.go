package desktop

import (
	"bytes"
	"hash/fnv"
	"image/color"
	"path"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"causerie/assets"
	"causerie/client"
)

// tile is one participant, or one shared screen, on the stage: the
// video, or the initials on the participant's colour when there is none;
// name, microphone, camera and connection quality at the bottom, the
// hand and a pin button at the top; a ring while they speak. Its fields
// are Fyne's thread's, except feed's own.
type tile struct {
	// key names the tile for pinning: the participant's identity, or
	// shareKey of a shared screen's track.
	key      string
	root     *fyne.Container
	ring     *canvas.Rectangle
	avatar   *fyne.Container
	circle   *canvas.Circle
	initials *canvas.Text    // nil on a shared screen's tile
	slot     *fyne.Container // holds the feed's image, or nothing
	name     *canvas.Text
	micOff   *canvas.Image
	camOff   *canvas.Image
	hand     *canvas.Image
	bars     *qualityBars
	qualText *canvas.Text
	pin      *tileButton
	touch    *tileTouch
	feed     *feed
	// overlay holds the symbols over the picture: laid out again when
	// one shows or hides (a container does not follow its children's
	// visibility on its own).
	overlay *fyne.Container
	row     *fyne.Container // the name's line

	// video is the SID of the remote video track shown ("" none, or
	// localVideo); view is the size last asked of the SFU for it, drawn
	// the size the stage last gave the tile in pixels (0×0: not shown),
	// videoOff whether the track is muted.
	video    string
	view     [2]int
	drawn    [2]int
	videoOff bool
	// wantVideo: the picture is to be shown (the camera is on), once
	// there is one.
	wantVideo bool

	pinned              bool
	hoverTile, hoverPin bool
	quality             quality
}

// newTile is a participant's tile.
func newTile(p client.Participant, you string) *tile {
	t := &tile{key: p.Identity}
	t.circle = canvas.NewCircle(participantColor(p))
	t.initials = canvas.NewText(initials(p.DisplayName()), colorOnStage)
	t.initials.TextSize = 28
	t.initials.TextStyle.Bold = true
	t.initials.Alignment = fyne.TextAlignCenter
	circleBox := container.New(&squareLayout{size: 96}, t.circle, container.NewCenter(t.initials))
	name := p.DisplayName()
	if p.Local {
		name = you
	}
	t.build(circleBox, name)
	return t
}

// newShareTile is the tile of a screen shared, titled title.
func newShareTile(key, title string) *tile {
	t := &tile{key: key}
	t.circle = canvas.NewCircle(colorTile)
	screen := canvas.NewImageFromResource(stageIconScreen)
	screen.SetMinSize(fyne.NewSize(56, 56))
	t.build(container.NewCenter(screen), title)
	return t
}

func (t *tile) build(avatar *fyne.Container, name string) {
	// Square corners and a ring drawn only while speaking: a rounded
	// rectangle is a per-pixel shader over its whole area, which a
	// software GL (llvmpipe, Xvfb, virtual machines) pays on every frame.
	bg := canvas.NewRectangle(colorTile)
	t.ring = canvas.NewRectangle(color.Transparent)
	t.ring.StrokeWidth = 3
	t.ring.StrokeColor = colorSpeaking
	t.ring.Hide()
	t.avatar = avatar
	t.slot = container.NewStack()
	t.name = canvas.NewText(name, colorOnStage)
	t.name.TextSize = 14
	t.micOff = canvas.NewImageFromResource(stageIconMicOff)
	t.micOff.SetMinSize(fyne.NewSize(18, 18))
	t.micOff.Hide()
	t.camOff = canvas.NewImageFromResource(stageIconCameraOff)
	t.camOff.SetMinSize(fyne.NewSize(18, 18))
	t.camOff.Hide()
	t.hand = canvas.NewImageFromResource(stageIconHand)
	t.hand.SetMinSize(fyne.NewSize(20, 20))
	t.hand.Hide()
	t.bars = newQualityBars()
	t.qualText = canvas.NewText("", colorOnStage)
	t.qualText.TextSize = 12
	t.qualText.Hide()
	t.pin = newTileButton(stageIconPin, func(in bool) { t.hoverPin = in; t.refreshOverlay() })
	t.pin.Hide()
	t.touch = newTileTouch(func(in bool) { t.hoverTile = in; t.refreshOverlay() })
	shade := canvas.NewRectangle(color.NRGBA{A: 0x90})
	shade.CornerRadius = 6
	t.row = container.NewHBox(container.NewCenter(t.bars.root), t.micOff, t.camOff, t.name, t.qualText)
	label := container.NewStack(shade, container.NewPadded(t.row))
	top := container.NewHBox(t.pin, layout.NewSpacer(), t.hand)
	t.overlay = container.NewBorder(container.NewPadded(top), container.NewPadded(container.NewHBox(label)), nil, nil)
	t.root = container.NewStack(bg, t.avatar, t.slot, t.touch, t.overlay, t.ring)
}

// refreshOverlay shows the pin button while the pointer is over the
// tile or the tile is pinned, and the quality in words while the pointer
// is over it or the connection is poor, if the words fit on the tile
// (a small one has the bars' colour).
func (t *tile) refreshOverlay() {
	hover := t.hoverTile || t.hoverPin
	t.show(t.pin, hover || t.pinned)
	t.show(t.qualText, t.quality != qualityUnknown && (hover || t.quality == qualityPoor) && t.qualityFits())
}

// qualityFits tells whether the name's line, with the quality in words,
// fits the tile's width.
func (t *tile) qualityFits() bool {
	pad := theme.Padding()
	textW := fyne.MeasureText(t.qualText.Text, t.qualText.TextSize, t.qualText.TextStyle).Width
	w := t.row.MinSize().Width
	if t.qualText.Visible() {
		w -= textW + pad
	}
	// The line's own padding, the shade's, and the tile's edge.
	return w+textW+pad+4*pad <= t.root.Size().Width
}

// show shows or hides one of the overlay's symbols (pin, hand,
// microphone, camera, quality), laying the overlay out again when that
// changed.
func (t *tile) show(o fyne.CanvasObject, on bool) {
	if o.Visible() == on {
		return
	}
	setShown(o, on)
	t.overlay.Refresh()
}

func (t *tile) setName(name string) {
	t.name.Text = name
	t.name.Refresh()
	if t.initials != nil {
		t.initials.Text = initials(name)
		t.initials.Refresh()
	}
}

// setVideo shows f once it has a picture (nil: the avatar).
func (t *tile) setVideo(f *feed) {
	t.feed = f
	if f == nil {
		t.slot.RemoveAll()
		t.avatar.Show()
		return
	}
	t.slot.Objects = []fyne.CanvasObject{f.img}
	t.slot.Refresh()
	t.wantVideo = true
	t.revealVideo()
}

// showVideo shows the picture, or hides it while the camera is muted.
func (t *tile) showVideo(on bool) {
	t.wantVideo = on
	if t.feed == nil {
		return
	}
	t.revealVideo()
}

// revealVideo shows the picture when it is wanted and one came; until
// the first, the avatar rather than an empty tile.
func (t *tile) revealVideo() {
	on := t.wantVideo && t.feed != nil && t.feed.frames.Load() > 0
	setShown(t.slot, on)
	setShown(t.avatar, !on)
}

func (t *tile) setSpeaking(on bool) { setShown(t.ring, on) }

func (t *tile) setPinned(on bool) {
	if t.pinned == on {
		return
	}
	t.pinned = on
	t.pin.setOn(on)
	t.refreshOverlay()
}

// setQuality shows level as bars and, in words, text.
func (t *tile) setQuality(level quality, text string) {
	t.quality = level
	shown := t.bars.root.Visible()
	t.bars.set(level)
	if t.bars.root.Visible() != shown {
		t.overlay.Refresh()
	}
	t.qualText.Text = text
	switch level {
	case qualityPoor:
		t.qualText.Color = colorPoor
	case qualityFair:
		t.qualText.Color = colorFair
	default:
		t.qualText.Color = colorOnStage
	}
	t.qualText.Refresh()
	t.refreshOverlay()
}

// tileTouch covers a tile to follow the pointer over it and take its
// secondary and double taps; what lies above it (the pin button) keeps
// its own.
type tileTouch struct {
	widget.BaseWidget
	hover     func(in bool)
	secondary func(at fyne.Position)
	double    func()
}

func newTileTouch(hover func(bool)) *tileTouch {
	t := &tileTouch{hover: hover}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tileTouch) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

func (t *tileTouch) MouseIn(*desktop.MouseEvent)    { t.hover(true) }
func (t *tileTouch) MouseMoved(*desktop.MouseEvent) {}
func (t *tileTouch) MouseOut()                      { t.hover(false) }

func (t *tileTouch) TappedSecondary(e *fyne.PointEvent) {
	if t.secondary != nil {
		t.secondary(e.AbsolutePosition)
	}
}

func (t *tileTouch) DoubleTapped(*fyne.PointEvent) {
	if t.double != nil {
		t.double()
	}
}

// tileButton is a round button drawn over video: a dark disc and a light
// symbol, readable on any picture and in either theme; blue while on.
type tileButton struct {
	widget.BaseWidget
	icon   fyne.Resource
	on     bool
	tapped func()
	hover  func(in bool)
	disc   *canvas.Circle
}

var (
	colorButtonOff   = color.NRGBA{A: 0xa0}
	colorButtonHover = color.NRGBA{R: 0x40, G: 0x40, B: 0x50, A: 0xd0}
)

func newTileButton(icon fyne.Resource, hover func(bool)) *tileButton {
	b := &tileButton{icon: icon, hover: hover, disc: canvas.NewCircle(colorButtonOff)}
	b.ExtendBaseWidget(b)
	return b
}

func (b *tileButton) CreateRenderer() fyne.WidgetRenderer {
	img := canvas.NewImageFromResource(b.icon)
	img.SetMinSize(fyne.NewSize(18, 18))
	size := canvas.NewRectangle(color.Transparent)
	size.SetMinSize(fyne.NewSize(30, 30))
	return widget.NewSimpleRenderer(container.NewStack(size, b.disc, container.NewCenter(img)))
}

func (b *tileButton) setOn(on bool) {
	b.on = on
	b.paint(false)
}

func (b *tileButton) paint(hover bool) {
	switch {
	case b.on:
		b.disc.FillColor = colorPrimary
	case hover:
		b.disc.FillColor = colorButtonHover
	default:
		b.disc.FillColor = colorButtonOff
	}
	b.disc.Refresh()
}

func (b *tileButton) Tapped(*fyne.PointEvent) {
	if b.tapped != nil {
		b.tapped()
	}
}

func (b *tileButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (b *tileButton) MouseIn(*desktop.MouseEvent) {
	b.paint(true)
	b.hover(true)
}

func (b *tileButton) MouseMoved(*desktop.MouseEvent) {}

func (b *tileButton) MouseOut() {
	b.paint(false)
	b.hover(false)
}

// Symbols drawn over video, always light: the theme's own would turn
// dark on the dark stage in the light theme.
var (
	stageIconMicOff    = stageIcon("mic-off.svg")
	stageIconCameraOff = stageIcon("camera-off.svg")
	stageIconHand      = stageIcon("hand.svg")
	stageIconPin       = stageIcon("pin.svg")
	stageIconScreen    = stageIcon("screen.svg")
)

func stageIcon(name string) fyne.Resource {
	b, err := assets.Icons.ReadFile(path.Join("icons", name))
	if err != nil {
		panic("desktop: icon " + name + " not embedded: " + err.Error()) // a build defect, caught by every test
	}
	light := bytes.ReplaceAll(b, []byte(`fill="#000"`), []byte(`fill="#f6f6f6"`))
	return fyne.NewStaticResource("stage-"+name, light)
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

// squareLayout lays its objects on top of each other in a square in
// the middle, size wide at most and no more than half the space, so an
// avatar leaves room for the name below it on a small tile.
type squareLayout struct{ size float32 }

func (l *squareLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	side := min(l.size, s.Width/2, s.Height/2)
	pos := fyne.NewPos((s.Width-side)/2, (s.Height-side)/2)
	for _, o := range objs {
		o.Resize(fyne.NewSize(side, side))
		o.Move(pos)
	}
}

func (l *squareLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(l.size/3, l.size/3)
}

// stageLayout places the tiles: a grid of equal 16:9 tiles as large as
// the stage allows, or one large tile (the pinned one, a shared screen
// or the active speaker) above a strip of small ones. The strip holds no
// more than fit, at most maxStrip; the others are hidden and a "+N" tile
// (more) stands for them. After each layout it tells each tile its size
// in pixels (0×0 when hidden), so decoders convert no more than shown
// and the SFU sends nothing that is not. The layout decides which tiles
// are visible: it shows and hides them itself.
type stageLayout struct {
	speaker bool
	focus   fyne.CanvasObject // the large tile in speaker mode
	scale   func() float32
	sized   func(o fyne.CanvasObject, w, h int)
	// more, when set, is placed in the strip's last slot when tiles
	// overflow it, after setMore gave it their count; it lives in a
	// container stacked over the stage's, so the positions agree.
	more    fyne.CanvasObject
	setMore func(n int)
}

const tileGap = 8

// maxStrip is the most tiles the speaker view's strip shows: beyond six
// small pictures the eye follows none of them, and each costs a decoder.
// stripMinW is the narrowest a strip tile gets (in Fyne units) before
// fewer are shown instead: a name and an icon still fit.
const (
	maxStrip  = 6
	stripMinW = 128
)

func (l *stageLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	if len(objs) == 0 {
		l.showMore(0)
		return
	}
	if l.speaker && len(objs) > 1 {
		l.layoutSpeaker(objs, s)
		return
	}
	l.showMore(0)
	l.layoutGrid(objs, fyne.NewPos(0, 0), s)
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
	slots := max(1, min(maxStrip, int((s.Width+tileGap)/(stripMinW+tileGap))))
	shown, hidden := rest, []fyne.CanvasObject(nil)
	if len(rest) > slots && l.more != nil {
		shown, hidden = rest[:slots-1], rest[slots-1:]
	}
	n := len(shown)
	if len(hidden) > 0 {
		n++
	}
	w := max(0, min(stripH*16/9, (s.Width-tileGap*float32(n-1))/float32(n)))
	h := w * 9 / 16
	x0 := (s.Width - (w*float32(n) + tileGap*float32(n-1))) / 2
	y := bigH + tileGap + (stripH-h)/2
	for i, o := range shown {
		l.place(o, fyne.NewPos(x0+float32(i)*(w+tileGap), y), fyne.NewSize(w, h))
	}
	for _, o := range hidden {
		if o.Visible() {
			o.Hide()
		}
		if l.sized != nil {
			l.sized(o, 0, 0)
		}
	}
	l.showMore(len(hidden))
	if len(hidden) > 0 {
		l.more.Move(fyne.NewPos(x0+float32(n-1)*(w+tileGap), y))
		l.more.Resize(fyne.NewSize(w, h))
	}
}

// showMore shows the "+N" tile for n hidden tiles, or hides it.
func (l *stageLayout) showMore(n int) {
	if l.more == nil {
		return
	}
	if n == 0 {
		l.more.Hide()
		return
	}
	if l.setMore != nil {
		l.setMore(n)
	}
	l.more.Show()
}

func (l *stageLayout) place(o fyne.CanvasObject, at fyne.Position, s fyne.Size) {
	if !o.Visible() {
		o.Show()
	}
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
