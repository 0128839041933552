// Package receive runs the receive path of remote tracks: RTP packets into
// a jitter buffer, frames out of it, depacketised and decoded, with the
// counters and latency measurements the statistics report shows. Audio
// plays with a delay that follows the network's jitter (Audio.Pull);
// video is shown in step with its participant's audio (Sync).
package receive

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/rtp"

	"causerie/media/jitter"
)

// RTPReader is what a receive path needs of a remote track.
type RTPReader interface {
	// ReadRTP blocks for the next packet and fails once the track ends.
	ReadRTP() (*rtp.Packet, error)
	// RequestKeyframe asks the sender for a keyframe; it must not block.
	RequestKeyframe()
}

// ErrCodec is returned for a codec the receive path cannot decode.
var ErrCodec = errors.New("receive: unsupported codec")

// bufferCapacity holds 2 s of 30 fps video at about 8 packets a frame, or
// 10 s of 20 ms audio packets: more than any delay we would wait for.
const bufferCapacity = 512

// feeder reads a track into a jitter buffer on a goroutine of its own
// until the track ends. The buffer is guarded by mu; ready is signalled
// (without blocking) after each packet.
type feeder struct {
	mu    sync.Mutex
	buf   *jitter.Buffer
	est   *jitter.Estimator // the arrival jitter, for an adaptive delay; nil when not measured
	ready chan struct{}
	done  chan struct{}
	now   func() time.Time
}

func newFeeder(now func() time.Time) *feeder {
	if now == nil {
		now = time.Now
	}
	return &feeder{buf: jitter.New(bufferCapacity), ready: make(chan struct{}, 1), done: make(chan struct{}), now: now}
}

// run ends when the track ends (ReadRTP fails), which is how its owner
// stops it: the backend ends the track on unsubscribe and on leave.
func (f *feeder) run(track RTPReader) {
	defer close(f.done)
	for {
		p, err := track.ReadRTP()
		if err != nil {
			return
		}
		f.push(p, f.now())
	}
}

// push stores a packet that arrived at at, and signals ready.
func (f *feeder) push(p *rtp.Packet, at time.Time) {
	f.mu.Lock()
	res := f.buf.Push(p, at)
	if f.est != nil {
		if res == jitter.Reset {
			f.est.Reset()
		}
		// A packet too old to be played still tells how late the
		// network is; a duplicate tells nothing.
		if res != jitter.Duplicate {
			f.est.Add(at, p.Timestamp)
		}
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
}
