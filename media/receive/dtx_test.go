package receive

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/rtp"

	"causerie/media/jitter"
	"causerie/media/opus"
	"causerie/media/synth"
)

// dtxStream encodes n 20 ms frames of the synthetic microphone from first
// with DTX on, and packetises them as our sender does (media/send): of a
// run of DTX frames only the first is sent, the timestamps jump over the
// others and the sequence numbers run on. frames[i] is the frame pkts[i]
// carries.
func dtxStream(t testing.TB, first time.Time, n int) (pkts []*rtp.Packet, frames []int) {
	t.Helper()
	mic, err := synth.NewMic(synth.MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := opus.NewEncoder(32000)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.SetDTX(true); err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, opus.FrameSamples)
	inDTX := false
	for i := range n {
		mic.Fill(pcm, first.Add(time.Duration(i)*frameDuration))
		data, err := enc.Encode(pcm, nil)
		if err != nil {
			t.Fatal(err)
		}
		dtx := len(data) <= maxDTXBytes
		if dtx && inDTX {
			continue
		}
		inDTX = dtx
		pkts = append(pkts, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(1000 + len(pkts)),
			Timestamp: uint32(i * opus.FrameSamples), SSRC: 0x5678}, Payload: append([]byte(nil), data...)})
		frames = append(frames, i)
	}
	return pkts, frames
}

// dtxArrivals is arrivals for a stream whose packet i was sent with
// frame frames[i].
func dtxArrivals(first time.Time, frames []int, extra func(k int) time.Duration) []time.Time {
	out := make([]time.Time, len(frames))
	var last time.Time
	for k, f := range frames {
		at := first.Add(time.Duration(f)*frameDuration + 30*time.Millisecond + extra(k))
		if at.Before(last) {
			at = last
		}
		out[k], last = at, at
	}
	return out
}

// A sender in DTX on a calm network: the gaps it sent nothing for are
// silence, neither lost nor concealed; the delay stays where the network
// puts it, and every burst is heard on time.
func TestAudioDTXGapsAreSilence(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	const seconds = 20
	n := seconds * 50
	pkts, frames := dtxStream(t, first, n)
	// The synthetic microphone is silent 900 ms a second: a stream with
	// no gap would mean the encoder never went into DTX.
	if len(pkts) > n*7/10 {
		t.Fatalf("%d packets for %d frames: DTX sent nearly everything", len(pkts), n)
	}
	r := rand.New(rand.NewPCG(7, 8))
	arrive := dtxArrivals(first, frames, func(int) time.Duration { return time.Duration(r.Int64N(int64(4 * time.Millisecond))) })
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	pulls := playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), n-10)
	checkInaudible(t, pulls)
	st := a.Stats()
	t.Logf("%d packets for %d frames: %+v", len(pkts), n, st)
	if st.PacketsLost != 0 || st.ConcealedMs != 0 || st.DecodeErrors != 0 || st.Decoded+2 < st.PacketsReceived {
		t.Errorf("stats %+v: want every packet decoded, nothing lost or concealed", st)
	}
	// What was not sent, less the first second (the encoder's start)
	// and the last frames (not yet followed by a packet).
	if notSent := uint64(n-len(pkts)) * 20; st.SilentMs < notSent-1000 || st.SilentMs > notSent {
		t.Errorf("silent %d ms, want about the %d ms not sent", st.SilentMs, notSent)
	}
	if st.TargetDelayMs > float64(jitter.MinDelay/time.Millisecond) || st.InsertedMs > 40 {
		t.Errorf("target delay %.0f ms, inserted %d ms: the gaps raised the delay", st.TargetDelayMs, st.InsertedMs)
	}
	if hi := float64(30*time.Millisecond+jitter.MinDelay+dropAbove+speakerLead+10*time.Millisecond) / 1e6; st.LatencySamples < seconds-2 || st.LatencyMsP50 > hi {
		t.Errorf("%d bursts heard, latency p50 %.1f ms; want %d at most %.1f ms", st.LatencySamples, st.LatencyMsP50, seconds-1, hi)
	}
}

// TestAudioDelayBurstThenCalm with a sender in DTX: the delay grows as
// fast, and comes back at least as fast, the gaps being where it can
// shrink at once.
func TestAudioDTXDelayBurstThenCalm(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	const seconds = 40
	n := seconds * 50
	pkts, frames := dtxStream(t, first, n)
	r := rand.New(rand.NewPCG(1, 2))
	arrive := dtxArrivals(first, frames, func(k int) time.Duration {
		if f := frames[k]; f >= 10*50 && f < 13*50 { // sent from 10 s to 13 s
			return time.Duration(r.Int64N(int64(120 * time.Millisecond)))
		}
		return time.Duration(r.Int64N(int64(4 * time.Millisecond)))
	})
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	pulls := playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), n-10)
	checkInaudible(t, pulls)

	calmDelay, peak, grown, back := burstPhases(pulls, first.Add(10*time.Second), first.Add(13*time.Second))
	st := a.Stats()
	t.Logf("calm delay %v; burst 0–120 ms: delay ≥80 ms after %v, peak %v; back to %v %v after calm; inserted %d ms, dropped %d ms, concealed %d ms, silent %d ms",
		calmDelay, grown, peak, calmDelay, back, st.InsertedMs, st.DroppedMs, st.ConcealedMs, st.SilentMs)
	if grown < 0 || grown > time.Second {
		t.Errorf("delay reached 80 ms %v into a 0–120 ms burst, want within 1 s (peak %v)", grown, peak)
	}
	if back < 0 || back > 10*time.Second {
		t.Errorf("delay back to %v %v after the burst, want within 10 s", calmDelay, back)
	}
	if st.DecodeErrors != 0 || st.PacketsLost != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestAudioAfterMute: a sender unmuted after 3 s on a path with 0–60 ms
// of jitter. While muted it sent nothing; the question is what its RTP
// clock did. Before send.Audio kept time while muted, the first packet
// after unmuting carried the timestamp of the moment of muting: to the
// receiver's delay estimator, every packet from then on was 3 s late, so
// it played each as soon as it came, with no buffer against the jitter,
// until the packets from before the mute left its 10 s window. With the
// clock running it is a timestamp jump over a gap without a sequence
// gap, which the receive path takes as silence, and the buffer stays. It
// logs both and checks the second.
func TestAudioAfterMute(t *testing.T) {
	first := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(-500 * time.Millisecond)
	const before, muted, after = 250, 150, 150 // frames: 5 s, 3 s muted, 3 s
	for _, running := range []bool{false, true} {
		pkts := opusStream(t, first, before+muted+after)
		seq0 := pkts[0].SequenceNumber
		var sent []*rtp.Packet
		var frames []int // when each was spoken, in frames from first
		for k, p := range pkts {
			switch {
			case k < before:
				sent, frames = append(sent, p), append(frames, k)
			case running && k >= before+muted:
				p.SequenceNumber = seq0 + uint16(len(sent))
				sent, frames = append(sent, p), append(frames, k)
			case !running && k < before+after:
				// The stopped clock: the timestamps go on from the
				// moment of muting, for frames spoken after it.
				sent, frames = append(sent, p), append(frames, k+muted)
			}
		}
		r := rand.New(rand.NewPCG(3, 4))
		arrive := dtxArrivals(first, frames, func(int) time.Duration {
			return time.Duration(r.Int64N(int64(60 * time.Millisecond)))
		})
		clk := &fakeClock{}
		a := newTraceAudio(t, clk)
		pulls := playTrace(t, a, clk, sent, arrive, first.Add(30*time.Millisecond), before+muted+after-10)
		unmuted := first.Add((before + muted) * frameDuration)
		var concealedBefore, concealedAfter int
		for _, p := range pulls {
			if !p.concealed {
				continue
			}
			if p.at.Before(unmuted) {
				concealedBefore++
			} else if p.at.After(unmuted.Add(500 * time.Millisecond)) {
				concealedAfter++
			}
		}
		st := a.Stats()
		t.Logf("RTP clock running while muted %v: frames concealed before the mute %d, from 0.5 s after unmuting %d (of %d); lost %d",
			running, concealedBefore, concealedAfter, after-35, st.PacketsLost)
		if running && (concealedAfter > concealedBefore || st.PacketsLost != 0) {
			t.Errorf("with the clock running: %d frames concealed after unmuting against %d before, %d lost; want no more than before, none lost",
				concealedAfter, concealedBefore, st.PacketsLost)
		}
	}
}
