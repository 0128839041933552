// Package headless is the front end of participants without a window: it
// prints what happens in the meeting, one line an event, and a summary of
// the statistics at the end.
package headless

import (
	"fmt"
	"io"
	"strings"
	"time"

	"causerie/client"
	"causerie/ui/i18n"
)

// Log prints the session's events to w until the stream closes and returns
// the reason the session ended (nil after a requested leave). who, when
// not empty, prefixes each line: several sessions may share w.
func Log(w io.Writer, p *i18n.Printer, who string, events <-chan client.Event) error {
	prefix := ""
	if who != "" {
		prefix = "[" + who + "] "
	}
	var end error
	joined := false
	names := map[string]string{} // identity → display name, for events that carry only the identity
	for ev := range events {
		switch ev := ev.(type) {
		case client.ParticipantJoined:
			names[ev.Participant.Identity] = ev.Participant.DisplayName()
		case client.ParticipantUpdated:
			names[ev.Participant.Identity] = ev.Participant.DisplayName()
		case client.Joined:
			joined = true
			names[ev.Self.Identity] = ev.Self.DisplayName()
		case client.Left:
			end = ev.Err
			if !joined {
				continue // never in the room: the caller reports why
			}
		}
		if line := describe(p, ev, names); line != "" {
			fmt.Fprintf(w, "%s %s%s\n", time.Now().Format("15:04:05.000"), prefix, line)
		}
	}
	return end
}

func describe(p *i18n.Printer, ev client.Event, names map[string]string) string {
	name := func(identity string) string {
		if n := names[identity]; n != "" {
			return n
		}
		return identity
	}
	switch ev := ev.(type) {
	case client.Joined:
		return p.T("event.joined", "room", ev.Room, "name", ev.Self.DisplayName())
	case client.ParticipantJoined:
		return p.T("event.participant_joined", "name", ev.Participant.DisplayName())
	case client.ParticipantLeft:
		return p.T("event.participant_left", "name", ev.Participant.DisplayName())
	case client.TrackSubscribed:
		return p.T("event.track_subscribed", "kind", p.T("kind."+ev.Track.Kind.String()), "codec", ev.Track.Codec, "name", name(ev.Track.Participant))
	case client.TrackMuted:
		key := "event.unmuted"
		if ev.Muted {
			key = "event.muted"
		}
		return p.T(key, "kind", p.T("kind."+ev.Track.Kind.String()), "name", name(ev.Track.Participant))
	case client.ChatMessage:
		return p.T("event.chat", "name", ev.From.DisplayName(), "text", ev.Text)
	case client.Lobby:
		return p.T("event.lobby." + string(ev.State))
	case client.Hand:
		if ev.Raised {
			return p.T("event.hand_raised", "name", ev.Participant.DisplayName())
		}
		return p.T("event.hand_lowered", "name", ev.Participant.DisplayName())
	case client.Reaction:
		return p.T("event.reaction", "name", name(ev.From.Identity), "emoji", ev.Emoji)
	case client.Caption:
		if !ev.Final {
			return "" // a line per segment, once settled
		}
		return p.T("event.caption", "name", ev.Speaker.DisplayName(), "text", ev.Text)
	case client.Notification:
		var sources []string
		for _, s := range ev.Sources {
			sources = append(sources, string(s))
		}
		return p.T("notify."+ev.Type, "name", name(ev.From.Identity), "sources", strings.Join(sources, ", "))
	case client.ConnectionState:
		return p.T("event.connection", "state", p.T("state."+ev.State.String()))
	case client.SpeakingWhileMuted:
		return p.T("event.speaking_muted")
	case client.DeviceChanged:
		return deviceSentence(p, ev)
	case client.Error:
		return p.Error(ev.Err)
	case client.Left:
		if ev.Err != nil {
			return p.T("event.left_error", "reason", p.Error(ev.Err))
		}
		return p.T("event.left")
	}
	return ""
}

// Summary prints a short human account of a report.
func Summary(w io.Writer, p *i18n.Printer, who string, r client.Report) {
	fmt.Fprintln(w, p.T("summary.title", "name", who, "join", r.JoinMs, "duration", fmt.Sprintf("%.1f", r.DurationS)))
	if v := r.Local.Video; v != nil {
		fmt.Fprintln(w, "  "+p.T("summary.sent_video", "frames", v.FramesEncoded, "width", v.Width, "height", v.Height,
			"codec", v.Codec, "encode", fmt.Sprintf("%.1f", v.EncodeMsP50)))
	}
	if a := r.Local.Audio; a != nil {
		fmt.Fprintln(w, "  "+p.T("summary.sent_audio", "packets", a.PacketsSent, "codec", a.Codec))
	}
	for _, rr := range r.Remote {
		name := rr.Name
		if name == "" {
			name = rr.Participant
		}
		if rr.Kind == "video" {
			fmt.Fprintln(w, "  "+p.T("summary.received_video", "name", name, "frames", rr.FramesDecoded, "codec", rr.Codec,
				"width", rr.Width, "height", rr.Height, "errors", rr.DecodeErrors, "lost", rr.PacketsLost,
				"p50", fmt.Sprintf("%.0f", rr.LatencyMsP50), "p95", fmt.Sprintf("%.0f", rr.LatencyMsP95)))
		} else {
			fmt.Fprintln(w, "  "+p.T("summary.received_audio", "name", name, "packets", rr.PacketsReceived, "codec", rr.Codec,
				"concealed", rr.ConcealedMs, "p50", fmt.Sprintf("%.0f", rr.LatencyMsP50), "p95", fmt.Sprintf("%.0f", rr.LatencyMsP95)))
		}
	}
	if r.FirstRemoteVideoMs > 0 {
		fmt.Fprintln(w, "  "+p.T("summary.first_video", "ms", r.FirstRemoteVideoMs))
	}
	fmt.Fprintln(w, "  "+p.T("summary.process", "cpu", fmt.Sprintf("%.1f", r.Process.CPUSeconds), "rss", fmt.Sprintf("%.0f", r.Process.MaxRSSMB)))
}
