package livekit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"causerie/client"
	"causerie/client/livekit/lkserver"
	"causerie/media/playout"
	"causerie/media/synth"
)

// Phrases of the DTX test: speech, then a quiet room, over and over.
const (
	speakFor  = 2 * time.Second
	pauseFor  = 3 * time.Second
	phraseFor = speakFor + pauseFor
	// dtxHangover is how long libopus keeps coding full frames after
	// speech ends before it goes into DTX (10 frames without activity,
	// and its voice detector's own delay), with a margin.
	dtxHangover = 600 * time.Millisecond
)

// rtpSeen is what a plain subscriber saw of a track: each packet's
// sequence number, timestamp and payload size, as the SFU forwarded them.
type rtpSeen struct {
	mu   sync.Mutex
	at   []time.Time
	seq  []uint16
	ts   []uint32
	size []int
}

func (r *rtpSeen) read(track *webrtc.TrackRemote) {
	for {
		p, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.at = append(r.at, time.Now())
		r.seq = append(r.seq, p.SequenceNumber)
		r.ts = append(r.ts, p.Timestamp)
		r.size = append(r.size, len(p.Payload))
		r.mu.Unlock()
	}
}

// between counts the packets that arrived in [from, to) and their
// payload bytes.
func (r *rtpSeen) between(from, to time.Time) (packets, bytes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, at := range r.at {
		if !at.Before(from) && at.Before(to) {
			packets++
			bytes += r.size[i]
		}
	}
	return packets, bytes
}

// listener joins room with no devices and a null speaker that plays
// what it receives (so its audio receive path runs), until the end of the
// test.
func listener(t *testing.T, srv *lkserver.Server, room, identity string) (*client.Session, <-chan client.Event) {
	t.Helper()
	speaker := playout.NewNull()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		speaker.Run(ctx)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	return joinRoom(t, srv, room, identity, client.Config{Speaker: speaker})
}

// TestDTXThroughSFU: with DTX (on by default) Ann's silences cost a few
// packets a second instead of fifty, while her speech flows at fifty.
// Through a real SFU the gaps keep their sequence numbers contiguous and
// move the timestamps on, Ben plays them as silence (nothing lost or
// concealed), and LiveKit's speaking indicator follows her phrases.
func TestDTXThroughSFU(t *testing.T) {
	srv := startSFU(t)
	mic := &synth.Phrases{Speak: speakFor, Pause: pauseFor, Seed: 1}
	ann, _ := joinRoom(t, srv, "dtx", "ann", client.Config{Mic: mic})
	ben, benEvents := listener(t, srv, "dtx", "ben")

	// A plain lksdk subscriber records the packets as the SFU sends them.
	seen := &rtpSeen{}
	var readers sync.WaitGroup
	token, err := srv.Token("dtx", "spy", "spy")
	if err != nil {
		t.Fatal(err)
	}
	room, err := lksdk.ConnectToRoomWithToken(srv.URL, token, &lksdk.RoomCallback{ParticipantCallback: lksdk.ParticipantCallback{
		OnTrackSubscribed: func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
			if rp.Identity() == "ann" && track.Kind() == webrtc.RTPCodecTypeAudio {
				readers.Add(1)
				go func() {
					defer readers.Done()
					seen.read(track)
				}()
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		room.Disconnect() // ends the track, and its reader
		readers.Wait()
	})

	// Ben's speaking events about Ann, with their time.
	type change struct {
		at       time.Time
		speaking bool
	}
	var mu sync.Mutex
	var changes []change
	go func() { // ends when Ben leaves and his events close
		for ev := range benEvents {
			if e, ok := ev.(client.Speaking); ok && e.Participant == "ann" {
				mu.Lock()
				changes = append(changes, change{time.Now(), e.Speaking})
				mu.Unlock()
			}
		}
	}()

	audio := func() (sent client.LocalAudioReport, got client.RemoteReport) {
		if a := ann.Report(time.Now()).Local.Audio; a != nil {
			sent = *a
		}
		for _, r := range ben.Report(time.Now()).Remote {
			if r.Kind == client.Audio.String() {
				got = r
			}
		}
		return sent, got
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, got := audio(); got.PacketsReceived > 0 && !mic.Started().IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Ben received no audio from Ann within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// From the next phrase on, three phrases.
	start := mic.Started()
	phrase := start.Add((time.Since(start)/phraseFor + 1) * phraseFor)
	sleepUntil := func(at time.Time) { time.Sleep(time.Until(at)) }
	const phrasesRun = 3
	for range phrasesRun {
		silence := phrase.Add(speakFor)
		speech0, speech1 := phrase.Add(300*time.Millisecond), silence
		quiet0, quiet1 := silence.Add(dtxHangover), phrase.Add(phraseFor)

		sleepUntil(speech0)
		s0, r0 := audio()
		sleepUntil(speech1)
		s1, r1 := audio()
		sleepUntil(quiet0)
		s2, r2 := audio()
		sleepUntil(quiet1.Add(-100 * time.Millisecond)) // before the next phrase reaches Ben
		s3, r3 := audio()

		secs := func(a, b time.Time) float64 { return b.Sub(a).Seconds() }
		speechRate := float64(s1.PacketsSent-s0.PacketsSent) / secs(speech0, speech1)
		quietSecs := secs(quiet0, quiet1.Add(-100*time.Millisecond))
		quietRate := float64(s3.PacketsSent-s2.PacketsSent) / quietSecs
		spyQuiet, spyQuietBytes := seen.between(quiet0, quiet1.Add(-100*time.Millisecond))
		spySpeech, spySpeechBytes := seen.between(speech0, speech1)
		t.Logf("speech: Ann sent %.1f packets/s, %.0f B/s (the SFU forwarded %.1f packets/s, %.0f B/s of payload); silence: %.1f packets/s, %.0f B/s (forwarded %.1f packets/s, %.0f B/s); Ben: concealed %d ms, silent %d ms, lost %d in the silence",
			speechRate, float64(s1.Bytes-s0.Bytes)/secs(speech0, speech1),
			float64(spySpeech)/secs(speech0, speech1), float64(spySpeechBytes)/secs(speech0, speech1),
			quietRate, float64(s3.Bytes-s2.Bytes)/quietSecs,
			float64(spyQuiet)/quietSecs, float64(spyQuietBytes)/quietSecs,
			r3.ConcealedMs-r2.ConcealedMs, r3.SilentMs-r2.SilentMs, r3.PacketsLost-r2.PacketsLost)
		if speechRate < 45 || speechRate > 55 {
			t.Errorf("speech: Ann sent %.1f packets/s, want 50", speechRate)
		}
		// libopus updates the comfort noise every 21st frame and we
		// announce the DTX after each: 4.8 packets a second.
		if quietRate >= 5 || quietRate < 1 {
			t.Errorf("silence: Ann sent %.1f packets/s, want a few, under 5", quietRate)
		}
		if c, l := r3.ConcealedMs-r2.ConcealedMs, r3.PacketsLost-r2.PacketsLost; c != 0 || l != 0 {
			t.Errorf("silence: Ben concealed %d ms and lost %d packets; a DTX gap is neither", c, l)
		}
		// Ben plays the silence as such, but for the comfort noise
		// updates (allowing for his delay, which shifts the window by
		// up to 100 ms).
		played := 20 * (r3.PacketsReceived - r2.PacketsReceived)
		if got, want := r3.SilentMs-r2.SilentMs, uint64(quietSecs*1000); got+played+200 < want {
			t.Errorf("silence: Ben played %d ms of it as DTX silence and %d ms of packets, want about %d in all", got, played, want)
		}
		if c, l := r1.ConcealedMs-r0.ConcealedMs, r1.PacketsLost-r0.PacketsLost; l != 0 || c > 100 {
			t.Errorf("speech: Ben concealed %d ms and lost %d packets", c, l)
		}
		phrase = quiet1
	}

	// On the wire: sequence numbers without a gap, timestamps that jump
	// over the silences by whole frames.
	seen.mu.Lock()
	var jumps, gaps int
	for i := 1; i < len(seen.seq); i++ {
		if d := seen.seq[i] - seen.seq[i-1]; d != 1 {
			gaps++
			if gaps <= 3 {
				t.Errorf("packet %d: sequence number %d after %d", i, seen.seq[i], seen.seq[i-1])
			}
		}
		d := seen.ts[i] - seen.ts[i-1]
		if d%960 != 0 {
			t.Errorf("packet %d: timestamp moved %d, not a whole number of 20 ms frames", i, d)
		}
		if d > 960 {
			jumps++
		}
	}
	n := len(seen.seq)
	seen.mu.Unlock()
	// Each silence: its first DTX frame, then gaps between comfort
	// noise updates.
	if jumps < 2*phrasesRun || gaps != 0 {
		t.Errorf("%d packets forwarded: %d sequence gaps, %d timestamp jumps; want none and at least %d", n, gaps, jumps, 2*phrasesRun)
	}

	// The SFU's speaking indicator (from the audio level extension and
	// the timestamps) says Ann speaks in each phrase, and stops in each
	// silence.
	mu.Lock()
	defer mu.Unlock()
	end := phrase
	for p := end.Add(-phrasesRun * phraseFor); p.Before(end); p = p.Add(phraseFor) {
		var on, off bool
		for _, c := range changes {
			on = on || c.speaking && !c.at.Before(p) && c.at.Before(p.Add(speakFor+time.Second))
			off = off || !c.speaking && !c.at.Before(p.Add(speakFor)) && c.at.Before(p.Add(phraseFor))
		}
		if !on || !off {
			t.Errorf("phrase at %v: speaking %v during speech, stopped %v during silence (changes %v)", p.Sub(start), on, off, changes)
		}
	}
}
