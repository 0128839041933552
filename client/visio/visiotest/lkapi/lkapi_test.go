package lkapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"causerie/client/visio/visiotest"
	"causerie/client/visio/visiotest/lkapi"
)

// TestTokenRoundTrip: what Token signs, Verify reads back; another key's
// or another secret's tokens are refused. No server needed.
func TestTokenRoundTrip(t *testing.T) {
	secret := strings.Repeat("s", 48)
	a := lkapi.New("ws://127.0.0.1:1", "key", secret)
	want := visiotest.TokenClaims{
		Room: "room", Identity: "sub-alice", Name: "Alice",
		Attributes:        map[string]string{"color": "hsl(1, 50%, 50%)", "room_role": "", "is_authenticated": "true"},
		CanPublish:        true,
		CanPublishSources: []string{"camera", "microphone"},
		CanSubscribe:      true, CanPublishData: true,
		TTL: 6 * time.Hour,
	}
	tok, err := a.Token(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Room != want.Room || got.Identity != want.Identity || got.Name != want.Name || got.TTL != want.TTL ||
		got.RoomAdmin || !got.CanPublish || !got.CanSubscribe || !got.CanPublishData || got.CanUpdateOwnMetadata ||
		!slices.Equal(got.CanPublishSources, want.CanPublishSources) || len(got.Attributes) != 3 || got.Attributes["is_authenticated"] != "true" {
		t.Errorf("verified %+v, want %+v", got, want)
	}
	for name, other := range map[string]*lkapi.API{
		"other secret": lkapi.New("ws://127.0.0.1:1", "key", strings.Repeat("x", 48)),
		"other key":    lkapi.New("ws://127.0.0.1:1", "key2", secret),
	} {
		if _, err := other.Verify(tok); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if _, err := a.Verify("not a token"); err == nil {
		t.Error("garbage verified")
	}
}
