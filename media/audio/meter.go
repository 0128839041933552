package audio

import (
	"context"
	"math"
	"sync/atomic"

	"causerie/media"
	"causerie/media/playout"
)

// Meter shows how loud a microphone is before joining: Run reads the
// source in 10 ms frames, Level tells the loudness of the last one. The
// pre-join screen polls Level at its frame rate.
type Meter struct {
	src   media.AudioSource
	level atomic.Uint32 // float32 bits
	peak  atomic.Uint32
}

// NewMeter measures src; nothing is read until Run.
func NewMeter(src media.AudioSource) *Meter { return &Meter{src: src} }

// Run reads the source until ctx ends (returning nil) or the source
// fails (returning its error).
func (m *Meter) Run(ctx context.Context) error {
	pcm := make([]int16, PeriodSamples)
	for {
		if _, err := m.src.ReadFrame(ctx, pcm); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		l := playout.Loudness(pcm)
		m.level.Store(math.Float32bits(l))
		if l > math.Float32frombits(m.peak.Load()) {
			m.peak.Store(math.Float32bits(l))
		}
	}
}

// Level is the loudness of the last 10 ms, 0 (-60 dBFS and below) to 1
// (full scale).
func (m *Meter) Level() float32 { return math.Float32frombits(m.level.Load()) }

// Peak is the loudest Level so far: "we heard you" for the device test.
func (m *Meter) Peak() float32 { return math.Float32frombits(m.peak.Load()) }
