package client

import "time"

// Event is one thing that happened in the meeting. A session delivers its
// events on one ordered stream (Session.Events), so a front end can never
// see a participant leave before it joined, or a track before its owner.
type Event interface{ event() }

// Kind tells audio from video.
type Kind int

const (
	Audio Kind = iota
	Video
)

// Reactions are the emoji names Visio's browsers send and show, in the
// order of their reaction bar.
var Reactions = []string{"thumbs-up", "thumbs-down", "clapping-hands", "red-heart",
	"face-with-tears-of-joy", "face-with-open-mouth", "party-popper", "folded-hands"}

func (k Kind) String() string {
	if k == Video {
		return "video"
	}
	return "audio"
}

// Source tells what a track carries, as the SFU labels it.
type Source string

const (
	SourceCamera      Source = "camera"
	SourceMicrophone  Source = "microphone"
	SourceScreenShare Source = "screen_share"
	SourceScreenAudio Source = "screen_share_audio"
	SourceUnknown     Source = "unknown"
)

// Participant is a person (or agent) in the room as front ends see it.
type Participant struct {
	Identity   string
	Name       string
	Attributes map[string]string
	Local      bool
}

// DisplayName is the name to show: the name when set, else the identity.
func (p Participant) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Identity
}

// Track describes a published track.
type Track struct {
	SID         string
	Participant string // identity of the owner
	Kind        Kind
	Source      Source
	Codec       string // "opus", "vp8", "vp9", … lower case, without "audio/" or "video/"
	Muted       bool
}

// ConnState is the state of the link to the SFU.
type ConnState int

const (
	Connecting ConnState = iota
	Connected
	Reconnecting
	Disconnected
)

func (s ConnState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	default:
		return "disconnected"
	}
}

type (
	// Joined is the first event of a session: we are in the room.
	Joined struct {
		Room string
		Self Participant
	}
	ParticipantJoined  struct{ Participant Participant }
	ParticipantLeft    struct{ Participant Participant }
	ParticipantUpdated struct{ Participant Participant }
	// TrackPublished: a remote participant published a track (not yet received).
	TrackPublished struct{ Track Track }
	// TrackSubscribed: media of a remote track is now being received.
	TrackSubscribed   struct{ Track Track }
	TrackUnsubscribed struct{ Track Track }
	// TrackMuted reports a mute or unmute, local or remote.
	TrackMuted struct {
		Track Track
		Muted bool
	}
	// Speaking reports a change of who is speaking; Level is 0..1.
	Speaking struct {
		Participant string
		Speaking    bool
		Level       float32
	}
	// ChatMessage is a chat line, received or sent by us.
	ChatMessage struct {
		ID   string
		From Participant
		Text string
		Time time.Time
	}
	// Reaction is an emoji reaction sent to the room (by us or another).
	Reaction struct {
		From  Participant
		Emoji string
	}
	// DataMessage is an application packet other than chat.
	DataMessage struct {
		From    string
		Topic   string
		Payload []byte
	}
	ConnectionState struct{ State ConnState }
	// SpeakingWhileMuted hints that the user talks into a muted
	// microphone (the audio processing heard half a second of voice
	// within a second). At most one every 10 s; only with Config.Voice.
	SpeakingWhileMuted struct{}
	// DeviceChanged reports a local device coming or going under the
	// call: the one in use disappeared and another (or none, To "")
	// took its place, or the lists of devices changed. Device is
	// "microphone", "speaker" or "camera".
	DeviceChanged struct {
		Device   string
		Reason   DeviceReason
		From, To string
	}
	// Error reports a failure that did not end the session.
	Error struct{ Err error }
	// Left is the last event of a session. Err is nil after a leave the
	// user asked for.
	Left struct{ Err error }
)

func (Joined) event()             {}
func (ParticipantJoined) event()  {}
func (ParticipantLeft) event()    {}
func (ParticipantUpdated) event() {}
func (TrackPublished) event()     {}
func (TrackSubscribed) event()    {}
func (TrackUnsubscribed) event()  {}
func (TrackMuted) event()         {}
func (Speaking) event()           {}
func (ChatMessage) event()        {}
func (Reaction) event()           {}
func (DataMessage) event()        {}
func (ConnectionState) event()    {}
func (SpeakingWhileMuted) event() {}
func (DeviceChanged) event()      {}
func (Error) event()              {}
func (Left) event()               {}

// DeviceReason tells why a DeviceChanged happened.
type DeviceReason string

const (
	// DeviceLost: the device in use went away or stopped working.
	DeviceLost DeviceReason = "lost"
	// DeviceFound: the device asked for came back, or one appeared while
	// there was none; it is in use now.
	DeviceFound DeviceReason = "found"
	// DeviceChosen: the user switched devices.
	DeviceChosen DeviceReason = "chosen"
	// DeviceDefaultChanged: following the system default, which changed.
	DeviceDefaultChanged DeviceReason = "default"
	// DeviceListChanged: a device appeared or disappeared; From and To
	// are empty.
	DeviceListChanged DeviceReason = "list"
)
