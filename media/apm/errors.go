package apm

import "errors"

var (
	// ErrFrameSize reports a PCM slice that is not one 10 ms frame
	// (FrameSamples samples). The library works on 10 ms blocks only.
	ErrFrameSize = errors.New("apm: frame is not 10 ms at 48 kHz mono")

	// ErrInvalidConfig reports a Config value refused before reaching the
	// library (a negative or too long StreamDelay).
	ErrInvalidConfig = errors.New("apm: invalid configuration")

	// ErrLibrary reports a failure inside webrtc-audio-processing; the
	// message carries the library's error code. The frame passed in is
	// left as it was (unprocessed), so a caller may send it anyway.
	ErrLibrary = errors.New("apm: audio processing error")

	// ErrClosed reports a call on a Processor after Close.
	ErrClosed = errors.New("apm: use after close")
)
