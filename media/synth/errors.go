package synth

import "errors"

// Sentinel errors returned by the constructors and readers. Callers compare
// with errors.Is; the returned errors may wrap these with detail.
var (
	// ErrInvalidSize reports a picture size that is not positive and even
	// (I420 chroma is subsampled 2x2, so odd sizes cannot be represented
	// without a partial chroma sample) or is larger than maxDimension.
	ErrInvalidSize = errors.New("synth: invalid picture size")

	// ErrInvalidFPS reports a frame rate outside 1..maxFPS.
	ErrInvalidFPS = errors.New("synth: invalid frame rate")

	// ErrInvalidSampleRate reports a sample rate outside
	// minSampleRate..maxSampleRate.
	ErrInvalidSampleRate = errors.New("synth: invalid sample rate")

	// ErrInvalidFrameSamples reports a frame length that is negative or
	// longer than one second of audio.
	ErrInvalidFrameSamples = errors.New("synth: invalid frame length")

	// ErrShortBuffer reports a PCM buffer shorter than the configured frame.
	ErrShortBuffer = errors.New("synth: pcm buffer shorter than a frame")
)
