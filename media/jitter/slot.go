package jitter

import (
	"time"

	"github.com/pion/rtp"
)

// slot is one ring entry. It is empty when pkt is nil; otherwise it holds
// the packet with extended sequence number ext, which maps to this slot.
type slot struct {
	pkt     *rtp.Packet
	ext     uint64
	arrival time.Time
}
