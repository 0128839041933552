package receive

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

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
	// FramesDropped were incomplete or predicted from a picture never
	// decoded (see assembler): dropped, with a keyframe asked for,
	// rather than decoded into an error or garbage.
	FramesDropped uint64
	Width, Height int
	// LatencyMsP50/P95 are capture-to-decode delays read from the
	// synthetic camera's barcode; zero when the sender does not stamp.
	LatencyMsP50, LatencyMsP95 float64
	LatencySamples             uint64
	FirstFrame                 time.Time
	// SyncedFrames were timed by their audio (sender reports of both
	// tracks and audio playing), SyncHoldMsP50 is how long they were held
	// for it (the median; zero when video comes after its audio), and
	// AVOffsetMsP50/P95 how far from their audio frames were shown: the
	// median, signed (positive: video after its audio), and the 95th
	// percentile of its size. Zero without A/V sync.
	SyncedFrames                 uint64
	SyncHoldMsP50                float64
	AVOffsetMsP50, AVOffsetMsP95 float64
}

// VideoOptions tune a video receive path.
type VideoOptions struct {
	// OnFrame, when set, is given each decoded picture. It runs on the
	// decoding goroutine; the picture is reused after it returns.
	OnFrame func(img *media.I420)
	Now     func() time.Time
	// Sync, when set, is the participant's A/V sync: frames are held
	// until their audio is heard (see Sync). The track must then give
	// sender reports (SenderReporter), or frames are shown as decoded.
	Sync *Sync
}

// Video decodes one remote VP8 or VP9 track.
type Video struct {
	codec vpx.Codec
	track RTPReader
	srs   SenderReporter // nil when the track gives no sender reports
	opts  VideoOptions
	feed  *feeder
	dec   *vpx.Decoder
	asm   *assembler // belongs to decodeLoop

	frames, errs, keyframes atomic.Uint64
	dropped                 atomic.Uint64 // frames assemble found undecodable
	size                    atomic.Uint64 // width<<32 | height
	first                   atomic.Int64  // unix ns of the first decoded frame
	latency                 *stats.Window
	// held is how long synced frames waited for their audio; offset how
	// far from their audio they were shown (positive: after it).
	held, offset, offsetAbs *stats.Window

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
	v := &Video{codec: c, track: track, opts: opts, feed: newFeeder(opts.Now), dec: dec, asm: newAssembler(c),
		latency: stats.NewWindow(4096), held: stats.NewWindow(1024), offset: stats.NewWindow(1024), offsetAbs: stats.NewWindow(1024),
		loopDone: make(chan struct{})}
	v.srs, _ = track.(SenderReporter)
	return v, nil
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

// heldFrame is a complete frame waiting for its presentation time.
type heldFrame struct {
	data []byte
	key  bool
	due  time.Time
	// ref and after place its capture instant on the sender's NTP clock
	// (ok when known), to measure the A/V offset at presentation.
	ref   uint64
	after time.Duration
	ok    bool
}

// maxHeld bounds the frames waiting for presentation: half a second of
// 60 fps video, more than maxSyncHold lets wait at 30 fps.
const maxHeld = 32

func (v *Video) decodeLoop(ctx context.Context) {
	defer close(v.loopDone)
	var (
		pkts       []*rtp.Packet
		held       []heldFrame
		spare      [][]byte // buffers of frames presented, for reuse
		img        = &media.I420{}
		needKey    = true  // a loss before the frames popped: drop deltas, ask for a keyframe
		broken     = false // a frame failed to decode: drop deltas until a keyframe decodes
		lastResets uint64
		lastPLI    time.Time
		tick       = time.NewTicker(maxFrameWait / 4)
		due        = time.NewTimer(time.Hour)
		feedEnded  = v.feed.done
	)
	defer tick.Stop()
	defer due.Stop()
	for {
		var dueC <-chan time.Time
		if len(held) > 0 {
			due.Reset(held[0].due.Sub(v.opts.Now()))
			dueC = due.C
		}
		select {
		case <-ctx.Done():
			return
		case <-feedEnded:
			feedEnded = nil // drain what is buffered, then wait for Close
		case <-v.feed.ready:
		case <-tick.C:
		case <-dueC:
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
				v.asm.forget()
			}
			if lost > 0 {
				needKey = true
				v.asm.forget()
			}
			if !ok {
				if lost > 0 {
					continue
				}
				break
			}
			var buf []byte
			if n := len(spare); n > 0 {
				buf, spare = spare[n-1][:0], spare[:n-1]
			}
			f := heldFrame{}
			var st frameStatus
			f.data, f.key, st = v.asm.assemble(pkts, buf)
			switch st {
			case frameEmpty:
				// Padding: it only kept the sequence numbers contiguous.
				// Without a picture yet, it still shows that the SFU
				// forwards the track to us (LiveKit pads a new
				// subscription until the publisher's next frame), so a
				// keyframe can be asked for.
				if needKey && now.Sub(lastPLI) >= keyframeRequestInterval {
					v.track.RequestKeyframe()
					lastPLI = now
				}
				spare = append(spare, f.data)
				continue
			case frameBroken:
				// Incomplete, or predicted from what the decoder never
				// got: what follows predicts from it in turn.
				needKey = true
				v.asm.forget()
				v.dropped.Add(1)
			}
			if needKey && !f.key {
				// A VP8/VP9 delta frame after a loss would decode into
				// garbage; wait for the keyframe we ask for.
				if now.Sub(lastPLI) >= keyframeRequestInterval {
					v.track.RequestKeyframe()
					lastPLI = now
				}
				spare = append(spare, f.data)
				continue
			}
			needKey = false
			f.due, f.ref, f.after, f.ok = v.dueTime(pkts[0].Timestamp, now)
			held = append(held, f)
		}
		// Present what is due, in order; a frame that completed late is
		// shown at once, and a full queue lets its oldest frame go early
		// rather than stall.
		// The frame's buffer goes back to spare, for reuse by the pops of
		// the next round, not before.
		for len(held) > 0 && (len(held) > maxHeld || !held[0].due.After(v.opts.Now())) {
			f := held[0]
			held = append(held[:0], held[1:]...)
			spare = append(spare, f.data)
			if broken && !f.key {
				continue
			}
			if err := v.decode(f.data, f.key, img); err != nil {
				v.errs.Add(1)
				// The deltas held after it go too, and unless a keyframe
				// is held after it, the next one popped asks for one.
				broken = true
				needKey = needKey || !slices.ContainsFunc(held, func(h heldFrame) bool { return h.key })
				continue
			}
			broken = false
			if f.ok {
				if at, ok := v.opts.Sync.playTime(f.ref, f.after, v.opts.Now()); ok {
					off := float64(v.opts.Now().Sub(at).Microseconds()) / 1000
					v.offset.Add(off)
					v.offsetAbs.Add(max(off, -off))
				}
			}
		}
	}
}

// dueTime is when to show the frame with RTP timestamp ts: when the
// audio captured at the same instant is heard, by the sender reports of
// both tracks, but at most maxSyncHold from now; now when there is no
// audio to follow or no sender report yet, and for the first picture,
// which is worth more at once than in sync. It also returns the frame's
// capture instant (ok when known).
func (v *Video) dueTime(ts uint32, now time.Time) (due time.Time, ref uint64, after time.Duration, ok bool) {
	if v.opts.Sync == nil || v.srs == nil || v.frames.Load() == 0 {
		return now, 0, 0, false
	}
	ntp, srTS, ok := v.srs.LastSenderReport()
	if !ok {
		return now, 0, 0, false
	}
	after = time.Duration(int64(int32(ts-srTS)) * int64(time.Second) / videoClock)
	at, ok := v.opts.Sync.playTime(ntp, after, now)
	if !ok {
		return now, ntp, after, false
	}
	hold := max(0, min(at.Sub(now), maxSyncHold))
	v.held.Add(float64(hold.Microseconds()) / 1000)
	return now.Add(hold), ntp, after, true
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
// whether the frame is a keyframe (see assembler; an undecodable frame
// gives no data).
func (v *Video) depacketize(pkts []*rtp.Packet, dst []byte) ([]byte, bool) {
	data, key, st := v.asm.assemble(pkts, dst)
	if st != frameOK {
		return data[:0], false
	}
	return data, key
}

// Stats reports the counters so far.
func (v *Video) Stats() VideoStats {
	p := v.latency.Percentiles(50, 95)
	v.feed.mu.Lock()
	bs := v.feed.buf.Stats()
	v.feed.mu.Unlock()
	size := v.size.Load()
	s := VideoStats{Codec: v.codec.String(), FramesDecoded: v.frames.Load(), DecodeErrors: v.errs.Load(),
		PacketsLost: bs.Lost, Packets: bs.Received, Keyframes: v.keyframes.Load(), FramesDropped: v.dropped.Load(),
		Width: int(size >> 32), Height: int(size & 0xffffffff),
		LatencyMsP50: p[0], LatencyMsP95: p[1], LatencySamples: v.latency.Count()}
	if ns := v.first.Load(); ns != 0 {
		s.FirstFrame = time.Unix(0, ns)
	}
	s.SyncedFrames, s.SyncHoldMsP50 = v.held.Count(), v.held.Percentiles(50)[0]
	if v.offset.Count() > 0 {
		s.AVOffsetMsP50, s.AVOffsetMsP95 = v.offset.Percentiles(50)[0], v.offsetAbs.Percentiles(95)[0]
	}
	return s
}

// Done is closed when the track has ended.
func (v *Video) Done() <-chan struct{} { return v.feed.done }
