package desktop

import (
	"slices"

	"fyne.io/fyne/v2"
)

// maxRecent is how many meetings the home screen remembers.
const maxRecent = 6

// prefs is what the desktop remembers for the user between runs, in
// Fyne's per-user preferences file.
type prefs struct{ fyne.Preferences }

func (p prefs) name() string        { return p.String("name") }
func (p prefs) setName(name string) { p.SetString("name", name) }

// recent lists the meeting links joined lately, newest first. Raw LiveKit
// URLs are not remembered: their tokens expire and are secrets.
func (p prefs) recent() []string { return p.StringList("recent") }

func (p prefs) addRecent(link string) {
	list := slices.DeleteFunc(p.recent(), func(l string) bool { return l == link })
	list = append([]string{link}, list...)
	if len(list) > maxRecent {
		list = list[:maxRecent]
	}
	p.SetStringList("recent", list)
}
