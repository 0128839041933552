package receive

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"causerie/media"
	"causerie/media/stats"
	"causerie/media/synth"
	"causerie/media/vpx"
)

const (
	// maxFrameWait is how long a frame with a missing packet waits for a
	// retransmission. LiveKit answers NACKs in about one RTT; 100 ms covers
	// the RTTs of a national network while keeping the picture live.
	maxFrameWait = 100 * time.Millisecond
	// keyframeRequestInterval spaces our PLIs: a keyframe takes at least
	// one RTT plus an encode to arrive, asking again sooner only adds load.
	keyframeRequestInterval = 300 * time.Millisecond
	// minContentSize: pictures smaller than this in both directions are
	// the tiny blank keyframes an SFU writes when a track is muted or
	// closed (LiveKit sends an 8×6 VP8 keyframe); they are decoded but do
	// not change the resolution we report.
	minContentSize = 16
)

// VideoStats are the counters of one received video track.
type VideoStats struct {
	Codec         string
	FramesDecoded uint64
	DecodeErrors  uint64
	PacketsLost   uint64
	Packets       uint64
	Keyframes     uint64
	Width, Height int
	// LatencyMsP50/P95 are capture-to-decode delays read from the
	// synthetic camera's barcode; zero when the sender does not stamp.
	LatencyMsP50, LatencyMsP95 float64
	LatencySamples             uint64
	FirstFrame                 time.Time
}

// VideoOptions tune a video receive path.
type VideoOptions struct {
	// OnFrame, when set, is given each decoded picture. It runs on the
	// decoding goroutine; the picture is reused after it returns.
	OnFrame func(img *media.I420)
	Now     func() time.Time
}

// Video decodes one remote VP8 or VP9 track.
type Video struct {
	codec vpx.Codec
	track RTPReader
	opts  VideoOptions
	feed  *feeder
	dec   *vpx.Decoder

	frames, errs, keyframes atomic.Uint64
	size                    atomic.Uint64 // width<<32 | height
	first                   atomic.Int64  // unix ns of the first decoded frame
	latency                 *stats.Window

	stop     context.CancelFunc
	loopDone chan struct{}
	once     sync.Once
}

// NewVideo prepares the receive path of a track in codec ("vp8", "vp9").
func NewVideo(codec string, track RTPReader, opts VideoOptions) (*Video, error) {
	var c vpx.Codec
	switch codec {
	case "vp8":
		c = vpx.VP8
	case "vp9":
		c = vpx.VP9
	default:
		return nil, fmt.Errorf("%w: %q", ErrCodec, codec)
	}
	dec, err := vpx.NewDecoder(c)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Video{codec: c, track: track, opts: opts, feed: newFeeder(opts.Now), dec: dec,
		latency: stats.NewWindow(4096), loopDone: make(chan struct{})}, nil
}

// Start runs the reader and the decoder until the track ends or Close.
func (v *Video) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	v.stop = cancel
	go v.feed.run(v.track)
	go v.decodeLoop(ctx)
}

// Close stops decoding and waits for the decoder; the reader ends with
// the track.
func (v *Video) Close() {
	v.once.Do(func() {
		if v.stop != nil {
			v.stop()
			<-v.loopDone
		}
		v.dec.Close()
	})
}

func (v *Video) decodeLoop(ctx context.Context) {
	defer close(v.loopDone)
	var (
		pkts       []*rtp.Packet
		frame      []byte
		img        = &media.I420{}
		needKey    = true
		lastResets uint64
		lastPLI    time.Time
		tick       = time.NewTicker(maxFrameWait / 4)
		feedEnded  = v.feed.done
	)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-feedEnded:
			feedEnded = nil // drain what is buffered, then wait for Close
		case <-v.feed.ready:
		case <-tick.C:
		}
		for {
			now := v.opts.Now()
			v.feed.mu.Lock()
			var lost int
			var ok bool
			pkts, lost, ok = v.feed.buf.PopFrame(now, maxFrameWait, pkts[:0])
			resets := v.feed.buf.Stats().Resets
			v.feed.mu.Unlock()
			if resets != lastResets {
				// The buffer restarted after a jump (a stall, a sender
				// restart): what precedes is gone, start from a keyframe.
				lastResets, needKey = resets, true
			}
			if lost > 0 {
				needKey = true
			}
			if !ok {
				if lost > 0 {
					continue
				}
				break
			}
			var key bool
			frame, key = v.depacketize(pkts, frame[:0])
			if needKey && !key {
				// A VP8/VP9 delta frame after a loss would decode into
				// garbage; wait for the keyframe we ask for.
				if now.Sub(lastPLI) >= keyframeRequestInterval {
					v.track.RequestKeyframe()
					lastPLI = now
				}
				continue
			}
			if err := v.decode(frame, key, img); err != nil {
				v.errs.Add(1)
				needKey = true
				continue
			}
			needKey = false
		}
	}
}

// decode decodes one frame (for VP9, each spatial layer in turn) and
// records its statistics.
func (v *Video) decode(frame []byte, key bool, img *media.I420) error {
	got := false
	if v.codec == vpx.VP9 {
		// Browsers send VP9 with spatial layers; each layer is a frame of
		// its own, separated by length prefixes from depacketize.
		for len(frame) >= 4 {
			n := int(frame[0])<<24 | int(frame[1])<<16 | int(frame[2])<<8 | int(frame[3])
			frame = frame[4:]
			if n > len(frame) {
				return fmt.Errorf("receive: vp9 layer overruns frame")
			}
			ok, err := v.dec.Decode(frame[:n], img)
			if err != nil {
				return err
			}
			got = got || ok
			frame = frame[n:]
		}
	} else {
		ok, err := v.dec.Decode(frame, img)
		if err != nil {
			return err
		}
		got = ok
	}
	if !got {
		return nil
	}
	now := v.opts.Now()
	if v.frames.Add(1) == 1 {
		v.first.Store(now.UnixNano())
	}
	if key {
		v.keyframes.Add(1)
	}
	if img.Width >= minContentSize || img.Height >= minContentSize {
		v.size.Store(uint64(img.Width)<<32 | uint64(img.Height))
	}
	if ms, ok := synth.ReadStamp(img); ok {
		if d := now.UnixMilli() - ms; d >= 0 && d < 10_000 {
			v.latency.Add(float64(d))
		}
	}
	if v.opts.OnFrame != nil {
		v.opts.OnFrame(img)
	}
	return nil
}

// depacketize joins the payloads of one frame's packets into dst and tells
// whether the frame is a keyframe. VP9 layers are length-prefixed (4 bytes,
// big endian) so decode can feed them one at a time.
func (v *Video) depacketize(pkts []*rtp.Packet, dst []byte) ([]byte, bool) {
	key := false
	if v.codec == vpx.VP8 {
		var d codecs.VP8Packet
		for i, p := range pkts {
			payload, err := d.Unmarshal(p.Payload)
			if err != nil {
				return dst[:0], false
			}
			if i == 0 && d.S == 1 && d.PID == 0 && len(payload) > 0 {
				// VP8 payload header: P bit (inverse keyframe flag), RFC 6386 §9.1.
				key = payload[0]&0x01 == 0
			}
			dst = append(dst, payload...)
		}
		return dst, key
	}
	var d codecs.VP9Packet
	layerStart := -1
	for i, p := range pkts {
		payload, err := d.Unmarshal(p.Payload)
		if err != nil {
			return dst[:0], false
		}
		if i == 0 {
			key = !d.P
		}
		if d.B || layerStart < 0 {
			layerStart = len(dst)
			dst = append(dst, 0, 0, 0, 0)
		}
		dst = append(dst, payload...)
		if d.E || i == len(pkts)-1 {
			n := len(dst) - layerStart - 4
			dst[layerStart], dst[layerStart+1], dst[layerStart+2], dst[layerStart+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
			layerStart = -1
		}
	}
	return dst, key
}

// Stats reports the counters so far.
func (v *Video) Stats() VideoStats {
	p := v.latency.Percentiles(50, 95)
	v.feed.mu.Lock()
	bs := v.feed.buf.Stats()
	v.feed.mu.Unlock()
	size := v.size.Load()
	s := VideoStats{Codec: v.codec.String(), FramesDecoded: v.frames.Load(), DecodeErrors: v.errs.Load(),
		PacketsLost: bs.Lost, Packets: bs.Received, Keyframes: v.keyframes.Load(),
		Width: int(size >> 32), Height: int(size & 0xffffffff),
		LatencyMsP50: p[0], LatencyMsP95: p[1], LatencySamples: v.latency.Count()}
	if ns := v.first.Load(); ns != 0 {
		s.FirstFrame = time.Unix(0, ns)
	}
	return s
}

// Done is closed when the track has ended.
func (v *Video) Done() <-chan struct{} { return v.feed.done }
