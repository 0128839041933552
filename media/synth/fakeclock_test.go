package synth

import (
	"context"
	"time"
)

// fakeClock is a manual clock for pacing tests. Installed as a waiter's
// sleep hook, it advances by exactly the requested duration, so the tests
// observe the deadlines the code computed without real waiting.
type fakeClock struct {
	t      time.Time
	sleeps int // calls to sleep
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps++
	c.t = c.t.Add(d)
	return nil
}

// wholeSecond is an arbitrary whole wall-clock second used as a reference.
var wholeSecond = time.Unix(1_700_000_000, 0)
