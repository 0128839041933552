// Package send runs the capture → encode → sink loops of local tracks.
package send

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"causerie/media"
	"causerie/media/stats"
	"causerie/media/vpx"
)

// FrameSink takes one encoded frame lasting d. For audio, level is the
// frame's level in -dBov (0 loudest, 127 silence), and frame may be
// empty: a frame DTX does not send (Audio.SetDTX), whose d the stream's
// clock still counts. It must not keep frame.
type FrameSink func(frame []byte, d time.Duration, level uint8) error

// VideoConfig describes the encoded stream.
type VideoConfig struct {
	Width, Height, FPS int
	// BitrateKbps is the budget of the whole track: with simulcast, the
	// sum over its layers (see SetBitrate).
	BitrateKbps int
	// MinKeyframeInterval spaces keyframes the SFU asks for: a burst of
	// PLIs (several subscribers joining, a lossy link) yields one
	// keyframe, not a burst of them. A request within it after a keyframe
	// is kept and answered when it has passed, never dropped: the SFU
	// does not repeat its requests sooner than its PLI throttle (0.5 to
	// 1 s in livekit-server), so a dropped one left a newly forwarded
	// subscriber without a picture that long. Default 500 ms.
	MinKeyframeInterval time.Duration
}

// VideoStats are read by the UI and the statistics report. With simulcast,
// FramesEncoded and Keyframes count captured pictures (encoded in at
// least one layer, a keyframe in at least one), Bytes adds up the layers,
// Width and Height are the largest layer being sent, EncodeMs is the time
// a picture took in all (scaling included), and Layers details each.
type VideoStats struct {
	Codec         string
	FramesEncoded uint64
	Keyframes     uint64
	Bytes         uint64
	Width, Height int
	EncodeMsP50   float64
	EncodeMsP95   float64
	Layers        []LayerStats
}

// LayerStats describe one layer of a simulcast sender (the only layer of
// a plain one).
type LayerStats struct {
	Width, Height int
	// Sending is false while the layer is paused: the SFU forwards it to
	// nobody (dynacast), the budget leaves it no room, or the track is
	// muted.
	Sending       bool
	TargetKbps    int
	FramesEncoded uint64
	Keyframes     uint64
	Bytes         uint64
	EncodeMsP50   float64
}

// Video encodes a video source in VP8 and hands frames to a sink: one
// stream, or one per simulcast layer from the same capture.
type Video struct {
	src       media.VideoSource
	sink      LayerSink
	cfg       VideoConfig
	simulcast bool
	layers    []*encoding

	keyframeNeeded atomic.Bool // the stream (re)starts: never rate-limited
	muted          atomic.Bool
	bitrate        atomic.Int64 // kbps asked for, split and applied between frames

	frames, keyframes, bytes atomic.Uint64
	encodeMs                 *stats.Window
	closeOnce                sync.Once
}

// encoding is one layer's encoder and state. The fields without atomics
// belong to Run's goroutine.
type encoding struct {
	scale    int
	enc      *vpx.Encoder
	img      *media.I420 // the scaled picture (nil when scale is 1)
	rates    layerRates
	applied  int  // kbps the encoder was last given
	sending  bool // the previous picture was encoded: else the next is a keyframe
	lastPTS  int64
	lastKey  time.Time
	lastSent time.Time // capture time of the last frame written
	out      []byte
	// interval spaces the pictures of a layer capped below the source's
	// frame rate (lowerLayerFPS), 0 for every picture; nextDue is when
	// its next picture is due.
	interval time.Duration
	nextDue  time.Time

	keyframeWanted atomic.Bool // asked by the SFU, pending until a keyframe
	width, height  atomic.Int32
	active         atomic.Bool
	target         atomic.Int32

	frames, keyframes, bytes atomic.Uint64
	encodeMs                 *stats.Window
	encodeNs                 atomic.Int64 // total, for the mean a benchmark reports
}

// NewVideo prepares a single-stream sender; Run starts it.
func NewVideo(src media.VideoSource, cfg VideoConfig, sink FrameSink) (*Video, error) {
	return newVideo(src, cfg, []Layer{{ScaleDown: 1, Width: cfg.Width, Height: cfg.Height}}, frameSink(sink), false)
}

// NewSimulcastVideo prepares a sender that encodes each captured picture
// once per layer (smallest first, as SimulcastLayers plans them), each
// layer reduced from the next larger one. Layers the sink does not want,
// or the budget has no room for, are not encoded.
func NewSimulcastVideo(src media.VideoSource, cfg VideoConfig, layers []Layer, sink LayerSink) (*Video, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("send: %w: no simulcast layer", vpx.ErrInvalidConfig)
	}
	for i, l := range layers {
		if l.ScaleDown < 1 || i > 0 && l.ScaleDown >= layers[i-1].ScaleDown {
			return nil, fmt.Errorf("send: %w: simulcast layers must shrink from last to first (scales %d then %d)",
				vpx.ErrInvalidConfig, layers[max(i-1, 0)].ScaleDown, l.ScaleDown)
		}
	}
	return newVideo(src, cfg, layers, sink, true)
}

func newVideo(src media.VideoSource, cfg VideoConfig, layers []Layer, sink LayerSink, simulcast bool) (*Video, error) {
	if cfg.MinKeyframeInterval <= 0 {
		cfg.MinKeyframeInterval = 500 * time.Millisecond
	}
	v := &Video{src: src, sink: sink, cfg: cfg, simulcast: simulcast, encodeMs: stats.NewWindow(4096)}
	for i, l := range layers {
		e := &encoding{scale: l.ScaleDown, encodeMs: stats.NewWindow(4096)}
		if i < len(layers)-1 && cfg.FPS > lowerLayerFPS {
			e.interval = time.Second / lowerLayerFPS
		}
		v.layers = append(v.layers, e)
	}
	v.bitrate.Store(int64(cfg.BitrateKbps))
	if err := v.resize(cfg.Width, cfg.Height); err != nil {
		v.close()
		return nil, err
	}
	v.keyframeNeeded.Store(true)
	return v, nil
}

// RequestKeyframe asks for a keyframe soon, in every layer. It never
// blocks: the SFU's PLI and FIR arrive on network goroutines.
func (v *Video) RequestKeyframe() {
	for _, l := range v.layers {
		l.keyframeWanted.Store(true)
	}
}

// RequestLayerKeyframe asks for a keyframe in one layer: the SFU sends a
// PLI to the stream (SSRC) of the layer a subscriber switches to.
func (v *Video) RequestLayerKeyframe(layer int) {
	if layer >= 0 && layer < len(v.layers) {
		v.layers[layer].keyframeWanted.Store(true)
	}
}

// SetMuted stops (or resumes) sending. A resumed stream starts with a
// keyframe so receivers need not ask for one.
func (v *Video) SetMuted(m bool) {
	if v.muted.Swap(m) && !m {
		v.keyframeNeeded.Store(true)
	}
}

// SetBitrate changes the budget of the whole track from the next frame
// on. With simulcast it is split between the layers; a budget too small
// for the larger layers pauses them.
func (v *Video) SetBitrate(kbps int) { v.bitrate.Store(int64(kbps)) }

// Run captures, encodes and sends until ctx ends or the source fails. It
// closes the encoders when it returns.
func (v *Video) Run(ctx context.Context) error {
	defer v.close()
	img := media.NewI420(v.cfg.Width, v.cfg.Height)
	srcW, srcH := v.cfg.Width, v.cfg.Height
	var first time.Time
	frameDur := time.Second / time.Duration(v.cfg.FPS)
	n := len(v.layers)
	wanted, kbps := make([]bool, n), make([]int, n)
	rates := make([]layerRates, n)
	appliedTotal, allocated := int64(-1), false
	for {
		captured, err := v.src.ReadFrame(ctx, img)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: video source: %w", err)
		}
		if v.muted.Load() {
			v.pauseAll()
			continue
		}
		if img.Width != srcW || img.Height != srcH {
			// The source changed format (or never had the one configured):
			// a VP8 stream changes size only at a keyframe, which resize
			// arranges.
			if err := v.resize(img.Width, img.Height); err != nil {
				return err
			}
			srcW, srcH, allocated = img.Width, img.Height, false
		}
		for i, l := range v.layers {
			w := l.enc != nil && v.sink.LayerEnabled(i)
			if w != wanted[i] {
				wanted[i], allocated = w, false
			}
			rates[i] = l.rates
		}
		if total := v.bitrate.Load(); !allocated || total != appliedTotal {
			v.split(int(total), rates, wanted, kbps)
			appliedTotal, allocated = total, true
		}
		// pts counts the capture clock in the encoder's 90 kHz time base,
		// from which libvpx's rate control learns the real frame rate.
		if first.IsZero() {
			first = captured
		}
		pts := int64(captured.Sub(first)) * vpx.TimeBase / int64(time.Second)
		restart := v.keyframeNeeded.Swap(false)
		start := time.Now()
		sent, key, err := v.encodeAll(img, captured, pts, restart, kbps, frameDur)
		if err != nil {
			return err
		}
		if sent {
			v.encodeMs.Add(float64(time.Since(start).Microseconds()) / 1000)
			v.frames.Add(1)
		}
		if key {
			v.keyframes.Add(1)
		}
	}
}

// split turns the track's budget into each layer's bitrate (0: paused).
// A single stream takes the budget whole, within what the encoder
// accepts.
func (v *Video) split(total int, rates []layerRates, wanted []bool, kbps []int) {
	if !v.simulcast {
		kbps[0] = 0
		if wanted[0] {
			kbps[0] = min(max(total, vpx.MinBitrate), vpx.MaxBitrate)
		}
	} else {
		allocate(total, rates, wanted, kbps)
	}
	for i, l := range v.layers {
		l.target.Store(int32(kbps[i]))
	}
}

// encodeAll reduces the picture down the layers, from the largest, as far
// as the smallest layer that takes this picture, and encodes the layers
// that do (sent, and due: see due). It tells whether any layer produced
// a frame, and a keyframe.
func (v *Video) encodeAll(img *media.I420, captured time.Time, pts int64, restart bool, kbps []int, frameDur time.Duration) (sent, key bool, err error) {
	encodes := func(i int) bool { return kbps[i] > 0 && v.due(v.layers[i], captured, restart) }
	lowest := -1
	for i := range v.layers {
		if encodes(i) {
			lowest = i
			break
		}
	}
	pic := img
	for i := len(v.layers) - 1; i >= 0 && lowest >= 0 && i >= lowest; i-- {
		l := v.layers[i]
		if l.enc == nil {
			break // too small to encode, as is every layer below it
		}
		if l.img != nil {
			media.Downscale(l.img, pic)
			pic = l.img
		}
		if !encodes(i) {
			continue
		}
		s, k, err := v.encodeLayer(i, l, pic, captured, pts, restart, kbps[i], frameDur)
		if err != nil {
			return false, false, err
		}
		sent, key = sent || s, key || k
	}
	for i, l := range v.layers {
		if kbps[i] == 0 {
			l.pause()
		}
	}
	return sent, key, nil
}

// due tells whether a layer encodes the picture captured at captured:
// always, unless its frame rate is capped (encoding.interval) and its
// next picture is not due yet. A layer (re)starting or owing a keyframe
// encodes at once rather than on its schedule.
func (v *Video) due(l *encoding, captured time.Time, restart bool) bool {
	if l.interval == 0 || restart || !l.sending || l.nextDue.IsZero() || v.keyframeOwed(l, captured) {
		return true
	}
	// A tenth of the interval early still counts: camera timestamps
	// jitter by a few milliseconds.
	return !captured.Before(l.nextDue.Add(-l.interval / 10))
}

// keyframeOwed tells whether the picture captured at captured answers
// the SFU's pending keyframe request: one is pending and the layer's
// last keyframe is MinKeyframeInterval old.
func (v *Video) keyframeOwed(l *encoding, captured time.Time) bool {
	return l.keyframeWanted.Load() && captured.Sub(l.lastKey) >= v.cfg.MinKeyframeInterval
}

// scheduled sets a capped layer's next due time after it encoded the
// picture captured at captured: one interval after the previous due time,
// so a 30 fps camera gives two pictures of every three, or one interval
// after this picture when the layer starts or fell behind.
func (l *encoding) scheduled(captured time.Time) {
	if l.interval == 0 {
		return
	}
	next := l.nextDue.Add(l.interval)
	if l.nextDue.IsZero() || next.Before(captured) {
		next = captured.Add(l.interval)
	}
	l.nextDue = next
}

func (v *Video) encodeLayer(i int, l *encoding, pic *media.I420, captured time.Time, pts int64, restart bool, kbps int, frameDur time.Duration) (sent, key bool, err error) {
	if kbps != l.applied {
		if err := l.enc.SetBitrate(kbps); err == nil {
			l.applied = kbps
		}
	}
	// A layer starting, or starting again after a pause, begins with a
	// keyframe: receivers switched to it have nothing to predict from.
	// A request sooner than MinKeyframeInterval after a keyframe waits
	// until then, pending: it may come from a subscriber the SFU began
	// forwarding this layer to after that keyframe, who has nothing to
	// decode until the next one, and the SFU does not repeat it sooner
	// than its own PLI throttle (livekit-server: 0.5 s for the lowest
	// layer, 1 s above).
	force := restart || !l.sending || v.keyframeOwed(l, captured)
	pts = max(l.lastPTS+1, pts)
	l.lastPTS = pts
	start := time.Now()
	frame, key, err := l.enc.Encode(pic, pts, force, l.out[:0])
	if err != nil {
		return false, false, fmt.Errorf("send: encode %d×%d: %w", pic.Width, pic.Height, err)
	}
	took := time.Since(start)
	l.encodeMs.Add(float64(took.Microseconds()) / 1000)
	l.encodeNs.Add(int64(took))
	l.scheduled(captured)
	l.sending = true
	l.active.Store(true)
	if len(frame) == 0 {
		return false, false, nil // rate control dropped the frame
	}
	l.out = frame
	if key {
		// Any keyframe answers the requests so far, those it was not
		// forced for included.
		l.keyframeWanted.Store(false)
		l.lastKey = captured
		l.keyframes.Add(1)
	}
	l.frames.Add(1)
	l.bytes.Add(uint64(len(frame)))
	v.bytes.Add(uint64(len(frame)))
	d := frameDur
	if l.interval > 0 {
		d = l.interval
	}
	if v.simulcast && !l.lastSent.IsZero() && captured.After(l.lastSent) {
		// A layer's stream counts the time since its previous frame, so
		// its RTP clock follows the capture clock across frames rate
		// control dropped and pauses, and the SFU can align the layers
		// when it switches a subscriber between them.
		d = captured.Sub(l.lastSent)
	}
	l.lastSent = captured
	if err := v.sink.WriteLayer(i, frame, captured, d); err != nil && !errors.Is(err, context.Canceled) {
		return true, key, fmt.Errorf("send: write video: %w", err)
	}
	return true, key, nil
}

func (l *encoding) pause() {
	l.sending = false
	l.active.Store(false)
}

func (v *Video) pauseAll() {
	for _, l := range v.layers {
		l.pause()
	}
}

// resize (re)creates the encoders whose layer changes size with a source
// of width×height. A layer too small to encode (a tiny source's quarter)
// is left without an encoder and never sent.
func (v *Video) resize(width, height int) error {
	for _, l := range v.layers {
		w, h := scaledSize(width, height, l.scale)
		if l.enc != nil && int(l.width.Load()) == w && int(l.height.Load()) == h {
			continue
		}
		if l.enc != nil {
			l.enc.Close()
			l.enc = nil
		}
		l.width.Store(int32(w))
		l.height.Store(int32(h))
		l.sending = false
		if w == 0 {
			if !v.simulcast {
				return fmt.Errorf("send: video encoder %d×%d: %w", width, height, vpx.ErrInvalidConfig)
			}
			continue
		}
		l.rates = ratesFor(w, h)
		kbps := int(v.bitrate.Load())
		if v.simulcast {
			kbps = l.rates.target
		}
		fps := v.cfg.FPS
		if l.interval > 0 {
			fps = int(time.Second / l.interval)
		}
		enc, err := vpx.NewEncoder(vpx.EncoderConfig{Codec: vpx.VP8, Width: w, Height: h,
			FPS: fps, BitrateKbps: min(max(kbps, vpx.MinBitrate), vpx.MaxBitrate)})
		if err != nil {
			return fmt.Errorf("send: video encoder %d×%d: %w", w, h, err)
		}
		l.enc, l.applied = enc, enc.Config().BitrateKbps
		if l.scale > 1 {
			if l.img == nil {
				l.img = media.NewI420(w, h)
			} else {
				l.img.Resize(w, h)
			}
		}
	}
	return nil
}

func (v *Video) close() {
	v.closeOnce.Do(func() {
		for _, l := range v.layers {
			if l.enc != nil {
				l.enc.Close()
			}
		}
	})
}

// Stats reports what was sent so far.
func (v *Video) Stats() VideoStats {
	p := v.encodeMs.Percentiles(50, 95)
	st := VideoStats{Codec: "vp8", FramesEncoded: v.frames.Load(), Keyframes: v.keyframes.Load(),
		Bytes: v.bytes.Load(), EncodeMsP50: p[0], EncodeMsP95: p[1]}
	var largest LayerStats // the largest layer sent, else the largest encodable
	for _, l := range v.layers {
		ls := LayerStats{Width: int(l.width.Load()), Height: int(l.height.Load()), Sending: l.active.Load(),
			TargetKbps: int(l.target.Load()), FramesEncoded: l.frames.Load(), Keyframes: l.keyframes.Load(),
			Bytes: l.bytes.Load(), EncodeMsP50: l.encodeMs.Percentiles(50)[0]}
		st.Layers = append(st.Layers, ls)
		if ls.Width > 0 && (ls.Sending || !largest.Sending) {
			largest = ls
		}
	}
	st.Width, st.Height = largest.Width, largest.Height
	if !v.simulcast {
		st.Layers = nil
	}
	return st
}

// frameSink adapts a single stream's sink.
type frameSink FrameSink

func (s frameSink) WriteLayer(_ int, frame []byte, _ time.Time, d time.Duration) error {
	return s(frame, d, 0)
}

func (frameSink) LayerEnabled(int) bool { return true }
