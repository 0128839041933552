package headless

import (
	"bytes"
	"strings"
	"testing"

	"causerie/client"
	"causerie/ui/i18n"
)

func TestLogDescribesEventsInOrder(t *testing.T) {
	events := make(chan client.Event, 8)
	events <- client.Joined{Room: "salle", Self: client.Participant{Identity: "me", Name: "Moi"}}
	events <- client.ParticipantJoined{Participant: client.Participant{Identity: "ana", Name: "Ana"}}
	events <- client.ChatMessage{From: client.Participant{Identity: "ana", Name: "Ana"}, Text: "bonjour"}
	events <- client.TrackMuted{Track: client.Track{Participant: "ana", Kind: client.Audio}, Muted: true}
	events <- client.Left{Err: client.ErrRemoved}
	close(events)
	var out bytes.Buffer
	err := Log(&out, i18n.New("fr"), "", events)
	if err != client.ErrRemoved {
		t.Fatalf("Log returned %v", err)
	}
	want := []string{"Vous avez rejoint la réunion salle sous le nom Moi.", "Ana a rejoint la réunion.", "Ana : bonjour",
		"Ana a coupé : micro.", "La réunion s’est terminée : Vous avez été retiré de la réunion."}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s", &out)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
}

// A session that never joined ends with Left alone: the command prints
// the reason once, Log prints nothing.
func TestLogSilentWhenNeverJoined(t *testing.T) {
	events := make(chan client.Event, 1)
	events <- client.Left{Err: client.ErrUnreachable}
	close(events)
	var out bytes.Buffer
	if err := Log(&out, i18n.New("en"), "", events); err != client.ErrUnreachable || out.Len() != 0 {
		t.Fatalf("err %v, output %q", err, &out)
	}
}

func TestJSONLines(t *testing.T) {
	events := make(chan client.Event, 8)
	events <- client.Joined{Room: "r", Self: client.Participant{Identity: "me", Name: "Moi"}}
	events <- client.TrackSubscribed{Track: client.Track{SID: "TR_1", Participant: "ana", Kind: client.Video, Codec: "vp9", Source: client.SourceCamera}}
	events <- client.TrackMuted{Track: client.Track{SID: "TR_1", Participant: "ana", Kind: client.Video}, Muted: false}
	events <- client.ChatMessage{ID: "c1", From: client.Participant{Identity: "ana", Name: "Ana"}, Text: "<b>salut</b>"}
	events <- client.Reaction{From: client.Participant{Identity: "ana"}, Emoji: "thumbs-up"}
	events <- client.Left{Err: client.ErrConnectionLost}
	close(events)
	var out bytes.Buffer
	if err := JSONLines(&out, events); err != client.ErrConnectionLost {
		t.Fatalf("err %v", err)
	}
	want := `{"event":"joined","room":"r","identity":"me","name":"Moi"}
{"event":"track_subscribed","identity":"ana","kind":"video","codec":"vp9","source":"camera","id":"TR_1"}
{"event":"track_muted","identity":"ana","kind":"video","muted":false,"id":"TR_1"}
{"event":"chat","identity":"ana","name":"Ana","id":"c1","text":"<b>salut</b>"}
{"event":"reaction","identity":"ana","emoji":"thumbs-up"}
{"event":"left","error":"client: connection lost"}
`
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", &out, want)
	}
}
