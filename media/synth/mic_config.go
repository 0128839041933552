package synth

import "time"

// Microphone limits and defaults.
const (
	// DefaultSampleRate is the Opus full-band rate, the rate of every audio
	// path of the engine.
	DefaultSampleRate = 48000

	// minSampleRate is the telephony rate, the lowest Opus accepts; it also
	// keeps the 1 kHz tone far below the Nyquist frequency.
	minSampleRate = 8000

	// maxSampleRate is the highest rate common capture devices offer.
	maxSampleRate = 192000

	// defaultFramesPerSecond sets the default frame to 20 ms, Opus' default
	// frame duration, so one microphone frame is one encoder frame.
	defaultFramesPerSecond = 50
)

// MicConfig configures NewMic.
type MicConfig struct {
	// SampleRate in Hz, 8000..192000; 0 means 48000.
	SampleRate int

	// FrameSamples is the number of samples per frame, at most one
	// second's worth; 0 means 20 ms (960 samples at 48 kHz).
	FrameSamples int

	// Now is the clock the sample clock is anchored to; nil means time.Now.
	// An injected clock must advance on its own: ReadFrame sleeps on a real
	// timer and then re-reads Now.
	Now func() time.Time
}
