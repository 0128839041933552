package client

import "errors"

// Errors a session or backend reports, wrapped with detail (%w). Test them
// with errors.Is; front ends turn each into one translated sentence
// (ui/i18n), never by matching strings.
var (
	// ErrBadURL: the server address is not a ws://, wss://, http:// or
	// https:// URL with a host.
	ErrBadURL = errors.New("client: malformed server URL")
	// ErrTokenRefused: the server rejected the access token (invalid,
	// expired, or for another server).
	ErrTokenRefused = errors.New("client: access token refused")
	// ErrUnreachable: nothing answered at the server address.
	ErrUnreachable = errors.New("client: server unreachable")
	// ErrJoinFailed: the server answered but joining the room failed.
	ErrJoinFailed = errors.New("client: could not join the room")
	// ErrConnectionLost: the connection dropped and could not be restored.
	ErrConnectionLost = errors.New("client: connection lost")
	// ErrRemoved: a host or the server removed us from the room.
	ErrRemoved = errors.New("client: removed from the room")
	// ErrRoomClosed: the room was closed.
	ErrRoomClosed = errors.New("client: room closed")
	// ErrDuplicateIdentity: someone joined with our identity.
	ErrDuplicateIdentity = errors.New("client: joined elsewhere with the same identity")
	// ErrNotJoined: a command was given to a session that is not in a room.
	ErrNotJoined = errors.New("client: not in a room")
	// ErrBadReaction: a reaction not among Reactions.
	ErrBadReaction = errors.New("client: unknown reaction")
	// ErrNotSupported: the meeting's service offers no such command (a bare
	// LiveKit server has no hands, lobby or captions).
	ErrNotSupported = errors.New("client: not supported by this meeting's service")
	// ErrMediaDevice: a capture source failed.
	ErrMediaDevice = errors.New("client: media device failed")
)
