package terminal

import "charm.land/lipgloss/v2"

// Styles are every look of the terminal client, in one place. Each style
// is applied to a fragment already cut to its width.
type Styles struct {
	Title, Status, StatusError  lipgloss.Style
	Header, Name, Self, Host    lipgloss.Style
	Speaking, Muted, Hand       lipgloss.Style
	ChatTime, ChatName, System  lipgloss.Style
	Input, Placeholder, Caption lipgloss.Style
	Selected, HelpKey, Border   lipgloss.Style
	ErrorTitle                  lipgloss.Style
}

// DefaultStyles are the colours of the terminal client.
func DefaultStyles() Styles {
	s := lipgloss.NewStyle
	return Styles{
		Title:       s().Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(lipgloss.Color("#000091")),
		Status:      s().Foreground(lipgloss.Color("#d0d0d0")).Background(lipgloss.Color("#303030")),
		StatusError: s().Foreground(lipgloss.Color("#ffffff")).Background(lipgloss.Color("#c9191e")),
		Header:      s().Bold(true).Underline(true),
		Name:        s(),
		Self:        s().Italic(true),
		Host:        s().Foreground(lipgloss.Color("#6a6af4")),
		Speaking:    s().Foreground(lipgloss.Color("#18d25b")).Bold(true),
		Muted:       s().Foreground(lipgloss.Color("#e1000f")),
		Hand:        s().Foreground(lipgloss.Color("#ffca00")),
		ChatTime:    s().Faint(true),
		ChatName:    s().Bold(true),
		System:      s().Faint(true).Italic(true),
		Input:       s(),
		Placeholder: s().Faint(true),
		Caption:     s().Italic(true).Foreground(lipgloss.Color("#ffffaf")),
		Selected:    s().Reverse(true),
		HelpKey:     s().Bold(true),
		Border:      s().Faint(true),
		ErrorTitle:  s().Bold(true).Foreground(lipgloss.Color("#e1000f")),
	}
}

// PlainStyles have no attributes at all: the views of the golden tests.
func PlainStyles() Styles { return Styles{} }
