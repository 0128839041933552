package client

import "time"

// strangerWait (a variable for the tests) bounds how long a chat message or reaction from someone the
// SFU has not announced yet is held back. livekit-server announces a
// participant who publishes nothing in batches, up to 3 s late, while
// their data packets come at once: shown straight away, the line would
// carry their identity instead of their name.
var strangerWait = 4 * time.Second

// heldEvent is a ChatMessage or Reaction waiting for its sender.
type heldEvent struct {
	from  string
	ev    BackendEvent
	until time.Time
}

// stranger tells whether an event's sender must be waited for: not us,
// not announced, and without a name of its own.
func (s *Session) stranger(from Participant) bool {
	if from.Name != "" || from.Identity == "" || from.Identity == s.self.Identity {
		return false
	}
	_, known := s.participants[from.Identity]
	return !known
}

// hold keeps ev until its sender is announced or strangerWait passes.
func (s *Session) hold(from string, ev BackendEvent) {
	until := time.Now().Add(strangerWait)
	if len(s.held) == 0 {
		s.heldTimer.Reset(strangerWait)
	}
	s.held = append(s.held, heldEvent{from: from, ev: ev, until: until})
}

// release handles, in their order, the held events whose sender is now
// known, or all those due by now when announced is "".
func (s *Session) release(announced string, now time.Time) {
	if len(s.held) == 0 {
		return
	}
	var ready []BackendEvent
	kept := s.held[:0]
	for _, h := range s.held {
		if h.from == announced || (announced == "" && !now.Before(h.until)) {
			ready = append(ready, h.ev)
		} else {
			kept = append(kept, h)
		}
	}
	clear(s.held[len(kept):])
	s.held = kept
	if len(s.held) > 0 {
		s.heldTimer.Reset(max(time.Until(s.held[0].until), 0))
	} else {
		s.heldTimer.Stop()
	}
	for _, ev := range ready {
		s.show(ev)
	}
}

// show emits a chat message or reaction, with the sender's name if known.
func (s *Session) show(ev BackendEvent) {
	switch ev := ev.(type) {
	case ChatMessage:
		if p, ok := s.participants[ev.From.Identity]; ok && ev.From.Name == "" {
			ev.From = p
		}
		s.emit(ev)
	case Reaction:
		if p, ok := s.participants[ev.From.Identity]; ok && ev.From.Name == "" {
			ev.From = p
		}
		s.emit(ev)
	}
}
