package audio

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"causerie/media/playout"
	"causerie/media/synth"
)

// The ring hands every sample over in order, across the wrap, with the
// producer and the consumer on different goroutines and neither waiting
// for the other.
func TestRingOrder(t *testing.T) {
	q := newRing(1000) // 1024
	if q.size() != 1024 {
		t.Fatalf("size %d", q.size())
	}
	const total = 200000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]int16, 480)
		next := 0
		for next < total {
			n := min(len(buf), total-next)
			for i := range n {
				buf[i] = int16(next + i)
			}
			w := q.write(buf[:n])
			next += w
			if w == 0 {
				time.Sleep(10 * time.Microsecond)
			}
		}
	}()
	got := make([]int16, 700)
	want := 0
	for want < total {
		n := q.read(got)
		for _, s := range got[:n] {
			if s != int16(want) {
				t.Fatalf("sample %d is %d", want, s)
			}
			want++
		}
		if n == 0 {
			time.Sleep(10 * time.Microsecond)
		}
	}
	wg.Wait()
	if q.len() != 0 || q.readPos() != total || q.written() != total {
		t.Fatalf("left %d, read %d, written %d", q.len(), q.readPos(), q.written())
	}
}

// A full ring takes no more; skip drops only what waits.
func TestRingFullAndSkip(t *testing.T) {
	q := newRing(16)
	if n := q.write(make([]int16, 20)); n != 16 {
		t.Fatalf("wrote %d into 16", n)
	}
	if n := q.write([]int16{1}); n != 0 {
		t.Fatalf("wrote %d into a full ring", n)
	}
	q.skip(10)
	q.skip(100)
	if q.len() != 0 || q.readPos() != 16 {
		t.Fatalf("after skipping: %d left at %d", q.len(), q.readPos())
	}
}

// A reader sees a stamp whole, never the position of one with the time
// of another.
func TestStampConsistent(t *testing.T) {
	var s stamp
	if _, _, ok := s.load(); ok {
		t.Fatal("a stamp before the first store")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(1); i <= 100000; i++ {
			s.store(uint64(i), i*7)
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		if p, at, ok := s.load(); ok && at != int64(p)*7 {
			t.Fatalf("torn stamp: %d at %d", p, at)
		}
	}
}

func TestFind(t *testing.T) {
	list := []Device{
		{ID: "alsa_output.pci.analog-stereo", Name: "Built-in Audio Analog Stereo", Default: true},
		{ID: "alsa_output.usb-Logitech", Name: "Logitech USB Headset"},
		{ID: "hdmi", Name: "HDMI Output"},
		{ID: "hdmi2", Name: "HDMI Output 2"},
	}
	for _, c := range []struct{ want, got string }{
		{"alsa_output.usb-Logitech", "Logitech USB Headset"},
		{"Logitech USB Headset", "Logitech USB Headset"},
		{"logitech usb headset", "Logitech USB Headset"},
		{"headset", "Logitech USB Headset"},
		{"HDMI Output", "HDMI Output"},
		{"hdmi", "HDMI Output"},
	} {
		d, err := Find(list, c.want)
		if err != nil || d.Name != c.got {
			t.Errorf("Find(%q) = %q, %v; want %q", c.want, d.Name, err, c.got)
		}
	}
	for _, bad := range []string{"output", "speakers", ""} {
		if _, err := Find(list, bad); !errors.Is(err, ErrNoDevice) {
			t.Errorf("Find(%q): %v, want ErrNoDevice", bad, err)
		}
	}
	if DefaultName(list) != "Built-in Audio Analog Stereo" || DefaultName(nil) != "" {
		t.Error("DefaultName")
	}
}

// malgo's BackendNull is miniaudio's custom backend; ours is the real
// null one, which lists its two devices.
func TestNullBackendList(t *testing.T) {
	d, err := List(Null)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Microphones) != 1 || len(d.Speakers) != 1 || !d.Speakers[0].Default || d.Speakers[0].Name != "NULL Playback Device" {
		t.Fatalf("null backend lists %+v", d)
	}
}

// A name that no device has is refused at Open, and by SetMic, which
// keeps the device in use.
func TestOpenUnknownDevice(t *testing.T) {
	if _, err := Open(Config{Backend: Null, Capture: true, Mic: "USB Headset"}); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("Open with an unknown microphone: %v", err)
	}
	e := openNull(t, Config{Capture: true})
	if err := e.SetMic("USB Headset"); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("SetMic: %v", err)
	}
	if err := e.SetSpeaker("NULL Playback Device"); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("SetSpeaker on an engine without a speaker: %v", err)
	}
	if got := e.InUse(KindMicrophone); got != "NULL Capture Device" {
		t.Fatalf("in use after a failed SetMic: %q", got)
	}
}

// Reads end with the context, and with the engine.
func TestMicEnds(t *testing.T) {
	e := openNull(t, Config{Capture: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	pcm := make([]int16, 48000) // a second: more than 50 ms brings
	if _, err := e.Mic().ReadFrame(ctx, pcm); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read past its context: %v", err)
	}
	go func() { time.Sleep(50 * time.Millisecond); e.Close() }()
	if _, err := e.Mic().ReadFrame(context.Background(), pcm); !errors.Is(err, ErrClosed) {
		t.Fatalf("read on a closed engine: %v", err)
	}
	e.Close() // twice is fine
}

// The chime is 400 ms of two notes, loud but not clipped, starting and
// ending quietly (no click).
func TestChime(t *testing.T) {
	pcm := Chime()
	if len(pcm) != SampleRate*2/5 {
		t.Fatalf("%d samples", len(pcm))
	}
	var peak int
	for _, s := range pcm {
		peak = max(peak, int(s), -int(s))
	}
	if peak < 10000 || peak > 20000 {
		t.Fatalf("peak %d, want about -6 dBFS", peak)
	}
	if abs(int(pcm[0])) > 100 || abs(int(pcm[len(pcm)-1])) > 3000 {
		t.Fatalf("starts at %d, ends at %d", pcm[0], pcm[len(pcm)-1])
	}
	// Each note is its own pitch: count zero crossings of each half.
	half := len(pcm) / 2
	for k, f := range []float64{880, 1318.5} {
		cross := 0
		for i := k*half + 1; i < (k+1)*half; i++ {
			if (pcm[i-1] < 0) != (pcm[i] < 0) {
				cross++
			}
		}
		// The octave partial adds crossings; the fundamental sets at
		// least two a cycle.
		if got := float64(cross) / 2 / 0.2; got < f*0.95 {
			t.Fatalf("note %d: %v crossings a second, want at least %v", k, got, f)
		}
	}
}

func abs(x int) int { return max(x, -x) }

// The speaker test through the null speaker: the whole chime reaches the
// mix, then the clip is gone.
func TestPlaySound(t *testing.T) {
	sp := playout.NewNull()
	var mu sync.Mutex
	var peak int16
	sp.SetTap(func(pcm []int16, _ time.Time) {
		mu.Lock()
		for _, s := range pcm {
			peak = max(peak, s)
		}
		mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sp.Run(ctx) }()
	defer func() { cancel(); <-done }()
	start := time.Now()
	tctx, tcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer tcancel()
	if err := PlaySound(tctx, sp, Chime()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("a 400 ms chime played in %v", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak < 10000 {
		t.Fatalf("the mix peaked at %d", peak)
	}
}

// The meter follows the microphone: the synthetic one's tone bursts
// (-12 dBFS peak, about -15 dBFS RMS) read about 0.75, its quiet noise
// between them (-70 dBFS) 0.
func TestMeter(t *testing.T) {
	mic, err := synth.NewMic(synth.MicConfig{SampleRate: SampleRate, FrameSamples: PeriodSamples})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMeter(mic)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var lo, hi float32 = 1, 0
	deadline := time.Now().Add(1300 * time.Millisecond)
	for time.Now().Before(deadline) {
		l := m.Level()
		lo, hi = min(lo, l), max(hi, l)
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := float32((20*math.Log10(8231/math.Sqrt2/32768) + 60) / 60)
	if math.Abs(float64(hi-want)) > 0.05 || lo > 0.01 || math.Abs(float64(m.Peak()-want)) > 0.05 {
		t.Fatalf("levels %v..%v, peak %v; want 0..%v", lo, hi, m.Peak(), want)
	}
}

// TestPulseExpected: a sound server named by PULSE_SERVER, or whose socket
// is in the runtime directory, is retried before ALSA; none is not.
func TestPulseExpected(t *testing.T) {
	t.Setenv("PULSE_SERVER", "")
	t.Setenv("PULSE_RUNTIME_PATH", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if pulseExpected() {
		t.Error("expected a server with no socket and no PULSE_SERVER")
	}
	dir := t.TempDir()
	t.Setenv("PULSE_RUNTIME_PATH", dir)
	if err := os.WriteFile(filepath.Join(dir, "native"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !pulseExpected() {
		t.Error("no server expected with a socket in PULSE_RUNTIME_PATH")
	}
	t.Setenv("PULSE_RUNTIME_PATH", "")
	t.Setenv("PULSE_SERVER", "unix:/nowhere")
	if !pulseExpected() {
		t.Error("no server expected with PULSE_SERVER set")
	}
}
