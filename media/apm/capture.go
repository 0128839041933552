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
// the mixed output, once per period, silent periods included. A device
// whose output latency is known reports playAt as the time the samples
// leave the speaker.
//
// The frames wait in a queue until Capture processes the microphone
// frame captured when they are heard (reference.go), so Played only
// copies and never waits for the library.
func (p *Processor) Played(pcm []int16, playAt time.Time) error {
	if len(pcm) == 0 || len(pcm)%FrameSamples != 0 {
		return fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	p.mu.Lock()
	if p.shim == nil {
		p.mu.Unlock()
		return ErrClosed
	}
	for i := 0; i < len(pcm); i += FrameSamples {
		p.ref.push(pcm[i:i+FrameSamples], playAt.Add(time.Duration(i/FrameSamples)*FrameDuration))
	}
	p.ref.lastPlayed, p.ref.waitedOut = p.now(), false
	p.mu.Unlock()
	select {
	case p.refc <- struct{}{}:
	default:
	}
	return nil
}

// Capture is a microphone with the processing applied: a media.AudioSource
// that reads its source and runs each 10 ms of every frame through Near
// before handing it on, so the sender (media/send) and the encoder need
// no change. Processing happens on the reader's goroutine, never on the
// device callback.
//
// The echo delay of each frame is measured, not configured: the speaker
// frames heard up to 20 ms (refLead) after its capture go to the
// canceller just before it (reference.go), and Config.StreamDelay adds
// any latency neither timestamp covers.
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
		c.p.awaitReference(ctx, captured)
		v, err := c.p.captureFrame(pcm[i:i+FrameSamples], captured)
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
