//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestBrowserSimulcastCost measures the job issue 3's simulcast goal is
// about, done by a browser tab: Chromium (the browser peer running
// livekit-client as Visio's web client does, with its backup codec)
// publishing the synthetic camera's 720p30 clip as three-layer VP8
// simulcast to a real livekit-server, every layer encoded (no dynacast).
// The clip is the one scripts/bench-simulcast.sh encodes with our sender
// and with vpxenc. It runs with CAUSERIE_SIMULCAST_BENCH=FILE and
// CAUSERIE_CLIP=clip.y4m (scripts/bench-simulcast-browser.sh) and writes
// FILE: the tab's CPU over 20 s, and each layer's size, frame rate and
// encode time as WebRTC's stats give them.
func TestBrowserSimulcastCost(t *testing.T) {
	out, clip := os.Getenv("CAUSERIE_SIMULCAST_BENCH"), os.Getenv("CAUSERIE_CLIP")
	if out == "" || clip == "" {
		t.Skip("a measurement: scripts/bench-simulcast-browser.sh runs it (CAUSERIE_SIMULCAST_BENCH=FILE, CAUSERIE_CLIP=Y4M)")
	}
	root := browserRoot(t)
	clip, err := filepath.Abs(clip)
	if err != nil {
		t.Fatal(err)
	}
	srv := startSFU(t)
	tok, err := srv.Token("simulcast", "navigateur", "Navigateur")
	if err != nil {
		t.Fatal(err)
	}
	peer := runPeer(t, root, "--url", srv.URL, "--token", tok, "--duration", "35s", "--resolution", "h720",
		"--codec", "vp8", "--camera-file", clip, "--no-dynacast", "--measure-after", "12s")
	type layer struct {
		RID               string  `json:"rid"`
		Width             int     `json:"width"`
		Height            int     `json:"height"`
		FramesEncoded     int     `json:"frames_encoded"`
		FramesPerSecond   float64 `json:"frames_per_second"`
		TotalEncodeTimeS  float64 `json:"total_encode_time_s"`
		BytesSent         int64   `json:"bytes_sent"`
		Encoder           string  `json:"encoder"`
		QualityLimitation string  `json:"quality_limitation_reason"`
		EncodeMsPerFrame  float64 `json:"encode_ms_per_frame"`
	}
	var s struct {
		UserAgent string `json:"user_agent"`
		Measure   struct {
			Seconds    float64 `json:"seconds"`
			CPUPercent float64 `json:"cpu_percent"`
		} `json:"measure"`
		Local struct {
			Video struct {
				CaptureWidth  int     `json:"capture_width"`
				CaptureHeight int     `json:"capture_height"`
				CaptureFPS    float64 `json:"capture_frame_rate"`
				Layers        []layer `json:"layers"`
			} `json:"video"`
		} `json:"local"`
		WallS float64 `json:"wall_s"`
	}
	if err := json.Unmarshal([]byte(peer.stdout.String()), &s); err != nil || s.Measure.Seconds == 0 {
		t.Fatalf("browser peer summary: %v\n%s\n%s", err, &peer.stdout, &peer.stderr)
	}
	layers := s.Local.Video.Layers
	if len(layers) != 3 {
		t.Fatalf("%d layers sent, want 3: %s", len(layers), &peer.stdout)
	}
	var encodeMs float64 // per second of video, all layers
	for i := range layers {
		l := &layers[i]
		if l.FramesEncoded == 0 {
			t.Fatalf("layer %q encoded nothing: %s", l.RID, &peer.stdout)
		}
		l.EncodeMsPerFrame = l.TotalEncodeTimeS * 1000 / float64(l.FramesEncoded)
		encodeMs += l.EncodeMsPerFrame * l.FramesPerSecond
	}
	if top := layers[2]; top.Width != 1280 || top.Height != 720 {
		t.Errorf("the top layer was %dx%d, want 1280x720 (CPU adaptation?): %s", top.Width, top.Height, &peer.stdout)
	}
	res := map[string]any{
		"browser":         browserVersion(s.UserAgent),
		"published":       "synthetic camera clip 1280x720 at 30 fps (Chromium's file camera), VP8 simulcast as livekit-client sends it, dynacast off",
		"capture":         map[string]any{"width": s.Local.Video.CaptureWidth, "height": s.Local.Video.CaptureHeight, "fps": s.Local.Video.CaptureFPS},
		"tab_cpu_percent": s.Measure.CPUPercent,
		"tab_measured_s":  s.Measure.Seconds,
		// WebRTC's totalEncodeTime: the encoder's wall time per frame,
		// the figure media/send's benchmark reports per layer.
		"layers":                      layers,
		"encode_wall_percent_of_core": encodeMs / 10,
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
}
