package client

import (
	"context"
	"testing"
	"time"
)

type silentMic struct{}

func (silentMic) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	return time.Time{}, ctx.Err()
}

type scriptedVoice struct{ v bool }

func (s *scriptedVoice) Voice() bool { return s.v }

// The hint needs half a second of voice within a second of muted
// microphone: short sounds and unmuted speech never give it.
func TestVoiceHint(t *testing.T) {
	voice := &scriptedVoice{}
	muted := true
	posts := 0
	h := &voiceHint{src: silentMic{}, voice: voice, muted: func() bool { return muted }, post: func() { posts++ }}
	pcm := make([]int16, 960) // 20 ms: the window is 50 frames
	read := func(frames int, v bool) {
		voice.v = v
		for range frames {
			if _, err := h.ReadFrame(context.Background(), pcm); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A cough every half second, for ten seconds: 5 voiced frames in 25.
	for range 20 {
		read(5, true)
		read(20, false)
	}
	if posts != 0 {
		t.Fatalf("%d hints for short sounds", posts)
	}
	// Speech while unmuted.
	muted = false
	read(200, true)
	if posts != 0 {
		t.Fatalf("%d hints while unmuted", posts)
	}
	// Muted speech: a hint once 25 voiced frames are in the window, then
	// the count starts again.
	muted = true
	read(24, true)
	if posts != 0 {
		t.Fatalf("hint after 480 ms of voice")
	}
	read(1, true)
	if posts != 1 {
		t.Fatalf("%d hints after 500 ms of voice, want 1", posts)
	}
	read(25, true)
	if posts != 2 {
		t.Fatalf("%d hints after 1 s of voice, want 2 (the session spaces them)", posts)
	}
}
