package terminal

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// DeviceKind tells microphones from speakers.
type DeviceKind string

const (
	Microphone DeviceKind = "microphone"
	Speaker    DeviceKind = "speaker"
)

// Device is a sound device the call can switch to.
type Device struct {
	Kind DeviceKind
	Name string
	// Current: the call uses it now.
	Current bool
}

// openDevices opens the picker on the devices there are, starting on
// the microphone in use; with none, it says so in the status line.
func (m *Model) openDevices() {
	if m.o.Devices == nil {
		m.status, m.isError = m.p.T("tui.devices_none"), false
		return
	}
	m.devices = m.o.Devices()
	if len(m.devices) == 0 {
		m.status, m.isError = m.p.T("tui.devices_none"), false
		return
	}
	m.choosing, m.choice = true, 0
	for i, d := range m.devices {
		if d.Current {
			m.choice = i
			break
		}
	}
}

func (m *Model) deviceKey(k string) tea.Cmd {
	n := len(m.devices)
	switch {
	case m.keys.Cancel.matches(k):
		m.choosing = false
	case m.keys.Left.matches(k):
		m.choice = (m.choice + n - 1) % n
	case m.keys.Right.matches(k):
		m.choice = (m.choice + 1) % n
	case m.keys.Send.matches(k):
		m.choosing = false
		d := m.devices[m.choice]
		if d.Current {
			return nil
		}
		m.status, m.isError = m.p.T("tui.device_switching", "kind", m.p.T("tui.device."+string(d.Kind)), "name", d.Name), false
		selectDevice := m.o.SelectDevice
		return run(func() error { return selectDevice(d.Kind, d.Name) })
	}
	return nil
}

// deviceLine is the picker: the devices in a row, the chosen one
// highlighted, the one in use marked.
func (m *Model) deviceLine() string {
	var b strings.Builder
	b.WriteString(m.p.T("tui.devices_prompt") + " ")
	for i, d := range m.devices {
		icon := "🎤"
		if d.Kind == Speaker {
			icon = "🔈"
		}
		item := icon + " " + d.Name
		if d.Current {
			item += " ✓"
		}
		if i == m.choice {
			item = m.st.Selected.Render("[" + item + "]")
		} else {
			item = " " + item + " "
		}
		b.WriteString(item)
	}
	b.WriteString(" " + m.p.T("tui.devices_hint"))
	line := b.String()
	// Keep the chosen device in view on a narrow terminal.
	if w := ansi.StringWidth(line); w > m.w && m.choice > 0 {
		line = ansi.TruncateLeft(line, min(w-m.w, ansi.StringWidth(line)/2), "…")
	}
	return padTo(ansi.Truncate(line, m.w, "…"), m.w)
}
