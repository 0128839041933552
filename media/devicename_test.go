package media

import "testing"

func TestMatchName(t *testing.T) {
	names := []string{"Built-in Audio Analog Stereo", "USB Headset", "usb headset (2)", "HD Webcam C920"}
	for _, c := range []struct {
		want string
		i    int
	}{
		{"USB Headset", 1},     // exact, although another contains it
		{"usb headset", 1},     // ignoring case
		{"usb headset (2)", 2}, // exact
		{"C920", 3},            // the only one containing it
		{"headset", -1},        // two contain it
		{"analog", 0},
		{"", -1},
		{"Logitech", -1},
	} {
		if got := MatchName(names, c.want); got != c.i {
			t.Errorf("MatchName(%q) = %d, want %d", c.want, got, c.i)
		}
	}
}
