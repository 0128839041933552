//go:build apm1

package apm

// The newer WebRTC module, webrtc-audio-processing 1.x: AEC3, the new
// noise suppressor and AGC2. Debian 12 does not package it; built only
// with -tags apm1 against the static library scripts/apm1-build.sh
// installs (PKG_CONFIG_PATH as the script prints), for TestMeasure's
// comparison rows (processor1_test.go). The default build does not see
// these files.

/*
#cgo pkg-config: webrtc-audio-processing-1
#cgo CXXFLAGS: -std=c++17
#include "shim1.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Noise suppression levels of the 1.x module
// (AudioProcessing::Config::NoiseSuppression::Level).
const (
	ns1Low, ns1Moderate, ns1High, ns1VeryHigh = 0, 1, 2, 3
)

// processor1 runs the 1.x module on 10 ms frames of 48 kHz mono, as
// Processor runs the 0.3 one, minus the concurrency: one goroutine calls
// it (the measurements), so it has no mutex.
type processor1 struct {
	shim  *C.apm1_shim // nil once closed
	delay int          // ms, passed before every Near
}

// newProcessor1 switches on the stages cfg asks for (Config's meaning:
// AutoGain is AGC2's adaptive digital gain) with noise suppression at
// nsLevel; cfg.StreamDelay is the delay reported to the canceller.
func newProcessor1(cfg Config, nsLevel int) (*processor1, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cc := C.apm1_shim_config{
		echo_cancel:    cbool(cfg.EchoCancel),
		noise_suppress: cbool(cfg.NoiseSuppress),
		noise_level:    C.int(nsLevel),
		auto_gain:      cbool(cfg.AutoGain),
		high_pass:      cbool(cfg.HighPass),
		voice_detect:   1,
		sample_rate:    SampleRate,
	}
	var rc C.int
	s := C.apm1_shim_new(&cc, &rc)
	if s == nil {
		return nil, fmt.Errorf("%w: create (1.x): code %d", ErrLibrary, int(rc))
	}
	return &processor1{shim: s, delay: int(cfg.StreamDelay.Milliseconds())}, nil
}

// Far gives the canceller one frame of what the speaker plays.
func (p *processor1) Far(pcm []int16) error {
	if len(pcm) != FrameSamples {
		return fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	if p.shim == nil {
		return ErrClosed
	}
	if rc := C.apm1_shim_far(p.shim, (*C.int16_t)(unsafe.Pointer(&pcm[0])), FrameSamples); rc != 0 {
		return fmt.Errorf("%w: far (1.x): code %d", ErrLibrary, int(rc))
	}
	return nil
}

// Near processes one microphone frame in place and reports the voice
// detector's verdict on it.
func (p *processor1) Near(pcm []int16) (bool, error) {
	if len(pcm) != FrameSamples {
		return false, fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	if p.shim == nil {
		return false, ErrClosed
	}
	rc := C.apm1_shim_near(p.shim, (*C.int16_t)(unsafe.Pointer(&pcm[0])), FrameSamples, C.int(p.delay))
	if rc < 0 {
		return false, fmt.Errorf("%w: near (1.x): code %d", ErrLibrary, int(rc))
	}
	return rc == 1, nil
}

// echoMetrics reports AEC3's own estimates (EchoMetrics' meaning; AEC3
// gives its current delay, no spread); ok is false when echo
// cancellation is off or AEC3 has no estimate yet.
func (p *processor1) echoMetrics() (m EchoMetrics, ok bool) {
	if p.shim == nil {
		return m, false
	}
	var d C.int
	var erle C.double
	if C.apm1_shim_echo_metrics(p.shim, &d, &erle) != 0 || d < 0 {
		return m, false
	}
	return EchoMetrics{DelayMedian: time.Duration(d) * time.Millisecond, ERLE: float64(erle)}, true
}

// Close releases the module; later calls return ErrClosed.
func (p *processor1) Close() error {
	if p.shim != nil {
		C.apm1_shim_free(p.shim)
		p.shim = nil
	}
	return nil
}
