package loopback_test

import (
	"context"
	"math"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media/playout"
)

// talker is a microphone paced by the wall clock: a voiced vowel (about
// -20 dBFS) for the first 2 s of every 5, the noise of a quiet room
// (about -70 dBFS) the rest of the time.
type talker struct {
	start time.Time
	n     int64
	seed  uint64
}

func (p *talker) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	first := p.start.Add(time.Duration(p.n) * 20 * time.Millisecond)
	t := time.NewTimer(time.Until(first.Add(20 * time.Millisecond)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-t.C:
	}
	for i := range pcm {
		k := p.n*int64(len(pcm)) + int64(i)
		var v float64
		if k%(5*48000) < 2*48000 {
			ph := 2 * math.Pi * 150 * float64(k) / 48000
			for h := 1.0; h <= 12; h++ {
				v += 1500 * math.Sin(h*ph) / h
			}
		}
		p.seed = p.seed*6364136223846793005 + 1442695040888963407
		v += float64(int64(p.seed>>59) - 16)
		pcm[i] = int16(v)
	}
	p.n++
	return first, nil
}

// TestLoopbackDTX: the test call carries DTX as the SFU does. Silences
// go out as a few packets, with sequence numbers that run on and
// timestamps that jump (pion's packetizer, as lksdk's), so the echo
// plays them as silence, neither lost nor concealed; the speaking
// indicator follows the phrases.
func TestLoopbackDTX(t *testing.T) {
	spk := playout.NewNull()
	ctx, cancel := context.WithCancel(context.Background())
	spkDone := make(chan struct{})
	go func() { defer close(spkDone); spk.Run(ctx) }()
	defer func() { cancel(); <-spkDone }()
	s := client.New(client.Config{
		Backend: loopback.New(loopback.Options{Name: "Ann", Peer: "Your test call", Room: "Test call"}),
		Mic:     &talker{seed: 1}, Speaker: spk,
	})
	speaking := make(chan bool, 64)
	go func() { // ends when the session's events close, after Leave
		for ev := range s.Events() {
			if e, ok := ev.(client.Speaking); ok && e.Participant == loopback.PeerIdentity {
				select {
				case speaking <- e.Speaking:
				default:
				}
			}
		}
	}()
	jctx, jcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer jcancel()
	if err := s.Join(jctx); err != nil {
		t.Fatal(err)
	}
	defer s.Leave()

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
