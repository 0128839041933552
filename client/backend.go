package client

import (
	"context"
	"time"

	"github.com/pion/rtp"
)

// Backend is one way of reaching an SFU (LiveKit today; Galène and WHIP
// later). Implementations keep their library types to themselves: the
// session sees only the types of this package and RTP packets.
//
// A backend's callbacks run on library goroutines. It reports everything
// through the Sink it was given, which never blocks, and never acts on the
// session's state itself.
type Backend interface {
	// Name is a short lower-case label ("livekit") for statistics.
	Name() string
	// Join connects and enters the room. It returns when the room is
	// joined, or with an error wrapping one of this package's sentinels.
	Join(ctx context.Context, sink Sink) (Joined, []Participant, error)
	// Publish starts sending a local track.
	Publish(ctx context.Context, opts TrackOptions) (LocalTrack, error)
	// SendChat sends a chat message to everyone and returns its id.
	SendChat(text string) (string, error)
	// SendData sends an application packet on a topic, to everyone or to
	// the identities given.
	SendData(topic string, payload []byte, reliable bool, to ...string) error
	// Notify sends the service's notification of this type (e.g.
	// participantMuted) to everyone or to the identities given.
	Notify(typ string, to ...string) error
	// SendReaction sends an emoji reaction (one of Reactions) to the room.
	SendReaction(emoji string) error
	// Leave disconnects. It is safe to call more than once.
	Leave()
}

// Sink receives what a backend observes. Post never blocks.
type Sink interface {
	Post(BackendEvent)
}

// BackendEvent is an Event, or one of the backend-only notices below that
// the session turns into events after acting on them.
type BackendEvent any

// RemoteTrackReady hands the session the media of a subscribed track.
type RemoteTrackReady struct {
	Track  Track
	Reader RemoteTrack
}

// Ended says the backend left or lost the room; Err wraps ErrConnectionLost,
// ErrRemoved, … or is nil when we asked to leave.
type Ended struct{ Err error }

// ActiveSpeakers lists who speaks now, loudest first.
type ActiveSpeakers struct {
	Identities []string
	Levels     []float32
}

// RemoteTrack is the narrow view of a received track that the media
// receive path needs.
type RemoteTrack interface {
	// ReadRTP blocks for the next packet; it fails once the track ends.
	ReadRTP() (*rtp.Packet, error)
	// RequestKeyframe asks the sender for a keyframe (PLI). It does not block.
	RequestKeyframe()
	// ClockRate is the RTP clock of the track's codec.
	ClockRate() uint32
}

// ViewSetter is a RemoteTrack whose forwarding the SFU adapts to how it
// is shown: the size it is drawn at (the SFU picks the simulcast layer
// or spatial layer that fits), or not at all (width 0: the SFU stops
// forwarding it, and nothing is decoded). It must not block.
type ViewSetter interface {
	SetView(width, height int)
}

// SenderReports is a RemoteTrack that knows the RTCP sender reports of
// its sender (as the SFU forwards them): the NTP wall-clock time at which
// the sender's RTP clock read a timestamp. The receive path lines a
// participant's video up with their audio by them (receive.Sync). It
// must not block.
type SenderReports interface {
	// LastSenderReport returns the latest report's NTP time and RTP
	// timestamp, and false before the first.
	LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool)
}

// TrackOptions describe a local track to publish.
type TrackOptions struct {
	Kind   Kind
	Source Source
	Codec  string // "opus" or "vp8"
	Name   string
	Width  int // video only
	Height int
	// OnKeyframeRequest is called when the SFU asks for a keyframe (PLI or
	// FIR). It runs on a network goroutine and must not block.
	OnKeyframeRequest func()
	// Layers, for video, asks for simulcast: one stream per layer,
	// smallest first, encoded from the same capture. A backend that can
	// simulcast returns a LayeredTrack; others send one stream and ignore
	// them.
	Layers []VideoLayer
	// OnLayerKeyframeRequest, with Layers, replaces OnKeyframeRequest:
	// the SFU asks one layer's stream for a keyframe (the one a subscriber
	// switches to). It runs on a network goroutine and must not block.
	OnLayerKeyframeRequest func(layer int)
}

// VideoLayer is the size of one simulcast layer, as the SFU is told.
type VideoLayer struct{ Width, Height int }

// LayeredTrack is a LocalTrack published as simulcast (TrackOptions.Layers).
type LayeredTrack interface {
	LocalTrack
	// WriteLayer sends one encoded frame of a layer, captured at captured,
	// d after the layer's previous frame.
	WriteLayer(layer int, frame []byte, captured time.Time, d time.Duration) error
	// LayerEnabled tells whether the SFU forwards the layer to anybody
	// (LiveKit's dynacast): the sender does not encode the others. It does
	// not block.
	LayerEnabled(layer int) bool
}

// LocalTrack is a published track that the session writes encoded frames to.
type LocalTrack interface {
	SID() string
	// WriteFrame sends one encoded frame that lasts d. level is the audio
	// level in -dBov (0 loudest, 127 silence) for audio tracks, ignored for
	// video. An empty audio frame is one discontinuous transmission does
	// not send: nothing goes out, but the RTP timestamp of the next frame
	// counts its d, and its sequence number does not.
	WriteFrame(frame []byte, d time.Duration, level uint8) error
	SetMuted(muted bool) error
	Unpublish() error
}
