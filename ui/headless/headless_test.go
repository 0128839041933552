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
