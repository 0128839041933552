package apm

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// The WebRTC module's canceller has two filters. The extended one (128 ms
// of echo tail, with its own search for the delay) cancels an echo whose
// delay is reported 100 ms wrong; the classic one (48 ms, on the delay it
// is given) cancels only one where the delay says, but lets more of the
// near end's voice through when both sides talk at once: in TestMeasure,
// 2.1-3.0 dB lost against 3.0-3.4 dB.
//
// A call starts on the extended filter, and a second module on the
// classic filter learns alongside it from the same signals (the shadow).
// echoDelay checks the delay the modules are given against the echo the
// finder (delayFinder) sees in the microphone: where the two disagree,
// the difference is added to every later delay (a device latency that
// neither the timestamps nor Config.StreamDelay cover) and the shadow
// starts again on it. Once they agree, and over a second of speaker
// activity the shadow has left no more than 3 dB more echo than the
// extended filter, or 30 dB less than the microphone picked up, the
// shadow's output replaces the other's (crossfaded over one frame) and
// the extended module is dropped. Switching one module's filter in place
// does not work: the extended filter keeps the echo at another place in
// its taps, and a module restarted on the classic filter leaks echo for
// 2-3 s while it learns again (ERLE 4-30 dB), which the shadow does
// unheard.
const (
	// histFrames is how many of the speaker frames given last are kept
	// for the finder: 640 ms, more than MaxStreamDelay.
	histFrames = 64
	// delayTolerance is how far (ms) the echo may lie from the delay the
	// modules are given for the two to agree.
	delayTolerance = 6
	// switchFrames is how many frames with the speaker active the two
	// modules' outputs are compared over before a switch: 1 s.
	switchFrames = 100
	// switchMargin is how much more the shadow may leave than the
	// extended filter (power ratio): 3 dB.
	switchMargin = 2.0
	// switchERLE is the echo return loss enhancement (power ratio of the
	// microphone to the shadow's output) at which the shadow takes over
	// even when the extended filter does better still: 30 dB, which
	// leaves the echo inaudible under the voice of the one talking.
	switchERLE = 1000.0
	// speakerActive is the reference frame power, per sample, above which
	// a frame counts for the comparison: -50 dBFS.
	speakerActive = 32768 * 32768 * 1e-5
	// shadowPatience is how many frames the shadow may learn while the
	// finder never agrees before it stops: 20 s. Where nothing is found
	// (a headset, which has no echo, or a speaker that stays silent) the
	// second module would only double the processing's CPU; it starts
	// again, cold, if the finder agrees later.
	shadowPatience = 2000
	// residueFloor is added to both outputs' power per sample so that two
	// near silent outputs compare equal: -70 dBFS.
	residueFloor = 32768 * 32768 * 1e-7
)

// echoDelay follows the echo's delay for a Processor's WebRTC canceller;
// guarded by the Processor's mutex.
type echoDelay struct {
	finder *delayFinder
	hist   [histFrames][FrameSamples]int16
	newest int // index in hist of the frame given last
	n      int // frames in hist

	correction int  // ms added to every delay the modules are given
	agreed     int  // times the finder agreed with the delay given
	moved      int  // times the correction changed
	confirmed  bool // the finder agreed since the correction last moved
	active     bool // the speaker frame the last delay points at is active
	waiting    int  // frames the shadow has run without agreement

	// The microphone's and the outputs' power on frames with the speaker
	// active, since the last comparison; micNow is this frame's.
	micPow, mainPow, shadowPow float64
	micNow                     float64
	compared                   int
	ref                        []int16 // the speaker frame the delay points at

	switched bool // the classic filter alone runs
	hold     bool // never switch (tuning.holdShadow)
	// fixed: the classic filter runs from the start, without a shadow
	// (tuning.noExtendedFilter).
	fixed bool
}

func newEchoDelay() *echoDelay {
	return &echoDelay{finder: newDelayFinder()}
}

// given records one speaker frame given to the modules.
func (e *echoDelay) given(pcm []int16) {
	e.newest = (e.newest + 1) % histFrames
	copy(e.hist[e.newest][:], pcm)
	e.n = min(e.n+1, histFrames)
}

// observe takes one microphone frame, before processing, and the delay in
// ms the modules are given with it, and tells whether the correction has
// just moved. The finder compares the frame with the speaker frame that
// delay points at, the closest one given; what it finds counts from that
// frame.
func (e *echoDelay) observe(mic []int16, ms int) (moved bool) {
	const frameMs = int(FrameDuration / time.Millisecond)
	back := (ms + frameMs/2) / frameMs
	e.ref, e.active = nil, false
	if back >= e.n {
		return false // the speaker has not played that long yet
	}
	e.ref = e.hist[(e.newest-back+histFrames)%histFrames][:]
	e.active = power(e.ref) >= speakerActive
	if e.active {
		e.micNow = power(mic)
	}
	lag, ok := e.finder.add(e.ref, mic)
	if !ok {
		return false
	}
	off := lag - (ms - back*frameMs)
	if abs(off) <= delayTolerance {
		e.agreed++
		e.confirmed = true
		return false
	}
	limit := int(MaxStreamDelay.Milliseconds())
	e.correction = min(limit, max(-limit, e.correction+off))
	e.moved++
	e.confirmed = false
	e.resetComparison()
	// The finder's history compares frames on the old alignment.
	e.finder.reset()
	return true
}

// compare adds one frame of both modules' outputs to the comparison and
// tells whether the shadow should take over now.
func (e *echoDelay) compare(main, shadow []int16) bool {
	if !e.active {
		return false
	}
	e.micPow += e.micNow + residueFloor
	e.mainPow += power(main) + residueFloor
	e.shadowPow += power(shadow) + residueFloor
	e.compared++
	if e.compared < switchFrames {
		return false
	}
	good := e.confirmed && (e.shadowPow <= switchMargin*e.mainPow || e.micPow >= switchERLE*e.shadowPow)
	e.resetComparison()
	return good
}

func (e *echoDelay) resetComparison() {
	e.micPow, e.mainPow, e.shadowPow, e.compared = 0, 0, 0, 0
}

// power is the mean square of pcm.
func power(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return s / float64(len(pcm))
}

// trackEcho runs the delay tracking on the microphone frame pcm, before
// it is processed with the delay ms, and processes it with the shadow.
// Called with the mutex held, on an open processor with tracking.
func (p *Processor) trackEcho(pcm []int16, ms int) error {
	e := p.ed
	if e.observe(pcm, ms) {
		// The module on the classic filter starts again from the new
		// delay: the shadow unheard, or the one in use once switched.
		s := p.shadow
		if s == nil && e.switched {
			s = p.shim
		}
		if s != nil {
			if err := restartClassic(s); err != nil {
				return err
			}
		}
		e.waiting = 0
	}
	switch {
	case p.shadow == nil && !e.switched && e.confirmed:
		// Stopped for want of an echo, and the echo is found now.
		var rc C.int
		if p.shadow = C.apm_shim_new(&p.classicCfg, &rc); p.shadow == nil {
			return fmt.Errorf("%w: create (classic filter): code %d", ErrLibrary, int(rc))
		}
		e.waiting = 0
	case p.shadow != nil && !e.confirmed && !e.hold:
		if e.waiting++; e.waiting >= shadowPatience {
			C.apm_shim_free(p.shadow)
			p.shadow = nil
			e.resetComparison()
		}
	}
	if p.shadow == nil {
		return nil
	}
	copy(p.shadowPCM[:], pcm)
	if rc := C.apm_shim_near(p.shadow, (*C.int16_t)(unsafe.Pointer(&p.shadowPCM[0])), FrameSamples, C.int(ms)); rc < 0 {
		return fmt.Errorf("%w: near (classic filter): code %d", ErrLibrary, int(rc))
	}
	return nil
}

// maybeSwitch hands over to the shadow when it cancels as well as the
// extended filter, crossfading pcm (the extended filter's output) into
// the shadow's over the frame. Called with the mutex held, after both
// modules processed the frame.
func (p *Processor) maybeSwitch(pcm []int16) {
	if p.shadow == nil || !p.ed.compare(pcm, p.shadowPCM[:]) || p.ed.hold {
		return
	}
	n := len(pcm)
	for i := range pcm {
		pcm[i] = int16((int32(pcm[i])*int32(n-i) + int32(p.shadowPCM[i])*int32(i)) / int32(n))
	}
	C.apm_shim_free(p.shim)
	p.shim, p.shadow = p.shadow, nil
	p.ed.switched = true
}

// restartClassic starts a module's canceller again on the classic filter
// without its own delay search: aligned on the next delay it is given.
func restartClassic(s *C.apm_shim) error {
	if rc := C.apm_shim_restart_echo(s, 0, 0); rc != 0 {
		return fmt.Errorf("%w: restart: code %d", ErrLibrary, int(rc))
	}
	return nil
}

// EchoDelay is what the processor found of the echo's delay.
type EchoDelay struct {
	// Correction is the latency added to every delay given to the
	// canceller: what neither the timestamps nor Config.StreamDelay
	// covered.
	Correction time.Duration
	// Agreed and Moved count the finder's verdicts: the echo where the
	// delay said, or elsewhere (and the correction moved).
	Agreed, Moved int
	// ClassicFilter: the canceller runs its shorter filter alone, which
	// keeps more of the near end in double talk, because the delay is
	// known.
	ClassicFilter bool
}

// EchoDelay reports the delay tracking's state; ok is false when the
// WebRTC module does not cancel echo.
func (p *Processor) EchoDelay() (d EchoDelay, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ed == nil {
		return d, false
	}
	e := p.ed
	return EchoDelay{Correction: time.Duration(e.correction) * time.Millisecond,
		Agreed: e.agreed, Moved: e.moved, ClassicFilter: e.switched}, true
}
