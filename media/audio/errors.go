package audio

import "errors"

var (
	// ErrNoSoundSystem: no sound server or driver could be reached (no
	// PulseAudio or PipeWire, no ALSA card, …).
	ErrNoSoundSystem = errors.New("audio: no sound system")
	// ErrNoDevice: no device of that name.
	ErrNoDevice = errors.New("audio: no such device")
	// ErrDevice: the sound system refused to open or start a device.
	ErrDevice = errors.New("audio: device failed")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("audio: closed")
)
