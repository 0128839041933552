package synth

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// Phrases is a 48 kHz microphone for what happens between words (Opus
// DTX, comfort noise, speaking indicators): a voiced vowel, a 150 Hz
// pitch with eleven harmonics at about -20 dBFS, for Speak, then the
// noise of a quiet room (about -70 dBFS) for Pause, over and over. It is
// paced by the wall clock from its first frame, and deterministic for a
// given Seed.
//
// ReadFrame is for one goroutine; Started may be called from any.
type Phrases struct {
	Speak, Pause time.Duration
	Seed         uint64

	start atomic.Int64 // Unix ns of the first sample, once started
	n     int64        // samples delivered
}

// ReadFrame waits until len(pcm) more samples have been captured and
// fills pcm with them.
func (p *Phrases) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if p.start.Load() == 0 {
		p.start.Store(time.Now().UnixNano())
	}
	first := p.Started().Add(offset(p.n, DefaultSampleRate))
	t := time.NewTimer(time.Until(p.Started().Add(offset(p.n+int64(len(pcm)), DefaultSampleRate))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-t.C:
	}
	period := ticks(p.Speak+p.Pause, DefaultSampleRate)
	speak := ticks(p.Speak, DefaultSampleRate)
	for i := range pcm {
		k := p.n + int64(i)
		var v float64
		if period > 0 && k%period < speak {
			ph := 2 * math.Pi * 150 * float64(k) / DefaultSampleRate
			for h := 1.0; h <= 12; h++ {
				v += 1500 * math.Sin(h*ph) / h
			}
		}
		p.Seed = p.Seed*6364136223846793005 + 1442695040888963407
		v += float64(int64(p.Seed>>59) - 16) // uniform in [-16, 15]: -70 dBFS
		pcm[i] = int16(v)
	}
	p.n += int64(len(pcm))
	return first, nil
}

// Started is when the first sample was captured, or the zero time.
func (p *Phrases) Started() time.Time {
	if ns := p.start.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
