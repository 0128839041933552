package playout

import (
	"errors"
	"math"
	"testing"
	"time"
)

// constSource plays the same sample forever.
type constSource struct{ v int16 }

func (c constSource) Pull(pcm []int16, _ time.Time) {
	for i := range pcm {
		pcm[i] = c.v
	}
}

// toneSource plays a 1 kHz sine of the given amplitude.
type toneSource struct {
	amp float64
	n   int
}

func (t *toneSource) Pull(pcm []int16, _ time.Time) {
	for i := range pcm {
		pcm[i] = int16(t.amp * math.Sin(2*math.Pi*1000*float64(t.n)/48000))
		t.n++
	}
}

// Each participant plays at their own volume, a muted one not at all, and
// a source with no participant at unity.
func TestMixerVolumeAndMute(t *testing.T) {
	m := NewMixer()
	ann, ben, anon := constSource{1000}, constSource{2000}, constSource{10}
	m.AddFrom("ann", ann)
	m.AddFrom("ben", ben)
	m.Add(anon)
	pcm := make([]int16, FrameSamples)
	mix := func() int16 {
		m.Mix(pcm, time.Now())
		for _, s := range pcm[1:] {
			if s != pcm[0] {
				t.Fatalf("uneven mix %d vs %d", s, pcm[0])
			}
		}
		return pcm[0]
	}
	if got := mix(); got != 3010 {
		t.Fatalf("mix %d, want 3010", got)
	}
	if err := m.SetVolume("ann", 0.5); err != nil {
		t.Fatal(err)
	}
	if got := mix(); got != 2510 {
		t.Fatalf("ann at half: %d, want 2510", got)
	}
	m.SetMuted("ben", true)
	if got := mix(); got != 510 {
		t.Fatalf("ben muted: %d, want 510", got)
	}
	if v, muted := m.Volume("ben"); v != 1 || !muted {
		t.Fatalf("ben volume %v muted %v", v, muted)
	}
	m.SetMuted("ben", false)
	if err := m.SetVolume("ben", MaxVolume); err != nil {
		t.Fatal(err)
	}
	if got := mix(); got != 500+8000+10 {
		t.Fatalf("ben at 4×: %d, want 8510", got)
	}
	for _, bad := range []float64{-0.1, math.NaN(), MaxVolume + 0.01, math.Inf(1)} {
		if err := m.SetVolume("ann", bad); !errors.Is(err, ErrVolume) {
			t.Fatalf("volume %v: %v, want ErrVolume", bad, err)
		}
	}
	// Turned up loud enough, the mix clips instead of wrapping around.
	m.AddFrom("cat", constSource{30000})
	if got := mix(); got != 32767 {
		t.Fatalf("clipped mix %d, want 32767", got)
	}
	if p := m.Peak(); p != 32767 {
		t.Fatalf("peak %d", p)
	}
}

// A volume set before the participant's track arrives applies to it; a
// participant whose tracks all left and whose volume was never touched
// is forgotten.
func TestMixerVolumeOutlivesTracks(t *testing.T) {
	m := NewMixer()
	if err := m.SetVolume("ann", 0.25); err != nil {
		t.Fatal(err)
	}
	src := constSource{4000}
	m.AddFrom("ann", src)
	pcm := make([]int16, FrameSamples)
	m.Mix(pcm, time.Now())
	if pcm[0] != 1000 {
		t.Fatalf("ann's later track at %d, want 1000", pcm[0])
	}
	other := constSource{1}
	m.AddFrom("ben", other)
	m.Remove(other)
	m.Remove(src)
	m.mu.Lock()
	_, annKept := m.people["ann"]
	_, benKept := m.people["ben"]
	m.mu.Unlock()
	if !annKept || benKept {
		t.Fatalf("after their tracks left: ann kept %v (want true), ben kept %v (want false)", annKept, benKept)
	}
}

// Levels follow the participant's loudness at once when they speak and
// fall by 3 dB a period when they stop; the level is measured before the
// local volume, so a participant muted here still shows as speaking.
func TestMixerLevels(t *testing.T) {
	m := NewMixer()
	// -20 dBFS RMS: amplitude 32768 × 0.1 × √2.
	tone := &toneSource{amp: 32768 * 0.1 * math.Sqrt2}
	m.AddFrom("ann", tone)
	m.SetMuted("ann", true)
	pcm := make([]int16, FrameSamples)
	m.Mix(pcm, time.Now())
	want := float32(40.0 / 60)
	if got := m.Level("ann"); math.Abs(float64(got-want)) > 0.01 {
		t.Fatalf("level %v for -20 dBFS, want %v", got, want)
	}
	if pcm[0] != 0 || m.Peak() != 0 {
		t.Fatalf("muted participant reached the speaker: peak %d", m.Peak())
	}
	tone.amp = 0
	m.Mix(pcm, time.Now())
	if got := m.Level("ann"); math.Abs(float64(got-(want-levelRelease))) > 0.01 {
		t.Fatalf("level %v one period after silence, want %v", got, want-levelRelease)
	}
	for range 20 {
		m.Mix(pcm, time.Now())
	}
	if got := m.Levels(nil); got["ann"] != 0 || len(got) != 1 {
		t.Fatalf("levels after 400 ms of silence: %v", got)
	}
	if got := m.Level("nobody"); got != 0 {
		t.Fatalf("unknown participant's level %v", got)
	}
}

func TestLoudness(t *testing.T) {
	full := make([]int16, 480)
	for i := range full {
		full[i] = 32767
		if i%2 == 1 {
			full[i] = -32768
		}
	}
	if got := Loudness(full); got < 0.999 {
		t.Fatalf("full scale square wave: %v", got)
	}
	if got := Loudness(make([]int16, 480)); got != 0 {
		t.Fatalf("silence: %v", got)
	}
	if got := Loudness(nil); got != 0 {
		t.Fatalf("nothing: %v", got)
	}
}

// bufSource plays a recorded period again and again: what a source costs
// stays out of the mixer's benchmark.
type bufSource struct{ pcm []int16 }

func (b *bufSource) Pull(pcm []int16, _ time.Time) { copy(pcm, b.pcm) }

// The mixer's cost per 20 ms period with four participants, one of them
// at a volume other than 1 (the multiply path), levels included.
func BenchmarkMix4(b *testing.B) {
	m := NewMixer()
	for i, id := range []string{"a", "b", "c", "d"} {
		buf := &bufSource{make([]int16, FrameSamples)}
		(&toneSource{amp: 3000 * float64(i+1)}).Pull(buf.pcm, time.Time{})
		m.AddFrom(id, buf)
	}
	if err := m.SetVolume("c", 1.5); err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m.Mix(pcm, now)
	}
}
