package jitter

import (
	"math/bits"
	"time"

	"github.com/pion/rtp"
)

const (
	// DefaultCapacity is the capacity New uses for a non-positive request:
	// 512 packets of ~1200 bytes is 600 KB, more than a 1080p keyframe with
	// room for the frames after it, and 10 s of 20 ms audio packets.
	DefaultCapacity = 512

	// maxCapacity bounds the ring to half the 16-bit sequence space:
	// unwrapping is relative to the highest sequence number seen, and is
	// only unambiguous within ±32768 of it.
	maxCapacity = 1 << 15

	// extBase offsets the first packet's extended sequence number (and
	// the first after every reset) so that unwrapping up to 32768 below it
	// never goes negative.
	extBase = 1 << 16

	// restartRun is how many consecutive, in-sequence packets must arrive
	// more than a capacity behind the next expected one before Push treats
	// the stream as restarted at a lower sequence number. A single stray
	// late or duplicated packet never comes in such a run, while a sender
	// that restarted would otherwise see every packet dropped as TooOld
	// until its sequence numbers caught up, up to 32768 packets later.
	restartRun = 4
)

// Buffer reorders the RTP packets of one stream. The zero value is an empty
// buffer of DefaultCapacity. A Buffer is not safe for concurrent use: the
// receive path that owns it must serialise Push and the consumer calls.
//
// Before the first Push nothing is expected; the first packet pushed
// defines the next sequence number to consume, so packets that were sent
// before it but arrive after it are TooOld.
type Buffer struct {
	slots []slot
	mask  uint64

	started bool
	next    uint64 // extended sequence number of the next packet to consume
	highest uint64 // highest extended sequence number pushed since the start or last reset
	count   int    // packets buffered

	// Restart detection: the length of the current run of far-behind
	// packets and the sequence number that would extend it.
	farRun  int
	farNext uint16

	stats Stats
}

// New returns a buffer holding up to capacity packets, rounded up to a
// power of two and at most 32768; a non-positive capacity means
// DefaultCapacity. The capacity should exceed the largest frame, in packets,
// that the stream carries with room for the frames behind it: a frame
// larger than the buffer can never be completed.
func New(capacity int) *Buffer {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	capacity = min(capacity, maxCapacity)
	b := &Buffer{}
	b.alloc(capacity)
	return b
}

// alloc allocates the ring for capacity (1..maxCapacity) packets, rounded
// up to a power of two so that a slot index is a mask, not a division.
func (b *Buffer) alloc(capacity int) {
	n := 1 << bits.Len(uint(capacity-1))
	b.slots, b.mask = make([]slot, n), uint64(n-1)
}

// Cap returns the number of packets the buffer can hold.
func (b *Buffer) Cap() int {
	if b.slots == nil {
		return DefaultCapacity
	}
	return len(b.slots)
}

// Len returns the number of packets buffered.
func (b *Buffer) Len() int { return b.count }

// Stats returns the buffer's counters.
func (b *Buffer) Stats() Stats { return b.stats }

// Push stores p, which arrived at arrival, and takes ownership of it: the
// caller must not reuse or modify p afterwards, whatever the result.
//
// A packet at least a capacity ahead of the next expected one does not fit
// the ring: the buffer drops everything it holds (not counted as lost: the
// jump is a discontinuity, such as a sender restart, not a loss) and
// restarts at p, returning Reset. Likewise restartRun consecutive packets
// more than a capacity behind restart it at the last of them.
func (b *Buffer) Push(p *rtp.Packet, arrival time.Time) PushResult {
	if p == nil {
		return Invalid
	}
	b.stats.Received++
	if !b.started {
		if b.slots == nil {
			b.alloc(DefaultCapacity)
		}
		b.started = true
		b.restart(p, arrival)
		return Accepted
	}
	ext := b.unwrap(p.SequenceNumber)
	if ext < b.next {
		if b.next-ext > uint64(len(b.slots)) && b.farBehind(p.SequenceNumber) {
			b.stats.Resets++
			b.restart(p, arrival)
			return Reset
		}
		b.stats.TooOld++
		if ext < b.highest {
			b.stats.Reordered++
		}
		return TooOld
	}
	b.farRun = 0
	if ext-b.next >= uint64(len(b.slots)) {
		b.stats.Resets++
		b.restart(p, arrival)
		return Reset
	}
	s := &b.slots[ext&b.mask]
	if s.pkt != nil {
		// Every buffered packet lies in [next, next+capacity), so an
		// occupied slot holds this very sequence number.
		b.stats.Duplicates++
		return Duplicate
	}
	if ext < b.highest {
		b.stats.Reordered++
	}
	*s = slot{pkt: p, ext: ext, arrival: arrival}
	b.count++
	b.highest = max(b.highest, ext)
	return Accepted
}

// unwrap extends seq to 64 bits: the extended number closest to the
// reference, the highest pushed or, after Skip moved past it, the last
// consumed.
func (b *Buffer) unwrap(seq uint16) uint64 {
	ref := max(b.highest, b.next-1)
	return uint64(int64(ref) + int64(int16(seq-uint16(ref))))
}

// farBehind records a packet that is more than a capacity behind and
// reports whether it completes a run of restartRun in-sequence ones.
func (b *Buffer) farBehind(seq uint16) bool {
	if b.farRun > 0 && seq == b.farNext {
		b.farRun++
	} else {
		b.farRun = 1
	}
	b.farNext = seq + 1
	return b.farRun >= restartRun
}

// restart empties the buffer and makes p, stored, the next packet.
func (b *Buffer) restart(p *rtp.Packet, arrival time.Time) {
	if b.count > 0 {
		clear(b.slots)
	}
	ext := extBase + uint64(p.SequenceNumber)
	b.next, b.highest, b.count, b.farRun = ext, ext, 1, 0
	b.slots[ext&b.mask] = slot{pkt: p, ext: ext, arrival: arrival}
}

// at returns the buffered packet with extended sequence number ext, or nil.
func (b *Buffer) at(ext uint64) *rtp.Packet {
	s := &b.slots[ext&b.mask]
	if s.pkt == nil || s.ext != ext {
		return nil
	}
	return s.pkt
}

// remove empties the slot of ext, reporting whether it held a packet.
func (b *Buffer) remove(ext uint64) bool {
	s := &b.slots[ext&b.mask]
	if s.pkt == nil || s.ext != ext {
		return false
	}
	*s = slot{}
	b.count--
	return true
}

// Pop returns the next packet and advances past it (Ready). If the next
// packet is absent it returns nil and does not advance: Missing when later
// packets are buffered, Empty when none are.
func (b *Buffer) Pop() (*rtp.Packet, PopStatus) {
	if b.count == 0 {
		return nil, Empty
	}
	p := b.at(b.next)
	if p == nil {
		return nil, Missing
	}
	b.remove(b.next)
	b.next++
	return p, Ready
}

// Peek returns the packet offset places after the next one (Peek(0) is the
// next packet), or nil if it is absent or offset is out of the buffer's
// range. It lets an audio decoder recover a missing packet from the
// in-band FEC of the one after it. The packet stays buffered.
func (b *Buffer) Peek(offset int) *rtp.Packet {
	if !b.started || offset < 0 || offset >= len(b.slots) {
		return nil
	}
	return b.at(b.next + uint64(offset))
}

// Skip declares the next packet lost: it advances past it and counts it in
// Stats.Lost. If the packet is in fact buffered it is dropped (and still
// counted lost: it was not consumed). Before the first Push it does
// nothing.
//
// Call it on Missing, when the playout clock can wait no longer. Calling it
// on Empty declares a loss without evidence: with discontinuous
// transmission a sender pauses without using sequence numbers, so skipping
// through a pause makes the packets after it TooOld.
func (b *Buffer) Skip() {
	if !b.started {
		return
	}
	b.remove(b.next)
	b.next++
	b.stats.Lost++
}
