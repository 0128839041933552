package livekit

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"causerie/client"
)

// LegacyChatTopic is the data-packet topic of the chat format that
// LiveKit's browser components still send beside the lk.chat stream.
const LegacyChatTopic = "lk-chat-topic"

// callbacks maps lksdk's callbacks, which run on its goroutines, to posts
// into the session's queue. None of them blocks or touches session state.
func (b *Backend) callbacks(sink client.Sink) *lksdk.RoomCallback {
	cb := lksdk.NewRoomCallback()
	cb.OnParticipantConnected = func(rp *lksdk.RemoteParticipant) {
		sink.Post(client.ParticipantJoined{Participant: participantOf(rp)})
	}
	cb.OnParticipantDisconnected = func(rp *lksdk.RemoteParticipant) {
		sink.Post(client.ParticipantLeft{Participant: participantOf(rp)})
	}
	cb.OnAttributesChanged = func(_ map[string]string, p lksdk.Participant) {
		sink.Post(client.ParticipantUpdated{Participant: participantOf(p)})
	}
	cb.OnMetadataChanged = func(_ string, p lksdk.Participant) {
		sink.Post(client.ParticipantUpdated{Participant: participantOf(p)})
	}
	cb.OnTrackPublished = func(pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
		sink.Post(client.TrackPublished{Track: trackOf(pub, rp.Identity())})
	}
	cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
		tr := trackOf(pub, rp.Identity())
		if c := codecName(t.Codec().MimeType); c != "" {
			tr.Codec = c
		}
		sink.Post(client.RemoteTrackReady{Track: tr, Reader: newRemoteTrack(t, pub, rp)})
	}
	cb.OnTrackUnsubscribed = func(_ *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
		sink.Post(client.TrackUnsubscribed{Track: trackOf(pub, rp.Identity())})
	}
	cb.OnTrackMuted = func(pub lksdk.TrackPublication, p lksdk.Participant) {
		sink.Post(client.TrackMuted{Track: trackOf(pub, p.Identity()), Muted: true})
	}
	cb.OnTrackUnmuted = func(pub lksdk.TrackPublication, p lksdk.Participant) {
		sink.Post(client.TrackMuted{Track: trackOf(pub, p.Identity()), Muted: false})
	}
	cb.OnActiveSpeakersChanged = func(ps []lksdk.Participant) {
		ev := client.ActiveSpeakers{}
		for _, p := range ps {
			ev.Identities = append(ev.Identities, p.Identity())
			ev.Levels = append(ev.Levels, p.AudioLevel())
		}
		sink.Post(ev)
	}
	cb.OnDataPacket = func(pkt lksdk.DataPacket, params lksdk.DataReceiveParams) {
		if ev, ok := dataEvent(pkt, params); ok {
			sink.Post(ev)
		}
	}
	cb.OnTranscriptionReceived = func(segs []*lksdk.TranscriptionSegment, p lksdk.Participant, _ lksdk.TrackPublication) {
		if p != nil {
			captionEvents(sink, segs, participantOf(p))
		}
	}
	cb.OnReconnecting = func() { sink.Post(client.ConnectionState{State: client.Reconnecting}) }
	cb.OnReconnected = func() { sink.Post(client.ConnectionState{State: client.Connected}) }
	cb.OnDisconnectedWithReason = func(reason lksdk.DisconnectionReason) {
		sink.Post(client.Ended{Err: b.disconnectError(reason)})
	}
	return cb
}

func (b *Backend) disconnectError(reason lksdk.DisconnectionReason) error {
	if b.leaving.Load() {
		return nil
	}
	// lksdk folds several protocol reasons into OtherReason (a deleted
	// room among them); the room keeps the raw one.
	raw := livekit.DisconnectReason_UNKNOWN_REASON
	if b.room != nil {
		raw = b.room.DisconnectReason()
	}
	switch {
	case reason == lksdk.LeaveRequested || raw == livekit.DisconnectReason_CLIENT_INITIATED:
		return nil
	case reason == lksdk.ParticipantRemoved || raw == livekit.DisconnectReason_PARTICIPANT_REMOVED:
		return client.ErrRemoved
	case reason == lksdk.RoomClosed || raw == livekit.DisconnectReason_ROOM_DELETED || raw == livekit.DisconnectReason_ROOM_CLOSED:
		return client.ErrRoomClosed
	case reason == lksdk.DuplicateIdentity || raw == livekit.DisconnectReason_DUPLICATE_IDENTITY:
		return client.ErrDuplicateIdentity
	}
	return client.ErrConnectionLost
}

// legacyChat is the payload of a chat data packet on lk-chat-topic.
type legacyChat struct {
	ID           string `json:"id"`
	Timestamp    int64  `json:"timestamp"`
	Message      string `json:"message"`
	IgnoreLegacy bool   `json:"ignoreLegacy"`
}

// notification is La Suite Meet's in-room message: a reliable data packet
// with no topic (frontend: src/features/notifications).
type notification struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Notification types (frontend: features/notifications/NotificationType.ts).
const reactionReceived = "reactionReceived"

// notifications are the types Causerie shows; others are ignored, as the
// web client ignores what it does not know.
var notifications = []string{
	client.NotifyParticipantMuted, client.NotifyParticipantWaiting, client.NotifyPermissionsRemoved,
	"transcriptionStarted", "transcriptionStopped", "transcriptionRequested", "transcriptionLimitReached",
	"screenRecordingStarted", "screenRecordingStopped", "screenRecordingRequested", "screenRecordingLimitReached",
	"recordingSaving",
}

type reactionData struct {
	Emoji string `json:"emoji"`
}

type removedData struct {
	RemovedSources []string `json:"removedSources"`
}

// dataEvent turns a received packet into an event. Legacy chat packets
// whose sender also sends the lk.chat stream (ignoreLegacy) are dropped so
// each message shows once.
func dataEvent(pkt lksdk.DataPacket, params lksdk.DataReceiveParams) (client.BackendEvent, bool) {
	from := client.Participant{Identity: params.SenderIdentity}
	if params.Sender != nil {
		from = participantOf(params.Sender)
	}
	switch p := pkt.(type) {
	case *lksdk.UserDataPacket:
		if p.Topic == LegacyChatTopic {
			var m legacyChat
			if err := json.Unmarshal(p.Payload, &m); err != nil || m.IgnoreLegacy {
				return nil, false
			}
			return client.ChatMessage{ID: m.ID, From: from, Text: m.Message, Time: time.UnixMilli(m.Timestamp)}, true
		}
		if p.Topic == "" {
			var n notification
			if json.Unmarshal(p.Payload, &n) == nil && n.Type != "" {
				return notificationEvent(n, from)
			}
		}
		return client.DataMessage{From: from.Identity, Topic: p.Topic, Payload: p.Payload}, true
	case *livekit.ChatMessage:
		return client.ChatMessage{ID: p.Id, From: from, Text: p.Message, Time: time.UnixMilli(p.Timestamp)}, true
	}
	return nil, false
}

// notificationEvent turns one of La Suite Meet's notifications into an
// event (frontend: MainNotificationToast.tsx handleDataReceived).
func notificationEvent(n notification, from client.Participant) (client.BackendEvent, bool) {
	switch {
	case n.Type == reactionReceived:
		var r reactionData
		if json.Unmarshal(n.Data, &r) != nil || !slices.Contains(client.Reactions, r.Emoji) {
			return nil, false // not one Visio shows: ignored, as browsers do
		}
		return client.Reaction{From: from, Emoji: r.Emoji}, true
	case n.Type == client.NotifyPermissionsRemoved:
		var d removedData
		if json.Unmarshal(n.Data, &d) != nil || len(d.RemovedSources) == 0 {
			return nil, false // the web client also ignores an empty removal
		}
		ev := client.Notification{Type: n.Type, From: from}
		for _, src := range d.RemovedSources {
			ev.Sources = append(ev.Sources, client.Source(src))
		}
		return ev, true
	case slices.Contains(notifications, n.Type):
		return client.Notification{Type: n.Type, From: from}, true
	}
	return nil, false
}

// captionEvents turns transcription segments into captions.
func captionEvents(sink client.Sink, segs []*lksdk.TranscriptionSegment, speaker client.Participant) {
	for _, seg := range segs {
		sink.Post(client.Caption{ID: seg.ID, Speaker: speaker, Text: seg.Text, Final: seg.Final})
	}
}

func participantOf(p lksdk.Participant) client.Participant {
	_, local := p.(*lksdk.LocalParticipant)
	return client.Participant{Identity: p.Identity(), Name: p.Name(), Attributes: p.Attributes(), Local: local}
}

func trackOf(pub lksdk.TrackPublication, owner string) client.Track {
	t := client.Track{SID: pub.SID(), Participant: owner, Codec: codecName(pub.MimeType()), Muted: pub.IsMuted()}
	if pub.Kind() == lksdk.TrackKindVideo {
		t.Kind = client.Video
	}
	t.Source = sourceOf(pub.Source())
	return t
}

// sources pairs LiveKit's track sources with the client's.
var sources = []struct {
	proto livekit.TrackSource
	src   client.Source
}{
	{livekit.TrackSource_CAMERA, client.SourceCamera},
	{livekit.TrackSource_MICROPHONE, client.SourceMicrophone},
	{livekit.TrackSource_SCREEN_SHARE, client.SourceScreenShare},
	{livekit.TrackSource_SCREEN_SHARE_AUDIO, client.SourceScreenAudio},
}

func sourceOf(s livekit.TrackSource) client.Source {
	for _, m := range sources {
		if m.proto == s {
			return m.src
		}
	}
	return client.SourceUnknown
}

func sourceProto(s client.Source) livekit.TrackSource {
	for _, m := range sources {
		if m.src == s {
			return m.proto
		}
	}
	return livekit.TrackSource_UNKNOWN
}
