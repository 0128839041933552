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
// frame's level in -dBov (0 loudest, 127 silence). It must not keep frame.
type FrameSink func(frame []byte, d time.Duration, level uint8) error

// VideoConfig describes the encoded stream.
type VideoConfig struct {
	Width, Height, FPS int
	BitrateKbps        int
	// MinKeyframeInterval spaces keyframes the SFU asks for: a burst of
	// PLIs (several subscribers joining, a lossy link) yields one
	// keyframe, not a burst of them. Requests within it after a keyframe
	// are dropped. Default 500 ms: longer than the 300 ms after which our
	// own receive path repeats a request, so a lost keyframe is sent again
	// at a later repeat.
	MinKeyframeInterval time.Duration
}

// VideoStats are read by the UI and the statistics report.
type VideoStats struct {
	Codec         string
	FramesEncoded uint64
	Keyframes     uint64
	Bytes         uint64
	Width, Height int
	EncodeMsP50   float64
	EncodeMsP95   float64
}

// Video encodes a video source in VP8 and hands frames to a sink.
type Video struct {
	src  media.VideoSource
	sink FrameSink
	cfg  VideoConfig
	enc  *vpx.Encoder

	keyframeWanted atomic.Bool // asked by the SFU, rate-limited
	keyframeNeeded atomic.Bool // the stream (re)starts: never rate-limited
	muted          atomic.Bool
	bitrate        atomic.Int64 // kbps asked for, applied between frames
	width, height  atomic.Int32 // of the encoder, which follows the source

	frames, keyframes, bytes atomic.Uint64
	encodeMs                 *stats.Window
	closeOnce                sync.Once
}

// NewVideo prepares a sender; Run starts it.
func NewVideo(src media.VideoSource, cfg VideoConfig, sink FrameSink) (*Video, error) {
	if cfg.MinKeyframeInterval <= 0 {
		cfg.MinKeyframeInterval = 500 * time.Millisecond
	}
	v := &Video{src: src, sink: sink, cfg: cfg, encodeMs: stats.NewWindow(4096)}
	if err := v.openEncoder(cfg.Width, cfg.Height, cfg.BitrateKbps); err != nil {
		return nil, err
	}
	v.bitrate.Store(int64(cfg.BitrateKbps))
	v.keyframeNeeded.Store(true)
	return v, nil
}

// RequestKeyframe asks for a keyframe soon. It never blocks: the SFU's
// PLI and FIR arrive on network goroutines.
func (v *Video) RequestKeyframe() { v.keyframeWanted.Store(true) }

// SetMuted stops (or resumes) sending. A resumed stream starts with a
// keyframe so receivers need not ask for one.
func (v *Video) SetMuted(m bool) {
	if v.muted.Swap(m) && !m {
		v.keyframeNeeded.Store(true)
	}
}

// SetBitrate changes the target bitrate from the next frame on.
func (v *Video) SetBitrate(kbps int) { v.bitrate.Store(int64(kbps)) }

// Run captures, encodes and sends until ctx ends or the source fails. It
// closes the encoder when it returns.
func (v *Video) Run(ctx context.Context) error {
	defer v.close()
	img := media.NewI420(v.cfg.Width, v.cfg.Height)
	var out []byte
	var lastKeyframe, first time.Time
	lastPTS := int64(-1)
	appliedKbps := int64(v.cfg.BitrateKbps)
	frameDur := time.Second / time.Duration(v.cfg.FPS)
	for {
		captured, err := v.src.ReadFrame(ctx, img)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: video source: %w", err)
		}
		if v.muted.Load() {
			continue
		}
		if img.Width != int(v.width.Load()) || img.Height != int(v.height.Load()) {
			// The source changed format (or never had the one configured):
			// a VP8 stream changes size only at a keyframe.
			if err := v.openEncoder(img.Width, img.Height, int(appliedKbps)); err != nil {
				return err
			}
			v.keyframeNeeded.Store(true)
		}
		if kbps := v.bitrate.Load(); kbps != appliedKbps {
			if err := v.enc.SetBitrate(int(kbps)); err == nil {
				appliedKbps = kbps
			}
		}
		force := v.keyframeNeeded.Swap(false)
		if v.keyframeWanted.Swap(false) && captured.Sub(lastKeyframe) >= v.cfg.MinKeyframeInterval {
			// A request sooner than that after a keyframe comes from the
			// same loss (or the same joining subscriber) that keyframe
			// answers; if it did not, the receiver asks again.
			force = true
		}
		// pts counts the capture clock in the encoder's 90 kHz time base,
		// from which libvpx's rate control learns the real frame rate.
		if first.IsZero() {
			first = captured
		}
		pts := max(lastPTS+1, int64(captured.Sub(first))*vpx.TimeBase/int64(time.Second))
		lastPTS = pts
		start := time.Now()
		frame, key, err := v.enc.Encode(img, pts, force, out[:0])
		if err != nil {
			return fmt.Errorf("send: encode: %w", err)
		}
		v.encodeMs.Add(float64(time.Since(start).Microseconds()) / 1000)
		if len(frame) == 0 {
			continue // rate control dropped the frame
		}
		out = frame
		if key {
			lastKeyframe = captured
			v.keyframes.Add(1)
		}
		v.frames.Add(1)
		v.bytes.Add(uint64(len(frame)))
		if err := v.sink(frame, frameDur, 0); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("send: write video: %w", err)
		}
	}
}

// openEncoder (re)creates the encoder for pictures of width×height.
func (v *Video) openEncoder(width, height, kbps int) error {
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Codec: vpx.VP8, Width: width, Height: height,
		FPS: v.cfg.FPS, BitrateKbps: kbps})
	if err != nil {
		return fmt.Errorf("send: video encoder %d×%d: %w", width, height, err)
	}
	if v.enc != nil {
		v.enc.Close()
	}
	v.enc = enc
	v.width.Store(int32(width))
	v.height.Store(int32(height))
	return nil
}

func (v *Video) close() { v.closeOnce.Do(v.enc.Close) }

// Stats reports what was sent so far.
func (v *Video) Stats() VideoStats {
	p := v.encodeMs.Percentiles(50, 95)
	return VideoStats{Codec: "vp8", FramesEncoded: v.frames.Load(), Keyframes: v.keyframes.Load(),
		Bytes: v.bytes.Load(), Width: int(v.width.Load()), Height: int(v.height.Load()), EncodeMsP50: p[0], EncodeMsP95: p[1]}
}
