package headless

import (
	"encoding/json"
	"io"
	"time"

	"causerie/client"
)

// eventLine is one event as `causerie join --print-events` prints it: one
// JSON object a line, for scripts and tests that follow a meeting. Fields
// are omitted when empty.
type eventLine struct {
	Event    string   `json:"event"`
	Room     string   `json:"room,omitempty"`
	Identity string   `json:"identity,omitempty"`
	Name     string   `json:"name,omitempty"`
	Kind     string   `json:"kind,omitempty"`
	Codec    string   `json:"codec,omitempty"`
	Source   string   `json:"source,omitempty"`
	Muted    *bool    `json:"muted,omitempty"`
	Speaking *bool    `json:"speaking,omitempty"`
	ID       string   `json:"id,omitempty"`
	Text     string   `json:"text,omitempty"`
	Emoji    string   `json:"emoji,omitempty"`
	Raised   *bool    `json:"raised,omitempty"`
	At       string   `json:"at,omitempty"`
	Final    *bool    `json:"final,omitempty"`
	Type     string   `json:"type,omitempty"`
	Sources  []string `json:"sources,omitempty"`
	Topic    string   `json:"topic,omitempty"`
	Size     int      `json:"size,omitempty"`
	State    string   `json:"state,omitempty"`
	Message  string   `json:"message,omitempty"`
	Error    string   `json:"error,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
}

// JSONLines prints the session's events to w as JSON lines until the
// stream closes and returns the reason the session ended. Error texts are
// the technical ones, stable for scripts, not the translated sentences.
func JSONLines(w io.Writer, events <-chan client.Event) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var end error
	for ev := range events {
		if left, ok := ev.(client.Left); ok {
			end = left.Err
		}
		if line, ok := toLine(ev); ok {
			_ = enc.Encode(line)
		}
	}
	return end
}

func toLine(ev client.Event) (eventLine, bool) {
	track := func(name string, t client.Track) eventLine {
		return eventLine{Event: name, Identity: t.Participant, Kind: t.Kind.String(), Codec: t.Codec, Source: string(t.Source), ID: t.SID}
	}
	switch ev := ev.(type) {
	case client.Joined:
		return eventLine{Event: "joined", Room: ev.Room, Identity: ev.Self.Identity, Name: ev.Self.Name}, true
	case client.ParticipantJoined:
		return eventLine{Event: "participant_joined", Identity: ev.Participant.Identity, Name: ev.Participant.Name}, true
	case client.ParticipantLeft:
		return eventLine{Event: "participant_left", Identity: ev.Participant.Identity, Name: ev.Participant.Name}, true
	case client.ParticipantUpdated:
		return eventLine{Event: "participant_updated", Identity: ev.Participant.Identity, Name: ev.Participant.Name}, true
	case client.TrackSubscribed:
		return track("track_subscribed", ev.Track), true
	case client.TrackUnsubscribed:
		return track("track_unsubscribed", ev.Track), true
	case client.TrackMuted:
		l := track("track_muted", ev.Track)
		l.Muted = &ev.Muted
		return l, true
	case client.Speaking:
		return eventLine{Event: "speaking", Identity: ev.Participant, Speaking: &ev.Speaking}, true
	case client.ChatMessage:
		return eventLine{Event: "chat", ID: ev.ID, Identity: ev.From.Identity, Name: ev.From.Name, Text: ev.Text}, true
	case client.Reaction:
		return eventLine{Event: "reaction", Identity: ev.From.Identity, Name: ev.From.Name, Emoji: ev.Emoji}, true
	case client.Lobby:
		return eventLine{Event: "lobby", State: string(ev.State)}, true
	case client.Hand:
		l := eventLine{Event: "hand", Identity: ev.Participant.Identity, Name: ev.Participant.Name, Raised: &ev.Raised}
		if ev.Raised {
			l.At = ev.At.UTC().Format(time.RFC3339Nano)
		}
		return l, true
	case client.Caption:
		return eventLine{Event: "caption", ID: ev.ID, Identity: ev.Speaker.Identity, Name: ev.Speaker.Name, Text: ev.Text, Final: &ev.Final}, true
	case client.Notification:
		l := eventLine{Event: "notification", Type: ev.Type, Identity: ev.From.Identity, Name: ev.From.Name}
		for _, s := range ev.Sources {
			l.Sources = append(l.Sources, string(s))
		}
		return l, true
	case client.DataMessage:
		return eventLine{Event: "data", Identity: ev.From, Topic: ev.Topic, Size: len(ev.Payload)}, true
	case client.ConnectionState:
		return eventLine{Event: "connection", State: ev.State.String()}, true
	case client.SpeakingWhileMuted:
		return eventLine{Event: "speaking_while_muted"}, true
	case client.DeviceChanged:
		return eventLine{Event: "device", Kind: ev.Device, Type: string(ev.Reason), From: ev.From, To: ev.To}, true
	case client.Error:
		return eventLine{Event: "error", Message: ev.Err.Error()}, true
	case client.Left:
		l := eventLine{Event: "left"}
		if ev.Err != nil {
			l.Error = ev.Err.Error()
		}
		return l, true
	}
	return eventLine{}, false
}
