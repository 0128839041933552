//go:build !linux

package audio

// quietALSA: ALSA exists on Linux only.
func quietALSA() {}
