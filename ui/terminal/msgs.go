package terminal

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"causerie/client"
)

// Messages of the model: everything that changes its state arrives as one
// of these, or as a Bubble Tea key or window-size message.
type (
	// eventMsg carries one session event; its handling re-arms waitEvent.
	eventMsg struct{ ev client.Event }
	// eventsClosedMsg: the session's stream is closed, the session is over.
	eventsClosedMsg struct{}
	// frameTickMsg: time to take the latest video pictures.
	frameTickMsg time.Time
	// commandDoneMsg reports how a session command went.
	commandDoneMsg struct{ err error }
	// leftMsg: Leave has returned.
	leftMsg struct{}
	// statsMsg is a sample of the session's counters.
	statsMsg struct {
		at time.Time
		s  Stats
	}
)

// statsPeriod is how often the status line's rates are sampled: a second
// smooths over bursts (keyframes) yet follows a congested link.
const statsPeriod = time.Second

// sampleStats reads the counters after a period, off the UI loop.
func sampleStats(stats func() Stats) tea.Cmd {
	return tea.Tick(statsPeriod, func(t time.Time) tea.Msg { return statsMsg{at: t, s: stats()} })
}

// waitEvent reads the next session event. The model re-arms it after each
// event, so events are handled one at a time and in order.
func waitEvent(events <-chan client.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-events
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev}
	}
}

// frameTick schedules the next video refresh.
func frameTick(fps int) tea.Cmd {
	return tea.Tick(time.Second/time.Duration(fps), func(t time.Time) tea.Msg { return frameTickMsg(t) })
}

// commandTimeout bounds a command that goes through the meeting service
// (hand raise is an HTTP call): the UI shows the error rather than a
// command that never ends.
const commandTimeout = 10 * time.Second

// run turns a session call into a command reporting its error.
func run(f func() error) tea.Cmd {
	return func() tea.Msg { return commandDoneMsg{err: f()} }
}

func setMic(s Session, muted bool) tea.Cmd {
	return run(func() error { return s.SetMicMuted(muted) })
}

func setCamera(s Session, muted bool) tea.Cmd {
	return run(func() error { return s.SetCameraMuted(muted) })
}

func sendChat(s Session, text string) tea.Cmd {
	return run(func() error { return s.SendChat(text) })
}

func sendReaction(s Session, emoji string) tea.Cmd {
	return run(func() error { return s.SendReaction(emoji) })
}

func raiseHand(s Session, raised bool) tea.Cmd {
	return run(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		return s.RaiseHand(ctx, raised)
	})
}

func leave(s Session) tea.Cmd {
	return func() tea.Msg {
		s.Leave()
		return leftMsg{}
	}
}
