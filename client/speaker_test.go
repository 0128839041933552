package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"

	"causerie/media/playout"
)

// idleTrack is a remote track that sends nothing until it ends.
type idleTrack struct{ end chan struct{} }

func (t idleTrack) ReadRTP() (*rtp.Packet, error) {
	<-t.end
	return nil, errors.New("track ended")
}
func (idleTrack) RequestKeyframe()  {}
func (idleTrack) ClockRate() uint32 { return 48000 }

// A speaker that mixes by participant (playout.Mixer, media/audio's
// Speaker) is told whose each audio track is, so the UI's volume and
// mute for a participant apply to their tracks; a device change posted
// by the sound device reaches the event stream.
func TestSpeakerByParticipant(t *testing.T) {
	fb := newFakeBackend()
	fb.others = []Participant{{Identity: "bob", Name: "Bob"}}
	mix := playout.NewMixer()
	s := New(Config{Backend: fb, Speaker: mix})
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-fb.sink
	track := idleTrack{end: make(chan struct{})}
	sink.Post(RemoteTrackReady{Track: Track{SID: "TR_A", Participant: "bob", Kind: Audio, Source: SourceMicrophone, Codec: "opus"}, Reader: track})
	s.Post(DeviceChanged{Device: "microphone", Reason: DeviceLost, From: "Headset", To: "Built-in"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := mix.Levels(nil)["bob"]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mixer never got Bob's track as his: %v", mix.Levels(nil))
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(track.end) // the SFU ends it as we leave
	s.Leave()
	var got *DeviceChanged
	for _, ev := range collect(t, s) {
		if d, ok := ev.(DeviceChanged); ok {
			got = &d
		}
	}
	if got == nil || got.From != "Headset" || got.To != "Built-in" || got.Reason != DeviceLost {
		t.Fatalf("device event %+v", got)
	}
	if len(mix.Levels(nil)) != 0 {
		t.Fatalf("Bob's track still mixed after leaving: %v", mix.Levels(nil))
	}
}
