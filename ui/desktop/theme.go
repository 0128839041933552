package desktop

import (
	"image/color"
	"path"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"causerie/assets"
)

// The palette: the French state's blue (Marianne's "bleu France") for
// actions, a red for leaving, and the dark stage the videos sit on.
var (
	colorPrimary  = color.NRGBA{R: 0x00, G: 0x00, B: 0x91, A: 0xff}
	colorPrimaryD = color.NRGBA{R: 0x8b, G: 0x9c, B: 0xff, A: 0xff} // on dark backgrounds
	colorDanger   = color.NRGBA{R: 0xce, G: 0x05, B: 0x00, A: 0xff}
	colorStage    = color.NRGBA{R: 0x16, G: 0x16, B: 0x1d, A: 0xff}
	colorTile     = color.NRGBA{R: 0x2a, G: 0x2a, B: 0x35, A: 0xff}
	colorSpeaking = color.NRGBA{R: 0x6a, G: 0xd0, B: 0x8f, A: 0xff}
	colorOnStage  = color.NRGBA{R: 0xf6, G: 0xf6, B: 0xf6, A: 0xff}
)

// causerieTheme is Fyne's theme with Causerie's colours; light or dark
// follows the system unless the user chose.
type causerieTheme struct {
	fyne.Theme
	variant *fyne.ThemeVariant // nil: the system's
}

func newTheme() *causerieTheme { return &causerieTheme{Theme: theme.DefaultTheme()} }

func (t *causerieTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.variant != nil {
		v = *t.variant
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		if v == theme.VariantDark {
			return colorPrimaryD
		}
		return colorPrimary
	case theme.ColorNameError:
		return colorDanger
	}
	return t.Theme.Color(n, v)
}

// Symbols drawn by Causerie (assets/icons), recoloured by the theme.
var (
	iconMic       = themedIcon("mic.svg")
	iconMicOff    = themedIcon("mic-off.svg")
	iconCamera    = themedIcon("camera.svg")
	iconCameraOff = themedIcon("camera-off.svg")
	iconHand      = themedIcon("hand.svg")
	iconHangup    = themedIcon("hangup.svg")
	iconChat      = themedIcon("chat.svg")
	iconPeople    = themedIcon("people.svg")
	iconSmile     = themedIcon("smile.svg")
	appIcon       = fyne.NewStaticResource("causerie.png", assets.AppIcon)
)

func themedIcon(name string) fyne.Resource {
	b, err := assets.Icons.ReadFile(path.Join("icons", name))
	if err != nil {
		panic("desktop: icon " + name + " not embedded: " + err.Error()) // a build defect, caught by every test
	}
	return theme.NewThemedResource(fyne.NewStaticResource(name, b))
}
