package client

import (
	"fmt"
	"time"

	"causerie/media"
	"causerie/media/receive"
)

// feedWait bounds how long teardown waits for the receive goroutines to
// see their tracks end once the backend has left.
const feedWait = 2 * time.Second

// loop is the one goroutine that owns the session's state.
func (s *Session) loop() {
	var batch []BackendEvent
	// giveUp runs while the backend tries to reconnect.
	giveUp := time.NewTimer(s.cfg.ReconnectTimeout)
	giveUp.Stop()
	defer giveUp.Stop()
	for {
		select {
		case <-s.leaveAsked:
			s.teardown(nil)
			return
		case <-giveUp.C:
			s.teardown(fmt.Errorf("%w: no answer from the server for %v", ErrConnectionLost, s.cfg.ReconnectTimeout))
			return
		case now := <-s.heldTimer.C:
			s.release("", now)
			continue
		case <-s.inbox.ready:
		}
		batch = s.inbox.take(batch)
		for _, ev := range batch {
			switch ev := ev.(type) {
			case Ended:
				s.teardown(ev.Err)
				return
			case ConnectionState:
				switch ev.State {
				case Reconnecting:
					giveUp.Reset(s.cfg.ReconnectTimeout)
				case Connected:
					giveUp.Stop()
				}
			}
			s.handle(ev)
		}
	}
}

func (s *Session) handle(ev BackendEvent) {
	switch ev := ev.(type) {
	case ParticipantJoined:
		s.addParticipant(ev.Participant)
	case ParticipantUpdated:
		p := ev.Participant
		if p.Identity == s.self.Identity {
			p.Local = true
			s.mu.Lock()
			s.self = p
			s.mu.Unlock()
			s.emit(ParticipantUpdated{Participant: p})
			s.noteHand(p)
			return
		}
		if _, known := s.participants[p.Identity]; !known {
			s.addParticipant(p)
			return
		}
		s.participants[p.Identity] = p
		s.emit(ev)
		s.noteHand(p)
	case ParticipantLeft:
		id := ev.Participant.Identity
		if _, known := s.participants[id]; !known {
			return
		}
		for sid, t := range s.tracks {
			if t.Participant == id {
				s.dropTrack(sid)
			}
		}
		delete(s.participants, id)
		delete(s.speaking, id)
		delete(s.hands, id)
		s.emit(ev)
	case TrackPublished:
		if _, known := s.tracks[ev.Track.SID]; !known {
			s.tracks[ev.Track.SID] = ev.Track
			s.emit(ev)
		}
	case RemoteTrackReady:
		s.subscribe(ev)
	case TrackUnsubscribed:
		if r := s.receivers[ev.Track.SID]; r != nil {
			s.closeReceiver(r)
			delete(s.receivers, ev.Track.SID)
			s.emit(TrackUnsubscribed{Track: r.track})
		}
	case TrackMuted:
		t, known := s.tracks[ev.Track.SID]
		if !known || t.Muted == ev.Muted {
			return
		}
		t.Muted = ev.Muted
		s.tracks[t.SID] = t
		if t.Participant == s.self.Identity && ev.Muted {
			s.muteSender(t.Kind) // a host (the server) muted us
		}
		s.emit(TrackMuted{Track: t, Muted: ev.Muted})
	case localTrack:
		s.tracks[ev.Track.SID] = ev.Track
		s.emit(TrackPublished(ev))
	case mutedVoice:
		if now := time.Now(); s.lastVoiceHint.IsZero() || now.Sub(s.lastVoiceHint) >= voiceHintEvery {
			s.lastVoiceHint = now
			s.emit(SpeakingWhileMuted{})
		}
	case localMute:
		s.handle(TrackMuted{Track: Track{SID: ev.sid}, Muted: ev.muted})
	case ActiveSpeakers:
		now := map[string]float32{}
		for i, id := range ev.Identities {
			now[id] = ev.Levels[i]
		}
		for id := range s.speaking {
			if _, still := now[id]; !still {
				delete(s.speaking, id)
				s.emit(Speaking{Participant: id, Speaking: false})
			}
		}
		for _, id := range ev.Identities {
			if !s.speaking[id] {
				s.speaking[id] = true
				s.emit(Speaking{Participant: id, Speaking: true, Level: now[id]})
			}
		}
	case ChatMessage:
		if !s.chats.first(ev.From.Identity + "\x00" + ev.ID) {
			return // the same message by another path (stream and legacy packet)
		}
		if s.stranger(ev.From) {
			s.hold(ev.From.Identity, ev)
			return
		}
		s.show(ev)
	case Notification:
		if p, ok := s.participants[ev.From.Identity]; ok {
			ev.From = p
		}
		if ev.Type == NotifyPermissionsRemoved {
			s.withdraw(ev.Sources)
		}
		s.emit(ev)
	case Caption:
		if p, ok := s.participants[ev.Speaker.Identity]; ok {
			ev.Speaker = p
		} else if ev.Speaker.Identity == s.self.Identity {
			ev.Speaker = s.self
		}
		s.emit(ev)
	case loopCall:
		ev.f()
		close(ev.done)
	case Reaction:
		if s.stranger(ev.From) {
			s.hold(ev.From.Identity, ev)
			return
		}
		s.show(ev)
	case NetworkEstimate:
		s.applyEstimate(ev)
	case Event:
		s.emit(ev)
	}
}

func (s *Session) addParticipant(p Participant) {
	if p.Identity == s.self.Identity {
		return
	}
	if _, known := s.participants[p.Identity]; known {
		s.participants[p.Identity] = p
		s.emit(ParticipantUpdated{Participant: p})
		return
	}
	s.participants[p.Identity] = p
	s.emit(ParticipantJoined{Participant: p})
	s.noteHand(p)
	s.release(p.Identity, time.Now())
}

// muteSender stops a local sender whose track the server muted.
func (s *Session) muteSender(k Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == Audio && s.audioTx != nil {
		s.audioTx.SetMuted(true)
	}
	if k == Video && s.videoTx != nil {
		s.videoTx.SetMuted(true)
	}
}

// subscribe starts the receive path of a remote track.
func (s *Session) subscribe(ev RemoteTrackReady) {
	t := ev.Track
	if old := s.receivers[t.SID]; old != nil {
		s.closeReceiver(old)
	}
	if _, known := s.tracks[t.SID]; !known {
		s.emit(TrackPublished{Track: t})
	}
	s.tracks[t.SID] = t
	r := &receiver{track: t, name: s.participants[t.Participant].DisplayName(), reader: ev.Reader,
		sync: s.syncFor(t)}
	var err error
	switch t.Kind {
	case Video:
		opts := receive.VideoOptions{Sync: r.sync}
		if fn := s.cfg.OnVideoFrame; fn != nil {
			owner, sid := t.Participant, t.SID
			opts.OnFrame = func(img *media.I420) { fn(owner, sid, img) }
		}
		r.video, err = receive.NewVideo(t.Codec, ev.Reader, opts)
		if err == nil {
			r.video.Start()
		}
	case Audio:
		if s.cfg.Speaker == nil {
			break // nothing would pull it
		}
		r.audio, err = receive.NewAudio(t.Codec, ev.Reader, nil)
		if err == nil {
			r.sync.SetAudio(r.audio)
			r.audio.Start()
			if ps, ok := s.cfg.Speaker.(ParticipantSpeaker); ok {
				ps.AddFrom(t.Participant, r.audio)
			} else {
				s.cfg.Speaker.Add(r.audio)
			}
		}
	}
	if err != nil {
		s.emit(Error{Err: fmt.Errorf("track %s of %s: %w", t.SID, t.Participant, err)})
		return
	}
	s.receivers[t.SID] = r
	s.mu.Lock()
	s.history = append(s.history, r)
	s.mu.Unlock()
	s.emit(TrackSubscribed{Track: t})
}

func (s *Session) dropTrack(sid string) {
	if r := s.receivers[sid]; r != nil {
		s.closeReceiver(r)
		delete(s.receivers, sid)
		s.emit(TrackUnsubscribed{Track: r.track})
	}
	delete(s.tracks, sid)
}

func (s *Session) closeReceiver(r *receiver) {
	if r.video != nil {
		r.video.Close()
	}
	if r.audio != nil && s.cfg.Speaker != nil {
		s.cfg.Speaker.Remove(r.audio)
	}
}

// teardown stops the media, leaves the room and ends the session.
func (s *Session) teardown(err error) {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.stopMedia()
	s.senders.Wait()
	s.cfg.Backend.Leave()
	deadline := time.After(feedWait)
	for _, r := range s.receivers {
		s.closeReceiver(r)
		var ended <-chan struct{}
		if r.video != nil {
			ended = r.video.Done()
		} else if r.audio != nil {
			ended = r.audio.Done()
		}
		if ended != nil {
			select {
			case <-ended:
			case <-deadline:
			}
		}
	}
	s.emit(ConnectionState{State: Disconnected})
	s.finish(err)
}

// finish emits Left, closes the event stream and marks the session done.
func (s *Session) finish(err error) {
	s.err = err
	s.mu.Lock()
	s.ended = time.Now()
	s.mu.Unlock()
	s.emit(Left{Err: err})
	s.inbox.close()
	s.outbox.close()
	select {
	case s.outbox.ready <- struct{}{}:
	default:
	}
	close(s.done)
}

func (s *Session) emit(ev Event) { s.outbox.Post(ev) }

// pump moves events from the outbox to the Events channel, so the loop
// never waits for a slow front end.
func (s *Session) pump() {
	defer close(s.events)
	var batch []Event
	for range s.outbox.ready {
		batch = s.outbox.take(batch)
		for _, ev := range batch {
			s.events <- ev
		}
		s.outbox.mu.Lock()
		over := s.outbox.closed && len(s.outbox.items) == 0
		s.outbox.mu.Unlock()
		if over {
			return
		}
	}
}
