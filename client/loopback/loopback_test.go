package loopback_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media"
	"causerie/media/playout"
	"causerie/media/synth"
)

// call is a session on a test call with the synthetic camera and
// microphone, playing into a null speaker that runs at real-time pace.
type call struct {
	s       *client.Session
	events  chan client.Event
	frames  atomic.Uint64 // pictures of the echo decoded
	stopSpk func()
}

func startCall(t testing.TB, width, height int) *call {
	t.Helper()
	cam, err := synth.NewCamera(synth.CameraConfig{Width: width, Height: height, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	mic, err := synth.NewMic(synth.MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return joinTestCall(t, client.Config{Camera: cam, Mic: mic,
		Video: client.VideoSettings{Width: width, Height: height, FPS: 30, BitrateKbps: 800}})
}

// joinTestCall joins a test call with cfg, to which it adds the loopback
// backend, the null speaker and a count of the echo's pictures. Its
// events are relayed from before Join, so none is missed.
func joinTestCall(t testing.TB, cfg client.Config) *call {
	t.Helper()
	spk := playout.NewNull()
	ctx, cancel := context.WithCancel(context.Background())
	spkDone := make(chan struct{})
	go func() { defer close(spkDone); spk.Run(ctx) }()
	c := &call{events: make(chan client.Event, 4096), stopSpk: func() { cancel(); <-spkDone }}
	cfg.Backend = loopback.New(loopback.Options{Name: "Ann", Peer: "Your test call", Room: "Test call"})
	cfg.Speaker = spk
	cfg.OnVideoFrame = func(participant, _ string, _ *media.I420) {
		if participant == loopback.PeerIdentity {
			c.frames.Add(1)
		}
	}
	c.s = client.New(cfg)
	// Relay the events so the session never waits on the test.
	go func() {
		for ev := range c.s.Events() {
			c.events <- ev
		}
		close(c.events)
	}()
	jctx, jcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer jcancel()
	if err := c.s.Join(jctx); err != nil {
		c.stopSpk()
		t.Fatal(err)
	}
	return c
}

func (c *call) leave() {
	c.s.Leave()
	c.stopSpk()
}

// await returns the first event that matches, failing after 10 s; seen
// gets every event read on the way.
func await[E client.Event](t testing.TB, events <-chan client.Event, what string, seen func(client.Event), match func(E) bool) E {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream closed waiting for %s", what)
			}
			if seen != nil {
				seen(ev)
			}
			if e, is := ev.(E); is && match(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s within 10 s", what)
		}
	}
}

// remote is the report of the echo's track of a kind.
func remote(r client.Report, kind string) (client.RemoteReport, bool) {
	for _, rr := range r.Remote {
		if rr.Kind == kind && rr.Participant == loopback.PeerIdentity {
			return rr, true
		}
	}
	return client.RemoteReport{}, false
}

// TestCallThroughPion: a session on the test call sends its camera and
// microphone through pion (SRTP over ICE and DTLS on 127.0.0.1) and
// receives them back as the echo's, in the order a real backend's events
// come; decodes the pictures and plays the sound; measures the delay from
// the synthetic devices' stamps; echoes chat; shows mutes; and leaves
// without a goroutine left behind.
func TestCallThroughPion(t *testing.T) {
	before := runtime.NumGoroutine()
	c := startCall(t, 640, 360)

	var order []string
	note := func(ev client.Event) {
		switch e := ev.(type) {
		case client.Joined:
			order = append(order, "joined")
		case client.ParticipantJoined:
			order = append(order, "participant "+e.Participant.Identity)
		case client.TrackSubscribed:
			order = append(order, "subscribed "+e.Track.Participant+" "+e.Track.Kind.String())
		}
	}
	joined := await(t, c.events, "joined", note, func(e client.Joined) bool { return true })
	if joined.Room != "Test call" || joined.Self.Name != "Ann" || !joined.Self.Local {
		t.Fatalf("joined %+v", joined)
	}
	peer := await(t, c.events, "the echo", note, func(e client.ParticipantJoined) bool { return true })
	if peer.Participant.Identity != loopback.PeerIdentity || peer.Participant.Name != "Your test call" {
		t.Fatalf("participant %+v", peer.Participant)
	}
	got := map[client.Kind]client.Track{}
	await(t, c.events, "the echo's camera and microphone", note, func(e client.TrackSubscribed) bool {
		if e.Track.Participant == loopback.PeerIdentity {
			got[e.Track.Kind] = e.Track
		}
		return len(got) == 2
	})
	if got[client.Video].Codec != "vp8" || got[client.Audio].Codec != "opus" || got[client.Video].Source != client.SourceCamera {
		t.Fatalf("echo tracks %+v", got)
	}
	if order[0] != "joined" || order[1] != "participant loopback" {
		t.Fatalf("events in order %q", order)
	}

	// Media flows: pictures decoded, sound packets played, delays measured.
	var r client.Report
	deadline := time.Now().Add(15 * time.Second)
	for {
		r = c.s.Report(time.Now())
		v, _ := remote(r, "video")
		a, _ := remote(r, "audio")
		if v.FramesDecoded >= 60 && a.PacketsReceived >= 100 && v.LatencySamples >= 30 && a.LatencySamples >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("media did not flow within 15 s: video %+v, audio %+v", v, a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	v, _ := remote(r, "video")
	a, _ := remote(r, "audio")
	if r.Backend != "loopback" || v.Width != 640 || v.Height != 360 || v.DecodeErrors != 0 {
		t.Fatalf("report %+v, video %+v", r, v)
	}
	if c.frames.Load() == 0 {
		t.Fatal("no picture reached OnVideoFrame")
	}
	t.Logf("video: %d frames, capture to decode p50 %.0f ms p95 %.0f ms; audio: %d packets, send to playout p50 %.0f ms p95 %.0f ms",
		v.FramesDecoded, v.LatencyMsP50, v.LatencyMsP95, a.PacketsReceived, a.LatencyMsP50, a.LatencyMsP95)

	// Chat goes through the data channel and comes back as the echo's.
	if err := c.s.SendChat("bonjour"); err != nil {
		t.Fatal(err)
	}
	echo := await(t, c.events, "the chat's echo", nil, func(e client.ChatMessage) bool { return e.From.Identity == loopback.PeerIdentity })
	if echo.Text != "bonjour" || echo.From.Name != "Your test call" {
		t.Fatalf("echoed chat %+v", echo)
	}
	if err := c.s.SendReaction("party-popper"); err != nil {
		t.Fatal(err)
	}
	await(t, c.events, "the reaction's echo", nil, func(e client.Reaction) bool {
		return e.From.Identity == loopback.PeerIdentity && e.Emoji == "party-popper"
	})
	// The meeting service's commands are not there.
	if err := c.s.RaiseHand(context.Background(), true); !errors.Is(err, client.ErrNotSupported) {
		t.Fatalf("raise hand: %v", err)
	}

	// Muting our camera mutes the echo's, as an SFU tells the others.
	if err := c.s.SetCameraMuted(true); err != nil {
		t.Fatal(err)
	}
	await(t, c.events, "the echo's camera muted", nil, func(e client.TrackMuted) bool {
		return e.Track.Participant == loopback.PeerIdentity && e.Track.Kind == client.Video && e.Muted
	})

	c.leave()
	var left *client.Left
	for ev := range c.events {
		if l, ok := ev.(client.Left); ok {
			left = &l
		}
	}
	if left == nil || left.Err != nil {
		t.Fatalf("left %+v", left)
	}
	waitGoroutines(t, before)
}

// waitGoroutines fails when goroutines started by the test are still
// running a few seconds after it ended.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sink is a client.Sink for driving the backend alone.
type sink chan client.BackendEvent

func (s sink) Post(ev client.BackendEvent) { s <- ev }

func next[E client.BackendEvent](t *testing.T, s sink, what string) E {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s:
			if e, ok := ev.(E); ok {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s within 10 s", what)
		}
	}
}

// TestBackendAlone drives the backend as a session would, without one:
// a published track's packets come out of the echo's reader with their
// payload; the reader's keyframe request reaches the publisher's
// callback as a PLI; unpublishing ends the reader; leaving says Ended.
func TestBackendAlone(t *testing.T) {
	before := runtime.NumGoroutine()
	b := loopback.New(loopback.Options{Name: "Ann", Peer: "Echo"})
	s := make(sink, 1024)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	joined, others, err := b.Join(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(others) != 1 || others[0].Identity != loopback.PeerIdentity || joined.Self.Identity == loopback.PeerIdentity {
		t.Fatalf("joined %+v with %+v", joined, others)
	}
	if _, err := b.Publish(ctx, client.TrackOptions{Kind: client.Video, Codec: "vp9"}); err == nil {
		t.Fatal("published VP9, which the test call does not offer")
	}
	keyframes := make(chan struct{}, 16)
	lt, err := b.Publish(ctx, client.TrackOptions{Kind: client.Video, Source: client.SourceCamera, Codec: "vp8",
		OnKeyframeRequest: func() { keyframes <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	pub := next[client.TrackPublished](t, s, "track published")
	if pub.Track.Participant != loopback.PeerIdentity || pub.Track.SID == lt.SID() {
		t.Fatalf("published %+v for our %s", pub.Track, lt.SID())
	}
	// A VP8 keyframe's first bytes (the payload descriptor is pion's).
	frame := []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = lt.WriteFrame(frame, 33*time.Millisecond, 0)
			}
		}
	}()
	ready := next[client.RemoteTrackReady](t, s, "the echo's track")
	if ready.Track.SID != pub.Track.SID || ready.Track.Codec != "vp8" || ready.Reader.ClockRate() != 90000 {
		t.Fatalf("ready %+v, clock %d", ready.Track, ready.Reader.ClockRate())
	}
	p, err := ready.Reader.ReadRTP()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Payload) < len(frame) || string(p.Payload[len(p.Payload)-len(frame):]) != string(frame) {
		t.Fatalf("payload %x, sent %x", p.Payload, frame)
	}
	ready.Reader.RequestKeyframe()
	select {
	case <-keyframes:
	case <-time.After(5 * time.Second):
		t.Fatal("the keyframe request did not reach the sender")
	}
	if err := lt.SetMuted(true); err != nil {
		t.Fatal(err)
	}
	if m := next[client.TrackMuted](t, s, "mute"); m.Track.SID != pub.Track.SID || !m.Muted {
		t.Fatalf("muted %+v", m)
	}
	close(stop)
	<-writerDone
	if err := lt.Unpublish(); err != nil {
		t.Fatal(err)
	}
	if u := next[client.TrackUnsubscribed](t, s, "unsubscribed"); u.Track.SID != pub.Track.SID {
		t.Fatalf("unsubscribed %+v", u)
	}
	readerEnded := make(chan error, 1)
	go func() {
		for {
			if _, err := ready.Reader.ReadRTP(); err != nil {
				readerEnded <- err
				return
			}
		}
	}()
	select {
	case <-readerEnded:
	case <-time.After(5 * time.Second):
		t.Fatal("the echo's reader still runs after unpublishing")
	}
	if err := b.SendData("topic", []byte("x"), true, "someone-else"); err != nil {
		t.Fatal(err)
	}
	if err := b.SendData("topic", []byte("ping"), true); err != nil {
		t.Fatal(err)
	}
	if d := next[client.DataMessage](t, s, "data echo"); d.Topic != "topic" || string(d.Payload) != "ping" {
		t.Fatalf("data %+v (a packet for someone else came back?)", d)
	}
	b.Leave()
	if e := next[client.Ended](t, s, "ended"); e.Err != nil {
		t.Fatalf("ended %v", e.Err)
	}
	b.Leave() // twice: nothing more
	if _, err := b.Publish(ctx, client.TrackOptions{Kind: client.Audio, Codec: "opus"}); !errors.Is(err, client.ErrNotJoined) {
		t.Fatalf("publish after leaving: %v", err)
	}
	if _, err := b.SendChat("late"); !errors.Is(err, client.ErrNotJoined) {
		t.Fatalf("chat after leaving: %v", err)
	}
	waitGoroutines(t, before)
}

// BenchmarkLatency measures the test call's delays, as the user sees and
// hears them: capture to decoded picture (the camera's stamp) and
// microphone to playout (the tone bursts' onsets), over the first 10 s
// of a 360p call.
func BenchmarkLatency(b *testing.B) {
	for b.Loop() {
		c := startCall(b, 640, 360)
		time.Sleep(10 * time.Second)
		r := c.s.Report(time.Now())
		c.leave()
		v, _ := remote(r, "video")
		a, _ := remote(r, "audio")
		if v.LatencySamples == 0 || a.LatencySamples == 0 {
			b.Fatalf("nothing measured: video %+v audio %+v", v, a)
		}
		b.ReportMetric(v.LatencyMsP50, "video-ms-p50")
		b.ReportMetric(v.LatencyMsP95, "video-ms-p95")
		b.ReportMetric(a.LatencyMsP50, "audio-ms-p50")
		b.ReportMetric(a.LatencyMsP95, "audio-ms-p95")
		b.ReportMetric(float64(v.FramesDecoded)/r.DurationS, "fps")
	}
}
