package desktop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"causerie/client"
	"causerie/client/loopback"
	"causerie/media"
	"causerie/media/audio"
	"causerie/media/playout"
	"causerie/media/synth"
)

// fakeDevices is the machine's devices as the test plugs and unplugs
// them, and the microphones and speakers the pre-join screen opens: each
// microphone is the synthetic one measured by media/audio's real Meter,
// each speaker a null speaker that really plays the chime at real-time
// pace.
type fakeDevices struct {
	mu       sync.Mutex
	lists    DeviceLists
	opened   []string // microphones opened, in order
	open     int      // microphones open now
	played   []string // speakers the chime was played on
	previews []string // cameras the preview ran
}

func (f *fakeDevices) set(l DeviceLists) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = l
}

func (f *fakeDevices) options() Options {
	return Options{
		ListDevices: func() DeviceLists {
			f.mu.Lock()
			defer f.mu.Unlock()
			return DeviceLists{Cameras: slices.Clone(f.lists.Cameras), Mics: slices.Clone(f.lists.Mics),
				Speakers: slices.Clone(f.lists.Speakers)}
		},
		OpenMeter: func(mic string) (LevelMeter, func(), error) {
			switch mic {
			case "none":
				return nil, nil, nil
			case "Broken Mic":
				return nil, nil, errors.New("device busy")
			}
			src, err := synth.NewMic(synth.MicConfig{FrameSamples: audio.PeriodSamples})
			if err != nil {
				return nil, nil, err
			}
			f.mu.Lock()
			f.opened = append(f.opened, mic)
			f.open++
			f.mu.Unlock()
			return audio.NewMeter(src), func() {
				f.mu.Lock()
				f.open--
				f.mu.Unlock()
			}, nil
		},
		TestSpeaker: func(ctx context.Context, speaker string) error {
			f.mu.Lock()
			f.played = append(f.played, speaker)
			f.mu.Unlock()
			if speaker == "" {
				return fmt.Errorf("%w: no sound system", ErrNoSoundDevice)
			}
			spk := playout.NewNull()
			sctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); spk.Run(sctx) }()
			defer func() { cancel(); <-done }()
			return audio.PlaySound(ctx, spk, audio.Chime())
		},
		Preview: func(ctx context.Context, camera string, sink func(*media.I420)) error {
			f.mu.Lock()
			f.previews = append(f.previews, camera)
			f.mu.Unlock()
			return runCamera(ctx, 1, sink)
		},
	}
}

func (f *fakeDevices) state() (opened []string, open int, played, previews []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.opened), f.open, slices.Clone(f.played), slices.Clone(f.previews)
}

// The pre-join screen's devices: pickers filled from the system's lists
// (default marked) and updated when devices come and go, the choice
// kept and saved; the microphone's level from the chosen microphone,
// which is closed when another is chosen, when joining muted and before
// the call opens it; the speaker test on the chosen speakers, or a
// sentence when there are none.
func TestPreJoinDevices(t *testing.T) {
	devs := &fakeDevices{lists: DeviceLists{
		Mics:     []Device{{Name: "Built-in Mic", Default: true}, {Name: "USB Mic"}},
		Speakers: []Device{{Name: "Built-in Speakers", Default: true}, {Name: "HDMI"}},
	}}
	o := devs.options()
	var asked JoinRequest
	openAtJoin := -1
	o.Connect = func(req JoinRequest, _ VideoSink) (Meeting, error) {
		asked = req
		_, openAtJoin, _, _ = devs.state()
		return newFakeMeeting(bob), nil
	}
	ta := newTestApp(t, "en", o)
	// From the home screen: the app's goroutines start once the test's
	// UI loop is in place (harness_test.go).
	ta.ui.do(func() {
		test.Type(ta.home.link, "https://visio.example.fr/abc-defg-hij")
		test.Tap(ta.home.cont)
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.until("microphones listed", func() bool {
		return slices.Equal(ta.pre.mic.sel.Options, []string{"System default", "Test tone", "None",
			"Built-in Mic (system default)", "USB Mic"})
	})
	ta.ui.do(func() {
		if got := ta.pre.speaker.sel.Options; !slices.Equal(got, []string{"System default", "No sound (null)",
			"Built-in Speakers (system default)", "HDMI"}) {
			t.Errorf("speakers %q", got)
		}
		if ta.pre.mic.sel.Selected != "System default" {
			t.Errorf("microphone %q selected", ta.pre.mic.sel.Selected)
		}
	})

	// The level follows the microphone (the synthetic one's tone bursts).
	ta.until("microphone level", func() bool { return ta.pre.level.level > 0.5 })
	ta.until("level back down between bursts", func() bool { return ta.pre.level.level < 0.3 })

	// Choosing another microphone closes the first and measures it.
	ta.ui.do(func() { ta.pre.mic.sel.SetSelected("USB Mic") })
	ta.until("USB microphone measured", func() bool {
		opened, open, _, _ := devs.state()
		return slices.Equal(opened, []string{"", "USB Mic"}) && open == 1
	})
	if got := ta.prefs.load().Mic; got != "USB Mic" {
		t.Fatalf("microphone saved %q", got)
	}

	// Hot-plug: a headset appears; the USB microphone, chosen, goes away
	// and stays chosen, marked.
	devs.set(DeviceLists{
		Mics:     []Device{{Name: "Built-in Mic", Default: true}, {Name: "Headset"}},
		Speakers: []Device{{Name: "Built-in Speakers", Default: true}, {Name: "HDMI"}},
	})
	ta.until("headset listed, USB microphone not connected", func() bool {
		return slices.Contains(ta.pre.mic.sel.Options, "Headset") && ta.pre.mic.sel.Selected == "USB Mic (not connected)"
	})

	// A microphone that does not open says so.
	devs.set(DeviceLists{
		Mics:     []Device{{Name: "Built-in Mic", Default: true}, {Name: "Broken Mic"}},
		Speakers: []Device{{Name: "Built-in Speakers", Default: true}, {Name: "HDMI"}},
	})
	ta.until("broken microphone listed", func() bool { return slices.Contains(ta.pre.mic.sel.Options, "Broken Mic") })
	ta.ui.do(func() { ta.pre.mic.sel.SetSelected("Broken Mic") })
	ta.until("microphone problem", func() bool {
		return ta.pre.micNote.Visible() && strings.Contains(ta.pre.micNote.Text, "device busy")
	})

	// Joining muted: no microphone open.
	ta.ui.do(func() {
		ta.pre.mic.sel.SetSelected("Test tone")
		test.Tap(ta.pre.micOff)
	})
	ta.until("meter stopped", func() bool {
		_, open, _, _ := devs.state()
		return open == 0 && ta.pre.level.level == 0 && !ta.pre.micNote.Visible()
	})

	// The speaker test plays on the speakers chosen; with none there is
	// a sentence.
	ta.ui.do(func() {
		ta.pre.speaker.sel.SetSelected("HDMI")
		test.Tap(ta.pre.testSpeakers)
		if !ta.pre.testSpeakers.Disabled() {
			t.Error("speaker test button enabled while playing")
		}
	})
	ta.until("chime played", func() bool {
		return ta.pre.speakerNote.Text == ta.p.T("prejoin.speaker_played") && !ta.pre.testSpeakers.Disabled()
	})
	ta.ui.do(func() {
		ta.pre.speaker.sel.SetSelectedIndex(0)
		test.Tap(ta.pre.testSpeakers)
	})
	ta.until("no speaker", func() bool { return ta.pre.speakerNote.Text == ta.p.T("prejoin.no_speaker") })
	if _, _, played, _ := devs.state(); !slices.Equal(played, []string{"HDMI", ""}) {
		t.Fatalf("chime played on %q", played)
	}

	// The camera chosen runs in the preview.
	ta.ui.do(func() { ta.pre.camera.sel.SetSelected("Test pattern") })
	ta.until("preview of the test pattern", func() bool {
		_, _, _, previews := devs.state()
		return len(previews) == 2 && previews[1] == "test" && ta.pre.previewFrames() > 0
	})
	// No camera: the preview says it is off.
	ta.ui.do(func() { ta.pre.camera.sel.SetSelected("None") })
	ta.until("no camera", func() bool { return ta.pre.previewDisabled.Visible() && !ta.pre.preview.img.Visible() })
	ta.ui.do(func() { ta.pre.camera.sel.SetSelected("Test pattern") })
	ta.until("the test pattern again", func() bool { return !ta.pre.previewDisabled.Visible() && ta.pre.preview.img.Visible() })

	// Joining: the choices go with the request, and the screen's
	// microphone is closed before the call opens its own.
	ta.ui.do(func() { test.Tap(ta.pre.micOff) })
	ta.until("meter again", func() bool {
		opened, open, _, _ := devs.state()
		return open == 1 && opened[len(opened)-1] == "test"
	})
	ta.ui.do(func() { test.Tap(ta.pre.join) })
	ta.until("in call", func() bool { return ta.call != nil && ta.call.phase == "call" })
	if asked.Camera != "test" || asked.Mic != "test" || asked.Speaker != "" || asked.MicOff || asked.Test {
		t.Fatalf("joined with %+v", asked)
	}
	if openAtJoin != 0 {
		t.Fatalf("%d microphones still open when the call connected", openAtJoin)
	}
	saved := ta.prefs.load()
	if saved.Camera != "test" || saved.Mic != "test" || saved.Speaker != "" {
		t.Fatalf("saved %+v", saved)
	}
}

// sessionMeeting is a real session as the desktop drives it, with the
// null speaker it plays into.
type sessionMeeting struct {
	*client.Session
	stopSpeaker func()
}

func (m *sessionMeeting) Leave() {
	m.Session.Leave()
	m.stopSpeaker()
}

// testCallOn is what cmd/causerie does for the test call: a session on
// the loopback backend, here with the synthetic camera and microphone.
func testCallOn(last **sessionMeeting) func(JoinRequest, string, string, VideoSink) (Meeting, error) {
	return func(req JoinRequest, room, peer string, video VideoSink) (Meeting, error) {
		cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
		if err != nil {
			return nil, err
		}
		mic, err := synth.NewMic(synth.MicConfig{})
		if err != nil {
			return nil, err
		}
		spk := playout.NewNull()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); spk.Run(ctx) }()
		s := client.New(client.Config{
			Backend: loopback.New(loopback.Options{Name: req.Name, Room: room, Peer: peer}),
			Camera:  cam, Mic: mic, Speaker: spk, OnVideoFrame: video,
		})
		m := &sessionMeeting{Session: s, stopSpeaker: func() { cancel(); <-done }}
		*last = m
		return m, nil
	}
}

// The test call, in French: from the pre-join screen to a call with
// ourselves on a real session (the loopback backend, through pion), the
// echo's tile showing its pictures, and back to the pre-join screen on
// leaving, the meeting not counted among the recent ones.
func TestTestCall(t *testing.T) {
	var m *sessionMeeting
	ta := newTestApp(t, "fr", Options{
		Join: JoinRequest{Link: "https://visio.example.fr/abc-defg-hij", Name: "Ann"},
		Connect: func(JoinRequest, VideoSink) (Meeting, error) {
			t.Error("the meeting was joined")
			return nil, errors.New("no")
		},
		TestCall: testCallOn(&m),
	})
	ta.until("pre-join", func() bool { return ta.pre != nil })
	ta.ui.do(func() {
		test.Tap(ta.pre.micOff)
		test.Tap(ta.pre.testCall)
	})
	ta.until("in the test call with its echo", func() bool {
		return ta.call != nil && ta.call.phase == "call" && ta.call.people[loopback.PeerIdentity] != nil
	})
	ta.ui.do(func() {
		if got := ta.call.people[loopback.PeerIdentity].p.Name; got != "Votre appel de test" {
			t.Errorf("echo named %q", got)
		}
		if !strings.HasPrefix(ta.win.Title(), "Appel de test") {
			t.Errorf("window title %q", ta.win.Title())
		}
	})
	ta.until("the echo's pictures shown", func() bool {
		ps := ta.call.people[loopback.PeerIdentity]
		return ps != nil && ps.tile.feed != nil && ps.tile.feed.frames.Load() > 15
	})
	// Joining with the microphone off applies to the test call too.
	ta.until("microphone muted", func() bool { return ta.call.micOff })
	r := m.Report(time.Now())
	for _, rr := range r.Remote {
		t.Logf("%s %s: %d packets, %d frames, latency p50 %.0f ms p95 %.0f ms", rr.Name, rr.Kind, rr.PacketsReceived,
			rr.FramesDecoded, rr.LatencyMsP50, rr.LatencyMsP95)
	}

	ta.ui.do(func() { test.Tap(ta.call.btn.leave) })
	ta.until("pre-join again", func() bool { return ta.call == nil && ta.pre != nil })
	ta.ui.do(func() {
		if ta.pre.req.Link != "https://visio.example.fr/abc-defg-hij" || !ta.pre.micOff.Checked || ta.pre.problem.Visible() {
			t.Errorf("back on %+v, mic off %v, problem %q", ta.pre.req, ta.pre.micOff.Checked, ta.pre.problem.Text)
		}
		if len(ta.prefs.recent()) != 0 {
			t.Errorf("recent meetings %q", ta.prefs.recent())
		}
	})
	select {
	case <-m.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the test call's session did not end")
	}
}

// A test call that cannot start says why on the pre-join screen.
func TestTestCallFails(t *testing.T) {
	ta := newTestApp(t, "en", Options{
		Join:    JoinRequest{URL: "wss://sfu.example.fr", Token: "t"},
		Connect: func(JoinRequest, VideoSink) (Meeting, error) { return nil, errors.New("no") },
		TestCall: func(JoinRequest, string, string, VideoSink) (Meeting, error) {
			return nil, fmt.Errorf("%w: camera gone", client.ErrMediaDevice)
		},
	})
	ta.ui.do(func() { test.Tap(ta.pre.testCall) })
	ta.until("problem on the pre-join screen", func() bool {
		return ta.pre != nil && ta.pre.problem.Visible() && strings.Contains(ta.pre.problem.Text, "camera gone")
	})
	ta.ui.do(func() {
		if ta.pre.req.URL != "wss://sfu.example.fr" || ta.pre.req.Test {
			t.Errorf("back on %+v", ta.pre.req)
		}
	})
}
