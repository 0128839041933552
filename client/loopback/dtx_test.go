package loopback_test

import (
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media/synth"
)

// TestLoopbackDTX: the test call carries DTX as the SFU does. Silences
// go out as a few packets, with sequence numbers that run on and
// timestamps that jump (pion's packetizer, as lksdk's), so the echo
// plays them as silence, neither lost nor concealed; the speaking
// indicator follows the phrases.
func TestLoopbackDTX(t *testing.T) {
	c := joinTestCall(t, client.Config{Mic: &synth.Phrases{Speak: 2 * time.Second, Pause: 3 * time.Second, Seed: 1}})
	defer c.leave()
	s := c.s
	speaking := make(chan bool, 64)
	go func() { // ends when the session's events close, after Leave
		for ev := range c.events {
			if e, ok := ev.(client.Speaking); ok && e.Participant == loopback.PeerIdentity {
				select {
				case speaking <- e.Speaking:
				default:
				}
			}
		}
	}()

	// Two phrases: 2 s of speech and 3 s of silence each.
	time.Sleep(10 * time.Second)
	r := s.Report(time.Now())
	a, _ := remote(r, "audio")
	l := r.Local.Audio
	if l == nil {
		t.Fatal("no local audio")
	}
	t.Logf("sent %d packets, %d bytes, %d frames not sent; echo: %d packets, lost %d, concealed %d ms, silent %d ms",
		l.PacketsSent, l.Bytes, l.SilentFrames, a.PacketsReceived, a.PacketsLost, a.ConcealedMs, a.SilentMs)
	// Of 500 frames, 200 of speech and 300 of silence, most of which
	// (after libopus's hangover of about 20 frames) is not sent.
	if frames := l.PacketsSent + l.SilentFrames; frames < 400 || l.SilentFrames < frames/3 {
		t.Errorf("%d packets sent and %d frames not: want over a third of the frames not sent", l.PacketsSent, l.SilentFrames)
	}
	if a.PacketsLost != 0 || a.ConcealedMs > 100 || a.SilentMs < 20*l.SilentFrames/2 {
		t.Errorf("echo: lost %d packets, concealed %d ms, silent %d ms; want none lost, little concealed, the %d ms not sent as silence",
			a.PacketsLost, a.ConcealedMs, a.SilentMs, 20*l.SilentFrames)
	}
	var on, off bool
	for len(speaking) > 0 {
		if <-speaking {
			on = true
		} else {
			off = on
		}
	}
	if !on || !off {
		t.Errorf("speaking indicator: started %v, then stopped %v", on, off)
	}
}
