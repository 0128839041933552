package loopback_test

import (
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media/synth"
)

// TestJoinMuted: a session told to join with its microphone and camera
// off (Config.MicMuted, CameraMuted) announces both tracks muted and
// sends nothing at all, not even the first moments; unmuting the
// microphone then sends it.
func TestJoinMuted(t *testing.T) {
	mic, err := synth.NewMic(synth.MicConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 320, Height: 180, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	c := joinTestCall(t, client.Config{Mic: mic, Camera: cam, MicMuted: true, CameraMuted: true})
	defer c.leave()
	s := c.s
	published := make(chan client.Track, 8)
	go func() { // ends when the session's events close, after Leave
		for ev := range c.events {
			if e, ok := ev.(client.TrackPublished); ok && e.Track.Participant != loopback.PeerIdentity {
				published <- e.Track
			}
		}
	}()
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
