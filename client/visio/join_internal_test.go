package visio

import (
	"errors"
	"testing"
)

func TestLiveKitURL(t *testing.T) {
	for _, tc := range []struct {
		room, cfg string
		force     bool
		want      string
	}{
		{"https://livekit.example.org", "", false, "https://livekit.example.org"},
		{"https://livekit.example.org", "", true, "wss://livekit.example.org"},
		{"https://livekit.example.org/", "", true, "wss://livekit.example.org/"},
		{"ws://livekit.example.org:7880", "", true, "wss://livekit.example.org:7880"},
		{"ws://127.0.0.1:7880", "", false, "ws://127.0.0.1:7880"},
		{"wss://livekit.example.org", "", true, "wss://livekit.example.org"},
		{"http://127.0.0.1:7880", "", true, "http://127.0.0.1:7880"},
		{"", "https://from-config.example.org", true, "wss://from-config.example.org"},
		{" ", "ws://from-config.example.org", false, "ws://from-config.example.org"},
		{"https://room.example.org", "https://config.example.org", false, "https://room.example.org"},
	} {
		got, err := liveKitURL(tc.room, tc.cfg, tc.force)
		if err != nil || got != tc.want {
			t.Errorf("liveKitURL(%q, %q, %v) = %q, %v; want %q", tc.room, tc.cfg, tc.force, got, err, tc.want)
		}
	}
	for _, tc := range [][2]string{{"", ""}, {"ftp://x.example.org", ""}, {"livekit.example.org", ""}, {"https://", ""}} {
		if got, err := liveKitURL(tc[0], tc[1], true); !errors.Is(err, ErrProtocol) {
			t.Errorf("liveKitURL(%q, %q) = %q, %v; want ErrProtocol", tc[0], tc[1], got, err)
		}
	}
}
