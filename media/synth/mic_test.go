package synth

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestNewMicValidates(t *testing.T) {
	tests := []struct {
		name      string
		cfg       MicConfig
		want      error
		rate, len int
	}{
		{"defaults", MicConfig{}, nil, 48000, 960},
		{"16 kHz default frame", MicConfig{SampleRate: 16000}, nil, 16000, 320},
		{"10 ms", MicConfig{FrameSamples: 480}, nil, 48000, 480},
		{"one second", MicConfig{FrameSamples: 48000}, nil, 48000, 48000},
		{"rate too low", MicConfig{SampleRate: 4000}, ErrInvalidSampleRate, 0, 0},
		{"rate too high", MicConfig{SampleRate: 384000}, ErrInvalidSampleRate, 0, 0},
		{"negative rate", MicConfig{SampleRate: -48000}, ErrInvalidSampleRate, 0, 0},
		{"negative frame", MicConfig{FrameSamples: -1}, ErrInvalidFrameSamples, 0, 0},
		{"frame over a second", MicConfig{FrameSamples: 48001}, ErrInvalidFrameSamples, 0, 0},
	}
	for _, tt := range tests {
		m, err := NewMic(tt.cfg)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			continue
		}
		if err == nil && (m.SampleRate() != tt.rate || m.FrameSamples() != tt.len) {
			t.Errorf("%s: %d Hz, %d samples; want %d, %d", tt.name, m.SampleRate(), m.FrameSamples(), tt.rate, tt.len)
		}
	}
}

// tone returns the burst's expected value j samples after its start, at
// 48 kHz, without noise.
func tone(j int) float64 {
	return burstAmplitude * math.Sin(2*math.Pi*toneHz*float64(j)/48000)
}

func TestMicBurstStartsOnWholeSecond(t *testing.T) {
	m, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 960)
	// 7 ms before the second is exactly 336 samples at 48 kHz.
	m.Fill(pcm, wholeSecond.Add(-7*time.Millisecond))
	const start = 336
	for k := range start {
		if v := int(pcm[k]); v > noisePeak || v < -noisePeak {
			t.Fatalf("sample %d (before the second) = %d, want noise within ±%d", k, v, noisePeak)
		}
	}
	for j := range len(pcm) - start {
		if d := math.Abs(float64(pcm[start+j]) - tone(j)); d > noisePeak+1 {
			t.Fatalf("sample %d = %d, want tone %.0f ±%d", start+j, pcm[start+j], tone(j), noisePeak)
		}
	}
	// The sample right after the first is already well above the noise:
	// the burst cannot have started one sample later.
	if pcm[start+1] < 1000 {
		t.Fatalf("second burst sample = %d, want about %.0f", pcm[start+1], tone(1))
	}
}

func TestMicBurstSubsampleOffset(t *testing.T) {
	m, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 960)
	// Samples fall 5 µs after -7 ms + k/48000: sample 335 is captured
	// 15.8 µs before the second, 336 is 5 µs after it and starts the burst
	// with the tone's phase at 5 µs.
	m.Fill(pcm, wholeSecond.Add(-7*time.Millisecond+5*time.Microsecond))
	if v := int(pcm[335]); v > noisePeak || v < -noisePeak {
		t.Fatalf("sample 335 = %d, want noise", v)
	}
	for j := range 10 {
		want := burstAmplitude * math.Sin(2*math.Pi*toneHz*(5e-6+float64(j)/48000))
		if d := math.Abs(float64(pcm[336+j]) - want); d > noisePeak+1 {
			t.Fatalf("sample %d = %d, want %.0f", 336+j, pcm[336+j], want)
		}
	}
}

func TestMicBurstLengthAndLevel(t *testing.T) {
	m, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 48000)
	m.Fill(pcm, wholeSecond)
	var burst, rest float64
	for k, v := range pcm {
		if k < 4800 {
			burst += float64(v) * float64(v)
		} else {
			rest += float64(v) * float64(v)
			if v > noisePeak || v < -noisePeak {
				t.Fatalf("sample %d after the 100 ms burst = %d", k, v)
			}
		}
	}
	burstDB := 10 * math.Log10(burst/4800/(32767*32767))
	restDB := 10 * math.Log10(rest/43200/(32767*32767))
	// A -12 dBFS peak sine has an RMS of -15 dBFS.
	if math.Abs(burstDB+15) > 0.2 {
		t.Errorf("burst RMS %.1f dBFS, want -15", burstDB)
	}
	if math.Abs(restDB+70) > 1.5 {
		t.Errorf("noise RMS %.1f dBFS, want -70", restDB)
	}
}

func TestMicFillDeterministic(t *testing.T) {
	m, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := make([]int16, 960), make([]int16, 960)
	at := wholeSecond.Add(-10 * time.Millisecond)
	m.Fill(a, at)
	m.Fill(b, at)
	if string(int16Bytes(a)) != string(int16Bytes(b)) {
		t.Fatal("Fill differs for the same time")
	}
}

func int16Bytes(s []int16) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, v := range s {
		b = append(b, byte(v), byte(v>>8))
	}
	return b
}

func newFakeMic(t testing.TB) (*Mic, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: wholeSecond.Add(-30 * time.Millisecond)}
	m, err := NewMic(MicConfig{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	m.wait.sleep = clk.sleep
	return m, clk
}

func TestMicReadFramePacing(t *testing.T) {
	m, clk := newFakeMic(t)
	start := clk.t
	ctx := context.Background()
	pcm := make([]int16, 960)
	want := make([]int16, 960)
	for n := range int64(5) {
		first, err := m.ReadFrame(ctx, pcm)
		if err != nil {
			t.Fatal(err)
		}
		if w := start.Add(time.Duration(n) * 20 * time.Millisecond); !first.Equal(w) {
			t.Fatalf("frame %d starts at %v, want %v", n, first.Sub(start), w.Sub(start))
		}
		// Delivered once its last sample is captured, not before.
		if w := first.Add(20 * time.Millisecond); !clk.t.Equal(w) {
			t.Fatalf("frame %d delivered at %v, want %v", n, clk.t.Sub(start), w.Sub(start))
		}
		m.Fill(want, first)
		if string(int16Bytes(pcm)) != string(int16Bytes(want)) {
			t.Fatalf("frame %d content differs from Fill at its capture time", n)
		}
	}

	// A 60 ms stall (three frames) is caught up from the backlog: three
	// frames at once, contiguous, then paced again.
	clk.t = clk.t.Add(60 * time.Millisecond)
	sleeps := clk.sleeps
	for n := int64(5); n < 8; n++ {
		first, err := m.ReadFrame(ctx, pcm)
		if err != nil {
			t.Fatal(err)
		}
		if w := start.Add(time.Duration(n) * 20 * time.Millisecond); !first.Equal(w) {
			t.Fatalf("backlog frame %d starts at %v, want %v", n, first.Sub(start), w.Sub(start))
		}
	}
	if clk.sleeps != sleeps {
		t.Fatalf("slept %d times while catching up a backlog", clk.sleeps-sleeps)
	}

	// A 300 ms stall overruns the 100 ms backlog: the next frame is the
	// latest complete one.
	clk.t = clk.t.Add(300 * time.Millisecond) // now start+460ms
	first, err := m.ReadFrame(ctx, pcm)
	if err != nil {
		t.Fatal(err)
	}
	if w := start.Add(440 * time.Millisecond); !first.Equal(w) {
		t.Fatalf("after overrun frame starts at %v, want %v", first.Sub(start), w.Sub(start))
	}
	first, err = m.ReadFrame(ctx, pcm)
	if err != nil {
		t.Fatal(err)
	}
	if w := start.Add(460 * time.Millisecond); !first.Equal(w) || !clk.t.Equal(start.Add(480*time.Millisecond)) {
		t.Fatalf("next frame starts at %v delivered at %v, want 460ms, 480ms", first.Sub(start), clk.t.Sub(start))
	}
}

func TestMicReadFrameErrors(t *testing.T) {
	m, _ := newFakeMic(t)
	if _, err := m.ReadFrame(context.Background(), make([]int16, 959)); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("short buffer: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.ReadFrame(ctx, make([]int16, 960)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}

	real, err := NewMic(MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	// The first frame is due 20 ms after the call.
	if _, err := real.ReadFrame(ctx, make([]int16, 960)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: err = %v", err)
	}
}

func TestMicRealClock(t *testing.T) {
	m, err := NewMic(MicConfig{FrameSamples: 480})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 480)
	t0 := time.Now()
	var first, prev time.Time
	for n := range 5 {
		ts, err := m.ReadFrame(context.Background(), pcm)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			first = ts
		} else if d := ts.Sub(prev); d != 10*time.Millisecond {
			t.Fatalf("frames %v apart, want 10ms", d)
		}
		prev = ts
	}
	// Five 10 ms frames are complete 50 ms after the first call.
	if d := time.Since(t0); d < 50*time.Millisecond || d > time.Second {
		t.Fatalf("5 frames took %v, want 50ms", d)
	}
	if first.Before(t0) {
		t.Fatalf("first sample captured %v before the first call", t0.Sub(first))
	}
}

func TestMicNoAllocs(t *testing.T) {
	m, _ := newFakeMic(t)
	pcm := make([]int16, 960)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		if _, err := m.ReadFrame(ctx, pcm); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("ReadFrame allocates %v times per frame", n)
	}
}
