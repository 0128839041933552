package client

import "causerie/media/receive"

// syncFor is the A/V sync that track shares with its participant's other
// tracks of the same capture: the camera with the microphone, a shared
// screen with its sound. It is the one their receivers already have, or
// a new one for the first. It runs on the loop, which owns the receivers.
func (s *Session) syncFor(t Track) *receive.Sync {
	for _, r := range s.receivers {
		if r.track.Participant == t.Participant && isScreen(r.track.Source) == isScreen(t.Source) && r.sync != nil {
			return r.sync
		}
	}
	return receive.NewSync()
}

func isScreen(s Source) bool { return s == SourceScreenShare || s == SourceScreenAudio }
