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
// and with DTX on silence goes out as packets of a byte or two, still one
// every 20 ms.
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
	a.SetDTX(true)
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
	var dtx int
	for _, s := range sizes[2*phase+25 : 3*phase] {
		if s <= 2 {
			dtx++
		}
	}
	if n := phase - 25; dtx < n*8/10 {
		t.Errorf("silence: %d of %d packets were DTX", dtx, n)
	}
}
