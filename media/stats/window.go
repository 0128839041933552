// Package stats keeps the small measurements the media engine reports:
// recent samples and their percentiles.
package stats

import (
	"slices"
	"sync"
)

// Window keeps the most recent samples of a measurement (a latency, an
// encode time) for percentiles. It is safe for concurrent use; Add does
// not allocate.
type Window struct {
	mu    sync.Mutex
	buf   []float64
	next  int
	full  bool
	count uint64
}

// NewWindow keeps the last n samples. 4096 samples hold more than two
// minutes of 30 fps video, enough for the percentiles of a test or of the
// last moments of a call.
func NewWindow(n int) *Window {
	if n <= 0 {
		n = 4096
	}
	return &Window{buf: make([]float64, n)}
}

// Add records one sample.
func (w *Window) Add(v float64) {
	w.mu.Lock()
	w.buf[w.next] = v
	w.next++
	if w.next == len(w.buf) {
		w.next, w.full = 0, true
	}
	w.count++
	w.mu.Unlock()
}

// Count is how many samples were ever added.
func (w *Window) Count() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count
}

// Percentiles returns the given percentiles (0..100) of the kept samples,
// by nearest rank; zeros when there are none.
func (w *Window) Percentiles(ps ...float64) []float64 {
	w.mu.Lock()
	n := w.next
	if w.full {
		n = len(w.buf)
	}
	s := slices.Clone(w.buf[:n])
	w.mu.Unlock()
	out := make([]float64, len(ps))
	if len(s) == 0 {
		return out
	}
	slices.Sort(s)
	for i, p := range ps {
		k := int(p/100*float64(len(s))+0.5) - 1
		k = max(0, min(k, len(s)-1))
		out[i] = s[k]
	}
	return out
}
