package apm

/*
#cgo pkg-config: webrtc-audio-processing
#cgo CXXFLAGS: -std=c++11 -Wno-deprecated-declarations
#cgo LDFLAGS: -lstdc++
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	// SampleRate is the rate of every frame, in Hz: the rate of Opus and of
	// the playout mixer, so nothing is resampled on the way.
	SampleRate = 48000
	// FrameSamples is one 10 ms mono frame, the only block size the
	// library processes.
	FrameSamples = SampleRate / 100
	// FrameDuration is the duration of one frame.
	FrameDuration = 10 * time.Millisecond
)

// Processor runs the WebRTC audio processing module on one microphone
// (Near, or Capture around a media.AudioSource) with one speaker signal as
// the echo reference (Far, or Played from the playout mixer).
//
// Far and Near may be called from different goroutines (the playout mixer
// and the capture loop). One mutex serialises every call into the
// library: a call costs 0.1-0.2 ms (BenchmarkProcess10ms), so the longest
// a Far or a Played waits is one Near, far below a frame. SetDelay is an
// atomic store and never waits. Close waits for a call in progress; calls
// after it return ErrClosed.
type Processor struct {
	mu    sync.Mutex
	shim  *C.apm_shim  // nil once closed; guarded by mu
	canc  *canceller   // speexdsp's stages; guarded by mu
	delay atomic.Int32 // ms, from SetDelay
	echo  bool         // the WebRTC module cancels echo
	// ed follows the echo's delay, and shadow is the module on the
	// classic filter learning alongside until it takes over
	// (echodelay.go); ed is nil when the module does not cancel echo or
	// the tuning turns the tracking off, shadow nil when none runs.
	// Guarded by mu.
	ed         *echoDelay
	shadow     *C.apm_shim
	shadowPCM  [FrameSamples]int16
	classicCfg C.apm_shim_config // the shadow's settings

	// playIdx is the speexdsp reference ring position of the first
	// sample of the last speaker frame given and playAt the time it is
	// heard: the map from time to reference that Capture reads. Guarded
	// by mu.
	playIdx int64
	playAt  time.Time

	// ref queues what Played reports until the microphone frame of the
	// same time is processed (reference.go); guarded by mu. refc wakes a
	// capture waiting for it.
	ref  refQueue
	refc chan struct{}

	// lastDelay is the delay the last Near used, ms.
	lastDelay atomic.Int32
	now       func() time.Time
}

// New creates a processor for cfg.
func New(cfg Config) (*Processor, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t := cfg.tune
	// With tune.speex (built with the tag apmspeex, measured in
	// TestMeasure), speexdsp cancels echo and suppresses noise and the
	// WebRTC module only filters, controls gain and detects voice; the
	// package documentation says why it is not the default.
	webrtcAll := !(t.speex && speexBuilt)
	// The delay tracking (echodelay.go); with the classic filter fixed
	// by the tuning (a measurement), that filter runs on the delay it is
	// given, without a shadow.
	tracking := cfg.EchoCancel && webrtcAll && !t.noDelayFinder
	var canc *canceller
	if !webrtcAll {
		canc = newCanceller(cfg)
	}
	cc := C.apm_shim_config{
		echo_cancel:         cbool(cfg.EchoCancel && webrtcAll),
		extended_filter:     cbool(!t.noExtendedFilter),
		delay_agnostic:      cbool(!t.noDelayAgnostic && !(tracking && t.noExtendedFilter)),
		echo_suppression:    C.int(pick(t.echoSuppression, defaultEchoSuppression)),
		noise_suppress:      cbool(cfg.NoiseSuppress && webrtcAll),
		noise_level:         C.int(pick(t.noiseLevel, defaultNoiseLevel)),
		auto_gain:           cbool(cfg.AutoGain),
		gain_target_dbfs:    C.int(pick(t.gainTargetDBFS, defaultGainTargetDBFS)),
		gain_compression_db: C.int(pick(t.gainCompression, defaultGainCompressionDB)),
		high_pass:           cbool(cfg.HighPass),
		voice_detect:        1,
		sample_rate:         SampleRate,
	}
	var rc C.int
	s := C.apm_shim_new(&cc, &rc)
	if s == nil {
		if canc != nil {
			canc.close()
		}
		return nil, fmt.Errorf("%w: create: code %d", ErrLibrary, int(rc))
	}
	p := &Processor{shim: s, canc: canc, echo: cfg.EchoCancel && webrtcAll, now: time.Now, refc: make(chan struct{}, 1)}
	if tracking {
		p.ed = newEchoDelay()
		p.ed.hold = t.holdShadow
		if t.noExtendedFilter {
			p.ed.switched, p.ed.fixed = true, true
		} else {
			p.classicCfg = cc
			p.classicCfg.extended_filter, p.classicCfg.delay_agnostic = 0, 0
			if p.shadow = C.apm_shim_new(&p.classicCfg, &rc); p.shadow == nil {
				C.apm_shim_free(s)
				if canc != nil {
					canc.close()
				}
				return nil, fmt.Errorf("%w: create: code %d", ErrLibrary, int(rc))
			}
		}
	}
	p.SetDelay(cfg.StreamDelay)
	return p, nil
}

// Far gives the processor one 10 ms frame of what the speaker plays, the
// echo reference. pcm is read, not modified. Call it for every frame
// played, silent ones included, in playout order.
func (p *Processor) Far(pcm []int16) error {
	if len(pcm) != FrameSamples {
		return fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shim == nil {
		return ErrClosed
	}
	return p.far(pcm, time.Time{})
}

// far gives the stages one speaker frame, heard at heard when known.
// Called with the mutex held, on an open processor.
func (p *Processor) far(pcm []int16, heard time.Time) error {
	if p.canc != nil {
		if !heard.IsZero() {
			p.playIdx, p.playAt = p.canc.written(), heard
		}
		p.canc.far(pcm)
	}
	if !p.echo {
		return nil // the module has no use for the speaker signal
	}
	if rc := C.apm_shim_far(p.shim, (*C.int16_t)(unsafe.Pointer(&pcm[0])), FrameSamples); rc != 0 {
		return fmt.Errorf("%w: far: code %d", ErrLibrary, int(rc))
	}
	if p.ed != nil {
		p.ed.given(pcm)
	}
	if p.shadow != nil {
		if rc := C.apm_shim_far(p.shadow, (*C.int16_t)(unsafe.Pointer(&pcm[0])), FrameSamples); rc != 0 {
			return fmt.Errorf("%w: far (classic filter): code %d", ErrLibrary, int(rc))
		}
	}
	return nil
}

// Near processes one 10 ms microphone frame in place and reports whether
// it holds speech (after processing: the user's voice, not the echo). On
// error pcm is left as it was.
//
// The echo of this frame is taken to come from the speaker signal given
// to Far the stream delay (SetDelay) before this call.
func (p *Processor) Near(pcm []int16) (voice bool, err error) {
	if len(pcm) != FrameSamples {
		return false, fmt.Errorf("%w: %d samples", ErrFrameSize, len(pcm))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shim == nil {
		return false, ErrClosed
	}
	return p.near(pcm, time.Duration(p.delay.Load())*time.Millisecond, time.Time{})
}

// captureFrame is Near for the microphone frame captured at captured:
// the speaker frames heard up to refLead after then go to the stages
// first (reference.go), and the delay follows from their times.
func (p *Processor) captureFrame(pcm []int16, captured time.Time) (voice bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shim == nil {
		return false, ErrClosed
	}
	delay := time.Duration(p.delay.Load()) * time.Millisecond
	last, err := p.feedReference(captured)
	if err != nil {
		return false, err
	}
	if !last.IsZero() {
		// The speaker frame given last is heard last.Sub(captured) after
		// this frame's capture (within half a frame either way): the
		// module looks for the echo that much, plus the latency the
		// timestamps miss, behind it.
		delay += last.Sub(captured)
	}
	return p.near(pcm, delay, captured)
}

// near is Near with the mutex held, the delay of this frame and, when
// not zero, the time it was captured: the speexdsp canceller finds its
// reference from the capture time and the last speaker frame given, the
// WebRTC module is given the delay.
func (p *Processor) near(pcm []int16, delay time.Duration, captured time.Time) (voice bool, err error) {
	if p.ed != nil {
		delay += time.Duration(p.ed.correction) * time.Millisecond
	}
	ms := max(0, min(delay, MaxStreamDelay)).Milliseconds()
	p.lastDelay.Store(int32(ms))
	if p.ed != nil {
		if err := p.trackEcho(pcm, int(ms)); err != nil {
			return false, err
		}
	}
	if p.canc != nil {
		var ref int64
		if !captured.IsZero() && !p.playAt.IsZero() {
			// The sample heard when this frame's first sample was
			// captured, minus the latency the timestamps miss.
			heard := captured.Add(-time.Duration(p.delay.Load()) * time.Millisecond)
			ref = p.playIdx + samplesOf(heard.Sub(p.playAt))
		} else {
			ref = p.canc.written() - FrameSamples - samplesOf(time.Duration(ms)*time.Millisecond)
		}
		p.canc.near(pcm, ref)
	}
	rc := C.apm_shim_near(p.shim, (*C.int16_t)(unsafe.Pointer(&pcm[0])), FrameSamples, C.int(ms))
	if rc < 0 {
		return false, fmt.Errorf("%w: near: code %d", ErrLibrary, int(rc))
	}
	if p.shadow != nil {
		p.maybeSwitch(pcm)
	}
	if p.canc != nil && p.canc.echoOnly {
		return false, nil
	}
	return rc == 1, nil
}

// SetDelay updates the render-to-capture delay (see Config.StreamDelay)
// from the next Near on, e.g. when the devices report new latencies.
// Values out of range are clamped.
func (p *Processor) SetDelay(d time.Duration) {
	ms := max(0, min(d, MaxStreamDelay)).Milliseconds()
	p.delay.Store(int32(ms))
}

// EchoMetrics are the echo canceller's own estimates since it started.
type EchoMetrics struct {
	// DelayMedian and DelaySpread are the far-to-near delay the
	// canceller found and its standard deviation: what a device-latency
	// measurement should converge to.
	DelayMedian, DelaySpread time.Duration
	// ERLE is the echo return loss enhancement it believes it achieves, dB.
	ERLE float64
}

// EchoMetrics reports the canceller's estimates; ok is false when echo
// cancellation is off or the library has none yet.
func (p *Processor) EchoMetrics() (m EchoMetrics, ok bool) {
	if !p.echo {
		return m, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shim == nil {
		return m, false
	}
	var med, std, erle C.int
	if C.apm_shim_echo_metrics(p.shim, &med, &std, &erle) != 0 {
		return m, false
	}
	return EchoMetrics{DelayMedian: time.Duration(med) * time.Millisecond,
		DelaySpread: time.Duration(std) * time.Millisecond, ERLE: float64(erle)}, true
}

// Close releases the library's state; later calls return ErrClosed.
// Closing twice is harmless.
func (p *Processor) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shim != nil {
		C.apm_shim_free(p.shim)
		p.shim = nil
	}
	if p.shadow != nil {
		C.apm_shim_free(p.shadow)
		p.shadow = nil
	}
	if p.canc != nil {
		p.canc.close()
		p.canc = nil
	}
	return nil
}

// samplesOf converts a duration into a number of samples.
func samplesOf(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
