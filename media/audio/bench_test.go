package audio

import (
	"math"
	"testing"
	"time"

	"causerie/media/playout"
)

// benchEngine is an engine's rings and stamps with no device, to time
// the callback and the mixer alone.
func benchEngine() *Engine {
	return &Engine{base: time.Now(), capRing: newRing(captureRingSamples), playRing: newRing(playbackRingSamples),
		leadSamples: int(defaultLead * SampleRate / time.Second), closed: make(chan struct{}),
		cfg: Config{InputLatency: defaultInputLatency, OutputLatency: defaultOutputLatency}}
}

// The device callback's cost per 10 ms duplex period: copy a captured
// period in, a period to play out, stamp both. It must stay a few
// microseconds: it runs on the sound system's real-time thread.
func BenchmarkCallback(b *testing.B) {
	e := benchEngine()
	s := &stream{e: e, capture: true, playback: true}
	in := make([]byte, 2*PeriodSamples)
	out := make([]byte, 2*PeriodSamples)
	fill := make([]int16, PeriodSamples)
	drain := make([]int16, PeriodSamples)
	b.ReportAllocs()
	for b.Loop() {
		// The other sides of the rings, as the mixer and the microphone's
		// reader would, so the callback copies full periods each time.
		e.playRing.write(fill)
		s.data(out, in, PeriodSamples)
		e.capRing.read(drain)
	}
}

// The speaker's work for one 20 ms period with four participants (one
// at another volume): the play time, the mix with levels, the ring.
func BenchmarkSpeakerPeriod4(b *testing.B) {
	e := benchEngine()
	sp := &Speaker{Mixer: playout.NewMixer(), e: e}
	for i, id := range []string{"a", "b", "c", "d"} {
		pcm := make([]int16, playout.FrameSamples)
		for j := range pcm {
			pcm[j] = int16(3000 * float64(i+1) * math.Sin(2*math.Pi*440*float64(j)/SampleRate))
		}
		sp.AddFrom(id, newLoop(pcm))
	}
	if err := sp.SetVolume("c", 0.5); err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, playout.FrameSamples)
	drain := make([]int16, playout.FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		sp.Mix(pcm, e.playTime(e.playRing.written()))
		e.playRing.write(pcm)
		e.playRing.read(drain)
	}
}

// loop is a source that plays the same period forever.
type loop struct{ pcm []int16 }

func newLoop(pcm []int16) *loop               { return &loop{pcm} }
func (l *loop) Pull(pcm []int16, _ time.Time) { copy(pcm, l.pcm) }
