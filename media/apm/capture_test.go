package apm

import (
	"context"
	"errors"
	"math/rand/v2"
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

// The wiring of a call: the mixer taps its output into Played, the sender
// reads the microphone through Capture. The echo delay is never
// configured; Capture finds it from the timestamps.
func TestCaptureMeasuresDelay(t *testing.T) {
	const (
		period   = 2 * FrameSamples // the engine's 20 ms
		lead     = 30 * time.Millisecond
		seconds  = 6
		echoGain = 0.5
	)
	rng := rand.New(rand.NewPCG(1, 2))
	far := toPCM(whiteNoise(rng, seconds*SampleRate, dbfs(-20)))
	// Period k is handed to Played at the end of period k (clock time
	// (k+1)·20 ms) and heard lead later: far sample n is heard at
	// n/SampleRate + 20 ms + lead, and the microphone sample captured
	// then holds it.
	shift := int((lead + 20*time.Millisecond).Seconds() * SampleRate)
	mic := make([]int16, len(far))
	for n := shift; n < len(mic); n++ {
		mic[n] = int16(echoGain * float64(far[n-shift]))
	}

	p := newProc(t, Config{EchoCancel: true})
	clock := time.Unix(1000, 0)
	p.now = func() time.Time { return clock }
	c := NewCapture(&fakeMic{pcm: mic, clock: &clock}, p)
	out := make([]int16, period)
	var inE, outE float64
	for k := 0; (k+1)*period <= len(far); k++ {
		// At period k's end the mixer plays period k+1 after the lead,
		// and the microphone delivers period k.
		clock = clock.Add(20 * time.Millisecond)
		if err := p.Played(far[k*period:(k+1)*period], clock.Add(lead)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadFrame(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		if k >= 3*SampleRate/period {
			inE += sumSq(fromPCM(mic[k*period : (k+1)*period]))
			outE += sumSq(fromPCM(out))
		}
	}
	// Expected: the speaker frames heard up to refLead after a
	// microphone frame's capture go to the canceller just before it
	// (reference.go), whatever the mixer's lead, so the delay is refLead
	// plus the room's (none here).
	if d := p.lastDelay.Load(); d < 15 || d > 25 {
		t.Errorf("measured delay %d ms, want 15-25 ms", d)
	}
	// Full-band white noise is a harder echo than speech (TestMeasure's
	// speech gets 38 dB); 20 dB shows the canceller locked on the echo.
	if erle := db(inE / outE); erle < 20 {
		t.Errorf("ERLE through Capture %.1f dB, want ≥ 20 dB", erle)
	}
	if c.Errors() != 0 {
		t.Errorf("%d frames failed", c.Errors())
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
