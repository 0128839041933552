package loopback_test

import (
	"context"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media/playout"
	"causerie/media/synth"
)

// TestJoinMuted: a session told to join with its microphone and camera
// off (Config.MicMuted, CameraMuted) announces both tracks muted and
// sends nothing at all, not even the first moments; unmuting the
// microphone then sends it.
func TestJoinMuted(t *testing.T) {
	spk := playout.NewNull()
	ctx, cancel := context.WithCancel(context.Background())
	spkDone := make(chan struct{})
	go func() { defer close(spkDone); spk.Run(ctx) }()
	defer func() { cancel(); <-spkDone }()
	mic, err := synth.NewMic(synth.MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 320, Height: 180, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	s := client.New(client.Config{
		Backend: loopback.New(loopback.Options{Name: "Ann", Peer: "Your test call", Room: "Test call"}),
		Mic:     mic, Camera: cam, Speaker: spk, MicMuted: true, CameraMuted: true,
	})
	published := make(chan client.Track, 8)
	go func() { // ends when the session's events close, after Leave
		for ev := range s.Events() {
			if e, ok := ev.(client.TrackPublished); ok && e.Track.Participant != loopback.PeerIdentity {
				published <- e.Track
			}
		}
	}()
	jctx, jcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer jcancel()
	if err := s.Join(jctx); err != nil {
		t.Fatal(err)
	}
	defer s.Leave()
	for range 2 {
		select {
		case tr := <-published:
			if !tr.Muted {
				t.Errorf("our %v track announced live", tr.Kind)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("our tracks were not announced")
		}
	}
	time.Sleep(1500 * time.Millisecond)
	r := s.Report(time.Now())
	if a := r.Local.Audio; a == nil || a.PacketsSent != 0 {
		t.Errorf("joined muted, the microphone sent %+v", a)
	}
	if v := r.Local.Video; v == nil || v.FramesEncoded != 0 {
		t.Errorf("joined muted, the camera encoded %+v", v)
	}
	if err := s.SetMicMuted(false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if a := s.Report(time.Now()).Local.Audio; a.PacketsSent+a.SilentFrames < 25 {
		t.Errorf("unmuted for 1 s, the microphone sent %+v", a)
	}
}
