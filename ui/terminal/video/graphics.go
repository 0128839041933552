package video

import "strings"

// Graphics is how pictures reach the terminal.
type Graphics int

const (
	// Cells draws true-colour half blocks: any terminal, two pixels a cell.
	Cells Graphics = iota
	// Kitty sends pictures with the kitty graphics protocol and shows them
	// in placeholder cells (see KittyLines): KittyScale² times the pixels.
	Kitty
)

func (g Graphics) String() string {
	if g == Kitty {
		return "kitty"
	}
	return "cells"
}

// DetectGraphics tells from the environment (getenv is os.Getenv, or a
// table in tests) whether the terminal shows kitty graphics with Unicode
// placeholders: kitty (TERM=xterm-kitty, or KITTY_WINDOW_ID, which kitty
// sets and an SSH session drops) and Ghostty (TERM_PROGRAM=ghostty, or
// TERM=xterm-ghostty, which SSH keeps).
//
// WezTerm is left to cells on purpose: it reads kitty graphics but not
// their placeholders (wezterm/wezterm#7924 adds them, unreleased), so it
// would draw each picture at the cursor and a wall of U+10EEEE glyphs in
// the video area. `--graphics kitty` still forces the protocol there.
//
// Inside tmux, screen or zellij it is cells whatever terminal runs them:
// they keep the panes' text themselves and do not pass the protocol on,
// yet their panes inherit the outer terminal's variables.
func DetectGraphics(getenv func(string) string) Graphics {
	term := getenv("TERM")
	if getenv("TMUX") != "" || getenv("STY") != "" || getenv("ZELLIJ") != "" ||
		strings.HasPrefix(term, "tmux") || strings.HasPrefix(term, "screen") {
		return Cells
	}
	switch {
	case term == "xterm-kitty", getenv("KITTY_WINDOW_ID") != "":
		return Kitty
	case term == "xterm-ghostty", getenv("TERM_PROGRAM") == "ghostty":
		return Kitty
	}
	return Cells
}
