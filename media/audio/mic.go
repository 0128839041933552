package audio

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"causerie/media/playout"
)

// Mic is the engine's microphone, a media.AudioSource: 48 kHz mono,
// frames of any whole number of samples (the sender reads 20 ms), each
// stamped with the time its first sample reached the microphone, by the
// device's clock. When the device goes away the engine puts the system
// default (or silence) in its place: reads go on.
//
// One goroutine reads it at a time.
type Mic struct {
	e     *Engine
	timer *time.Timer
	level atomic.Uint32 // float32 bits
}

// ReadFrame waits until len(pcm) samples are captured, copies them into
// pcm and returns when the first was captured. It returns ctx.Err() once
// ctx ends, ErrClosed once the engine is closed.
func (m *Mic) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	q := m.e.capRing
	for {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		if n := q.len(); n > maxCaptureBacklog && n > len(pcm) {
			q.skip(n - len(pcm))
		}
		if q.len() >= len(pcm) {
			pos := q.readPos()
			q.read(pcm)
			m.level.Store(math.Float32bits(playout.Loudness(pcm)))
			return m.e.captureTime(pos), nil
		}
		// Sleep until the missing samples should be there; a device that
		// is switching or gone is asked again every 20 ms.
		wait := samplesDuration(int64(len(pcm) - q.len()))
		wait = max(time.Millisecond, min(wait, 2*period))
		if m.timer == nil {
			m.timer = time.NewTimer(wait)
		} else {
			m.timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			m.timer.Stop()
			return time.Time{}, ctx.Err()
		case <-m.e.closed:
			m.timer.Stop()
			return time.Time{}, ErrClosed
		case <-m.timer.C:
		}
	}
}

// Level is the loudness of the last frame read, 0 (-60 dBFS and below)
// to 1 (full scale): the in-call microphone meter.
func (m *Mic) Level() float32 { return math.Float32frombits(m.level.Load()) }
