package headless

import (
	"causerie/client"
	"causerie/ui/i18n"
)

// deviceSentence tells what happened to a device. A change of the lists
// alone says nothing here: the devices in use did not change.
func deviceSentence(p *i18n.Printer, ev client.DeviceChanged) string {
	kind := p.T("device.kind." + ev.Device)
	switch ev.Reason {
	case client.DeviceLost:
		if ev.To == "" {
			return p.T("device.lost_none", "kind", kind, "from", ev.From)
		}
		return p.T("device.lost", "kind", kind, "from", ev.From, "to", ev.To)
	case client.DeviceFound:
		return p.T("device.found", "kind", kind, "to", ev.To)
	case client.DeviceChosen:
		return p.T("device.chosen", "kind", kind, "to", ev.To)
	case client.DeviceDefaultChanged:
		return p.T("device.default", "kind", kind, "to", ev.To)
	}
	return ""
}
