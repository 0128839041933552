// Package assets embeds what Causerie ships besides code: translations
// today; icons and sounds with the desktop front end.
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
