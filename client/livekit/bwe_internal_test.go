package livekit

import (
	"testing"
	"time"
)

// TestLossControllerDecreasesOncePerRTT: under heavy loss the target drops
// by half the loss, but not again before 300 ms plus a round trip, however
// many reports say so.
func TestLossControllerDecreasesOncePerRTT(t *testing.T) {
	c := lossController{target: 1_000_000}
	now := time.Unix(1000, 0)
	rtt := 100 * time.Millisecond
	if got := c.update(now, 0.4, rtt, 2_000_000); got != 800_000 {
		t.Fatalf("40%% loss: %d, want 800000", got)
	}
	for i := 1; i <= 3; i++ {
		if got := c.update(now.Add(time.Duration(i)*100*time.Millisecond), 0.4, rtt, 2_000_000); got != 800_000 {
			t.Fatalf("second cut %d ms after the first: %d", i*100, got)
		}
	}
	if got := c.update(now.Add(400*time.Millisecond), 0.4, rtt, 2_000_000); got != 640_000 {
		t.Fatalf("after 400 ms: %d, want 640000", got)
	}
}

// TestLossControllerHoldsThenFollows: between 2% and 10% the target holds;
// below 2% the delay-based target rules, and it always caps the result.
func TestLossControllerHoldsThenFollows(t *testing.T) {
	c := lossController{target: 600_000}
	now := time.Unix(1000, 0)
	if got := c.update(now, 0.05, 0, 2_000_000); got != 600_000 {
		t.Errorf("5%% loss: %d, want 600000 held", got)
	}
	if got := c.update(now, 0.05, 0, 400_000); got != 400_000 {
		t.Errorf("delay target below: %d, want 400000", got)
	}
	if got := c.update(now, 0.01, 0, 900_000); got != 900_000 {
		t.Errorf("clean path: %d, want the delay target 900000", got)
	}
	for range 20 {
		c.update(now, 0.9, 0, 900_000)
		now = now.Add(time.Second)
	}
	if c.target != bweMinBps {
		t.Errorf("after long heavy loss: %d, want the floor %d", c.target, bweMinBps)
	}
}

// TestRamp: without congestion the estimate grows 2% a poll from the
// controllers' estimate, never past twice what is sent; any sign of
// congestion hands back the controllers' estimate at once; near the rate
// sent then, it grows 0.5% a poll, and fast again beyond 120% of it.
func TestRamp(t *testing.T) {
	var r ramp
	if got := r.update(400_000, false, 1_000_000); got != 408_000 {
		t.Errorf("first step: %d, want 408000", got)
	}
	for range 100 {
		r.update(400_000, false, 300_000)
	}
	if got := r.update(400_000, false, 300_000); got != 2*300_000+bweMinBps {
		t.Errorf("sending 300 kbps: ramp at %d, want its bound %d", got, 2*300_000+bweMinBps)
	}
	if got := r.update(350_000, true, 400_000); got != 350_000 {
		t.Errorf("congested: %d, want the controllers' 350000", got)
	}
	if got := r.update(300_000, false, 400_000); got != 306_000 {
		t.Errorf("below the congested rate: %d, want 306000", got)
	}
	if got := r.update(400_000, false, 400_000); got != 402_000 {
		t.Errorf("at the congested rate: %d, want 402000", got)
	}
	if got := r.update(500_000, false, 400_000); got != 510_000 {
		t.Errorf("past 120%% of the congested rate: %d, want 510000", got)
	}
}

// TestMinWindow: the least round trip of the last 10 s.
func TestMinWindow(t *testing.T) {
	var w minWindow
	now := time.Unix(1000, 0)
	if w.min(now) != 0 {
		t.Error("no samples, yet a minimum")
	}
	w.add(now, 5*time.Millisecond)
	w.add(now.Add(time.Second), 200*time.Millisecond)
	if got := w.min(now.Add(2 * time.Second)); got != 5*time.Millisecond {
		t.Errorf("min %v, want 5ms", got)
	}
	if got := w.min(now.Add(10500 * time.Millisecond)); got != 200*time.Millisecond {
		t.Errorf("min %v once the 5 ms sample is 10.5 s old, want 200ms", got)
	}
}
