// Package playout plays remote audio: it pulls every remote track at the
// pace of an output clock and mixes them.
package playout

import (
	"context"
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
// Its Mixer gives the sources, volumes, levels and the tap.
type Null struct {
	*Mixer
}

// NewNull returns an idle null speaker; Run starts its clock.
func NewNull() *Null { return &Null{Mixer: NewMixer()} }

// Run ticks until ctx ends. Periods are scheduled from the start time, not
// from the previous wake-up, so the clock does not drift.
func (n *Null) Run(ctx context.Context) {
	pcm := make([]int16, FrameSamples)
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
		n.Mix(pcm, due)
	}
}
