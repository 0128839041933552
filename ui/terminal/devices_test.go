package terminal

import (
	"strings"
	"testing"
)

// d opens the device picker on the device in use; ←/→ move, Enter
// switches to the chosen one, Esc leaves it; a call without sound
// devices says so.
func TestDevicePicker(t *testing.T) {
	m, _ := newModel(t, "en", 100, 24, nil)
	meeting(m)
	press(t, m, key("d"))
	if m.choosing || !strings.Contains(m.status, "No sound device") {
		t.Fatalf("no devices: choosing %v, status %q", m.choosing, m.status)
	}

	var switched []string
	m.o.Devices = func() []Device {
		return []Device{{Microphone, "Built-in mic", true}, {Microphone, "USB headset", false}, {Speaker, "Speakers", true}}
	}
	m.o.SelectDevice = func(k DeviceKind, name string) error {
		switched = append(switched, string(k)+" "+name)
		return nil
	}
	press(t, m, key("d"))
	if !m.choosing || m.choice != 0 {
		t.Fatalf("picker: choosing %v at %d", m.choosing, m.choice)
	}
	if line := m.inputLine(); !strings.Contains(line, "[🎤 Built-in mic ✓]") || !strings.Contains(line, "USB headset") {
		t.Fatalf("picker line %q", line)
	}
	press(t, m, key("right"), key("enter"))
	if m.choosing || len(switched) != 1 || switched[0] != "microphone USB headset" {
		t.Fatalf("after Enter: choosing %v, switched %q", m.choosing, switched)
	}
	press(t, m, key("d"), key("left"), key("esc"))
	if m.choosing || len(switched) != 1 {
		t.Fatalf("after Esc: choosing %v, switched %q", m.choosing, switched)
	}
}
