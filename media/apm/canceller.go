//go:build apmspeex

package apm

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

// canceller_setup links the preprocessor to the echo canceller (for its
// residual echo suppression) and sets the levels. echo may be NULL.
static void canceller_setup(SpeexPreprocessState *pre, SpeexEchoState *echo, int rate,
		int denoise, int noise_db, int echo_db, int echo_active_db) {
	if (echo) {
		speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
		speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
		speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &echo_db);
		speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, &echo_active_db);
	}
	speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_DENOISE, &denoise);
	speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &noise_db);
}
*/
import "C"

import (
	"time"
	"unsafe"
)

// speexBuilt: this build has the speexdsp stages.
const speexBuilt = true

const (
	// blockSamples is the block speexdsp works on: 5 ms. Its preprocessor
	// delays the signal by one block (the overlap of its analysis
	// window), so half of the 10 ms frame halves the delay the chain adds
	// (TestMeasure: 5 ms against 10 with whole frames) for about 1 % of a
	// core more.
	blockSamples = FrameSamples / 2
	// echoTail is the echo canceller's filter: the echo it can cancel
	// lies up to echoTail after the reference, and the reference is
	// echoMargin late. 100 ms covers a room's reverberation and a device
	// latency reported up to 80 ms short; a longer filter converges more
	// slowly (TestMeasure, 150 ms: ERLE 24.5-25.9 dB at 2 s instead of
	// 29.8-33.8) and costs more.
	echoTail = 100 * time.Millisecond
	// echoMargin takes the reference that much later than the delay
	// says (a shorter delay), so that a delay measured a few ms long never
	// makes the echo precede its reference, which the filter cannot
	// cancel: the filter then finds the echo echoMargin into its taps.
	echoMargin = 10 * time.Millisecond
	// echoOnlyRatio: a frame from which the filter removed 20 dB more
	// than is left holds the echo and no voice of the user's, whatever
	// the voice detector thinks of what is left (the residual echo
	// sounds like speech to it). In double talk the user's voice is
	// about as loud as the echo, so nothing near 20 dB is removed.
	echoOnlyRatio = 100
	// farRingSamples holds 1.4 s of the speaker signal: the longest delay
	// plus a period, with room to spare. A power of two.
	farRingSamples = 1 << 16
	// resyncAfter is how far the reference may drift from where the
	// timestamps put it before it jumps there: the filter re-learns the
	// echo path after a jump, so small drifts (timestamp jitter, a few ms)
	// are left to the filter, which follows them.
	resyncAfter = 20 * time.Millisecond
)

// canceller is speexdsp's MDF echo canceller and its preprocessor (noise
// suppression, and suppression of the echo the filter leaves). The
// reference comes from a ring of the speaker signal, read at the position
// the delay gives, block by block without gaps, so the filter sees one
// continuous signal.
//
// Not safe for concurrent use: Processor's mutex guards it.
type canceller struct {
	echo *C.SpeexEchoState // nil without echo cancellation
	pre  *C.SpeexPreprocessState

	ring []int16
	w    int64 // samples written to ring
	r    int64 // next reference sample; -1 before the first Near
	// shift is the delay the timestamps miss, in samples, as the
	// delayFinder found it: the reference is read that much earlier.
	shift  int64
	finder *delayFinder
	// echoOnly says the last frame was the echo and little else: what
	// the filter removed outweighs what is left by echoOnlyDB.
	echoOnly bool
	ref      []int16
	out      []int16
	resync   int64 // resyncAfter in samples
}

// newCanceller creates the stages cfg switches on; nil when neither echo
// cancellation nor noise suppression is on.
func newCanceller(cfg Config) *canceller {
	if !cfg.EchoCancel && !cfg.NoiseSuppress {
		return nil
	}
	c := &canceller{
		pre:    C.speex_preprocess_state_init(blockSamples, SampleRate),
		r:      -1,
		out:    make([]int16, blockSamples),
		resync: samplesOf(resyncAfter),
	}
	if cfg.EchoCancel {
		c.echo = C.speex_echo_state_init(blockSamples, C.int(samplesOf(time.Duration(pick(cfg.tune.tailMs, int(echoTail/time.Millisecond)))*time.Millisecond)))
		c.ring = make([]int16, farRingSamples)
		c.ref = make([]int16, FrameSamples)
		c.finder = newDelayFinder()
	}
	t := cfg.tune
	C.canceller_setup(c.pre, c.echo, SampleRate, cbool(cfg.NoiseSuppress), C.int(-pick(t.noiseDB, defaultNoiseDB)),
		C.int(-pick(t.echoDB, defaultEchoDB)), C.int(-pick(t.echoActiveDB, defaultEchoActiveDB)))
	return c
}

// far appends what the speaker plays to the reference ring.
func (c *canceller) far(pcm []int16) {
	if c.echo == nil {
		return
	}
	for len(pcm) > 0 {
		i := int(c.w % farRingSamples)
		n := copy(c.ring[i:], pcm)
		pcm = pcm[n:]
		c.w += int64(n)
	}
}

// written is the number of reference samples written so far.
func (c *canceller) written() int64 { return c.w }

// near processes one 10 ms frame in place. refStart is the ring position
// of the reference sample that the frame's first sample echoes: where
// the timestamps put it.
func (c *canceller) near(pcm []int16, refStart int64) {
	if c.echo != nil {
		target := refStart + samplesOf(echoMargin) - c.shift
		// Never past what the speaker has played: with no delay known
		// the reference is the latest frame and the filter's taps hold
		// the echo.
		target = min(target, c.w-FrameSamples)
		if c.r < 0 || abs64(target-c.r) > c.resync || c.w-c.r > farRingSamples-FrameSamples {
			c.r = target
		}
		c.reference(c.r)
		c.r += FrameSamples
		if lag, ok := c.finder.add(c.ref, pcm); ok && abs(lag-int(echoMargin/time.Millisecond)) > 3 {
			// The echo is not where the timestamps put it: move the
			// reference so that it is echoMargin into the filter.
			moved := samplesOf(time.Duration(lag)*time.Millisecond - echoMargin)
			c.shift += moved
			c.r -= moved
			c.finder.reset()
			// The filter learnt the echo at the old place, or could not
			// learn it at all: starting afresh converges faster than
			// unlearning.
			C.speex_echo_state_reset(c.echo)
		}
	}
	var removed, left float64
	for i := 0; i < FrameSamples; i += blockSamples {
		block := pcm[i : i+blockSamples]
		if c.echo != nil {
			C.speex_echo_cancellation(c.echo, (*C.spx_int16_t)(unsafe.Pointer(&block[0])),
				(*C.spx_int16_t)(unsafe.Pointer(&c.ref[i])), (*C.spx_int16_t)(unsafe.Pointer(&c.out[0])))
			for k, v := range c.out {
				e := float64(block[k]) - float64(v)
				removed += e * e
			}
			copy(block, c.out)
		}
		C.speex_preprocess_run(c.pre, (*C.spx_int16_t)(unsafe.Pointer(&block[0])))
		for _, v := range block {
			left += float64(v) * float64(v)
		}
	}
	c.echoOnly = removed > left*echoOnlyRatio
}

// reference fills c.ref with the ring from from on: silence where the
// speaker has not played yet (or played too long ago).
func (c *canceller) reference(from int64) {
	for k := range c.ref {
		pos := from + int64(k)
		if pos < 0 || pos >= c.w || c.w-pos > farRingSamples {
			c.ref[k] = 0
			continue
		}
		c.ref[k] = c.ring[pos%farRingSamples]
	}
}

func (c *canceller) close() {
	if c.echo != nil {
		C.speex_echo_state_destroy(c.echo)
		c.echo = nil
	}
	if c.pre != nil {
		C.speex_preprocess_state_destroy(c.pre)
		c.pre = nil
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
