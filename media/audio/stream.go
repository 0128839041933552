package audio

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// stream is one open miniaudio device: the duplex device of a call, or
// one direction of it when the other has no device (or is not wanted).
type stream struct {
	e                 *Engine
	dev               *malgo.Device
	capture, playback bool
	ids               []unsafe.Pointer // C copies of the device IDs
}

// openStream opens and starts a device on sys: capture from mic and/or
// playback to spk (nil: the system default).
func (e *Engine) openStream(sys *system, mic, spk *Device, capture, playback bool) (*stream, error) {
	if sys == nil {
		return nil, ErrNoSoundSystem
	}
	kind := malgo.Duplex
	switch {
	case capture && !playback:
		kind = malgo.Capture
	case playback && !capture:
		kind = malgo.Playback
	}
	s := &stream{e: e, capture: capture, playback: playback}
	cfg := malgo.DefaultDeviceConfig(kind)
	cfg.SampleRate = SampleRate
	cfg.PeriodSizeInFrames = PeriodSamples
	cfg.PerformanceProfile = malgo.LowLatency
	// Mono, 16 bits: miniaudio mixes the device's channels down (and
	// converts its format and rate) before the callback.
	cfg.Capture.Format, cfg.Capture.Channels = malgo.FormatS16, 1
	cfg.Playback.Format, cfg.Playback.Channels = malgo.FormatS16, 1
	if capture && mic != nil {
		p := cID(mic.id)
		s.ids = append(s.ids, p)
		cfg.Capture.DeviceID = p
	}
	if playback && spk != nil {
		p := cID(spk.id)
		s.ids = append(s.ids, p)
		cfg.Playback.DeviceID = p
	}
	// No stop callback: a device that stops calling back is what the
	// watchdog (Engine.stalled) looks for, whatever miniaudio says.
	dev, err := malgo.InitDevice(sys.ctx.Context, cfg, malgo.DeviceCallbacks{Data: s.data})
	if err != nil {
		s.free()
		return nil, fmt.Errorf("%w: %v", ErrDevice, err)
	}
	s.dev = dev
	if err := dev.Start(); err != nil {
		s.close()
		return nil, fmt.Errorf("%w: %v", ErrDevice, err)
	}
	return s, nil
}

// data is the device callback, on the device's real-time thread. It only
// copies: the captured period into the capture ring, the next period to
// play out of the playback ring (silence for what the mixer has not
// written), and stamps both with the time. No lock, no allocation, no
// wait.
func (s *stream) data(out, in []byte, frames uint32) {
	e := s.e
	now := int64(time.Since(e.base))
	if s.capture && len(in) >= 2*int(frames) && frames > 0 {
		pcm := unsafe.Slice((*int16)(unsafe.Pointer(&in[0])), frames)
		if n := e.capRing.write(pcm); n < len(pcm) {
			e.overruns.Add(1)
		}
		e.capStamp.store(e.capRing.written(), now)
		e.capTicks.Add(1)
	}
	if s.playback && len(out) >= 2*int(frames) && frames > 0 {
		pcm := unsafe.Slice((*int16)(unsafe.Pointer(&out[0])), frames)
		start := e.playRing.readPos()
		n := e.playRing.read(pcm)
		if n < len(pcm) {
			clear(pcm[n:])
			if e.playing.Load() {
				e.underruns.Add(1)
			}
		}
		e.playStamp.store(start, now)
		e.playTicks.Add(1)
	}
}

func (s *stream) close() {
	if s.dev != nil {
		// Stop first: it wakes the device's thread. Uninit alone waits for
		// that thread to notice, and a PulseAudio thread whose streams the
		// server killed (their device was unplugged) sleeps forever.
		_ = s.dev.Stop()
		s.dev.Uninit()
		s.dev = nil
	}
	s.free()
}

func (s *stream) free() {
	for _, p := range s.ids {
		cFree(p)
	}
	s.ids = nil
}
