// Package assets embeds what Causerie ships besides code: translations
// today; icons and sounds with the desktop front end.
package assets

import "embed"

// Translations holds one JSON file per language (en.json, fr.json), each a
// flat object from message key to text, the format fyne's lang package
// reads too.
//
//go:embed translations/*.json
var Translations embed.FS
