package client

import "testing"

// A participant's camera follows their microphone, their shared screen
// its own sound; another participant has a sync of their own.
func TestSyncForGroupsCaptures(t *testing.T) {
	s := &Session{receivers: map[string]*receiver{}}
	add := func(sid, who string, src Source) *receiver {
		tr := Track{SID: sid, Participant: who, Source: src}
		r := &receiver{track: tr, sync: s.syncFor(tr)}
		s.receivers[sid] = r
		return r
	}
	cam := add("TR_cam", "ann", SourceCamera)
	mic := add("TR_mic", "ann", SourceMicrophone)
	screen := add("TR_screen", "ann", SourceScreenShare)
	screenAudio := add("TR_screen_audio", "ann", SourceScreenAudio)
	other := add("TR_ben_mic", "ben", SourceMicrophone)
	if cam.sync != mic.sync || screen.sync != screenAudio.sync {
		t.Fatal("tracks of one capture do not share their sync")
	}
	if cam.sync == screen.sync || other.sync == mic.sync {
		t.Fatal("tracks of different captures share a sync")
	}
}
