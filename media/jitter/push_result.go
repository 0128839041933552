package jitter

// PushResult tells what Push did with a packet.
type PushResult int

const (
	// Accepted means the packet was stored.
	Accepted PushResult = iota

	// Duplicate means a packet with the same sequence number is already
	// buffered; the new one was not stored.
	Duplicate

	// TooOld means the packet is behind what was already popped or
	// skipped; it was not stored.
	TooOld

	// Reset means the packet was so far from the buffered range (at least
	// a capacity ahead of the next packet, or a run of packets far behind
	// it: a restarted sender) that the buffer dropped its contents and
	// restarted at this packet, which was stored.
	Reset

	// Invalid means the packet was nil; nothing changed.
	Invalid
)

// String returns the result's name.
func (r PushResult) String() string {
	switch r {
	case Accepted:
		return "Accepted"
	case Duplicate:
		return "Duplicate"
	case TooOld:
		return "TooOld"
	case Reset:
		return "Reset"
	case Invalid:
		return "Invalid"
	}
	return "PushResult(?)"
}
