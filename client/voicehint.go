package client

import (
	"context"
	"time"

	"causerie/media"
)

// VoiceDetector tells whether the last microphone frame held speech.
type VoiceDetector interface{ Voice() bool }

const (
	// voiceHintWindow and voiceHintVoiced: the hint fires when at least
	// voiceHintVoiced of the last voiceHintWindow of muted microphone
	// audio held speech, so a cough or a door does not trigger it.
	voiceHintWindow = time.Second
	voiceHintVoiced = 500 * time.Millisecond
	// voiceHintEvery spaces the hints.
	voiceHintEvery = 10 * time.Second
)

// mutedVoice is what voiceHint posts to the loop.
type mutedVoice struct{}

// voiceHint is the microphone as the audio sender reads it: after each
// frame it asks the voice detector whether the user spoke while muted.
// It runs on the sender's goroutine; its state is that goroutine's.
type voiceHint struct {
	src   media.AudioSource
	voice VoiceDetector
	muted func() bool
	post  func()

	// frames holds whether each of the last frames was voiced (a ring);
	// voiced counts the true ones.
	frames []bool
	next   int
	voiced int
}

func (h *voiceHint) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	at, err := h.src.ReadFrame(ctx, pcm)
	if err != nil {
		return at, err
	}
	if h.frames == nil {
		frame := time.Duration(len(pcm)) * time.Second / 48000
		h.frames = make([]bool, max(1, int(voiceHintWindow/frame)))
	}
	if !h.muted() {
		if h.voiced > 0 {
			clear(h.frames)
			h.voiced = 0
		}
		return at, nil
	}
	v := h.voice.Voice()
	if h.frames[h.next] {
		h.voiced--
	}
	h.frames[h.next] = v
	if v {
		h.voiced++
	}
	h.next = (h.next + 1) % len(h.frames)
	if h.voiced*int(voiceHintWindow) >= len(h.frames)*int(voiceHintVoiced) {
		h.post()
		clear(h.frames)
		h.voiced = 0
	}
	return at, nil
}
