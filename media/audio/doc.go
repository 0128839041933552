// Package audio is the sound card: microphones and speakers through
// miniaudio (github.com/gen2brain/malgo), at 48 kHz mono in 10 ms
// periods, microphone and speaker in one duplex device so both halves
// run on one clock.
//
// The device callback runs on a real-time thread: it copies the captured
// period into one lock-free ring and the next period to play out of
// another, stamps both with the time, and returns. Everything else
// happens on ordinary goroutines: Mic reads the capture ring as a
// media.AudioSource, Speaker mixes the remote tracks (playout.Mixer) into
// the playback ring a little ahead of the device, and the Engine watches
// the devices, so that one that disappears mid-call is replaced by the
// system default (or by silence) and reported, never crashing the call.
package audio
