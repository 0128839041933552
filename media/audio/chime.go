package audio

import (
	"context"
	"math"
	"sync"
	"time"

	"causerie/media/playout"
)

// Chime is the speaker test sound: two bell-like notes, A5 then E6 (a
// fifth up, the interval doorbells use, recognisable on any speaker),
// 200 ms each with a quick attack and an exponential decay, at -6 dBFS
// peak: 400 ms at 48 kHz, made here rather than shipped as a file.
func Chime() []int16 {
	const (
		note  = SampleRate / 5 // 200 ms
		peak  = 16384          // -6 dBFS
		decay = 12.0           // 1/s: down 20 dB by the end of a note
	)
	pcm := make([]int16, 2*note)
	for k, f := range []float64{880, 1318.5} {
		for i := range note {
			t := float64(i) / SampleRate
			env := math.Exp(-decay * t)
			if attack := float64(i) / (SampleRate / 200); attack < 1 {
				env *= attack // 5 ms: no click at the start
			}
			// A touch of the octave above makes it a bell, not a beep.
			v := math.Sin(2*math.Pi*f*t) + 0.3*math.Sin(4*math.Pi*f*t)
			pcm[k*note+i] = int16(peak / 1.3 * env * v)
		}
	}
	return pcm
}

// Clip plays a recorded sound once through a mixer, then silence: a
// playout.Source for the speaker test.
type Clip struct {
	mu   sync.Mutex
	pcm  []int16
	at   int
	done chan struct{}
}

// NewClip plays pcm (48 kHz mono) once.
func NewClip(pcm []int16) *Clip { return &Clip{pcm: pcm, done: make(chan struct{})} }

// Pull implements playout.Source.
func (c *Clip) Pull(pcm []int16, _ time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := copy(pcm, c.pcm[c.at:])
	clear(pcm[n:])
	c.at += n
	if c.at == len(c.pcm) {
		select {
		case <-c.done:
		default:
			close(c.done)
		}
	}
}

// Done is closed once the whole clip has been pulled.
func (c *Clip) Done() <-chan struct{} { return c.done }

// PlaySound plays pcm once on a speaker (a sound device's or the null
// one) and returns when it has been mixed, or when ctx ends.
func PlaySound(ctx context.Context, sp interface {
	Add(playout.Source)
	Remove(playout.Source)
}, pcm []int16) error {
	c := NewClip(pcm)
	sp.Add(c)
	defer sp.Remove(c)
	select {
	case <-c.Done():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
