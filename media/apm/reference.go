package apm

import (
	"context"
	"time"
)

// The echo reference in a call, kept in step with the microphone by the
// timestamps rather than by when goroutines happen to run.
//
// The WebRTC module pairs speaker frames (Far) with microphone frames
// (Near) in the order it receives them, and the stream delay says how far
// apart the two are. Calling Far as the mixer plays and Near as the
// sender reads ties that order to scheduling: on a starved machine the
// mixer and the sender run late, each in bursts of its own, the pairing
// moves by tens of milliseconds from one burst to the next, and the
// canceller loses the echo it had learnt (a call measured -15 to -23 dB
// of echo returned under two busy loops, against -53 dB and less idle).
//
// So Played only queues each 10 ms frame with the time it is heard, and
// the microphone frame captured at T is preceded in the module by exactly
// the speaker frames heard up to T + refLead: one speaker frame per
// microphone frame, whatever the goroutines do. Where the speaker has not
// reported those frames, the capture side waits for them a little
// (refWait); a frame still missing when its own slot is processed gets
// silence, which is what a speaker that runs that late plays, and is
// dropped if it comes later. The stream delay is then the offset of the
// last frame given plus Config.StreamDelay, from timestamps alone.
const (
	// refLead is how far ahead of the microphone the module is given the
	// speaker: it models a sound card buffer, and cancels poorly with
	// less (TestReferenceFollowsTimestamps, echo cancellation alone,
	// white noise: ERLE 11.1 dB at 0 ms, 4.6 at 10, 24.6-24.7 at 20, 30,
	// 40 and 60 ms).
	refLead = 20 * time.Millisecond
	// refQueueFrames is how far ahead of the microphone the speaker may
	// report (a device's output latency, a mixer that runs early): 640 ms.
	refQueueFrames = 64
	// refWait bounds how long the capture side waits for speaker frames
	// that should already have been reported. At most one wait per gap:
	// after a timeout the capture side waits again only once the speaker
	// reports something.
	refWait = 40 * time.Millisecond
	// speakerIdle: a speaker that reported nothing for this long has
	// stopped (no device, call ended), and nobody waits for it.
	speakerIdle = 200 * time.Millisecond
	// maxSilentFill is the longest gap filled with silence frame by frame;
	// after a longer one (a device restart, a clock jump) the reference
	// starts again at the microphone's slot.
	maxSilentFill = 10
)

// refQueue holds the speaker frames not yet given to the module, oldest
// first, with the time each is heard. It belongs to a Processor and is
// guarded by its mutex.
type refQueue struct {
	pcm        [refQueueFrames][FrameSamples]int16
	heard      [refQueueFrames]time.Time
	head, n    int
	fedEnd     time.Time // end of the last slot given to the module; zero before any
	lastPlayed time.Time // Processor.now at the last Played call
	waitedOut  bool      // a wait timed out since the last Played call
	silence    [FrameSamples]int16

	// late counts frames dropped because their slot had passed; filled,
	// slots given silence because their frame had not come; waits, the
	// times the capture side waited for the speaker.
	late, filled, waits uint64
}

// push queues one frame heard at heard, dropping the oldest when full.
func (q *refQueue) push(pcm []int16, heard time.Time) {
	if q.n == refQueueFrames {
		q.head = (q.head + 1) % refQueueFrames
		q.n--
		q.late++
	}
	i := (q.head + q.n) % refQueueFrames
	copy(q.pcm[i][:], pcm)
	q.heard[i] = heard
	q.n++
}

// covered tells whether the speaker frame of the microphone slot at t
// has been reported (queued or already given).
func (q *refQueue) covered(t time.Time) bool {
	end := q.fedEnd
	if q.n > 0 {
		if last := q.heard[(q.head+q.n-1)%refQueueFrames].Add(FrameDuration); last.After(end) {
			end = last
		}
	}
	return !end.Before(t.Add(FrameDuration / 2))
}

// mustWait tells whether the capture side should wait for the speaker
// before processing the microphone frame captured at t.
func (q *refQueue) mustWait(t, now time.Time) bool {
	return !q.lastPlayed.IsZero() && now.Sub(q.lastPlayed) < speakerIdle && !q.waitedOut && !q.covered(t.Add(refLead))
}

// awaitReference waits, at most refWait, until the speaker has reported
// the frames heard up to refLead after the microphone frame captured at
// t.
// It never holds the mutex while waiting.
func (p *Processor) awaitReference(ctx context.Context, t time.Time) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		p.mu.Lock()
		wait := p.ref.mustWait(t, p.now())
		if wait && timer == nil {
			p.ref.waits++
		}
		p.mu.Unlock()
		if !wait {
			return
		}
		if timer == nil {
			timer = time.NewTimer(refWait)
		}
		select {
		case <-p.refc:
		case <-timer.C:
			p.mu.Lock()
			p.ref.waitedOut = true
			p.mu.Unlock()
			return
		case <-ctx.Done():
			return
		}
	}
}

// feedReference gives the module the speaker frames heard up to refLead
// after the microphone slot at t, silence for those up to t that did not
// come, and returns the start of the last slot given (zero when the
// speaker never played). Called with the mutex held.
func (p *Processor) feedReference(t time.Time) (time.Time, error) {
	q := &p.ref
	half := FrameDuration / 2
	for q.n > 0 {
		h := q.heard[q.head]
		if !h.Before(t.Add(half + refLead)) {
			break // a later slot
		}
		frame := q.pcm[q.head][:]
		q.head = (q.head + 1) % refQueueFrames
		q.n--
		if !q.fedEnd.IsZero() && h.Before(q.fedEnd.Add(-half)) {
			q.late++ // its slot was given silence, or the clock went back
			continue
		}
		if err := p.far(frame, h); err != nil {
			return time.Time{}, err
		}
		q.fedEnd = h.Add(FrameDuration)
	}
	if q.fedEnd.IsZero() {
		return time.Time{}, nil
	}
	if gap := t.Add(half).Sub(q.fedEnd); gap > 0 {
		slots := int((gap + FrameDuration - 1) / FrameDuration)
		if slots > maxSilentFill {
			q.fedEnd, slots = t, 1
		}
		for range slots {
			if err := p.far(q.silence[:], q.fedEnd); err != nil {
				return time.Time{}, err
			}
			q.fedEnd = q.fedEnd.Add(FrameDuration)
			q.filled++
		}
	}
	return q.fedEnd.Add(-FrameDuration), nil
}

// ReferenceStats counts what the alignment of the echo reference had to
// mend since the processor started.
type ReferenceStats struct {
	// Late speaker frames came after their slot had been processed (or
	// overflowed the queue) and were dropped.
	Late uint64
	// Filled slots got silence because their speaker frame had not come
	// within the wait.
	Filled uint64
	// Waits counts the times the capture side waited for speaker frames
	// (each time for at most refWait, 40 ms).
	Waits uint64
}

// ReferenceStats reports the reference alignment's repairs.
func (p *Processor) ReferenceStats() ReferenceStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ReferenceStats{Late: p.ref.late, Filled: p.ref.filled, Waits: p.ref.waits}
}
