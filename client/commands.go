package client

import (
	"context"
	"fmt"
	"slices"
)

// inLoop runs f in the session's loop and waits for it: the way commands
// read the loop's state. It fails once the session has ended.
func (s *Session) inLoop(f func()) error {
	if !s.looping.Load() {
		return ErrNotJoined // nothing would run f before Join
	}
	c := loopCall{f: f, done: make(chan struct{})}
	s.Post(c)
	select {
	case <-c.done:
		return nil
	case <-s.done:
		return ErrNotJoined
	}
}

type loopCall struct {
	f    func()
	done chan struct{}
}

func (s *Session) service() (Service, error) {
	select {
	case <-s.done:
		return nil, ErrNotJoined
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Service == nil {
		return nil, ErrNotSupported
	}
	return s.cfg.Service, nil
}

// RaiseHand raises (or lowers) our hand. The Hand event follows when the
// service has updated our attributes, as everyone else sees it.
func (s *Session) RaiseHand(ctx context.Context, raised bool) error {
	svc, err := s.service()
	if err != nil {
		return err
	}
	return svc.SetHand(ctx, raised)
}

// StartCaptions asks the service to transcribe the meeting; Caption
// events follow once the transcriber speaks.
func (s *Session) StartCaptions(ctx context.Context) error {
	svc, err := s.service()
	if err != nil {
		return err
	}
	return svc.StartCaptions(ctx)
}

// MuteParticipant mutes another participant's microphone (kind Audio) or
// camera (Video), as a host.
func (s *Session) MuteParticipant(ctx context.Context, identity string, kind Kind) error {
	svc, err := s.service()
	if err != nil {
		return err
	}
	var sid string
	if err := s.inLoop(func() {
		for _, t := range s.tracks {
			if t.Participant == identity && t.Kind == kind && (t.Source == SourceCamera || t.Source == SourceMicrophone) {
				sid = t.SID
			}
		}
	}); err != nil {
		return err
	}
	if sid == "" {
		return fmt.Errorf("%w: %s has no %s track", ErrNotSupported, identity, kind)
	}
	if err := svc.MuteParticipant(ctx, identity, sid); err != nil {
		return err
	}
	// The web client tells the muted person who did it (muteParticipant.ts).
	return s.cfg.Backend.Notify(NotifyParticipantMuted, identity)
}

// Waiting lists who waits in the lobby (hosts).
func (s *Session) Waiting(ctx context.Context) ([]Waiting, error) {
	svc, err := s.service()
	if err != nil {
		return nil, err
	}
	return svc.Waiting(ctx)
}

// Admit lets someone in from the lobby, or turns them away (hosts).
func (s *Session) Admit(ctx context.Context, id string, allow bool) error {
	svc, err := s.service()
	if err != nil {
		return err
	}
	return svc.Admit(ctx, id, allow)
}

// RemoveParticipant takes someone out of the meeting (hosts).
func (s *Session) RemoveParticipant(ctx context.Context, identity string) error {
	svc, err := s.service()
	if err != nil {
		return err
	}
	return svc.RemoveParticipant(ctx, identity)
}

// RaisedHands lists the participants whose hand is up, first raised
// first, as the queue shows them.
func (s *Session) RaisedHands() []Participant {
	var queue []Participant
	_ = s.inLoop(func() {
		for id := range s.hands {
			if id == s.self.Identity {
				queue = append(queue, s.self)
			} else if p, ok := s.participants[id]; ok {
				queue = append(queue, p)
			}
		}
	})
	slices.SortFunc(queue, func(a, b Participant) int { return a.HandRaisedAt().Compare(b.HandRaisedAt()) })
	return queue
}

// noteHand emits a Hand event when p's hand changed.
func (s *Session) noteHand(p Participant) {
	at := p.HandRaisedAt()
	old, had := s.hands[p.Identity]
	switch {
	case !at.IsZero() && (!had || !old.Equal(at)):
		s.hands[p.Identity] = at
		s.emit(Hand{Participant: p, Raised: true, At: at})
	case at.IsZero() && had:
		delete(s.hands, p.Identity)
		s.emit(Hand{Participant: p, Raised: false})
	}
}

// withdraw stops sending the sources the service took away from us: the
// sender stops at once, the track is unpublished off the loop.
func (s *Session) withdraw(sources []Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, src := range sources {
		switch {
		case src == SourceCamera && s.camTrack != nil:
			s.videoTx.SetMuted(true)
			go func(t LocalTrack) { _ = t.Unpublish() }(s.camTrack)
			s.camTrack = nil // the sender stays, muted, for its statistics
		case src == SourceMicrophone && s.micTrack != nil:
			s.audioTx.SetMuted(true)
			go func(t LocalTrack) { _ = t.Unpublish() }(s.micTrack)
			s.micTrack = nil
		}
	}
}

// SetVideoView tells the session how a remote video track is shown: at
// width×height pixels, or not at all (0×0): the SFU then sends the layer
// that fits, or stops sending it, so hidden and small tiles cost neither
// bandwidth nor decoding. Backends that cannot adapt ignore it.
func (s *Session) SetVideoView(trackSID string, width, height int) error {
	var reader RemoteTrack
	err := s.inLoop(func() {
		if r := s.receivers[trackSID]; r != nil && r.track.Kind == Video {
			reader = r.reader
		}
	})
	if err != nil {
		return err
	}
	if v, ok := reader.(ViewSetter); ok {
		v.SetView(max(0, width), max(0, height))
	}
	return nil
}
