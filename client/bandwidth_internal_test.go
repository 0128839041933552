package client

import "testing"

// TestVideoBudget: audio and its packet overhead come first; video gets
// the rest within its floor and the configured ceiling.
func TestVideoBudget(t *testing.T) {
	for _, c := range []struct{ est, audio, max, want int }{
		{1_000_000, 64000, 1500, 911}, // 1000 - 64 - 24.8
		{5_000_000, 64000, 1500, 1500},
		{120_000, 24000, 1500, minVideoKbps},
		{500_000, 30000, 1500, 445},
	} {
		if got := videoBudgetKbps(c.est, c.audio, c.max); got != c.want {
			t.Errorf("estimate %d, audio %d: video %d kbps, want %d", c.est, c.audio, got, c.want)
		}
	}
}
