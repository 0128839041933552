package synth

import (
	"context"
	"fmt"
	"time"

	"causerie/media"
)

// Camera is a synthetic video source. It draws a moving pattern, paced at
// its frame rate by its clock, and stamps every frame with its capture time
// (see Stamp), so that a receiver can compute capture-to-display latency
// from the decoded picture alone.
//
// Create a Camera with NewCamera; it is not safe for concurrent use.
type Camera struct {
	w, h, fps int
	now       func() time.Time
	wait      waiter
	pat       *pattern

	started bool
	start   time.Time // when slot 0 was due: the first ReadFrame
	slot    int64     // index of the next slot to deliver
}

// NewCamera returns a camera for cfg. It fails with ErrInvalidSize for a
// size that is odd, not positive or above 16383, and with ErrInvalidFPS for
// a frame rate outside 1..240.
func NewCamera(cfg CameraConfig) (*Camera, error) {
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width%2 != 0 || cfg.Height%2 != 0 ||
		cfg.Width > maxDimension || cfg.Height > maxDimension {
		return nil, fmt.Errorf("%w: %dx%d", ErrInvalidSize, cfg.Width, cfg.Height)
	}
	if cfg.FPS <= 0 || cfg.FPS > maxFPS {
		return nil, fmt.Errorf("%w: %d", ErrInvalidFPS, cfg.FPS)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Camera{
		w: cfg.Width, h: cfg.Height, fps: cfg.FPS,
		now:  now,
		wait: waiter{now: now},
		pat:  newPattern(cfg.Width, cfg.Height),
	}, nil
}

// ReadFrame waits for the next frame slot, draws the frame into dst
// (resizing it, reusing its memory when large enough) and returns its
// capture time, which is also stamped into the picture.
//
// Slot n is due at start + n/FPS, where start is the time of the first call,
// whose frame is delivered at once. A caller that keeps up gets frames at
// the frame rate. A caller that comes back late gets one frame at once, for
// the latest slot that has passed, and the slots it missed are dropped, as a
// real camera overwrites frames nobody read: it never gets a burst of
// frames to catch up. The capture time is the clock's reading when the
// frame is drawn, so that latency measured from the stamp includes any
// lateness of the timer.
//
// ReadFrame returns ctx.Err() if ctx ends before the frame is due; dst is
// then unchanged. dst must not be nil.
func (c *Camera) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	now := c.now()
	if !c.started {
		c.started, c.start, c.slot = true, now, 0
	}
	due := c.start.Add(offset(c.slot, c.fps))
	if now.Before(due) {
		if err := c.wait.until(ctx, due); err != nil {
			return time.Time{}, err
		}
	} else if latest := ticks(now.Sub(c.start), c.fps); latest > c.slot {
		c.slot = latest
	}
	c.slot++
	captured := c.now()
	c.Draw(dst, captured)
	return captured, nil
}

// Draw draws the frame for time captured into dst and stamps it, without
// waiting. The picture is a function of captured alone, so tests and
// benchmarks get the same frame for the same time. A nil dst is ignored.
func (c *Camera) Draw(dst *media.I420, captured time.Time) {
	if dst == nil {
		return
	}
	dst.Resize(c.w, c.h)
	ms := captured.UnixMilli()
	c.pat.draw(dst, ms)
	Stamp(dst, ms)
}
