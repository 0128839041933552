//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"causerie/client"
)

// The browser side of TestBrowserInterop publishes what Visio's web client
// publishes, and the thresholds follow from what it and we send:
//   - Chromium's fake camera delivers 20 frames/s (whatever resolution is
//     asked; measured: 298 frames reached Causerie in 15 s), Causerie's
//     test camera 30;
//   - both microphones send one Opus packet per 20 ms, 750 in 15 s.
//
// The bars are about 60 % of that, room for a loaded 2-core machine
// (Chromium alone burns about one core encoding VP9 SVC at 720p) and for
// the first second of each track, yet far above what a broken path gives.
const (
	browserCallTime      = 15 * time.Second
	minVideoFromBrowser  = 180 // of 300 frames
	minVideoFromCauserie = 270 // of 450 frames
	minAudioPackets      = 400 // of 750 packets, from the browser
	// Causerie sends Opus DTX: its synthetic microphone, a tone burst a
	// second over faint noise, goes out in about 33 packets a second, and
	// the browser plays the gaps as comfort noise. So the browser's bar
	// is what it played (400 frames' worth of samples), and fewer
	// packets. Concealment is held to issue 3's bar for a lossy network,
	// 10 %: on a loaded machine late packets made Chromium conceal 2.5 %
	// with none lost, an idle one 0.
	minAudioPacketsDTX    = 250 // of about 500
	minAudioSamplesPlayed = minAudioPackets * 960
	maxConcealedPerMille  = 10
	browserTestTimeLimit  = 150 * time.Second
	browserIdentity       = "navigateur"
	causerieIdentity      = "causerie"
	chatFromBrowser       = "Bonjour de Chromium — ça marche ?"
	chatFromCauserie      = "Bonjour depuis Causerie"
	reactionFromBrowser   = "thumbs-up"
	browserPublishedCodec = "vp9"
	// Visio's browsers leave livekit-client's default for SVC codecs.
	browserScalabilityMode = "L3T3_KEY"
)

// cliEvent is one line of `causerie join --print-events`.
type cliEvent struct {
	Event    string `json:"event"`
	Room     string `json:"room"`
	ID       string `json:"id"`
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Codec    string `json:"codec"`
	Source   string `json:"source"`
	Text     string `json:"text"`
	Emoji    string `json:"emoji"`
	Topic    string `json:"topic"`
	State    string `json:"state"`
	Message  string `json:"message"`
	Error    string `json:"error"`
}

// peerSummary is the part of tests/browser/peer.mjs's summary the test
// reads.
type peerSummary struct {
	LivekitClient string `json:"livekit_client"`
	UserAgent     string `json:"user_agent"`
	Identity      string `json:"identity"`
	Local         struct {
		Video struct {
			Codec             string  `json:"codec"`
			ScalabilityMode   string  `json:"scalability_mode"`
			CaptureWidth      int     `json:"capture_width"`
			CaptureHeight     int     `json:"capture_height"`
			CaptureFrameRate  float64 `json:"capture_frame_rate"`
			FramesEncoded     int     `json:"frames_encoded"`
			EncodedWidth      int     `json:"encoded_width"`
			EncodedHeight     int     `json:"encoded_height"`
			QualityLimitation string  `json:"quality_limitation_reason"`
			TotalEncodeTimeS  float64 `json:"total_encode_time_s"`
		} `json:"video"`
		Audio struct {
			Codec       string `json:"codec"`
			PacketsSent int    `json:"packets_sent"`
		} `json:"audio"`
	} `json:"local"`
	Remote []struct {
		Identity        string `json:"identity"`
		Kind            string `json:"kind"`
		Source          string `json:"source"`
		Codec           string `json:"codec"`
		PacketsReceived int    `json:"packets_received"`
		PacketsLost     int    `json:"packets_lost"`
		BytesReceived   int    `json:"bytes_received"`
		FramesDecoded   int    `json:"frames_decoded"`
		FramesDropped   int    `json:"frames_dropped"`
		Width           int    `json:"width"`
		Height          int    `json:"height"`
		// Audio: samples played out (comfort noise in DTX gaps
		// included) and those of them concealed for lost packets.
		TotalSamplesReceived int `json:"total_samples_received"`
		ConcealedSamples     int `json:"concealed_samples"`
	} `json:"remote"`
	Chat struct {
		ReceivedStream []struct {
			Identity, ID, Text string
		} `json:"received_stream"`
		ReceivedLegacy []struct {
			Identity     string `json:"identity"`
			ID           string `json:"id"`
			Message      string `json:"message"`
			IgnoreLegacy bool   `json:"ignoreLegacy"`
		} `json:"received_legacy"`
		Shown []struct {
			Identity, ID, Text, Via string
		} `json:"shown"`
	} `json:"chat"`
	Errors          []string `json:"errors"`
	BlockedRequests []string `json:"blocked_requests"`
	BrowserCPUS     float64  `json:"browser_cpu_s"`
	WallS           float64  `json:"wall_s"`
}

// TestBrowserInterop puts Causerie in a room with a real browser behaving
// as Visio's web client does (headless Chromium running livekit-client,
// tests/browser/peer.mjs): VP9 SVC camera and Opus microphone from the
// browser, VP8 and Opus from Causerie, one chat message each way (text
// stream plus legacy packet from the browser) and one reaction. Each side
// must receive the other's media in full and each message exactly once.
func TestBrowserInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs Chromium for about 25 s")
	}
	if raceEnabled {
		// Chromium takes a core encoding VP9 SVC and the race detector
		// slows Causerie's Go code several times over: the frame counts
		// would measure the machine. make test runs this test in its plain
		// pass; races in the same paths are checked by the other tests.
		t.Skip("interop throughput is measured without the race detector")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := browserReady(root); err != nil {
		if os.Getenv("CAUSERIE_REQUIRE_BROWSER") != "" {
			t.Fatalf("%v (scripts/browser-deps.sh installs it)", err)
		}
		t.Skipf("%v: run scripts/browser-deps.sh", err)
	}
	deadline := time.Now().Add(browserTestTimeLimit)
	remaining := func() time.Duration { return max(time.Until(deadline), time.Second) }

	srv := startSFU(t)
	browserToken, err := srv.Token("interop", browserIdentity, "Navigateur")
	if err != nil {
		t.Fatal(err)
	}
	causerieToken, err := srv.Token("interop", causerieIdentity, "Causerie")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	statsPath := filepath.Join(dir, "causerie.json")
	cpuStart := machineBusy()
	start := time.Now()

	// The browser joins first and stays until Causerie has left: Causerie
	// says its chat line as soon as it is in, and LiveKit keeps no history.
	peer := startNode(t, root, filepath.Join("tests", "browser", "peer.mjs"),
		"--url", srv.URL, "--token", browserToken, "--duration", "60s", "--leave-when-alone",
		"--chat", chatFromBrowser, "--reaction", reactionFromBrowser)
	var cli *proc
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser peer stdout:\n%s\nbrowser peer stderr:\n%s", &peer.stdout, &peer.stderr)
			if cli != nil {
				t.Logf("causerie stdout:\n%s\ncauserie stderr:\n%s", &cli.stdout, &cli.stderr)
				if b, err := os.ReadFile(statsPath); err == nil {
					t.Logf("causerie --stats-json:\n%s", b)
				}
			}
		}
	})
	waitForLine(t, peer, `{"event":"joined"`, min(60*time.Second, remaining()))
	joined := time.Since(start)

	cli = causerie(t, nil, "join", "--url", srv.URL, "--token", causerieToken, "--headless",
		"--camera", "test", "--mic", "test", "--duration", browserCallTime.String(),
		"--stats-json", statsPath, "--chat", chatFromCauserie, "--print-events")
	if code := cli.wait(t, remaining()); code != 0 {
		t.Fatalf("causerie exited %d", code)
	}
	if code := peer.wait(t, remaining()); code != 0 {
		t.Fatalf("browser peer exited %d", code)
	}
	wall := time.Since(start)
	busy := machineBusy() - cpuStart

	// What Causerie received from the browser.
	r := readReport(t, statsPath)
	var video, audio *client.RemoteReport
	for i := range r.Remote {
		rr := &r.Remote[i]
		if rr.Participant != browserIdentity {
			t.Errorf("causerie: track from unexpected %q: %+v", rr.Participant, *rr)
			continue
		}
		switch rr.Kind {
		case "video":
			video = rr
		case "audio":
			audio = rr
		}
	}
	if video == nil {
		t.Errorf("causerie: no video from the browser; remote tracks %+v", r.Remote)
	} else if video.Codec != browserPublishedCodec || video.FramesDecoded < minVideoFromBrowser ||
		video.DecodeErrors*100 > video.FramesDecoded || video.Width == 0 || video.Height == 0 {
		t.Errorf("causerie: video from the browser %+v; want %s, ≥ %d frames, at most 1 decode error per 100 frames, a size",
			*video, browserPublishedCodec, minVideoFromBrowser)
	} else if video.DecodeErrors > 0 {
		// On a loaded machine these came, with no packet lost, from
		// LiveKit's padding-only packets read as VP9 keyframes (more of
		// them the longer the first keyframe took) and from key pictures
		// whose top layer the SFU stopped forwarding midway; the receive
		// path now leaves both out (media/receive/assemble.go). What
		// remains would be corrupt data: logged, so it stays visible;
		// more than 1 % of frames fails.
		t.Logf("causerie: %d VP9 decode error(s) in %d frames from the browser", video.DecodeErrors, video.FramesDecoded)
	}
	if audio == nil {
		t.Errorf("causerie: no audio from the browser; remote tracks %+v", r.Remote)
	} else if audio.Codec != "opus" || audio.PacketsReceived < minAudioPackets || audio.DecodeErrors != 0 {
		t.Errorf("causerie: audio from the browser %+v; want opus, ≥ %d packets, no decode error", *audio, minAudioPackets)
	}

	// What Causerie printed: the browser's camera as VP9, the browser's chat
	// line once (its legacy copy carries ignoreLegacy) and its reaction once.
	events := parseEvents(cli.stdout.String())
	var chats, reactions []cliEvent
	var joinedEv, vp9Camera bool
	for _, e := range events {
		switch e.Event {
		case "joined":
			joinedEv = e.Identity == causerieIdentity
		case "track_subscribed":
			if e.Identity == browserIdentity && e.Kind == "video" && e.Codec == browserPublishedCodec && e.Source == "camera" {
				vp9Camera = true
			}
		case "chat":
			// Causerie also shows its own line, as the browser does.
			if e.Identity != causerieIdentity {
				chats = append(chats, e)
			}
		case "reaction":
			reactions = append(reactions, e)
		case "error":
			t.Errorf("causerie: error event %+v", e)
		}
	}
	if !joinedEv || !vp9Camera {
		t.Errorf("causerie: joined as %s: %v, subscribed the browser's camera as %s: %v; events %+v",
			causerieIdentity, joinedEv, browserPublishedCodec, vp9Camera, events)
	}
	if len(chats) != 1 || chats[0].Identity != browserIdentity || chats[0].Text != chatFromBrowser {
		t.Errorf("causerie: chat events %+v; want exactly one from %s saying %q", chats, browserIdentity, chatFromBrowser)
	}
	if len(reactions) != 1 || reactions[0].Identity != browserIdentity || reactions[0].Emoji != reactionFromBrowser {
		t.Errorf("causerie: reaction events %+v; want exactly one %q from %s", reactions, reactionFromBrowser, browserIdentity)
	}

	// What the browser sent and received.
	s := parsePeerSummary(t, peer.stdout.String())
	if v := s.Local.Video; v.Codec != browserPublishedCodec || v.ScalabilityMode != browserScalabilityMode {
		t.Errorf("browser published video as %q %q; want %s %s as Visio does", v.Codec, v.ScalabilityMode,
			browserPublishedCodec, browserScalabilityMode)
	}
	if len(s.BlockedRequests) > 0 || len(s.Errors) > 0 {
		t.Errorf("browser: blocked requests %q, errors %q", s.BlockedRequests, s.Errors)
	}
	var bVideo, bAudio bool
	for _, rr := range s.Remote {
		if rr.Identity != causerieIdentity {
			t.Errorf("browser: track from unexpected %q: %+v", rr.Identity, rr)
			continue
		}
		switch rr.Kind {
		case "video":
			bVideo = true
			if rr.Codec != "vp8" || rr.FramesDecoded < minVideoFromCauserie || rr.Width == 0 {
				t.Errorf("browser: video from causerie %+v; want vp8, ≥ %d frames decoded", rr, minVideoFromCauserie)
			}
		case "audio":
			bAudio = true
			if rr.Codec != "opus" || rr.PacketsReceived < minAudioPacketsDTX || rr.TotalSamplesReceived < minAudioSamplesPlayed ||
				rr.ConcealedSamples*1000 > rr.TotalSamplesReceived*maxConcealedPerMille {
				t.Errorf("browser: audio from causerie %+v; want opus, ≥ %d packets, ≥ %d samples played, ≤ %d‰ concealed",
					rr, minAudioPacketsDTX, minAudioSamplesPlayed, maxConcealedPerMille)
			}
		}
	}
	if !bVideo || !bAudio {
		t.Errorf("browser: received video %v, audio %v from causerie; remote %+v", bVideo, bAudio, s.Remote)
	}
	shown := 0
	for _, m := range s.Chat.Shown {
		if m.Identity == causerieIdentity {
			shown++
			if m.Text != chatFromCauserie {
				t.Errorf("browser: chat from causerie %q, want %q", m.Text, chatFromCauserie)
			}
		}
	}
	if shown != 1 {
		t.Errorf("browser: showed %d chat messages from causerie, want 1 (by stream %+v, legacy %+v)",
			shown, s.Chat.ReceivedStream, s.Chat.ReceivedLegacy)
	}

	t.Logf("browser %s, livekit-client %s: joined after %v; call %v in all; published %s %s %dx%d (capture %dx%d at %.0f fps, %d layer frames, encode %.1f s, limitation %q)",
		browserVersion(s.UserAgent), s.LivekitClient, joined.Round(time.Millisecond), wall.Round(time.Millisecond),
		s.Local.Video.Codec, s.Local.Video.ScalabilityMode, s.Local.Video.EncodedWidth, s.Local.Video.EncodedHeight,
		s.Local.Video.CaptureWidth, s.Local.Video.CaptureHeight, s.Local.Video.CaptureFrameRate,
		s.Local.Video.FramesEncoded, s.Local.Video.TotalEncodeTimeS, s.Local.Video.QualityLimitation)
	if video != nil && audio != nil {
		t.Logf("causerie got from the browser: %s %dx%d %d frames, %d errors; %d audio packets, %d ms concealed",
			video.Codec, video.Width, video.Height, video.FramesDecoded, video.DecodeErrors, audio.PacketsReceived, audio.ConcealedMs)
	}
	for _, rr := range s.Remote {
		if rr.Kind == "video" {
			t.Logf("browser got from causerie: %s %dx%d %d frames decoded, %d dropped, %d packets, %d lost",
				rr.Codec, rr.Width, rr.Height, rr.FramesDecoded, rr.FramesDropped, rr.PacketsReceived, rr.PacketsLost)
		} else {
			t.Logf("browser got from causerie: %s %s %d packets, %d lost", rr.Kind, rr.Codec, rr.PacketsReceived, rr.PacketsLost)
		}
	}
	t.Logf("CPU: browser %.1f s, causerie %.1f s, whole machine %.1f s over %v (%d cores)",
		s.BrowserCPUS, r.Process.CPUSeconds, busy.Seconds(), wall.Round(time.Millisecond), runtime.NumCPU())
}

// browserReady tells what is missing to run the browser peer.
func browserReady(root string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node not found")
	}
	chromium := os.Getenv("CAUSERIE_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	for _, m := range []string{"livekit-client", "playwright-core"} {
		if _, err := os.Stat(filepath.Join(root, "tests", "browser", "node_modules", m, "package.json")); err != nil {
			return fmt.Errorf("tests/browser: %s not installed", m)
		}
	}
	return nil
}

// startNode runs a Node.js script from the repository root in its own
// process group, so that ending it also ends the Chromium it started.
func startNode(t *testing.T, root string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command("node", args...), done: make(chan error, 1)}
	p.cmd.Dir = root
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := p.cmd.Process.Pid
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		// Whatever happened to node, nothing of its group outlives the test.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if p.cmd.ProcessState == nil {
			<-p.done
		}
	})
	return p
}

// browserRoot is the repository's root for a measurement with the browser
// peer, failing the test when the peer cannot run there.
func browserRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := browserReady(root); err != nil {
		t.Fatalf("%v (scripts/browser-deps.sh installs it)", err)
	}
	return root
}

// runPeer runs the browser peer (tests/browser/peer.mjs) with args to
// its end, failing the test if it fails or runs for over 150 s.
func runPeer(t *testing.T, root string, args ...string) *proc {
	t.Helper()
	peer := startNode(t, root, append([]string{filepath.Join("tests", "browser", "peer.mjs")}, args...)...)
	select {
	case err := <-peer.done:
		if err != nil {
			t.Fatalf("browser peer: %v\n%s", err, &peer.stderr)
		}
	case <-time.After(150 * time.Second):
		t.Fatalf("browser peer still running after 150 s\n%s", &peer.stderr)
	}
	return peer
}

// waitForLine waits until p writes a stderr line starting with prefix,
// failing the test if p exits first or after limit.
func waitForLine(t *testing.T, p *proc, prefix string, limit time.Duration) {
	t.Helper()
	timeout := time.After(limit)
	for {
		for line := range strings.Lines(p.stderr.String()) {
			if strings.HasPrefix(line, prefix) {
				return
			}
		}
		select {
		case err := <-p.done:
			p.done <- err // for wait and cleanup
			t.Fatalf("%v exited (%v) before printing %s", p.cmd.Args, err, prefix)
		case <-timeout:
			t.Fatalf("%v printed no %s within %v", p.cmd.Args, prefix, limit)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// parseEvents reads the JSON lines of --print-events, skipping the human
// summary.
func parseEvents(out string) []cliEvent {
	var events []cliEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var e cliEvent
		if err := json.Unmarshal([]byte(line), &e); err == nil {
			events = append(events, e)
		}
	}
	return events
}

func parsePeerSummary(t *testing.T, out string) peerSummary {
	t.Helper()
	var last string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "{") {
			last = line
		}
	}
	var s peerSummary
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatalf("browser peer summary: %v\n%s", err, out)
	}
	return s
}

// browserVersion picks "HeadlessChrome/156.0.0.0" out of a user agent.
func browserVersion(ua string) string {
	for f := range strings.FieldsSeq(ua) {
		if strings.Contains(f, "Chrome/") {
			return f
		}
	}
	return ua
}

// machineBusy is the CPU time the whole machine spent outside idle and
// iowait so far, from /proc/stat (USER_HZ = 100); 0 when unreadable.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	var busy int64
	for i, f := range fields[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 && i < 8 { // idle, iowait; guest is in user already
			busy += n
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond
}
