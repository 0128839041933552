package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"causerie/media/audio/pulsetest"
)

// soundServer runs a private PulseAudio with a "Speakers" sink (the
// default, its monitor the default microphone) and a "Headset" one.
func soundServer(t *testing.T) (*pulsetest.Server, int) {
	t.Helper()
	s := pulsetest.Start(t)
	s.AddSink("speakers", "Speakers")
	headset := s.AddSink("headset", "Headset")
	s.Pactl("set-default-sink", "speakers")
	s.Pactl("set-default-source", "speakers.monitor")
	return s, headset
}

// `causerie devices` lists the sound server's devices with the default
// marked, in English and French, and as JSON.
func TestDevicesCommand(t *testing.T) {
	s, _ := soundServer(t)
	p := causerie(t, s.Env(), "devices")
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, &p.stderr)
	}
	out := p.stdout.String()
	for _, want := range []string{"Cameras:\n  no camera found\n  test:", "Microphones:\n", "Monitor of Speakers (default)  [speakers.monitor]",
		"Monitor of Headset  [headset.monitor]", "Speakers:\n", "  Speakers (default)  [speakers]\n", "  Headset  [headset]\n", "  null: plays into nothing"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}

	p = causerie(t, append(s.Env(), "LANG=fr_FR.UTF-8"), "devices")
	if code := p.wait(t, 20*time.Second); code != exitOK || !strings.Contains(p.stdout.String(), "Haut-parleurs :\n  Speakers (par défaut)") {
		t.Fatalf("exit %d, French:\n%s", code, &p.stdout)
	}

	p = causerie(t, s.Env(), "devices", "--json")
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, &p.stderr)
	}
	var got devicesJSON
	if err := json.Unmarshal([]byte(p.stdout.String()), &got); err != nil {
		t.Fatalf("%v:\n%s", err, &p.stdout)
	}
	if !got.SoundSystem || len(got.Speakers) != 2 || got.Speakers[0] != (deviceLine{ID: "speakers", Name: "Speakers", Default: true}) {
		t.Fatalf("JSON: %+v", got)
	}
}

// Without a sound server (PulseAudio unreachable, no ALSA card here) the
// lists are empty, and that is an answer: status 0, no crash, no noise
// from the sound libraries.
func TestDevicesCommandNoDevices(t *testing.T) {
	p := causerie(t, []string{"PULSE_SERVER=unix:" + filepath.Join(t.TempDir(), "none")}, "devices")
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, &p.stderr)
	}
	out := p.stdout.String()
	for _, want := range []string{"no microphone found", "no speaker found", "test: the synthetic microphone", "null: plays into nothing"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(p.stderr.String(), "ALSA") || strings.Contains(p.stderr.String(), "panic") {
		t.Fatalf("stderr:\n%s", &p.stderr)
	}
}

// A device name nobody has is a usage error, said before connecting.
func TestDeviceFlagsUnknown(t *testing.T) {
	s, _ := soundServer(t)
	for _, c := range []struct{ args []string }{
		{[]string{"--mic", "Studio Mic"}},
		{[]string{"--speaker", "hdmi"}},
	} {
		p := causerie(t, s.Env(), append([]string{"join", "--url", "ws://127.0.0.1:9", "--token", "t"}, c.args...)...)
		want := c.args[0] + " takes"
		if code := p.wait(t, 20*time.Second); code != exitUsage || !strings.Contains(p.stderr.String(), want) {
			t.Fatalf("%v: exit %d, stderr:\n%s\nwant %d and %q", c.args, code, &p.stderr, exitUsage, want)
		}
	}
}

// The acceptance (d): a participant on real sound devices (the
// headset's monitor as microphone, the speakers' sink as speaker) loses
// its microphone mid-call: the call stays up, the event says where the
// microphone went, and the other side keeps hearing it.
func TestMicUnpluggedMidCall(t *testing.T) {
	s, headset := soundServer(t)
	srv := startSFU(t)
	room := "devices"
	annToken, err := srv.Token(room, "ann", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	bobToken, err := srv.Token(room, "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ann := causerie(t, s.Env(), "join", "--url", srv.URL, "--token", annToken, "--camera", "none",
		"--mic", "Monitor of Headset", "--speaker", "Speakers", "--print-events", "--duration", "10s",
		"--stats-json", filepath.Join(dir, "ann.json"))
	bob := causerie(t, nil, "join", "--url", srv.URL, "--token", bobToken, "--headless", "--camera", "none",
		"--mic", "test", "--duration", "12s", "--stats-json", filepath.Join(dir, "bob.json"))

	// Unplug once Ann is in and her microphone runs.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(ann.stdout.String(), `"event":"joined"`) {
		if time.Now().After(deadline) {
			t.Fatalf("Ann did not join:\n%s\n%s", &ann.stdout, &ann.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	s.Unload(headset)

	if code := ann.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("Ann exited %d after her microphone went away\nstdout:\n%s\nstderr:\n%s", code, &ann.stdout, &ann.stderr)
	}
	if code := bob.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("Bob exited %d\n%s", code, &bob.stderr)
	}
	var lost, speakerLost bool
	sc := bufio.NewScanner(strings.NewReader(ann.stdout.String()))
	for sc.Scan() {
		var ev map[string]string
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev["event"] != "device" {
			continue
		}
		if ev["kind"] == "microphone" && ev["type"] == "lost" && ev["from"] == "Monitor of Headset" && ev["to"] == "Monitor of Speakers" {
			lost = true
		}
		if ev["kind"] == "speaker" && ev["type"] == "lost" {
			speakerLost = true // the speakers stayed: no such event
		}
	}
	if !lost || speakerLost {
		t.Fatalf("device events: microphone lost %v (want true), speaker lost %v (want false):\n%s", lost, speakerLost, &ann.stdout)
	}
	a, b := readReport(t, filepath.Join(dir, "ann.json")), readReport(t, filepath.Join(dir, "bob.json"))
	// 50 frames a second; the microphone stops for at most a couple of
	// seconds while the sound server starts streams (up to 2 s on a
	// null sink), at the start and after the switch. The monitors are
	// mostly silent: DTX sends few of the frames.
	if a.Local.Audio == nil || a.Local.Audio.PacketsSent+a.Local.Audio.SilentFrames < bar(250) {
		t.Fatalf("Ann sent %+v in 10 s", a.Local.Audio)
	}
	var heard uint64
	for _, r := range b.Remote {
		if r.Participant == "ann" && r.Kind == "audio" {
			heard += r.PacketsReceived + r.SilentMs/20 // frames, sent or silent
		}
	}
	if heard < bar(200) {
		t.Fatalf("Bob received %d frames of Ann's audio, as packets or DTX silence", heard)
	}
	// Ann's speaker is the real sink: it pulled Bob's tone bursts (one a
	// second) through the decoder at the device's pace, each heard
	// where the onset detector expects it.
	for _, r := range a.Remote {
		if r.Participant == "bob" && r.Kind == "audio" {
			t.Logf("Bob to Ann's speaker: %d packets, bursts heard %d, send-to-playout p50 %.0f ms, p95 %.0f ms, concealed %d ms",
				r.PacketsReceived, r.LatencySamples, r.LatencyMsP50, r.LatencyMsP95, r.ConcealedMs)
			if r.PacketsReceived < bar(200) || r.LatencySamples < 5 {
				t.Fatalf("Ann's speaker played %d of Bob's packets and %d of his bursts", r.PacketsReceived, r.LatencySamples)
			}
			return
		}
	}
	t.Fatalf("Ann received nothing from Bob: %+v", a.Remote)
}
