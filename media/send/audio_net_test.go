package send

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"causerie/media/opus"
)

func TestAudioBitrateFor(t *testing.T) {
	for est, want := range map[int]int{
		0: MinAudioBitrate, 300_000: MinAudioBitrate, 650_000: 44000,
		1_000_000: MaxAudioBitrate, 8_000_000: MaxAudioBitrate,
	} {
		if got := AudioBitrateFor(est); got != want {
			t.Errorf("estimate %d: %d bit/s, want %d", est, got, want)
		}
	}
}

// TestLossPercent: FEC off up to 1%, on at no less than libopus's FEC
// threshold above, the measured figure when higher, and no flapping
// between 0.5% and 1%.
func TestLossPercent(t *testing.T) {
	for _, c := range []struct {
		perMille int64
		current  int
		want     int
	}{
		{-1, 7, 7},
		{0, opus.DefaultPacketLoss, 0},
		{11, 0, opus.DefaultPacketLoss},
		{50, 0, opus.DefaultPacketLoss},
		{201, 0, 21},
		{8, opus.DefaultPacketLoss, opus.DefaultPacketLoss},
		{8, 0, 0},
		{4, opus.DefaultPacketLoss, 0},
	} {
		if got := lossPercent(c.perMille, c.current); got != c.want {
			t.Errorf("loss %d‰ (now %d%%): %d%%, want %d%%", c.perMille, c.current, got, c.want)
		}
	}
}

// voiceSource is an unpaced 48 kHz source: a voiced vowel-like signal
// (a 150 Hz pitch with harmonics), or silence when quiet is set.
type voiceSource struct {
	mu    sync.Mutex
	n     int
	quiet bool
}

func (s *voiceSource) ReadFrame(ctx context.Context, pcm []int16) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range pcm {
		var v float64
		if !s.quiet {
			ph := 2 * math.Pi * 150 * float64(s.n) / 48000
			for h := 1.0; h <= 12; h++ {
				v += math.Sin(h*ph) / h
			}
		}
		pcm[i] = int16(v * 6000)
		s.n++
	}
	return time.Unix(0, 0).Add(time.Duration(s.n) * time.Second / 48000), nil
}

// TestAudioFollowsNetwork: the sender's packets shrink when the network
// asks for 24 kbps instead of 64, the encoder is told the measured loss,
// and with DTX (on by default) silence goes out as a packet of a byte or
// two at its start and a comfort noise update now and then: the sink is
// still called every 20 ms, with nothing to send for the other frames.
func TestAudioFollowsNetwork(t *testing.T) {
	src := &voiceSource{}
	var mu sync.Mutex
	var sizes []int
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var a *Audio
	const phase = 150 // frames: 3 s
	sink := func(frame []byte, _ time.Duration, _ uint8) error {
		mu.Lock()
		sizes = append(sizes, len(frame))
		n := len(sizes)
		mu.Unlock()
		switch n {
		case phase:
			a.SetNetwork(24000, 0.2)
		case 2 * phase:
			src.mu.Lock()
			src.quiet = true
			src.mu.Unlock()
		case 3 * phase:
			cancel()
		}
		return nil
	}
	a, err := NewAudio(src, 32000, sink)
	if err != nil {
		t.Fatal(err)
	}
	a.SetNetwork(64000, 0)
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	mean := func(from, to int) float64 {
		var sum int
		for _, s := range sizes[from:to] {
			sum += s
		}
		return float64(sum) / float64(to-from)
	}
	// Skip the first half second of each phase: the encoder settles.
	high, low := mean(25, phase), mean(phase+25, 2*phase)
	t.Logf("mean packet: %.0f bytes at 64 kbps, %.0f at 24 kbps with 20%% loss", high, low)
	if high < 120 || low > 80 {
		t.Errorf("packets of %.0f then %.0f bytes; want about 160 then 60", high, low)
	}
	if st := a.Stats(); st.BitrateBps != 24000 || st.ExpectedLossPct != 20 {
		t.Errorf("stats %+v, want 24000 bit/s and 20%% expected loss", st)
	}
	var dtx, sent, announced int
	for k, s := range sizes[2*phase+25 : 3*phase] {
		if s <= MaxDTXBytes {
			dtx++
		}
		if s > 0 {
			sent++
		}
		if s > 0 && s <= MaxDTXBytes {
			announced++
			if prev := sizes[2*phase+25+k-1]; prev <= MaxDTXBytes {
				t.Errorf("silence: DTX frame %d sent after another DTX frame", k)
			}
		}
	}
	// libopus updates the comfort noise every 21st frame and we announce
	// the DTX after each: 12 packets in 2.5 s, where 125 went without DTX.
	n := phase - 25
	t.Logf("silence: %d of %d frames DTX, %d packets sent (%d of them announcing DTX)", dtx, n, sent, announced)
	if dtx < n*8/10 || sent > n/10 || announced == 0 {
		t.Errorf("silence: %d of %d frames DTX, %d packets sent (%d announcing DTX); want most DTX, at most %d sent", dtx, n, sent, announced, n/10)
	}
	var packets, empty uint64
	for _, s := range sizes {
		if s > 0 {
			packets++
		} else {
			empty++
		}
	}
	if st := a.Stats(); st.PacketsSent != packets || st.SilentFrames != empty {
		t.Errorf("stats: %d packets sent, %d silent frames; the sink got %d packets and %d empty frames", st.PacketsSent, st.SilentFrames, packets, empty)
	}
}

// TestAudioDTXOnOff: speech is sent in full either way; silence, with
// DTX on (the default), in a few packets a second where DTX off sends 50.
// It logs the rates of each.
func TestAudioDTXOnOff(t *testing.T) {
	const half = 150 // frames: 3 s of speech, then 3 s of silence
	for _, on := range []bool{true, false} {
		src := &voiceSource{}
		ctx, cancel := context.WithCancel(context.Background())
		var frames int
		var packets, bytes [2]int // speech, silence; from 0.5 s into each
		a, err := NewAudio(src, 32000, func(frame []byte, _ time.Duration, _ uint8) error {
			frames++
			if h := (frames - 1) / half; (frames-1)%half >= 25 && len(frame) > 0 {
				packets[h]++
				bytes[h] += len(frame)
			}
			switch frames {
			case half:
				src.mu.Lock()
				src.quiet = true
				src.mu.Unlock()
			case 2 * half:
				cancel()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		a.SetDTX(on)
		if err := a.Run(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		secs := float64(half-25) / 50
		t.Logf("DTX %v: speech %.1f packets/s, %.0f B/s of payload; silence %.1f packets/s, %.0f B/s",
			on, float64(packets[0])/secs, float64(bytes[0])/secs, float64(packets[1])/secs, float64(bytes[1])/secs)
		if packets[0] != half-25 {
			t.Errorf("DTX %v: %d packets of speech for %d frames", on, packets[0], half-25)
		}
		if quiet := float64(packets[1]) / secs; on && quiet >= 5 || !on && packets[1] != half-25 {
			t.Errorf("DTX %v: %d packets of silence for %d frames", on, packets[1], half-25)
		}
		if st := a.Stats(); !on && st.SilentFrames != 0 {
			t.Errorf("DTX off: %d frames not sent", st.SilentFrames)
		}
	}
}

// TestAudioMuteKeepsTime: while muted nothing is sent, but every frame's
// duration still reaches the sink as an empty frame, so the RTP clock
// runs on and the first packet after unmuting carries the time it was
// spoken, not the time the user muted.
func TestAudioMuteKeepsTime(t *testing.T) {
	src := &voiceSource{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var frames, empty, sent int
	var elapsed time.Duration
	var a *Audio
	a, err := NewAudio(src, 32000, func(frame []byte, d time.Duration, _ uint8) error {
		frames++
		elapsed += d
		if len(frame) == 0 {
			empty++
		} else {
			sent++
		}
		switch frames {
		case 50:
			a.SetMuted(true)
		case 150:
			a.SetMuted(false)
		case 200:
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Frame 50 was sent before the mute; 51–150 were muted (the flag
	// is read before each frame); 151–200 were speech again.
	if frames != 200 || empty != 100 || sent != 100 || elapsed != 4*time.Second {
		t.Errorf("%d frames (%d empty, %d sent) covering %v; want 200 (100, 100) covering 4s", frames, empty, sent, elapsed)
	}
	if st := a.Stats(); st.PacketsSent != 100 {
		t.Errorf("stats: %d packets sent, want 100", st.PacketsSent)
	}
}
