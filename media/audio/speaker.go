package audio

import (
	"context"
	"time"

	"causerie/media/playout"
)

// Speaker is the engine's speaker: a playout.Mixer (so a client.Speaker,
// with per-participant volume, mute and levels, and a tap for the echo
// canceller) whose Run keeps the device fed.
type Speaker struct {
	*playout.Mixer
	e *Engine
}

// Run mixes until ctx ends or the engine closes: whenever less than the
// lead waits for the device, it pulls one 20 ms period from every source,
// stamped with the time it will be heard, and queues it. The device's
// clock sets the pace, so the sources are pulled exactly as fast as the
// speaker plays. One Run at a time: it is the playback ring's only
// writer.
func (s *Speaker) Run(ctx context.Context) {
	e := s.e
	q := e.playRing
	pcm := make([]int16, playout.FrameSamples)
	timer := time.NewTimer(period)
	defer timer.Stop()
	var idleDue time.Time
	for {
		for q.len() < e.leadSamples {
			at := e.playTime(q.written())
			s.Mix(pcm, at)
			q.write(pcm)
			e.playing.Store(true)
		}
		if e.deviceIdle() {
			// No device takes samples (starting, switching, or gone for
			// a moment): pull the sources anyway at real-time pace and
			// drop what they give, as the null speaker would. Otherwise
			// their jitter buffers fill up meanwhile and, pulled at
			// exactly the arrival rate afterwards, keep that delay for
			// the rest of the call.
			now := time.Now()
			if idleDue.IsZero() || now.Sub(idleDue) > 5*framePeriod {
				idleDue = now
			}
			for !idleDue.After(now) {
				// Heard, had a device been there, after what waits.
				s.Mix(pcm, idleDue.Add(samplesDuration(int64(q.len()))+e.cfg.OutputLatency))
				idleDue = idleDue.Add(framePeriod)
			}
			timer.Reset(time.Until(idleDue))
		} else {
			idleDue = time.Time{}
			timer.Reset(e.nextMix(q.len()))
		}
		select {
		case <-ctx.Done():
			return
		case <-e.closed:
			return
		case <-timer.C:
		}
	}
}

// framePeriod is the mixer's period, a playout frame.
const framePeriod = playout.FrameSamples * time.Second / SampleRate

// deviceIdle tells that no device has taken samples for three periods.
func (e *Engine) deviceIdle() bool {
	_, at, ok := e.playStamp.load()
	return !ok || time.Since(e.base.Add(time.Duration(at))) > 3*period
}

// nextMix is how long the mixer may sleep with fill samples queued: until
// just after the callback that takes the queue below the lead. The
// device takes a period per callback, so that is the callback after
// (fill-lead)/PeriodSamples more; without a recent callback to count
// from, it looks again in 5 ms.
func (e *Engine) nextMix(fill int) time.Duration {
	_, at, ok := e.playStamp.load()
	last := e.base.Add(time.Duration(at))
	since := time.Since(last)
	if !ok || since > 3*period {
		return 5 * time.Millisecond
	}
	k := (fill-e.leadSamples)/PeriodSamples + 1
	wait := time.Duration(k)*period - since + time.Millisecond/2
	return max(time.Millisecond/2, min(wait, 4*period))
}
