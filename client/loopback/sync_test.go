package loopback_test

import (
	"testing"
	"time"

	"causerie/client"
)

// TestCallVideoFollowsAudio: the echo's end reads our sender reports, so
// the test call shows its video against the audio it plays, as a call
// through an SFU does.
func TestCallVideoFollowsAudio(t *testing.T) {
	c := startCall(t, 320, 180)
	defer c.leave()
	var video client.RemoteReport
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		for _, rr := range c.s.Report(time.Now()).Remote {
			if rr.Kind == "video" {
				video = rr
			}
		}
		if video.SyncedFrames >= 60 {
			break
		}
	}
	if video.SyncedFrames < 60 {
		t.Fatalf("%d of %d frames timed by the audio: sender reports missing? %+v", video.SyncedFrames, video.FramesDecoded, video)
	}
	// Never shown before its audio by more than a timer's slack.
	if video.AVOffsetMsP50 < -5 {
		t.Errorf("video shown %.1f ms (median) before its audio", -video.AVOffsetMsP50)
	}
	t.Logf("%d frames synced, held %.0f ms (median), A/V offset p50 %.1f p95 %.1f ms",
		video.SyncedFrames, video.SyncHoldMsP50, video.AVOffsetMsP50, video.AVOffsetMsP95)
}
