package jitter

// PopStatus tells whether Pop returned a packet, and if not, why.
type PopStatus int

const (
	// Ready means Pop returned the next packet and advanced.
	Ready PopStatus = iota

	// Missing means the next packet is absent but later packets are
	// buffered: it is late or lost. The caller decides, typically by its
	// playout clock, when to Skip it.
	Missing

	// Empty means no packet is buffered at all.
	Empty
)

// String returns the status's name.
func (s PopStatus) String() string {
	switch s {
	case Ready:
		return "Ready"
	case Missing:
		return "Missing"
	case Empty:
		return "Empty"
	}
	return "PopStatus(?)"
}
