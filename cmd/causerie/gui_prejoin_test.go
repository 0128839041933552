//go:build !nogui

package main

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media"
	"causerie/media/audio"
	"causerie/ui/desktop"
)

// The pre-join screen's device checks on a real sound server: the lists
// with the default marked; the meter on a speaker's monitor hears the
// chime played on that speaker; the null speaker, a speaker nobody has
// and "none" are answered without opening anything.
func TestGUIDeviceChecks(t *testing.T) {
	s, _ := soundServer(t)
	s.Setenv(t)
	f := meetingFlags{camera: deviceTest, mic: deviceTest, speaker: deviceDefault}

	l := guiDeviceLists()
	if !slices.Contains(l.Speakers, desktop.Device{Name: "Speakers", Default: true}) ||
		!slices.Contains(l.Speakers, desktop.Device{Name: "Headset"}) ||
		!slices.Contains(l.Mics, desktop.Device{Name: "Monitor of Speakers", Default: true}) {
		t.Fatalf("lists %+v", l)
	}

	m, release, err := openGUIMeter(f, "Monitor of Speakers")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
		release()
	}()
	meter, ok := m.(*audio.Meter)
	if !ok {
		t.Fatalf("meter %T", m)
	}
	// A null sink nobody played to may take a while to start (media/audio
	// says up to 2 s): the first chimes may go unheard.
	for try := 0; try < 5 && meter.Peak() < 0.5; try++ {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		err := playGUIChime(pctx, f, "Speakers")
		pcancel()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the monitor's delay
	}
	if p := meter.Peak(); p < 0.5 {
		t.Fatalf("the speakers' monitor heard the chime at %.2f", p)
	}
	t.Logf("chime heard at %.2f (0..1, -60..0 dBFS)", meter.Peak())

	for _, speaker := range []string{deviceNull, "Nobody's Speakers"} {
		if err := playGUIChime(ctx, f, speaker); !errors.Is(err, desktop.ErrNoSoundDevice) {
			t.Errorf("chime on %q: %v", speaker, err)
		}
	}
	if m, release, err := openGUIMeter(f, deviceNone); m != nil || release != nil || err != nil {
		t.Errorf("meter on none: %v %v", m, err)
	}
	if _, _, err := openGUIMeter(f, "Nobody's Microphone"); !errors.Is(err, audio.ErrNoDevice) {
		t.Errorf("meter on a microphone nobody has: %v", err)
	}
}

// The desktop's test call as the binary prepares it: the meeting's
// devices and audio processing, on the loopback backend; our camera
// shows on our tile, the echo's decoded pictures on its own.
func TestGUITestCall(t *testing.T) {
	f := meetingFlags{camera: deviceTest, mic: deviceTest, speaker: deviceNull,
		echoCancel: true, noiseSuppress: true, autoGain: true}
	var own, echo atomic.Uint64
	m, err := testCallGUI(f, desktop.JoinRequest{Link: "https://visio.example.fr/abc-defg-hij", Name: "Ann"},
		"Test call", "Your test call", func(participant, sid string, _ *media.I420) {
			switch {
			case sid == desktop.LocalVideo:
				own.Add(1)
			case participant == loopback.PeerIdentity:
				echo.Add(1)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan client.Event, 1024)
	go func() {
		for ev := range m.Events() {
			events <- ev
		}
		close(events)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.Join(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for own.Load() < 30 || echo.Load() < 30 {
		if time.Now().After(deadline) {
			t.Fatalf("pictures: own %d, echo's %d", own.Load(), echo.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := m.Report(time.Now())
	m.Leave()
	var joined client.Joined
	for ev := range events {
		if j, ok := ev.(client.Joined); ok {
			joined = j
		}
	}
	if r.Backend != "loopback" || joined.Room != "Test call" || joined.Self.Name != "Ann" {
		t.Fatalf("backend %q, joined %+v", r.Backend, joined)
	}
	for _, rr := range r.Remote {
		t.Logf("%s %s: %d packets, %d frames, latency p50 %.0f ms p95 %.0f ms", rr.Name, rr.Kind,
			rr.PacketsReceived, rr.FramesDecoded, rr.LatencyMsP50, rr.LatencyMsP95)
	}
}
