package audio

import (
	"context"
	"sync"
	"testing"
	"time"
)

// pullRecorder is a remote track that records when it is pulled for.
type pullRecorder struct {
	mu sync.Mutex
	at []time.Time
	v  int16
}

func (r *pullRecorder) Pull(pcm []int16, playAt time.Time) {
	r.mu.Lock()
	r.at = append(r.at, playAt)
	r.mu.Unlock()
	for i := range pcm {
		pcm[i] = r.v
	}
}

func (r *pullRecorder) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.at...)
}

func openNull(t *testing.T, cfg Config) *Engine {
	t.Helper()
	cfg.Backend = Null
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// On miniaudio's null backend (a device on a timer), the duplex path
// runs at real-time pace: the microphone delivers silent frames stamped
// 20 ms apart by the device clock, and the speaker pulls each source
// once per 20 ms for times 20 ms apart.
func TestNullDuplex(t *testing.T) {
	e := openNull(t, Config{Capture: true, Playback: true})
	if got := e.InUse(KindMicrophone); got != "NULL Capture Device" {
		t.Fatalf("microphone in use %q", got)
	}
	src := &pullRecorder{v: 1000}
	sp := e.Speaker()
	sp.AddFrom("ann", src)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sp.Run(ctx) }()

	pcm := make([]int16, 960)
	var stamps []time.Time
	start := time.Now()
	for range 50 {
		at, err := e.Mic().ReadFrame(context.Background(), pcm)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range pcm {
			if s != 0 {
				t.Fatalf("null capture gave %d, want silence", s)
			}
		}
		stamps = append(stamps, at)
	}
	elapsed := time.Since(start)
	cancel()
	<-done
	// 50 frames of 20 ms take a second of device time (the first may be
	// waiting already).
	// A loaded machine delays the device's callbacks now and then: the
	// pace holds on average, single gaps vary, stamps only move forward.
	if elapsed < 900*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("50 frames of 20 ms read in %v", elapsed)
	}
	for i := 1; i < len(stamps); i++ {
		if d := stamps[i].Sub(stamps[i-1]); d <= 0 {
			t.Fatalf("frames %d and %d stamped %v apart: not moving forward", i-1, i, d)
		}
	}
	if avg := stamps[len(stamps)-1].Sub(stamps[0]) / time.Duration(len(stamps)-1); avg < 15*time.Millisecond || avg > 25*time.Millisecond {
		t.Fatalf("frames stamped %v apart on average, want 20 ms", avg)
	}
	if last := stamps[len(stamps)-1]; time.Since(last) < 0 || time.Since(last) > 500*time.Millisecond {
		t.Fatalf("last frame stamped %v ago", time.Since(last))
	}

	pulls := src.times()
	if len(pulls) < 40 || len(pulls) > 65 {
		t.Fatalf("%d pulls in %v, want about 50", len(pulls), elapsed)
	}
	// The first pulls fill the lead before the device's first callback,
	// from estimates of when they will play; from then on the device's
	// clock sets the times.
	// The device's callbacks come late now and then on a loaded machine,
	// so single gaps vary; the times only move forward, at 20 ms a pull
	// on average.
	for i := 5; i < len(pulls); i++ {
		if d := pulls[i].Sub(pulls[i-1]); d <= 0 {
			t.Fatalf("pulls %d and %d for times %v apart: not moving forward", i-1, i, d)
		}
	}
	if avg := pulls[len(pulls)-1].Sub(pulls[5]) / time.Duration(len(pulls)-6); avg < 15*time.Millisecond || avg > 25*time.Millisecond {
		t.Fatalf("pulls %v apart on average, want 20 ms", avg)
	}
	if p := sp.Peak(); p != 1000 {
		t.Fatalf("speaker peak %d, want the source's 1000", p)
	}
}
