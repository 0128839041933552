package synth

import (
	"context"
	"fmt"
	"math"
	"time"
)

// The test signal.
const (
	// toneHz is the burst frequency: 1 kHz sits in the middle of the
	// speech band, which every Opus mode and bitrate codes faithfully, and
	// is far from both the 20 ms frame rate and the Nyquist frequency.
	toneHz = 1000

	// burstDuration is the burst length: 100 ms spans five 20 ms Opus
	// frames, so one lost or concealed frame leaves most of the burst, and
	// it is exactly 100 whole cycles, so the tone ends at a zero crossing.
	burstDuration = 100 * time.Millisecond

	// burstAmplitude is -12 dBFS (32767 * 10^(-12/20)): loud enough to be
	// 58 dB above the noise floor, so that the onset threshold has tens of
	// dB of margin on both sides, and 12 dB below full scale, headroom for
	// the overshoot a lossy codec and resampling add to a sine's peaks
	// without clipping.
	burstAmplitude = 8231

	// noisePeak is the peak of the uniform noise under the signal. Uniform
	// noise of peak P has RMS P/sqrt(3), so 18 gives 10.4, about -70 dBFS:
	// a quiet room. Digital silence would let encoders switch to DTX and
	// some pipelines treat all-zero input as a muted device; very low
	// noise keeps the path as it is with a real microphone.
	noisePeak = 18

	// maxBacklogFrames is how far (in frames) a caller may fall behind
	// before the microphone skips ahead. Device capture buffers typically
	// hold about 100 ms, five 20 ms frames: a caller that stalls for less
	// catches up on buffered audio without a gap, one that stalls longer
	// loses audio, as it would with a real device that overran.
	maxBacklogFrames = 5
)

// Mic is a synthetic mono 16-bit microphone. It plays a 1 kHz tone burst of
// 100 ms at -12 dBFS starting on every whole wall-clock second, over noise
// at about -70 dBFS. A receiver measures latency as the playout time of a
// burst's onset (see OnsetDetector) minus the whole second it started on.
//
// Its sample clock is anchored to its clock: sample i is captured at
// start + i/SampleRate, where start is the time of the first ReadFrame, and
// the burst starts at the first sample captured at or after a whole second.
//
// Create a Mic with NewMic; it is not safe for concurrent use.
type Mic struct {
	rate, frame int
	now         func() time.Time
	wait        waiter

	started bool
	start   time.Time // capture time of sample 0
	next    int64     // index of the first sample of the next frame
}

// NewMic returns a microphone for cfg, failing with ErrInvalidSampleRate or
// ErrInvalidFrameSamples for values out of range.
func NewMic(cfg MicConfig) (*Mic, error) {
	rate := cfg.SampleRate
	if rate == 0 {
		rate = DefaultSampleRate
	}
	if rate < minSampleRate || rate > maxSampleRate {
		return nil, fmt.Errorf("%w: %d Hz", ErrInvalidSampleRate, cfg.SampleRate)
	}
	frame := cfg.FrameSamples
	if frame == 0 {
		frame = rate / defaultFramesPerSecond
	}
	if frame < 0 || frame > rate {
		return nil, fmt.Errorf("%w: %d samples", ErrInvalidFrameSamples, cfg.FrameSamples)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Mic{rate: rate, frame: frame, now: now, wait: waiter{now: now}}, nil
}

// SampleRate returns the sample rate in Hz.
func (m *Mic) SampleRate() int { return m.rate }

// FrameSamples returns the number of samples ReadFrame delivers.
func (m *Mic) FrameSamples() int { return m.frame }

// ReadFrame fills pcm[:FrameSamples] with the next frame and returns the
// capture time of its first sample. Like a real device it delivers a frame
// only once its last sample has been captured: it waits until
// start + (i+FrameSamples)/SampleRate for a frame starting at sample i, so
// the first call returns one frame duration after it was made.
//
// If the caller falls more than five frames (100 ms at 20 ms frames) behind
// the sample clock, the microphone drops the backlog and delivers the
// latest complete frame, which starts on a multiple of FrameSamples from
// sample 0; the returned capture time shows the jump.
//
// ReadFrame fails with ErrShortBuffer if pcm is shorter than a frame, and
// returns ctx.Err() if ctx ends first.
func (m *Mic) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if len(pcm) < m.frame {
		return time.Time{}, fmt.Errorf("%w: %d < %d", ErrShortBuffer, len(pcm), m.frame)
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	now := m.now()
	if !m.started {
		m.started, m.start, m.next = true, now, 0
	}
	f := int64(m.frame)
	if captured := ticks(now.Sub(m.start), m.rate); captured-m.next > maxBacklogFrames*f {
		m.next = (captured/f - 1) * f
	}
	if err := m.wait.until(ctx, m.start.Add(offset(m.next+f, m.rate))); err != nil {
		return time.Time{}, err
	}
	first := m.start.Add(offset(m.next, m.rate))
	m.Fill(pcm[:m.frame], first)
	m.next += f
	return first, nil
}

// Fill writes len(pcm) samples of the signal, the first captured at
// firstSample and the following ones 1/SampleRate apart. It does not wait
// and does not move the sample clock: the same firstSample always gives
// the same samples.
func (m *Mic) Fill(pcm []int16, firstSample time.Time) {
	base := firstSample.UnixNano()
	for k := range pcm {
		pcm[k] = signalAt(base + int64(offset(int64(k), m.rate)))
	}
}

// signalAt returns the sample captured at Unix time tNs (nanoseconds): the
// tone during the first burstDuration of every second, plus noise. The tone
// is a sine of phase zero at the whole second, so it starts without a step
// and its phase is exact whatever the sample clock's offset to the second.
func signalAt(tNs int64) int16 {
	inSec := tNs % int64(time.Second)
	if inSec < 0 {
		inSec += int64(time.Second)
	}
	s := float64(noise(tNs))
	if inSec < int64(burstDuration) {
		s += burstAmplitude * math.Sin(2*math.Pi*toneHz*float64(inSec)/float64(time.Second))
	}
	return int16(math.Round(max(math.MinInt16, min(math.MaxInt16, s))))
}

// noise returns uniform noise in [-noisePeak, noisePeak] that is a pure
// function of the capture time, so Fill is deterministic. It hashes the time
// with the SplitMix64 finaliser, whose output bits are well mixed even for
// inputs that differ only in their low bits.
func noise(tNs int64) int {
	z := uint64(tNs) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z%(2*noisePeak+1)) - noisePeak
}
