package apm

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"causerie/media"
)

// Played gives the processor what the speaker plays: pcm (a whole number
// of 10 ms frames, e.g. one 20 ms playout period) will be heard at playAt.
// It is the playout mixer's tap: call it on the mixer's goroutine with
// the mixed output, once per period, silent periods included.
//
// The time from this call to playAt is half of the delay the echo
// canceller needs; Capture measures the other half. A device whose
// output latency is known reports playAt as the time the samples leave
// the speaker.
func (p *Processor) Played(pcm []int16, playAt time.Time) error {
	if len(pcm) == 0 || len(pcm)%FrameSamples != 0 {
		return fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	p.mu.Lock()
	if p.canc != nil {
		p.playIdx, p.playAt = p.canc.written(), playAt
	}
	p.mu.Unlock()
	for i := 0; i < len(pcm); i += FrameSamples {
		if err := p.Far(pcm[i : i+FrameSamples]); err != nil {
			return err
		}
	}
	// All the frames of a period are analysed at once but heard one after
	// the other: the lead of the middle of the period is within 5 ms of
	// each frame's, well inside the canceller's delay search.
	mid := time.Duration(len(pcm)/FrameSamples-1) * FrameDuration / 2
	p.lead.Store(int64(playAt.Add(mid).Sub(p.now())))
	return nil
}

// Capture is a microphone with the processing applied: a media.AudioSource
// that reads its source and runs each 10 ms of every frame through Near
// before handing it on, so the sender (media/send) and the encoder need
// no change. Processing happens on the reader's goroutine, never on the
// device callback.
//
// The echo delay of each frame is measured, not configured: the mixer's
// lead (Played) plus the age of the frame (now minus its capture time),
// plus Config.StreamDelay for any latency neither timestamp covers.
//
// Capture keeps processing while the sender is muted, so Voice still
// tells when the user speaks into a muted microphone.
type Capture struct {
	src   media.AudioSource
	p     *Processor
	voice atomic.Bool
	errs  atomic.Uint64
}

// NewCapture processes src through p. src must deliver whole 10 ms frames
// (the engine's 20 ms do).
func NewCapture(src media.AudioSource, p *Processor) *Capture {
	return &Capture{src: src, p: p}
}

// ReadFrame reads one frame from the source and processes it in place. If
// the library fails on a frame, the frame goes out unprocessed (a call
// with echo beats a call without voice) and Errors counts it.
func (c *Capture) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if len(pcm) == 0 || len(pcm)%FrameSamples != 0 {
		return time.Time{}, fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	at, err := c.src.ReadFrame(ctx, pcm)
	if err != nil {
		return at, err
	}
	voice := false
	for i := 0; i < len(pcm); i += FrameSamples {
		captured := at.Add(time.Duration(i/FrameSamples) * FrameDuration)
		d := time.Duration(c.p.lead.Load()) + c.p.now().Sub(captured) + time.Duration(c.p.delay.Load())*time.Millisecond
		v, err := c.p.near(pcm[i:i+FrameSamples], d, captured)
		if err != nil {
			c.errs.Add(1)
			continue
		}
		voice = voice || v
	}
	c.voice.Store(voice)
	return at, nil
}

// Voice reports whether the last frame read held speech: the speaking
// indicator, and the "you are speaking while muted" hint.
func (c *Capture) Voice() bool { return c.voice.Load() }

// Errors counts the frames the library failed to process.
func (c *Capture) Errors() uint64 { return c.errs.Load() }
