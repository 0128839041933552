package receive

import (
	"sync"
	"sync/atomic"
	"time"
)

const (
	// maxSyncHold bounds how long a video frame waits for its audio: a
	// sender whose clocks disagree by more (a broken sender report) should
	// not freeze the picture, and beyond half a second lip sync is lost
	// anyway.
	maxSyncHold = 500 * time.Millisecond
	// clockMaxAge is how long the audio clock stays good after the last
	// packet played: through pauses in speech (DTX, a muted microphone
	// for a moment) video keeps the delay it had; after that it goes
	// back to showing frames as they are decoded.
	clockMaxAge = 2 * time.Second
	// The RTP clocks of the codecs we receive (RFC 7587, RFC 7741).
	opusClock  = 48000
	videoClock = 90000
)

// SenderReporter is a track that knows its sender's RTCP sender reports
// (RFC 3550 §6.4.1): the NTP wall-clock time at which the sender's RTP
// clock read a timestamp. Two tracks of one sender share the NTP clock,
// which is what lines their timestamps up. The receive paths find it by
// type assertion on their track.
type SenderReporter interface {
	// LastSenderReport returns the latest sender report's NTP time and
	// RTP timestamp, and false before the first. It must not block.
	LastSenderReport() (ntpTime uint64, rtpTime uint32, ok bool)
}

// Sync lines up the video of one participant with their audio: a video
// frame is shown when the audio captured at the same instant is heard.
// The session gives one Sync to the audio and video receive paths of a
// participant; it is safe for concurrent use.
type Sync struct {
	audio atomic.Pointer[Audio]
}

// NewSync returns a Sync with no audio yet: video is shown as decoded
// until audio is attached.
func NewSync() *Sync { return &Sync{} }

// SetAudio makes a the clock the participant's video follows.
func (s *Sync) SetAudio(a *Audio) { s.audio.Store(a) }

// RemoveAudio detaches a, if it is the clock (a newer track may have
// replaced it).
func (s *Sync) RemoveAudio(a *Audio) { s.audio.CompareAndSwap(a, nil) }

// playTime tells when the audio captured at the instant after past the
// NTP time ref is heard, extrapolated from the last packet played; false
// without a sender report or a recent packet.
func (s *Sync) playTime(ref uint64, after time.Duration, now time.Time) (time.Time, bool) {
	if s == nil {
		return time.Time{}, false
	}
	a := s.audio.Load()
	if a == nil || a.srs == nil {
		return time.Time{}, false
	}
	ntp, srTS, ok := a.srs.LastSenderReport()
	if !ok {
		return time.Time{}, false
	}
	ts, at, ok := a.clock.get(now)
	if !ok {
		return time.Time{}, false
	}
	// From the sample played at `at` to the sender report's, then on
	// the NTP clock to the instant.
	toReport := time.Duration(int64(int32(srTS-ts)) * int64(time.Second) / opusClock)
	return at.Add(toReport + ntpSub(ref, ntp) + after), true
}

// ntpSub is a − b, two NTP timestamps (32.32 fixed point seconds).
func ntpSub(a, b uint64) time.Duration {
	d := int64(a - b)
	// Seconds and fraction apart, so that the product cannot overflow.
	return time.Duration((d>>32)*int64(time.Second) + (d&0xffffffff)*int64(time.Second)>>32)
}

// audioClock is when the last audio packet played is heard: the RTP
// timestamp against the playout clock.
type audioClock struct {
	mu   sync.Mutex
	ts   uint32
	at   time.Time // heard
	seen time.Time // pulled
	ok   bool
}

func (c *audioClock) set(ts uint32, at, now time.Time) {
	c.mu.Lock()
	c.ts, c.at, c.seen, c.ok = ts, at, now, true
	c.mu.Unlock()
}

func (c *audioClock) get(now time.Time) (ts uint32, at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok || now.Sub(c.seen) > clockMaxAge {
		return 0, time.Time{}, false
	}
	return c.ts, c.at, true
}
