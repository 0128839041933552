package send

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"causerie/media"
	"causerie/media/opus"
)

// AudioStats are read by the UI and the statistics report.
type AudioStats struct {
	Codec       string
	PacketsSent uint64
	Bytes       uint64
}

// Audio encodes a 48 kHz mono source in Opus, 20 ms a packet.
type Audio struct {
	src  media.AudioSource
	sink FrameSink
	enc  *opus.Encoder

	muted          atomic.Bool
	packets, bytes atomic.Uint64
}

// NewAudio prepares a sender at bitrateBps; Run starts it.
func NewAudio(src media.AudioSource, bitrateBps int, sink FrameSink) (*Audio, error) {
	enc, err := opus.NewEncoder(bitrateBps)
	if err != nil {
		return nil, fmt.Errorf("send: audio encoder: %w", err)
	}
	return &Audio{src: src, sink: sink, enc: enc}, nil
}

// SetMuted stops (or resumes) sending. The source keeps running, so the
// device stays open and unmuting is instant.
func (a *Audio) SetMuted(m bool) { a.muted.Store(m) }

// Muted reports whether sending is stopped.
func (a *Audio) Muted() bool { return a.muted.Load() }

// Run captures, encodes and sends until ctx ends or the source fails.
func (a *Audio) Run(ctx context.Context) error {
	pcm := make([]int16, opus.FrameSamples)
	out := make([]byte, 0, 1500)
	const frameDur = 20 * time.Millisecond
	for {
		if _, err := a.src.ReadFrame(ctx, pcm); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: audio source: %w", err)
		}
		if a.muted.Load() {
			continue
		}
		pkt, err := a.enc.Encode(pcm, out[:0])
		if err != nil {
			return fmt.Errorf("send: opus: %w", err)
		}
		a.packets.Add(1)
		a.bytes.Add(uint64(len(pkt)))
		if err := a.sink(pkt, frameDur, Level(pcm)); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("send: write audio: %w", err)
		}
	}
}

// Stats reports what was sent so far.
func (a *Audio) Stats() AudioStats {
	return AudioStats{Codec: "opus", PacketsSent: a.packets.Load(), Bytes: a.bytes.Load()}
}

// Level is the RMS level of pcm in -dBov as RFC 6464 carries it: 0 is a
// full-scale square wave, 127 is silence (or anything quieter).
func Level(pcm []int16) uint8 {
	var sum float64
	for _, s := range pcm {
		f := float64(s) / 32768
		sum += f * f
	}
	if sum == 0 {
		return 127
	}
	db := -10 * math.Log10(sum/float64(len(pcm)))
	return uint8(min(127, max(0, math.Round(db))))
}
