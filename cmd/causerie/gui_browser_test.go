//go:build linux && !nogui

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserTabPerf measures what issue 6 compares Causerie with: a
// browser tab in the same call. Chromium (the browser peer,
// tests/browser/peer.mjs, running livekit-client as Visio's web client
// does) draws on the same Xvfb display, joined to a real livekit-server
// with the same four synthetic participants sending 360p, publishing its
// fake camera at 360p and its microphone, with the four videos laid out
// as a grid of tiles of the size Causerie's window gives them. It runs
// with CAUSERIE_GUI_BENCH=FILE next to TestGUIPerf (scripts/bench-gui.sh)
// and writes FILE with "-browser" before its extension.
func TestBrowserTabPerf(t *testing.T) {
	out := os.Getenv("CAUSERIE_GUI_BENCH")
	if out == "" {
		t.Skip("a measurement: scripts/bench-gui.sh runs it (CAUSERIE_GUI_BENCH=FILE)")
	}
	root := browserRoot(t)
	x := startXvfb(t)
	t.Setenv("DISPLAY", x.display) // for Chromium, started by startNode
	srv := startSFU(t)
	names := startSenders(t, srv, "perf", 90*time.Second)
	tok, err := srv.Token("perf", "navigateur", "Navigateur")
	if err != nil {
		t.Fatal(err)
	}
	// Measured as TestGUIPerf measures Causerie: from 8 s after joining,
	// for 20 s. The tile size is Causerie's 2×2 grid at 1366×768.
	peer := runPeer(t, root, "--url", srv.URL, "--token", tok, "--duration", "30s", "--resolution", "h360",
		"--tile", "558x312", "--measure-after", "9s", "--headed")
	var s struct {
		UserAgent string          `json:"user_agent"`
		Measure   json.RawMessage `json:"measure"`
		Remote    []struct {
			Identity      string `json:"identity"`
			Kind          string `json:"kind"`
			FramesDecoded int    `json:"frames_decoded"`
			FramesDropped int    `json:"frames_dropped"`
			Width         int    `json:"width"`
			Height        int    `json:"height"`
			Decoder       string `json:"decoder"`
		} `json:"remote"`
	}
	if err := json.Unmarshal([]byte(peer.stdout.String()), &s); err != nil || len(s.Measure) == 0 {
		t.Fatalf("browser peer summary: %v\n%s\n%s", err, &peer.stdout, &peer.stderr)
	}
	res := map[string]any{
		"browser":             browserVersion(s.UserAgent),
		"remote_participants": len(names),
		"published":           "fake camera 360p (VP9 SVC L3T3_KEY) and microphone, as Visio's web client",
		"measure":             s.Measure,
	}
	var decoded []any
	for _, r := range s.Remote {
		if r.Kind == "video" {
			decoded = append(decoded, r)
		}
	}
	res["remote_video"] = decoded // whole call, from WebRTC's inbound-rtp
	b, _ := json.MarshalIndent(res, "", "  ")
	file := strings.TrimSuffix(out, filepath.Ext(out)) + "-browser" + filepath.Ext(out)
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
}
