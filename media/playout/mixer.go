package playout

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// ErrVolume: a volume that is negative, not a number, or above MaxVolume.
var ErrVolume = errors.New("playout: volume out of range")

// MaxVolume is the loudest a participant can be turned up: four times
// (+12 dB), enough to bring a quiet microphone to a normal level without
// letting a slider push everyone into clipping.
const MaxVolume = 4.0

// levelFloorDB is the bottom of the level scale: -60 dBFS is below any
// microphone's noise floor after Opus, so a silent participant reads 0.
const levelFloorDB = -60

// levelRelease is how much a participant's level falls per 20 ms period
// once they stop: 0.05 of the 60 dB scale is 3 dB a period, so a speaking
// indicator polled at 10 to 15 Hz never misses a syllable yet goes dark
// within a fifth of a second after the last one.
const levelRelease = 0.05

// gainOne is unity gain in the mixer's fixed point (Q12): 4096 steps per
// unit leave 19 bits of headroom in an int32 for a sample times MaxVolume.
const gainOne = 1 << 12

// Mixer pulls every remote track, one period at a time, and mixes them
// into one output, each participant at their own volume. It is the core
// of every speaker: Null runs it on a timer, a sound device (media/audio)
// on the device's clock. Add, Remove and the volume controls may be called
// from any goroutine; Mix from one goroutine at a time.
type Mixer struct {
	mu      sync.Mutex
	sources map[Source]*input
	people  map[string]*person

	// Scratch of Mix, which runs on one goroutine at a time.
	pcm []int16
	acc []int32

	peak atomic.Int32
	tap  atomic.Pointer[Tap]
}

type input struct {
	who *person
}

// person is what the mixer knows of one participant: their volume, and
// their level for speaking indicators.
type person struct {
	gain    atomic.Int32 // Q12
	muted   atomic.Bool
	level   atomic.Uint32 // float32 bits, 0..1
	sources int           // guarded by Mixer.mu
	set     bool          // volume or mute set by the user: kept without sources
}

// Tap receives each period the speaker plays, mixed and clipped, with
// the time it is heard: the echo canceller's reference. It runs on the
// mixer's goroutine and must return quickly (well under a period); pcm
// is reused after it returns.
type Tap func(pcm []int16, playAt time.Time)

// NewMixer returns a mixer with no sources.
func NewMixer() *Mixer {
	return &Mixer{sources: map[Source]*input{}, people: map[string]*person{}}
}

// SetTap installs t (nil removes it); it takes effect from the next
// period.
func (m *Mixer) SetTap(t Tap) {
	if t == nil {
		m.tap.Store(nil)
		return
	}
	m.tap.Store(&t)
}

// Add starts pulling src, a source of no participant in particular.
func (m *Mixer) Add(src Source) { m.AddFrom("", src) }

// AddFrom starts pulling src, a track of participant (their identity):
// the participant's volume and mute apply to it, and its sound counts in
// their level.
func (m *Mixer) AddFrom(participant string, src Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.sources[src]; old != nil {
		old.who.sources--
	}
	p := m.personLocked(participant)
	p.sources++
	m.sources[src] = &input{who: p}
}

// Remove stops pulling src; once it returns, src is not pulled again.
func (m *Mixer) Remove(src Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	in := m.sources[src]
	if in == nil {
		return
	}
	delete(m.sources, src)
	in.who.sources--
	m.forgetLocked()
}

func (m *Mixer) personLocked(participant string) *person {
	p := m.people[participant]
	if p == nil {
		p = &person{}
		p.gain.Store(gainOne)
		m.people[participant] = p
	}
	return p
}

// forgetLocked drops the participants who have no source left and whose
// volume the user never touched, so a long meeting does not accumulate
// everyone who ever passed through.
func (m *Mixer) forgetLocked() {
	for id, p := range m.people {
		if p.sources == 0 && !p.set {
			delete(m.people, id)
		}
	}
}

// SetVolume sets how loud participant plays, 0 (silent) to MaxVolume, 1
// being as received. It holds for their tracks to come as well.
func (m *Mixer) SetVolume(participant string, volume float64) error {
	if math.IsNaN(volume) || volume < 0 || volume > MaxVolume {
		return fmt.Errorf("%w: %v (0 to %v)", ErrVolume, volume, MaxVolume)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.personLocked(participant)
	p.set = true
	p.gain.Store(int32(math.Round(volume * gainOne)))
	return nil
}

// SetMuted silences participant on this speaker only (they still speak
// to the others) or plays them again at their volume.
func (m *Mixer) SetMuted(participant string, muted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.personLocked(participant)
	p.set = true
	p.muted.Store(muted)
}

// Volume tells participant's volume and whether they are muted here.
func (m *Mixer) Volume(participant string) (volume float64, muted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.people[participant]
	if p == nil {
		return 1, false
	}
	return float64(p.gain.Load()) / gainOne, p.muted.Load()
}

// Level is how loud participant sounds now, 0 (silent, or below -60
// dBFS) to 1 (full scale), on a decibel scale, measured as received
// (before their volume and mute here): a speaking indicator. It falls
// smoothly after they stop (3 dB every 20 ms).
func (m *Mixer) Level(participant string) float32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.people[participant]
	if p == nil {
		return 0
	}
	return math.Float32frombits(p.level.Load())
}

// Levels adds the level of every participant heard to dst (allocated
// when nil) and returns it.
func (m *Mixer) Levels(dst map[string]float32) map[string]float32 {
	if dst == nil {
		dst = map[string]float32{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, p := range m.people {
		if p.sources > 0 {
			dst[id] = math.Float32frombits(p.level.Load())
		}
	}
	return dst
}

// Mix pulls one period (len(pcm) samples, FrameSamples for the Opus
// sources) from every source, to be heard at playAt, and writes the mix
// into pcm, clipped. The tap then sees it.
func (m *Mixer) Mix(pcm []int16, playAt time.Time) {
	n := len(pcm)
	if cap(m.pcm) < n {
		m.pcm = make([]int16, n)
		m.acc = make([]int32, n)
	}
	buf, acc := m.pcm[:n], m.acc[:n]
	clear(acc)
	m.mu.Lock()
	for src, in := range m.sources {
		src.Pull(buf, playAt)
		p := in.who
		updateLevel(p, buf)
		gain := p.gain.Load()
		if p.muted.Load() || gain == 0 {
			continue
		}
		if gain == gainOne {
			for i, s := range buf {
				acc[i] += int32(s)
			}
			continue
		}
		for i, s := range buf {
			acc[i] += int32(s) * gain >> 12
		}
	}
	m.mu.Unlock()
	var peak int32
	for i, s := range acc {
		s = max(-32768, min(32767, s))
		peak = max(peak, s, -s)
		pcm[i] = int16(s)
	}
	m.peak.Store(peak)
	if tap := m.tap.Load(); tap != nil {
		(*tap)(pcm, playAt)
	}
}

// updateLevel folds one period of a participant's sound into their
// level: up at once, down by levelRelease a period. A participant with
// two tracks (microphone and screen audio) shows the louder.
func updateLevel(p *person, pcm []int16) {
	now := Loudness(pcm)
	old := math.Float32frombits(p.level.Load())
	p.level.Store(math.Float32bits(max(now, old-levelRelease, 0)))
}

// Loudness is the level of pcm on the 0..1 scale of Mixer.Level: its RMS
// in dBFS, mapped linearly from -60 dBFS (0) to 0 dBFS (1).
func Loudness(pcm []int16) float32 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	if sum == 0 {
		return 0
	}
	db := 10 * math.Log10(sum/float64(len(pcm))/(32768*32768))
	return float32(max(0, min(1, (db-levelFloorDB)/-levelFloorDB)))
}

// Peak is the loudest sample of the last period mixed, 0..32767: a level
// meter for the UI and proof in tests that sound reached the speaker.
func (m *Mixer) Peak() int32 { return m.peak.Load() }
