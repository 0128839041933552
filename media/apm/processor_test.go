package apm

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

func newProc(t testing.TB, cfg Config) *Processor {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func tone(n, offset int, amp, hz float64) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(offset+i)/SampleRate))
	}
	return pcm
}

func TestFrameSize(t *testing.T) {
	p := newProc(t, Defaults())
	for _, n := range []int{0, 1, FrameSamples - 1, FrameSamples + 1, 960} {
		pcm := make([]int16, n)
		if err := p.Far(pcm); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Far(%d samples) = %v, want ErrFrameSize", n, err)
		}
		if _, err := p.Near(pcm); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Near(%d samples) = %v, want ErrFrameSize", n, err)
		}
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, d := range []time.Duration{-time.Millisecond, MaxStreamDelay + time.Millisecond} {
		cfg := Defaults()
		cfg.StreamDelay = d
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(StreamDelay %v) = %v, want ErrInvalidConfig", d, err)
		}
	}
}

func TestClosed(t *testing.T) {
	p, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	pcm := make([]int16, FrameSamples)
	if err := p.Far(pcm); !errors.Is(err, ErrClosed) {
		t.Errorf("Far after Close = %v", err)
	}
	if _, err := p.Near(pcm); !errors.Is(err, ErrClosed) {
		t.Errorf("Near after Close = %v", err)
	}
	if _, ok := p.EchoMetrics(); ok {
		t.Error("EchoMetrics after Close reported ok")
	}
}

// With every stage off the module must not touch the signal: the "off"
// column of the measurements is the microphone itself.
func TestPassThrough(t *testing.T) {
	p := newProc(t, Config{})
	for k := range 50 {
		in := tone(FrameSamples, k*FrameSamples, 8000, 440)
		out := append([]int16(nil), in...)
		if err := p.Far(in); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Near(out); err != nil {
			t.Fatal(err)
		}
		for i := range in {
			if in[i] != out[i] {
				t.Fatalf("frame %d sample %d: %d became %d", k, i, in[i], out[i])
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	p := newProc(t, Defaults())
	far := tone(FrameSamples, 0, 8000, 440)
	near := tone(FrameSamples, 0, 4000, 700)
	allocs := testing.AllocsPerRun(200, func() {
		if err := p.Far(far); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Near(near); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame pair, want 0", allocs)
	}
}

// Far and Near from two goroutines, as the playout mixer and the capture
// loop call them, with SetDelay and a Close racing at the end (run with
// -race).
func TestConcurrent(t *testing.T) {
	p, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	run := func(f func([]int16) error) {
		defer wg.Done()
		pcm := make([]int16, FrameSamples)
		for k := 0; ; k++ {
			copy(pcm, tone(FrameSamples, k*FrameSamples, 6000, 300))
			if err := f(pcm); errors.Is(err, ErrClosed) {
				return
			} else if err != nil {
				t.Error(err)
				return
			}
		}
	}
	wg.Add(2)
	go run(p.Far)
	go run(func(pcm []int16) error { _, err := p.Near(pcm); return err })
	for i := range 20 {
		p.SetDelay(time.Duration(i*10) * time.Millisecond)
		time.Sleep(5 * time.Millisecond)
	}
	p.Close()
	wg.Wait()
}
