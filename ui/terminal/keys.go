package terminal

import "slices"

// binding is a key (or keys) and the message key of its help line.
type binding struct {
	keys []string // as tea.KeyPressMsg.String() spells them
	help string   // i18n key
}

func (b binding) matches(k string) bool { return slices.Contains(b.keys, k) }

// label is the first key, as shown in help.
func (b binding) label() string { return b.keys[0] }

// KeyMap is every key of the terminal client, in one place; the help
// overlay lists them in this order.
type KeyMap struct {
	Quit, Mic, Camera, Hand, React, Devices, Chat, Layout, ScrollUp, ScrollDown, Help binding
	// Within the chat input and the reaction picker.
	Send, Cancel, Left, Right, Backspace binding
}

// DefaultKeys are the keys of the terminal client.
func DefaultKeys() KeyMap {
	return KeyMap{
		Quit:       binding{[]string{"q", "ctrl+c"}, "tui.key.quit"},
		Mic:        binding{[]string{"m"}, "tui.key.mic"},
		Camera:     binding{[]string{"c"}, "tui.key.camera"},
		Hand:       binding{[]string{"h"}, "tui.key.hand"},
		React:      binding{[]string{"r"}, "tui.key.react"},
		Devices:    binding{[]string{"d"}, "tui.key.devices"},
		Chat:       binding{[]string{"enter", "t"}, "tui.key.chat"},
		Layout:     binding{[]string{"v"}, "tui.key.layout"},
		ScrollUp:   binding{[]string{"pgup", "up"}, "tui.key.scroll_up"},
		ScrollDown: binding{[]string{"pgdown", "down"}, "tui.key.scroll_down"},
		Help:       binding{[]string{"?", "f1"}, "tui.key.help"},
		Send:       binding{[]string{"enter"}, ""},
		Cancel:     binding{[]string{"esc"}, ""},
		Left:       binding{[]string{"left"}, ""},
		Right:      binding{[]string{"right", "tab"}, ""},
		Backspace:  binding{[]string{"backspace"}, ""},
	}
}

// helpBindings are the bindings the help overlay lists.
func (k KeyMap) helpBindings() []binding {
	return []binding{k.Mic, k.Camera, k.Hand, k.React, k.Devices, k.Chat, k.ScrollUp, k.ScrollDown, k.Layout, k.Help, k.Quit}
}
