package synth

import (
	"context"
	"time"
)

// waiter blocks until a deadline measured on an injectable clock. It keeps
// one timer for its whole life so that pacing a stream costs no allocation
// per frame.
type waiter struct {
	now   func() time.Time
	timer *time.Timer

	// sleep, when set, replaces the real timer. Tests set it to advance a
	// fake clock instead of sleeping.
	sleep func(ctx context.Context, d time.Duration) error
}

// until returns nil once now() is at or after deadline, or ctx.Err() if ctx
// ends first. It re-reads the clock after every sleep because an injected
// clock need not advance at the rate of the real timer.
func (w *waiter) until(ctx context.Context, deadline time.Time) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := deadline.Sub(w.now())
		if d <= 0 {
			return nil
		}
		if err := w.sleepFor(ctx, d); err != nil {
			return err
		}
	}
}

func (w *waiter) sleepFor(ctx context.Context, d time.Duration) error {
	if w.sleep != nil {
		return w.sleep(ctx, d)
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		// Since Go 1.23 Reset on a fired or stopped timer never leaves a
		// stale tick in the channel, so no drain is needed.
		w.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		w.timer.Stop()
		return ctx.Err()
	case <-w.timer.C:
		return nil
	}
}
