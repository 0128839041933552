//go:build apmspeex

package apm

// The alternative measured against the WebRTC module: speexdsp's MDF echo
// canceller and its preprocessor (noise suppression and residual echo
// suppression). Built only with -tags apmspeex, for TestMeasure's
// comparison rows; it needs libspeexdsp-dev.

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static void speex_link(SpeexPreprocessState *pre, SpeexEchoState *echo, int denoise) {
	int rate = 48000;
	speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
	speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_DENOISE, &denoise);
}
*/
import "C"

import (
	"time"
	"unsafe"
)

// speexTail is the MDF filter length: the 50 ms room of the measurements
// with margin, on a reference already aligned by the known delay.
const speexTail = 100 * time.Millisecond

// speexProcessor delays the reference by the stream delay itself (MDF has
// no delay estimation), then cancels and post-filters.
type speexProcessor struct {
	echo *C.SpeexEchoState
	pre  *C.SpeexPreprocessState
	ring [][]int16 // far frames; Near reads the one d ago
	k    int
	out  []int16
}

func newSpeex(d time.Duration, denoise bool) *speexProcessor {
	m := int(d / FrameDuration)
	s := &speexProcessor{
		echo: C.speex_echo_state_init(FrameSamples, C.int(speexTail.Seconds()*SampleRate)),
		pre:  C.speex_preprocess_state_init(FrameSamples, SampleRate),
		ring: make([][]int16, m+1),
		out:  make([]int16, FrameSamples),
	}
	for i := range s.ring {
		s.ring[i] = make([]int16, FrameSamples)
	}
	C.speex_link(s.pre, s.echo, cbool(denoise))
	return s
}

func (s *speexProcessor) Far(pcm []int16) error {
	copy(s.ring[s.k%len(s.ring)], pcm)
	return nil
}

func (s *speexProcessor) Near(pcm []int16) (bool, error) {
	ref := s.ring[(s.k+1)%len(s.ring)]
	s.k++
	C.speex_echo_cancellation(s.echo, (*C.spx_int16_t)(unsafe.Pointer(&pcm[0])),
		(*C.spx_int16_t)(unsafe.Pointer(&ref[0])), (*C.spx_int16_t)(unsafe.Pointer(&s.out[0])))
	vad := C.speex_preprocess_run(s.pre, (*C.spx_int16_t)(unsafe.Pointer(&s.out[0])))
	copy(pcm, s.out)
	return vad != 0, nil
}

func (s *speexProcessor) Close() error {
	C.speex_preprocess_state_destroy(s.pre)
	C.speex_echo_state_destroy(s.echo)
	return nil
}
