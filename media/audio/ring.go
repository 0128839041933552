package audio

import "sync/atomic"

// ring is a single-producer, single-consumer queue of samples: the
// device callback on one side, a goroutine on the other. Positions count
// samples since the start and never wrap (2^64 samples at 48 kHz is
// twelve million years), so full and empty need no flag. Neither side
// locks, allocates or waits.
type ring struct {
	buf  []int16
	mask uint64
	// w is written by the producer only, r by the consumer only; each
	// reads the other's with an atomic load, which orders the samples
	// copied before the store that published them.
	w atomic.Uint64
	_ [56]byte // keep w and r on separate cache lines
	r atomic.Uint64
}

// newRing holds at least size samples (rounded up to a power of two).
func newRing(size int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{buf: make([]int16, n), mask: uint64(n - 1)}
}

// size is how many samples the ring holds at most.
func (q *ring) size() int { return len(q.buf) }

// len is how many samples wait to be read.
func (q *ring) len() int { return int(q.w.Load() - q.r.Load()) }

// written is the producer's position: samples written since the start.
func (q *ring) written() uint64 { return q.w.Load() }

// readPos is the consumer's position: samples read since the start.
func (q *ring) readPos() uint64 { return q.r.Load() }

// write appends as much of p as fits and returns how much did. Producer
// only.
func (q *ring) write(p []int16) int {
	w := q.w.Load()
	free := len(q.buf) - int(w-q.r.Load())
	n := min(len(p), free)
	at := int(w & q.mask)
	k := copy(q.buf[at:], p[:n])
	copy(q.buf, p[k:n])
	q.w.Store(w + uint64(n))
	return n
}

// read takes up to len(p) samples into p and returns how many it took.
// Consumer only.
func (q *ring) read(p []int16) int {
	r := q.r.Load()
	n := min(len(p), int(q.w.Load()-r))
	at := int(r & q.mask)
	k := copy(p[:n], q.buf[at:])
	copy(p[k:n], q.buf)
	q.r.Store(r + uint64(n))
	return n
}

// skip drops up to n waiting samples. Consumer only.
func (q *ring) skip(n int) {
	r := q.r.Load()
	n = min(n, int(q.w.Load()-r))
	q.r.Store(r + uint64(n))
}
