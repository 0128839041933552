package jitter

import (
	"time"

	"github.com/pion/rtp"
)

// PopFrame returns the packets of the next video frame once all of them are
// present, appended to dst[:0]: contiguous sequence numbers from the next
// one, all with the same RTP timestamp, the last with the marker bit set.
// As a leniency for senders that omit the marker, a frame also ends where
// the next contiguous packet carries a different timestamp. The packets
// are removed from the buffer and belong to the caller.
//
// The buffer cannot see codec payload headers, so it cannot tell whether
// the packet at the next sequence number starts a frame; after a Reset or a
// give-up the first frame may lack its head, which the depacketiser must
// detect with its codec's start-of-frame flag.
//
// If the next frame is incomplete, PopFrame waits (returns ok=false, lost=0)
// until the oldest packet buffered after the first missing one arrived more
// than maxWait before now, or the buffer is more than 3/4 full (a few more
// frames would force a Reset, which loses everything buffered). Then it
// gives up on the missing data: it skips to the first packet that starts a
// later frame (one whose timestamp differs from the incomplete frame's, or
// that follows a packet with the marker bit), drops the incomplete frame's
// present packets, counts the missing ones as lost, and returns that count
// with ok=false. The caller should then request a keyframe, as the frames
// after a loss reference data it never got, and call PopFrame again.
//
// When the next packet itself is missing, the incomplete frame's timestamp
// is taken from the first packet after it: a packet after a gap is assumed
// to continue the lost frame unless it provably starts a new one. At worst
// this drops one complete frame more, which the keyframe replaces anyway.
//
// With nothing buffered after the gap there is no evidence of loss (the
// rest of the frame may be in flight), and with no frame start buffered
// after it there is nowhere to resume; in both cases PopFrame keeps
// waiting.
func (b *Buffer) PopFrame(now time.Time, maxWait time.Duration, dst []*rtp.Packet) (pkts []*rtp.Packet, lost int, ok bool) {
	dst = dst[:0]
	if b.count == 0 {
		return dst, 0, false
	}
	// Buffered packets lie in [next, end).
	end := b.highest + 1

	gap := b.next
	if first := b.at(b.next); first != nil {
		for e := b.next; e < end; e++ {
			p := b.at(e)
			if p == nil {
				gap = e
				break
			}
			if p.Timestamp != first.Timestamp {
				return b.take(e, dst), 0, true
			}
			if p.Marker {
				return b.take(e+1, dst), 0, true
			}
			gap = e + 1
		}
		if gap == end {
			// Contiguous to the newest packet, no marker yet.
			return dst, 0, false
		}
	}

	oldest, found := b.oldestArrival(gap+1, end)
	if !found {
		return dst, 0, false
	}
	if now.Sub(oldest) <= maxWait && b.count <= len(b.slots)*3/4 {
		return dst, 0, false
	}
	resume, found := b.nextFrameStart(end)
	if !found {
		return dst, 0, false
	}
	for e := b.next; e < resume; e++ {
		if !b.remove(e) {
			lost++
		}
	}
	b.next = resume
	b.stats.Lost += uint64(lost)
	return dst, lost, false
}

// take moves the packets in [next, end) to dst and advances next to end.
func (b *Buffer) take(end uint64, dst []*rtp.Packet) []*rtp.Packet {
	for e := b.next; e < end; e++ {
		dst = append(dst, b.at(e))
		b.remove(e)
	}
	b.next = end
	return dst
}

// oldestArrival returns the earliest arrival time among packets buffered in
// [from, end), and whether there are any.
func (b *Buffer) oldestArrival(from, end uint64) (oldest time.Time, found bool) {
	for e := from; e < end; e++ {
		s := &b.slots[e&b.mask]
		if s.pkt == nil || s.ext != e {
			continue
		}
		if !found || s.arrival.Before(oldest) {
			oldest, found = s.arrival, true
		}
	}
	return oldest, found
}

// nextFrameStart returns the first extended sequence number after next, up
// to end, that starts a frame later than the one at next: a buffered packet
// whose timestamp differs from that frame's, or the number right after a
// buffered packet with the marker bit (which may itself be missing yet).
// The frame's timestamp is that of the first buffered packet from next on.
func (b *Buffer) nextFrameStart(end uint64) (uint64, bool) {
	var ts uint32
	for e := b.next; e < end; e++ {
		if p := b.at(e); p != nil {
			ts = p.Timestamp
			break
		}
	}
	for e := b.next + 1; e <= end; e++ {
		if prev := b.at(e - 1); prev != nil && prev.Marker {
			return e, true
		}
		if p := b.at(e); p != nil && p.Timestamp != ts {
			return e, true
		}
	}
	return 0, false
}
