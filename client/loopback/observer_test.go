package loopback

import (
	"testing"
	"time"
)

// The active speaker observer says "speaking" after a window mostly
// loud, not for a short burst (the synthetic microphone's 100 ms tone
// a second), and "silent" after a quiet window; a reset forgets.
func TestVoiceObserver(t *testing.T) {
	const frame = 20 * time.Millisecond
	var o voiceObserver
	feed := func(level uint8, d time.Duration) (changes []bool) {
		for range d / frame {
			if changed, speaking := o.add(level, frame); changed {
				changes = append(changes, speaking)
			}
		}
		return changes
	}
	// A 100 ms burst at -12 dBov in silence: a quarter of a window.
	if got := append(feed(12, 100*time.Millisecond), feed(127, 900*time.Millisecond)...); len(got) != 0 {
		t.Fatalf("a short burst changed speaking: %v", got)
	}
	// Speech at -20 dBov with a 200 ms pause every 400 ms: half the time.
	var got []bool
	for range 3 {
		got = append(got, feed(20, 200*time.Millisecond)...)
		got = append(got, feed(127, 200*time.Millisecond)...)
	}
	if len(got) != 1 || !got[0] {
		t.Fatalf("speech: changes %v, want [true]", got)
	}
	// Quiet speech, below -35 dBov, is not speaking.
	if got := feed(40, 800*time.Millisecond); len(got) != 1 || got[0] {
		t.Fatalf("quiet: changes %v, want [false]", got)
	}
	feed(10, 400*time.Millisecond)
	if !o.reset() || o.reset() {
		t.Fatal("reset did not say we were speaking, once")
	}
}
