// Package terminal is Causerie's terminal front end: a Bubble Tea model
// over a client session. The model never calls the session in Update: it
// returns commands that do, and session events come back in through one
// re-armed "wait for the next event" command.
package terminal

import (
	"context"

	"causerie/client"
)

// Session is what the terminal front end needs of a meeting, so tests can
// drive the model with a fake. *client.Session has every method; the
// command wraps its Leave so it also cancels a join in progress.
type Session interface {
	// Events is the session's ordered stream, closed after Left.
	Events() <-chan client.Event
	SetMicMuted(muted bool) error
	SetCameraMuted(muted bool) error
	SendChat(text string) error
	SendReaction(emoji string) error
	RaiseHand(ctx context.Context, raised bool) error
	// Leave leaves (or stops joining) and returns when the session has
	// ended; Left then closes the event stream.
	Leave()
}

// Stats are the session's running counters that the status line turns
// into rates.
type Stats struct {
	// SentBytes is every byte of media we sent (audio and video payloads).
	SentBytes uint64
	// PacketsReceived and PacketsLost count every remote track's RTP.
	PacketsReceived, PacketsLost uint64
}
