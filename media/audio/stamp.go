package audio

import "sync/atomic"

// stamp ties a ring position to the time the device callback handled
// it: the device's clock as the goroutines see it. The callback writes it
// (a sequence lock: the writer never waits), goroutines read it and retry
// in the rare case they overlap a write.
type stamp struct {
	seq atomic.Uint64
	pos atomic.Uint64
	at  atomic.Int64 // nanoseconds since Engine.base, monotonic
}

func (s *stamp) store(pos uint64, at int64) {
	s.seq.Add(1)
	s.pos.Store(pos)
	s.at.Store(at)
	s.seq.Add(1)
}

// load returns the last stamp, ok false before the first.
func (s *stamp) load() (pos uint64, at int64, ok bool) {
	for {
		q := s.seq.Load()
		if q&1 == 1 {
			continue // a write is under way, a few nanoseconds
		}
		pos, at = s.pos.Load(), s.at.Load()
		if s.seq.Load() == q {
			return pos, at, q != 0
		}
	}
}
