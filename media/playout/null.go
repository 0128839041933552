// Package playout plays remote audio: it pulls every remote track at the
// pace of an output clock and mixes them.
package playout

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// FrameSamples is one 20 ms frame at 48 kHz, the playout period.
const FrameSamples = 960

const framePeriod = 20 * time.Millisecond

// Source is a remote track as the mixer pulls it.
type Source interface {
	Pull(pcm []int16, playAt time.Time)
}

// Null is a speaker that plays nothing at real-time pace: the output for
// headless participants and machines without a sound card. It pulls and
// mixes every source each 20 ms exactly as a device callback would, so
// receive paths, concealment and latency behave as with a real speaker.
type Null struct {
	mu      sync.Mutex
	sources map[Source]struct{}
	peak    atomic.Int32
	tap     atomic.Pointer[Tap]
}

// Tap receives each period the speaker plays, mixed and clipped, with
// the time it is heard: the echo canceller's reference. It runs on the
// mixer's goroutine and must return quickly (well under a period); pcm
// is reused after it returns.
type Tap func(pcm []int16, playAt time.Time)

// SetTap installs t (nil removes it); it takes effect from the next
// period.
func (n *Null) SetTap(t Tap) {
	if t == nil {
		n.tap.Store(nil)
		return
	}
	n.tap.Store(&t)
}

// NewNull returns an idle null speaker; Run starts its clock.
func NewNull() *Null { return &Null{sources: map[Source]struct{}{}} }

// Add starts pulling src.
func (n *Null) Add(src Source) {
	n.mu.Lock()
	n.sources[src] = struct{}{}
	n.mu.Unlock()
}

// Remove stops pulling src; once it returns, src is not pulled again.
func (n *Null) Remove(src Source) {
	n.mu.Lock()
	delete(n.sources, src)
	n.mu.Unlock()
}

// Run ticks until ctx ends. Periods are scheduled from the start time, not
// from the previous wake-up, so the clock does not drift.
func (n *Null) Run(ctx context.Context) {
	pcm := make([]int16, FrameSamples)
	mix := make([]int32, FrameSamples)
	start := time.Now()
	timer := time.NewTimer(framePeriod)
	defer timer.Stop()
	for k := 1; ; k++ {
		due := start.Add(time.Duration(k) * framePeriod)
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if late := time.Since(due); late > 5*framePeriod {
			// Suspended or starved: skip the missed periods instead of
			// pulling them in a burst.
			k += int(late / framePeriod)
			due = start.Add(time.Duration(k) * framePeriod)
		}
		clear(mix)
		n.mu.Lock()
		for src := range n.sources {
			src.Pull(pcm, due)
			for i, s := range pcm {
				mix[i] += int32(s)
			}
		}
		n.mu.Unlock()
		var peak int32
		for i, s := range mix {
			s = max(-32768, min(32767, s))
			peak = max(peak, s, -s)
			pcm[i] = int16(s)
		}
		n.peak.Store(peak)
		if tap := n.tap.Load(); tap != nil {
			(*tap)(pcm, due)
		}
	}
}

// Peak is the loudest sample of the last period played, 0..32767: a level
// meter for the UI and proof in tests that sound reached the speaker.
func (n *Null) Peak() int32 { return n.peak.Load() }
