// Package client owns a meeting: a Session joins a room through a Backend,
// sends the local camera and microphone, receives every remote track, and
// tells the front ends what happens through one ordered event stream.
package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"causerie/media"
	"causerie/media/playout"
	"causerie/media/receive"
	"causerie/media/send"
)

// VideoSettings describe the camera stream we send.
type VideoSettings struct {
	Width, Height, FPS int
	// BitrateKbps is the camera's budget, all simulcast layers together.
	BitrateKbps int
	// NoSimulcast sends one stream even where the backend could send
	// simulcast layers (send.SimulcastLayers: three for 720p, two for
	// 360p), whose smaller layers add 30-45 % to the encoding's CPU.
	NoSimulcast bool
}

// Speaker plays remote audio: the playout mixer of a sound device, or a
// null speaker when there is none.
type Speaker interface {
	Add(playout.Source)
	Remove(playout.Source)
}

// ParticipantSpeaker is a Speaker that mixes each participant at their
// own volume (playout.Mixer): the session tells it whose track each
// source is.
type ParticipantSpeaker interface {
	Speaker
	AddFrom(participant string, src playout.Source)
}

// Config is what a Session is made of. Camera, Mic and Speaker may be nil:
// the session then sends no video, sends no audio, or plays nothing (and
// decodes no audio).
type Config struct {
	// Backend reaches the SFU. When Resolve is set, it is nil: Join asks
	// Resolve for it (and for Service).
	Backend Backend
	Resolve Resolver
	// Service is the meeting service's API (Visio's), or nil.
	Service Service
	Camera  media.VideoSource
	Mic     media.AudioSource
	Speaker Speaker
	// MicMuted and CameraMuted join with that track muted: its sender
	// starts muted and the track is muted before it is announced, so not
	// a frame goes out that the user asked to keep (a "join with the
	// microphone off" applied after joining leaves a moment live).
	MicMuted, CameraMuted bool
	// Voice, when set, tells whether the microphone hears speech (the
	// audio processing's voice detector, read after each microphone
	// frame); the session then gives the SpeakingWhileMuted hint.
	Voice VoiceDetector
	// Video defaults to 640×360 at 30 fps and 800 kbps.
	Video VideoSettings
	// AudioBitrate in bit/s, default 32000 (speech in Opus at 20 ms).
	AudioBitrate int
	// ReconnectTimeout is how long the session lets the backend try to
	// restore a dropped connection before it gives up with
	// ErrConnectionLost. Default 20 s: lksdk alone retries for about a
	// minute, longer than anyone watches a frozen call.
	ReconnectTimeout time.Duration
	// OnVideoFrame, when set, receives each decoded remote picture on the
	// track's decoding goroutine; the picture is reused after it returns.
	OnVideoFrame func(participant, trackSID string, img *media.I420)
}

func (c *Config) applyDefaults() {
	if c.Video.Width == 0 || c.Video.Height == 0 {
		c.Video.Width, c.Video.Height = 640, 360
	}
	if c.Video.FPS == 0 {
		c.Video.FPS = 30
	}
	if c.Video.BitrateKbps == 0 {
		c.Video.BitrateKbps = 800
	}
	if c.AudioBitrate == 0 {
		c.AudioBitrate = 32000
	}
	if c.ReconnectTimeout <= 0 {
		c.ReconnectTimeout = 20 * time.Second
	}
}

// Session is one stay in one room. Its state is owned by one goroutine,
// the loop: backend callbacks and user commands are posted to it.
type Session struct {
	cfg Config

	inbox  *mailbox[BackendEvent]
	outbox *mailbox[Event]
	events chan Event

	// Owned by the loop.
	self         Participant
	participants map[string]Participant
	tracks       map[string]Track // remote and local, by SID
	receivers    map[string]*receiver
	speaking     map[string]bool
	// lastVoiceHint is when SpeakingWhileMuted was last given.
	lastVoiceHint time.Time
	hands         map[string]time.Time // identity → when raised
	chats         recent               // chat messages shown, by sender and id
	held          []heldEvent          // from senders not announced yet
	heldTimer     *time.Timer          // runs while held is not empty

	// Guarded by mu: what Stats reads from other goroutines.
	mu       sync.Mutex
	joinedAt time.Time
	history  []*receiver // every receiver of the session, ended or not
	videoTx  *send.Video
	audioTx  *send.Audio
	camTrack LocalTrack
	micTrack LocalTrack
	closing  bool   // teardown started: no new senders
	uplink   uplink // the backend's network estimate (bandwidth.go)

	looping    atomic.Bool // the loop runs (or ran): commands may post to it
	senders    sync.WaitGroup
	stopMedia  context.CancelFunc
	mediaCtx   context.Context
	leaveOnce  sync.Once
	leaveAsked chan struct{}
	done       chan struct{}
	err        error
	ended      time.Time
}

func (s *Session) endedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

type receiver struct {
	track  Track
	name   string
	reader RemoteTrack
	video  *receive.Video
	audio  *receive.Audio
	sync   *receive.Sync // shared with the tracks of the same capture (avsync.go)
}

// New prepares a session; Join enters the room.
func New(cfg Config) *Session {
	cfg.applyDefaults()
	s := &Session{
		cfg:          cfg,
		inbox:        newMailbox[BackendEvent](),
		outbox:       newMailbox[Event](),
		events:       make(chan Event, 64),
		participants: map[string]Participant{},
		tracks:       map[string]Track{},
		receivers:    map[string]*receiver{},
		speaking:     map[string]bool{},
		hands:        map[string]time.Time{},
		heldTimer:    time.NewTimer(strangerWait),
		leaveAsked:   make(chan struct{}),
		done:         make(chan struct{}),
	}
	s.heldTimer.Stop()
	s.mediaCtx, s.stopMedia = context.WithCancel(context.Background())
	go s.pump()
	return s
}

// Events is the session's ordered event stream. It starts with Joined (or
// ends at once with Left when joining fails) and is closed after Left.
// Front ends must read it until it is closed.
func (s *Session) Events() <-chan Event { return s.events }

// Self is who we are in the room (zero before Join succeeds).
func (s *Session) Self() Participant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.self
}

// Done is closed when the session has ended and released everything.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err tells why a finished session ended: nil after Leave.
func (s *Session) Err() error {
	<-s.done
	return s.err
}

// Post implements Sink: backends report through it. It never blocks.
func (s *Session) Post(ev BackendEvent) { s.inbox.Post(ev) }

// Join enters the room, publishes the local media and starts the loop.
// On failure the session is over (Done is closed) and the error wraps one
// of this package's sentinels.
func (s *Session) Join(ctx context.Context) error {
	if s.cfg.Resolve != nil {
		b, svc, err := s.cfg.Resolve(ctx, s.emit)
		if err != nil {
			s.finish(err)
			return err
		}
		s.mu.Lock()
		s.cfg.Backend, s.cfg.Service = b, svc
		s.mu.Unlock()
	}
	joined, others, err := s.cfg.Backend.Join(ctx, s)
	if err != nil {
		s.cfg.Backend.Leave()
		s.finish(err)
		return err
	}
	s.mu.Lock()
	s.joinedAt = time.Now()
	s.self = joined.Self
	s.mu.Unlock()
	if at := joined.Self.HandRaisedAt(); !at.IsZero() {
		s.hands[joined.Self.Identity] = at
	}
	s.emit(joined)
	s.emit(ConnectionState{State: Connected})
	for _, p := range others {
		s.addParticipant(p)
	}
	s.looping.Store(true)
	go s.loop()
	if err := s.publish(ctx); err != nil {
		s.Post(Error{Err: err})
	}
	return nil
}

// publish starts the local senders. It runs outside the loop: publishing
// waits for the SFU.
func (s *Session) publish(ctx context.Context) error {
	var errs []error
	if s.cfg.Mic != nil {
		if err := s.publishAudio(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if s.cfg.Camera != nil {
		if err := s.publishVideo(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Session) publishAudio(ctx context.Context) error {
	var tx *send.Audio
	track, err := s.cfg.Backend.Publish(ctx, TrackOptions{Kind: Audio, Source: SourceMicrophone, Codec: "opus", Name: "microphone"})
	if err != nil {
		return err
	}
	mic := s.cfg.Mic
	if s.cfg.Voice != nil {
		mic = &voiceHint{src: mic, voice: s.cfg.Voice, muted: func() bool { return tx.Muted() }, post: func() { s.Post(mutedVoice{}) }}
	}
	tx, err = send.NewAudio(mic, s.cfg.AudioBitrate, track.WriteFrame)
	if err != nil {
		_ = track.Unpublish()
		return fmt.Errorf("%w: %v", ErrMediaDevice, err)
	}
	muted, err := s.startMuted(tx, track, s.cfg.MicMuted)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.audioTx, s.micTrack = tx, track
	s.mu.Unlock()
	s.Post(localTrack{Track: Track{SID: track.SID(), Participant: s.self.Identity, Kind: Audio, Source: SourceMicrophone, Codec: "opus", Muted: muted}})
	s.runSender(tx.Run)
	return nil
}

func (s *Session) publishVideo(ctx context.Context) error {
	v := s.cfg.Video
	cfg := send.VideoConfig{Width: v.Width, Height: v.Height, FPS: v.FPS, BitrateKbps: v.BitrateKbps}
	var layers []send.Layer
	if !v.NoSimulcast {
		layers = send.SimulcastLayers(v.Width, v.Height)
	}
	// The sender is made once the track is published, when it is known
	// whether the backend sends simulcast. A keyframe request before then
	// finds no sender, and needs none: every stream starts with a keyframe.
	var tx atomic.Pointer[send.Video]
	opts := TrackOptions{Kind: Video, Source: SourceCamera, Codec: "vp8", Name: "camera", Width: v.Width, Height: v.Height,
		OnKeyframeRequest: func() {
			if t := tx.Load(); t != nil {
				t.RequestKeyframe()
			}
		}}
	if len(layers) > 1 {
		for _, l := range layers {
			opts.Layers = append(opts.Layers, VideoLayer{Width: l.Width, Height: l.Height})
		}
		opts.OnLayerKeyframeRequest = func(layer int) {
			if t := tx.Load(); t != nil {
				t.RequestLayerKeyframe(layer)
			}
		}
	}
	track, err := s.cfg.Backend.Publish(ctx, opts)
	if err != nil {
		return err
	}
	var vtx *send.Video
	if lt, ok := track.(LayeredTrack); ok && len(opts.Layers) > 1 {
		vtx, err = send.NewSimulcastVideo(s.cfg.Camera, cfg, layers, lt)
	} else {
		vtx, err = send.NewVideo(s.cfg.Camera, cfg, track.WriteFrame)
	}
	if err != nil {
		_ = track.Unpublish()
		return fmt.Errorf("%w: %v", ErrMediaDevice, err)
	}
	tx.Store(vtx)
	muted, err := s.startMuted(vtx, track, s.cfg.CameraMuted)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.videoTx, s.camTrack = vtx, track
	s.mu.Unlock()
	s.Post(localTrack{Track: Track{SID: track.SID(), Participant: s.self.Identity, Kind: Video, Source: SourceCamera, Codec: "vp8", Muted: muted}})
	s.runSender(vtx.Run)
	return nil
}

// startMuted mutes a track being published, before its sender runs,
// when the session is to join with it muted (Config.MicMuted,
// CameraMuted). It says whether it did; on failure the track is
// withdrawn rather than left live.
func (s *Session) startMuted(tx interface{ SetMuted(bool) }, track LocalTrack, muted bool) (bool, error) {
	if !muted {
		return false, nil
	}
	tx.SetMuted(true)
	if err := track.SetMuted(true); err != nil {
		_ = track.Unpublish()
		return false, fmt.Errorf("%w: %v", ErrMediaDevice, err)
	}
	return true, nil
}

// runSender starts a sender goroutine, unless the session is already
// tearing down (a Leave during publishing): teardown waits for every
// sender it let start.
func (s *Session) runSender(run func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.senders.Add(1)
	go func() {
		defer s.senders.Done()
		if err := run(s.mediaCtx); err != nil {
			s.Post(Error{Err: fmt.Errorf("%w: %v", ErrMediaDevice, err)})
		}
	}()
}

// localTrack records a track we published, in the loop.
type localTrack struct{ Track Track }

// Leave leaves the room and waits until the session has ended.
func (s *Session) Leave() {
	s.leaveOnce.Do(func() { close(s.leaveAsked) })
	<-s.done
}

// SetMicMuted mutes or unmutes the microphone.
func (s *Session) SetMicMuted(muted bool) error {
	s.mu.Lock()
	tx, track := s.audioTx, s.micTrack
	s.mu.Unlock()
	if track == nil {
		return fmt.Errorf("%w: no microphone", ErrMediaDevice)
	}
	return s.setMuted(tx, track, muted)
}

// SetCameraMuted turns the camera stream off or on.
func (s *Session) SetCameraMuted(muted bool) error {
	s.mu.Lock()
	tx, track := s.videoTx, s.camTrack
	s.mu.Unlock()
	if track == nil {
		return fmt.Errorf("%w: no camera", ErrMediaDevice)
	}
	return s.setMuted(tx, track, muted)
}

// setMuted stops the sender first, so nothing is encoded for a track the
// SFU already shows as muted, then tells the SFU and the front ends.
func (s *Session) setMuted(tx interface{ SetMuted(bool) }, track LocalTrack, muted bool) error {
	tx.SetMuted(muted)
	if err := track.SetMuted(muted); err != nil {
		return err
	}
	s.Post(localMute{sid: track.SID(), muted: muted})
	return nil
}

type localMute struct {
	sid   string
	muted bool
}

// SendChat sends a chat message to the room; the session's own
// ChatMessage event follows.
func (s *Session) SendChat(text string) error {
	select {
	case <-s.done:
		return ErrNotJoined
	default:
	}
	id, err := s.cfg.Backend.SendChat(text)
	if err != nil {
		return err
	}
	s.Post(ChatMessage{ID: id, From: s.self, Text: text, Time: time.Now()})
	return nil
}

// SendReaction sends one of Reactions to the room; the session's own
// Reaction event follows.
func (s *Session) SendReaction(emoji string) error {
	if !slices.Contains(Reactions, emoji) {
		return fmt.Errorf("%w: %q", ErrBadReaction, emoji)
	}
	select {
	case <-s.done:
		return ErrNotJoined
	default:
	}
	if err := s.cfg.Backend.SendReaction(emoji); err != nil {
		return err
	}
	s.Post(Reaction{From: s.Self(), Emoji: emoji})
	return nil
}

// SendData sends an application packet to the room.
func (s *Session) SendData(topic string, payload []byte, reliable bool) error {
	select {
	case <-s.done:
		return ErrNotJoined
	default:
	}
	return s.cfg.Backend.SendData(topic, payload, reliable)
}
