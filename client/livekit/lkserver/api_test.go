package lkserver_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"causerie/client/livekit/lkserver"
)

func startSFU(t *testing.T) *lkserver.Server {
	t.Helper()
	bin, err := lkserver.Find()
	if err != nil {
		t.Fatalf("%v: `make test` builds it; by hand, set CAUSERIE_LIVEKIT_SERVER to the binary", err)
	}
	srv, err := lkserver.Start(context.Background(), bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func connect(t *testing.T, srv *lkserver.Server, token string) *lksdk.Room {
	t.Helper()
	room, err := lksdk.ConnectToRoomWithToken(srv.URL, token, &lksdk.RoomCallback{}, lksdk.WithAutoSubscribe(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(room.Disconnect)
	return room
}

// TestBackendAPI: tokens carry the attributes and the grants La Suite
// Meet gives, and the API clients act on the same server.
func TestBackendAPI(t *testing.T) {
	srv := startSFU(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	tok, err := srv.TokenFor("salle", "alice", "Alice", map[string]string{"color": "hsl(1, 50%, 50%)", "room_role": "owner"}, lkserver.WithRoomAdmin())
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.ParseAPIToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	_, claims, err := v.Verify(srv.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if g := claims.Video; !g.RoomAdmin || !g.RoomJoin || g.Room != "salle" {
		t.Errorf("grant %+v", g)
	}
	connect(t, srv, tok)
	// Token still makes a plain join-only token.
	plain, err := srv.Token("salle", "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	connect(t, srv, plain)
	muted, err := srv.TokenFor("salle", "carol", "Carol", nil, lkserver.WithSources())
	if err != nil {
		t.Fatal(err)
	}
	connect(t, srv, muted)

	rs := srv.RoomService()
	alice, err := rs.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: "salle", Identity: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if alice.Name != "Alice" || alice.Attributes["color"] != "hsl(1, 50%, 50%)" || alice.Attributes["room_role"] != "owner" {
		t.Errorf("alice %q %v", alice.Name, alice.Attributes)
	}
	p := alice.Permission
	var sources []string
	for _, s := range p.CanPublishSources {
		sources = append(sources, map[livekit.TrackSource]string{
			livekit.TrackSource_CAMERA: "camera", livekit.TrackSource_MICROPHONE: "microphone",
			livekit.TrackSource_SCREEN_SHARE: "screen_share", livekit.TrackSource_SCREEN_SHARE_AUDIO: "screen_share_audio",
		}[s])
	}
	if !p.CanPublish || !p.CanSubscribe || !p.CanPublishData || p.CanUpdateMetadata || !slices.Equal(sources, lkserver.DefaultSources()) {
		t.Errorf("alice's permission %v", p)
	}
	carol, err := rs.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: "salle", Identity: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if carol.Permission.CanPublish {
		t.Errorf("carol may publish with no sources: %v", carol.Permission)
	}

	if _, err := srv.AgentDispatch().CreateDispatch(ctx, &livekit.CreateAgentDispatchRequest{Room: "salle", AgentName: "transcriber"}); err != nil {
		t.Fatal(err)
	}
	list, err := srv.AgentDispatch().ListDispatch(ctx, &livekit.ListAgentDispatchRequest{Room: "salle"})
	if err != nil {
		t.Fatal(err)
	}
	// The room also has its default dispatch, with no agent name.
	if !slices.ContainsFunc(list.AgentDispatches, func(d *livekit.AgentDispatch) bool { return d.AgentName == "transcriber" }) {
		t.Errorf("dispatches %v", list.AgentDispatches)
	}
}
