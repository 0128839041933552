package playout

import (
	"context"
	"sync"
	"testing"
	"time"
)

type recSource struct {
	mu sync.Mutex
	at []time.Time
}

func (r *recSource) Pull(pcm []int16, playAt time.Time) {
	r.mu.Lock()
	r.at = append(r.at, playAt)
	r.mu.Unlock()
	for i := range pcm {
		pcm[i] = 1000
	}
}

// The null speaker pulls every source once a period, on a schedule that
// does not drift, and mixes what it gets.
func TestNullPullsOnSchedule(t *testing.T) {
	n := NewNull()
	a, b := &recSource{}, &recSource{}
	n.Add(a)
	n.Add(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	n.Remove(b)
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done

	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.at) < 5 {
		t.Fatalf("%d pulls in 400 ms", len(a.at))
	}
	for i := 1; i < len(a.at); i++ {
		if d := a.at[i].Sub(a.at[i-1]); d != framePeriod {
			t.Fatalf("pulls %d and %d are %v apart, want exactly %v", i-1, i, d, framePeriod)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.at) >= len(a.at) {
		t.Fatalf("removed source pulled %d times, kept one %d", len(b.at), len(a.at))
	}
	if p := n.Peak(); p != 1000 {
		t.Fatalf("peak %d after b was removed, want 1000", p)
	}
}

// The tap sees every period as mixed (sources summed, clipped), stamped
// with the time it plays.
func TestNullTap(t *testing.T) {
	n := NewNull()
	n.Add(&recSource{})
	n.Add(&recSource{})
	type period struct {
		first, last int16
		at          time.Time
	}
	got := make(chan period, 64)
	n.SetTap(func(pcm []int16, at time.Time) {
		select {
		case got <- period{pcm[0], pcm[len(pcm)-1], at}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	time.Sleep(150 * time.Millisecond)
	cancel()
	<-done
	close(got)
	var prev time.Time
	count := 0
	for p := range got {
		if p.first != 2000 || p.last != 2000 {
			t.Fatalf("tap got %d..%d, want the mix 2000", p.first, p.last)
		}
		if !prev.IsZero() && p.at.Sub(prev) != framePeriod {
			t.Fatalf("tapped periods %v apart", p.at.Sub(prev))
		}
		prev = p.at
		count++
	}
	if count < 3 {
		t.Fatalf("%d tapped periods in 150 ms", count)
	}
}
