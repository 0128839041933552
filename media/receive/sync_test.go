package receive

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"causerie/media"
)

// srTrack is a fake track whose sender reports the test sets.
type srTrack struct {
	*fakeTrack
	mu  sync.Mutex
	ntp uint64
	rtp uint32
	ok  bool
}

func (t *srTrack) LastSenderReport() (uint64, uint32, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ntp, t.rtp, t.ok
}

func (t *srTrack) report(ntp uint64, ts uint32) {
	t.mu.Lock()
	t.ntp, t.rtp, t.ok = ntp, ts, true
	t.mu.Unlock()
}

// ntpAt is an NTP timestamp d after an arbitrary origin in 2026.
func ntpAt(d time.Duration) uint64 {
	const origin = uint64(3_973_000_000) << 32 // seconds since 1900
	sec, frac := d/time.Second, d%time.Second
	if frac < 0 {
		sec, frac = sec-1, frac+time.Second
	}
	return origin + uint64(sec)<<32 + uint64(frac)<<32/uint64(time.Second)
}

func TestNTPSub(t *testing.T) {
	for _, d := range []time.Duration{0, 250 * time.Millisecond, -250 * time.Millisecond, 3*time.Second + 7*time.Millisecond, -90 * time.Minute} {
		a, b := ntpAt(time.Hour+d), ntpAt(time.Hour)
		if got := ntpSub(a, b); got-d > time.Microsecond || d-got > time.Microsecond {
			t.Errorf("ntpSub for %v: %v", d, got)
		}
	}
}

// syncPair is a participant's audio and video receive paths sharing a
// Sync, with tracks whose sender reports the test sets.
func syncPair(t *testing.T, now func() time.Time) (*Audio, *srTrack, *Video, *srTrack, *Sync) {
	t.Helper()
	at := &srTrack{fakeTrack: newFakeTrack(nil)}
	a, err := NewAudio("opus", at, now)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSync()
	s.SetAudio(a)
	vt := &srTrack{fakeTrack: newFakeTrack(nil)}
	v, err := NewVideo("vp8", vt, VideoOptions{Sync: s, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return a, at, v, vt, s
}

// A video frame is due when the audio captured at the same instant is
// heard, whatever the offset between the two tracks' RTP clocks, and the
// offset between the capture clocks that the sender reports give moves
// the frame by as much.
func TestSyncDueTime(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a, at, v, vt, s := syncPair(t, func() time.Time { return now })

	// Audio: timestamp 1000 at the NTP origin; the sample captured 1 s
	// after it is heard 300 ms from now.
	at.report(ntpAt(0), 1000)
	a.clock.set(1000+48000, now.Add(300*time.Millisecond), now)
	const v0 = 4_000_000_000 // a video RTP clock far from the audio's, near its wrap
	frame := uint32(v0 + 90000*8/10)

	// The first picture is shown at once.
	vt.report(ntpAt(0), v0)
	if due, _, _, ok := v.dueTime(frame, now); ok || !due.Equal(now) {
		t.Errorf("first picture: due in %v, synced %v", due.Sub(now), ok)
	}
	v.frames.Store(1)

	cases := []struct {
		name   string
		offset time.Duration // of the video's capture clock, by its sender reports
		hold   time.Duration
	}{
		{"same clock", 0, 100 * time.Millisecond}, // captured 0.8 s after the origin: its audio is heard 200 ms earlier
		{"video 200 ms later", 200 * time.Millisecond, 300 * time.Millisecond},
		{"video 150 ms earlier", -150 * time.Millisecond, 0}, // its audio was heard 50 ms ago: shown at once
		{"video 700 ms later", 700 * time.Millisecond, maxSyncHold},
	}
	for _, c := range cases {
		vt.report(ntpAt(c.offset), v0)
		due, _, _, ok := v.dueTime(frame, now)
		if d := due.Sub(now) - c.hold; !ok || d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("%s: held %v (synced %v), want %v", c.name, due.Sub(now), ok, c.hold)
		}
	}

	// Without what sync needs, frames are shown as decoded.
	vt.report(ntpAt(0), v0)
	a.clock.set(1000+48000, now.Add(300*time.Millisecond), now.Add(-clockMaxAge-time.Millisecond))
	if due, _, _, ok := v.dueTime(frame, now); ok || !due.Equal(now) {
		t.Errorf("audio silent for long: due in %v, synced %v", due.Sub(now), ok)
	}
	a.clock.set(1000+48000, now.Add(300*time.Millisecond), now)
	s.RemoveAudio(a)
	if due, _, _, ok := v.dueTime(frame, now); ok || !due.Equal(now) {
		t.Errorf("no audio: due in %v, synced %v", due.Sub(now), ok)
	}
	s.SetAudio(a)
	vt.mu.Lock()
	vt.ok = false
	vt.mu.Unlock()
	if due, _, _, ok := v.dueTime(frame, now); ok || !due.Equal(now) {
		t.Errorf("no video sender report: due in %v, synced %v", due.Sub(now), ok)
	}
}

// End to end through the decode loop, in real time: frames arriving at
// 30 fps are shown 200 ms after they complete, when their audio plays.
func TestSyncHoldsFrames(t *testing.T) {
	frames := vp8Stream(t, 30, 0)
	at := &srTrack{fakeTrack: newFakeTrack(nil)}
	a, err := NewAudio("opus", at, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSync()
	s.SetAudio(a)
	vt := &srTrack{fakeTrack: &fakeTrack{pkts: make(chan *rtp.Packet, 1024)}}
	var mu sync.Mutex
	var shown []time.Time
	v, err := NewVideo("vp8", vt, VideoOptions{Sync: s, OnFrame: func(*media.I420) {
		mu.Lock()
		shown = append(shown, time.Now())
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	// Frame i is captured at i/30 s after the origin on both clocks; the
	// audio of the origin is heard 200 ms after the first frame is sent.
	start := time.Now()
	at.report(ntpAt(0), 0)
	a.clock.set(0, start.Add(200*time.Millisecond), start)
	vt.report(ntpAt(0), frames[0][0].Timestamp)
	v.Start()
	for i, f := range frames {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / 30)))
		for _, p := range f {
			vt.pkts <- p
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for v.Stats().FramesDecoded < 30 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(vt.pkts)
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 30 {
		t.Fatalf("%d frames shown of 30", len(shown))
	}
	errs := make([]time.Duration, len(shown))
	for i, t := range shown {
		errs[i] = t.Sub(start.Add(200*time.Millisecond + time.Duration(i)*time.Second/30))
	}
	slices.Sort(errs)
	// A loaded machine wakes timers late, never early.
	if med := errs[len(errs)/2]; med < -2*time.Millisecond || med > 30*time.Millisecond {
		t.Errorf("frames shown %v (median) from their audio, want within 30 ms; all: %v", med, errs)
	}
	st := v.Stats()
	if st.SyncedFrames < 25 || st.SyncHoldMsP50 < 170 || st.SyncHoldMsP50 > 205 {
		t.Errorf("synced %d frames held %.1f ms (median), want about 200", st.SyncedFrames, st.SyncHoldMsP50)
	}
	if st.AVOffsetMsP50 < -2 || st.AVOffsetMsP50 > 30 {
		t.Errorf("A/V offset %.1f ms (median), want within 30", st.AVOffsetMsP50)
	}
	t.Logf("held %.1f ms (median) for 200; shown %v from the audio (median), offset p50 %.1f p95 %.1f ms",
		st.SyncHoldMsP50, errs[len(errs)/2], st.AVOffsetMsP50, st.AVOffsetMsP95)
}

// Without sender reports, frames are not held.
func TestSyncWithoutReports(t *testing.T) {
	frames := vp8Stream(t, 10, 0)
	v, _ := runVideo(t, flatten(frames), 10)
	if st := v.Stats(); st.FramesDecoded != 10 || st.SyncedFrames != 0 {
		t.Fatalf("stats %+v", st)
	}
}
