//go:build nogui

package main

import (
	"fmt"
	"io"

	"causerie/ui/i18n"
)

// guiBuilt: this build has no desktop front end (-tags nogui), so it runs
// where X11 and GL libraries are absent; the terminal client remains.
const guiBuilt = false

func runGUI(_ []string, _, stderr io.Writer, p *i18n.Printer) int {
	fmt.Fprintln(stderr, p.T("cli.no_gui_build"))
	return exitUsage
}
