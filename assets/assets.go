// Package assets embeds what Causerie ships besides code: translations,
// the application icon and the front ends' symbols.
package assets

import "embed"

// Translations holds one JSON catalog per language (en.json, fr.json),
// each a flat object from message key to text, the format fyne's lang
// package reads too, and optional further catalogs of the same language
// in a directory of its name (en/*.json, fr/*.json), one per part of the
// application, merged into the first.
//
//go:embed translations
var Translations embed.FS

// Icons holds the front ends' symbols (microphone, camera, hand, …) as
// 24×24 SVG drawn in black, which Fyne recolours to its theme.
//
//go:embed icons/*.svg
var Icons embed.FS

// AppIcon is the application icon, a 256×256 PNG.
//
//go:embed icon.png
var AppIcon []byte
