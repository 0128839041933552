// Package desktop is Causerie's desktop front end, on Fyne: home, pre-join,
// lobby and call screens over the client's events and commands. It draws
// only on Fyne's thread (fyne.Do); decoders and the session's event
// stream reach it through the goroutines each screen owns.
package desktop

import _ "causerie/ui/desktop/fynelocale" // before Fyne's own init
