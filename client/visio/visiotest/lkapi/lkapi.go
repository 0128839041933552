// Package lkapi connects the visiotest fake to a real LiveKit server: it
// implements visiotest.LiveKit (and visiotest.TokenVerifier) with the
// server SDK's API clients and the server's key, as La Suite Meet's
// backend does with the Python SDK (core/utils.py create_livekit_client).
// It knows LiveKit, not Visio: what to send and when is the fake's.
//
//	srv, _ := lkserver.Start(ctx, bin, nil)
//	fake := visiotest.New(visiotest.Config{LiveKit: lkapi.New(srv.URL, srv.Key, srv.Secret)})
package lkapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/twitchtv/twirp"

	"causerie/client/visio/visiotest"
)

// API is a LiveKit server reached with its key. Its methods are safe for
// concurrent use.
type API struct {
	url, key, secret string
	room             *lksdk.RoomServiceClient
	dispatch         *lksdk.AgentDispatchClient
}

var (
	_ visiotest.LiveKit       = (*API)(nil)
	_ visiotest.TokenVerifier = (*API)(nil)
)

// New reaches the server at url (ws://, wss://, http:// or https://; the
// API is served on the signalling port) with an API key and its secret.
func New(url, key, secret string) *API {
	return &API{
		url: url, key: key, secret: secret,
		room:     lksdk.NewRoomServiceClient(url, key, secret),
		dispatch: lksdk.NewAgentDispatchServiceClient(url, key, secret),
	}
}

// URL is where clients connect: the url given to New.
func (a *API) URL() string { return a.url }

// Token signs c.
func (a *API) Token(c visiotest.TokenClaims) (string, error) {
	g := &auth.VideoGrant{
		RoomJoin:          true,
		Room:              c.Room,
		RoomAdmin:         c.RoomAdmin,
		CanPublishSources: slices.Clone(c.CanPublishSources),
	}
	g.SetCanPublish(c.CanPublish)
	g.SetCanSubscribe(c.CanSubscribe)
	g.SetCanPublishData(c.CanPublishData)
	g.SetCanUpdateOwnMetadata(c.CanUpdateOwnMetadata)
	at := auth.NewAccessToken(a.key, a.secret)
	at.SetVideoGrant(g).SetIdentity(c.Identity).SetName(c.Name).SetAttributes(maps.Clone(c.Attributes))
	if c.TTL > 0 {
		at.SetValidFor(c.TTL)
	}
	return at.ToJWT()
}

// Verify checks that token was signed with the server's key and is
// current, and returns its claims.
func (a *API) Verify(token string) (visiotest.TokenClaims, error) {
	v, err := auth.ParseAPIToken(token)
	if err != nil {
		return visiotest.TokenClaims{}, err
	}
	if v.APIKey() != a.key {
		return visiotest.TokenClaims{}, fmt.Errorf("lkapi: token signed with key %q", v.APIKey())
	}
	reg, g, err := v.Verify(a.secret)
	if err != nil {
		return visiotest.TokenClaims{}, err
	}
	c := visiotest.TokenClaims{Identity: g.Identity, Name: g.Name, Attributes: maps.Clone(g.Attributes)}
	if reg.ExpiresAt != nil && reg.NotBefore != nil {
		c.TTL = reg.ExpiresAt.Sub(reg.NotBefore.Time)
	}
	if vg := g.Video; vg != nil {
		c.Room = vg.Room
		c.RoomAdmin = vg.RoomAdmin
		c.CanPublish = vg.GetCanPublish()
		c.CanPublishSources = slices.Clone(vg.CanPublishSources)
		c.CanSubscribe = vg.GetCanSubscribe()
		c.CanPublishData = vg.GetCanPublishData()
		c.CanUpdateOwnMetadata = vg.GetCanUpdateOwnMetadata()
	}
	return c, nil
}

// RoomExists lists the room by name.
func (a *API) RoomExists(ctx context.Context, room string) (bool, error) {
	res, err := a.room.ListRooms(ctx, &livekit.ListRoomsRequest{Names: []string{room}})
	if err != nil {
		return false, wrap(err)
	}
	return len(res.Rooms) > 0, nil
}

// SendData sends data reliably to everyone in room, with no topic.
func (a *API) SendData(ctx context.Context, room string, data []byte) error {
	_, err := a.room.SendData(ctx, &livekit.SendDataRequest{
		Room: room,
		Data: data,
		Kind: livekit.DataPacket_RELIABLE,
	})
	return wrap(err)
}

// GetParticipant says whether identity is in room and not disconnected.
func (a *API) GetParticipant(ctx context.Context, room, identity string) (bool, error) {
	p, err := a.room.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: identity})
	if err != nil {
		return false, wrap(err)
	}
	return p.State != livekit.ParticipantInfo_DISCONNECTED, nil
}

// UpdateParticipant changes a participant's name, metadata or attributes.
func (a *API) UpdateParticipant(ctx context.Context, room, identity string, u visiotest.ParticipantUpdate) error {
	_, err := a.room.UpdateParticipant(ctx, &livekit.UpdateParticipantRequest{
		Room:       room,
		Identity:   identity,
		Name:       u.Name,
		Metadata:   u.Metadata,
		Attributes: maps.Clone(u.Attributes),
	})
	return wrap(err)
}

// MutePublishedTrack mutes one of a participant's tracks.
func (a *API) MutePublishedTrack(ctx context.Context, room, identity, trackSID string) error {
	_, err := a.room.MutePublishedTrack(ctx, &livekit.MuteRoomTrackRequest{
		Room: room, Identity: identity, TrackSid: trackSID, Muted: true,
	})
	return wrap(err)
}

// RemoveParticipant disconnects a participant.
func (a *API) RemoveParticipant(ctx context.Context, room, identity string) error {
	_, err := a.room.RemoveParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: identity})
	return wrap(err)
}

// CreateAgentDispatch asks for agentName to join room.
func (a *API) CreateAgentDispatch(ctx context.Context, room, agentName string) error {
	_, err := a.dispatch.CreateDispatch(ctx, &livekit.CreateAgentDispatchRequest{Room: room, AgentName: agentName})
	return wrap(err)
}

// wrap marks Twirp's not_found with visiotest.ErrLiveKitNotFound.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	if te, ok := errors.AsType[twirp.Error](err); ok && te.Code() == twirp.NotFound {
		return fmt.Errorf("%w: %w", visiotest.ErrLiveKitNotFound, err)
	}
	return fmt.Errorf("lkapi: %w", err)
}
