package apm

import (
	"context"
	"testing"
	"time"

	"causerie/media/synth"
)

// The engine's synthetic microphone must survive the default processing:
// the end-to-end tests find its tone bursts with the onset detector to
// measure latency. The clock runs 10 times fast so 5 s take half a second.
func TestSynthMicThroughCapture(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"off", Config{}}, {"aec", Config{EchoCancel: true}}, {"ns", Config{NoiseSuppress: true}},
		{"agc", Config{AutoGain: true}}, {"hpf", Config{HighPass: true}}, {"defaults", Defaults()},
	} {
		t.Run(tc.name, func(t *testing.T) { synthThrough(t, tc.cfg) })
	}
}

// synthSource replays the synthetic microphone's signal (Mic.Fill) from a
// fixed start, frame after frame, without waiting for real time.
type synthSource struct {
	mic  *synth.Mic
	next time.Time
}

func (s *synthSource) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	at := s.next
	s.mic.Fill(pcm, at)
	s.next = at.Add(time.Duration(len(pcm)) * time.Second / SampleRate)
	return at, nil
}

func synthThrough(t *testing.T, cfg Config) {
	mic, err := synth.NewMic(synth.MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p := newProc(t, cfg)
	src := &synthSource{mic: mic, next: time.Unix(2000, 0).Add(300 * time.Millisecond)}
	p.now = func() time.Time { return src.next } // each frame is read as soon as it is captured
	c := NewCapture(src, p)
	det := synth.NewOnsetDetector(SampleRate)
	pcm := make([]int16, 2*FrameSamples)
	var found, onsets []time.Time
	for range 5 * 50 {
		at, err := c.ReadFrame(context.Background(), pcm)
		if err != nil {
			t.Fatal(err)
		}
		onsets = det.Feed(pcm, at, onsets)
		found = append(found, onsets...)
	}
	if len(found) < 4 {
		t.Fatalf("%d bursts found in 5 s, want ≥ 4", len(found))
	}
	for _, f := range found {
		// The processing delays the voice by up to 14 ms (package
		// documentation; 6 ms here, where the canceller idles without a
		// far end); the detector's own tolerance is a few ms.
		if late := f.Sub(f.Truncate(time.Second)); late > 25*time.Millisecond {
			t.Errorf("burst found %v after its second, want ≤ 25 ms", late)
		}
	}
	t.Logf("%d bursts, first %v after its second", len(found), found[0].Sub(found[0].Truncate(time.Second)))
}
