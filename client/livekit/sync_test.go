package livekit_test

import (
	"context"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/media/playout"
)

// TestVideoFollowsAudio: through a real SFU, the sender reports of a
// participant's camera and microphone reach the one receiving them
// (livekit-server rewrites them per subscriber, lksdk's RTCP reader hands
// them over), who then shows each video frame as the audio captured with
// it is played.
func TestVideoFollowsAudio(t *testing.T) {
	srv := startSFU(t)
	participant(t, srv, "alice", true)

	token, err := srv.Token("commands", "bob", "bob")
	if err != nil {
		t.Fatal(err)
	}
	b, err := livekit.New(srv.URL, token, livekit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Bob's speaker must play for his audio clock to run.
	spk := playout.NewNull()
	ctx, cancel := context.WithCancel(context.Background())
	played := make(chan struct{})
	go func() { defer close(played); spk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-played })
	bob := client.New(client.Config{Backend: b, Speaker: spk})
	go func() {
		for range bob.Events() {
		}
	}()
	jctx, jcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer jcancel()
	if err := bob.Join(jctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bob.Leave)

	var video, audio client.RemoteReport
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		for _, rr := range bob.Report(time.Now()).Remote {
			switch rr.Kind {
			case "video":
				video = rr
			case "audio":
				audio = rr
			}
		}
		if video.SyncedFrames >= 60 {
			break
		}
	}
	if video.SyncedFrames < 60 {
		t.Fatalf("%d of %d frames timed by the audio: sender reports missing? video %+v, audio %+v",
			video.SyncedFrames, video.FramesDecoded, video, audio)
	}
	// Video ahead of its audio is held for it, so never shown before it
	// by more than a timer's slack; video behind it (decoding on a loaded
	// machine) is shown at once, which sync cannot help.
	if video.AVOffsetMsP50 < -5 || video.AVOffsetMsP50 > 200 {
		t.Errorf("video shown %.1f ms (median) after its audio", video.AVOffsetMsP50)
	}
	t.Logf("%d frames synced, held %.0f ms (median), A/V offset p50 %.1f p95 %.1f ms; audio delay %.0f ms for a target of %.0f, jitter %.1f ms",
		video.SyncedFrames, video.SyncHoldMsP50, video.AVOffsetMsP50, video.AVOffsetMsP95, audio.DelayMs, audio.TargetDelayMs, audio.JitterMs)
}
