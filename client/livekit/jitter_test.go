package livekit

import (
	"math/rand/v2"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/livekit/lkserver"
)

// TestJitterBurstThenCalm: through a real SFU, a burst of jitter on Ann's
// path (her packets delayed by 0 to 100 ms, varying every 20 ms, in
// order as on one path) makes Ben's playout delay for her audio grow,
// and once the path calms it shrinks back within seconds.
func TestJitterBurstThenCalm(t *testing.T) {
	fc := startFaultCall(t, "jittery", client.VideoSettings{Width: 320, Height: 180, FPS: 15, BitrateKbps: 300})
	checkRelayed(t, fc.annB)
	sh := fc.srv.Shaper
	audio := func() client.RemoteReport { _, a := fc.received(); return a }

	// Calm: the delay the loaded test machine needs by itself.
	time.Sleep(3 * time.Second)
	calm := audio()

	r := rand.New(rand.NewPCG(11, 12))
	burst := time.Now()
	var peakTarget, peakDelay float64
	var grown time.Duration = -1
	for time.Since(burst) < 4*time.Second {
		sh.SetDefault(lkserver.Link{Delay: time.Duration(r.Int64N(int64(100 * time.Millisecond)))}, lkserver.Link{})
		time.Sleep(20 * time.Millisecond)
		if a := audio(); a.TargetDelayMs > peakTarget {
			peakTarget, peakDelay = a.TargetDelayMs, max(peakDelay, a.DelayMs)
			if grown < 0 && a.TargetDelayMs >= calm.TargetDelayMs+40 {
				grown = time.Since(burst)
			}
		} else {
			peakDelay = max(peakDelay, a.DelayMs)
		}
	}
	sh.SetDefault(lkserver.Link{}, lkserver.Link{})
	calmed := time.Now()
	var back time.Duration = -1
	var last client.RemoteReport
	for time.Since(calmed) < 20*time.Second {
		time.Sleep(100 * time.Millisecond)
		last = audio()
		if last.TargetDelayMs <= calm.TargetDelayMs+10 && last.DelayMs <= last.TargetDelayMs+20 {
			back = time.Since(calmed)
			break
		}
	}
	t.Logf("calm: target %.0f ms, delay %.0f ms, jitter %.1f ms; burst: target ≥ +40 ms after %v, peak target %.0f ms, peak delay %.0f ms; back to target %.0f ms, delay %.0f ms %v after the path calmed; inserted %d ms, dropped %d ms, concealed %d ms",
		calm.TargetDelayMs, calm.DelayMs, calm.JitterMs, grown, peakTarget, peakDelay, last.TargetDelayMs, last.DelayMs, back,
		last.InsertedMs, last.DroppedMs, last.ConcealedMs)
	if peakTarget < 60 || grown < 0 || grown > 2*time.Second {
		t.Errorf("target peaked at %.0f ms (from %.0f), +40 ms after %v: want 60 ms or more, within 2 s", peakTarget, calm.TargetDelayMs, grown)
	}
	if back < 0 || back > 15*time.Second {
		t.Errorf("delay not back within 15 s of the path calming: target %.0f ms, delay %.0f ms (calm target %.0f ms)",
			last.TargetDelayMs, last.DelayMs, calm.TargetDelayMs)
	}
}
