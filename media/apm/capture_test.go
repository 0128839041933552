package apm

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeMic delivers 20 ms frames of a prepared signal, each stamped with
// the capture time of its first sample on a fake clock that the test
// advances.
type fakeMic struct {
	pcm   []int16
	next  int
	clock *time.Time
}

func (m *fakeMic) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if m.next+len(pcm) > len(m.pcm) {
		return time.Time{}, context.Canceled
	}
	copy(pcm, m.pcm[m.next:])
	at := m.clock.Add(-time.Duration(len(pcm)) * time.Second / SampleRate)
	m.next += len(pcm)
	return at, nil
}

// In the wiring of a call (echoCall), Capture finds the echo delay from
// the timestamps.
func TestCaptureMeasuresDelay(t *testing.T) {
	erle, p := echoCall(t, Config{EchoCancel: true}, &schedule{}, &schedule{})
	// Expected: the speaker frames heard up to refLead after a
	// microphone frame's capture go to the canceller just before it
	// (reference.go), whatever the mixer's lead, so the delay is refLead
	// plus the room's (none here).
	if d := p.lastDelay.Load(); d < 15 || d > 25 {
		t.Errorf("measured delay %d ms, want 15-25 ms", d)
	}
	// Full-band white noise is a harder echo than speech (TestMeasure's
	// speech gets 38 dB); 20 dB shows the canceller locked on the echo.
	if erle < 20 {
		t.Errorf("ERLE through Capture %.1f dB, want ≥ 20 dB", erle)
	}
}

func TestCaptureFrameSize(t *testing.T) {
	p := newProc(t, Defaults())
	clock := time.Now()
	c := NewCapture(&fakeMic{pcm: make([]int16, SampleRate), clock: &clock}, p)
	if _, err := c.ReadFrame(context.Background(), make([]int16, 500)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("ReadFrame(500 samples) = %v, want ErrFrameSize", err)
	}
	if err := p.Played(make([]int16, 700), clock); !errors.Is(err, ErrFrameSize) {
		t.Errorf("Played(700 samples) = %v, want ErrFrameSize", err)
	}
}

func TestCaptureNoAllocations(t *testing.T) {
	p := newProc(t, Defaults())
	clock := time.Unix(3000, 0)
	p.now = func() time.Time { return clock }
	c := NewCapture(&fakeMic{pcm: make([]int16, 10*SampleRate), clock: &clock}, p)
	far := make([]int16, 2*FrameSamples)
	pcm := make([]int16, 2*FrameSamples)
	allocs := testing.AllocsPerRun(100, func() {
		clock = clock.Add(20 * time.Millisecond)
		if err := p.Played(far, clock); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadFrame(context.Background(), pcm); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 20 ms period, want 0", allocs)
	}
}
