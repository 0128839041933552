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
	// SilentFrames counts the 20 ms frames not sent: DTX (see SetDTX).
	SilentFrames uint64
	// BitrateBps is the Opus target bitrate asked for, and
	// ExpectedLossPct the loss the encoder sizes its FEC for.
	BitrateBps      int
	ExpectedLossPct int
}

// Audio encodes a 48 kHz mono source in Opus, 20 ms a packet.
type Audio struct {
	src  media.AudioSource
	sink FrameSink
	enc  *opus.Encoder

	muted          atomic.Bool
	packets, bytes atomic.Uint64

	// Set by SetNetwork from any goroutine, applied by Run between frames
	// (the encoder is Run's alone).
	bitrate  atomic.Int64 // bit/s asked for
	lossPerm atomic.Int64 // measured loss in per mille; -1 until known
	applied  struct {
		bitrate, lossPct int
	}
	lossShown atomic.Int32 // applied.lossPct, for Stats
	dtx       atomic.Bool  // asked for by SetDTX
	dtxOn     bool         // applied, Run's
	inDTX     bool         // the last frame encoded was a DTX frame, Run's
	silent    atomic.Uint64
}

// NewAudio prepares a sender at bitrateBps; Run starts it.
func NewAudio(src media.AudioSource, bitrateBps int, sink FrameSink) (*Audio, error) {
	enc, err := opus.NewEncoder(bitrateBps)
	if err != nil {
		return nil, fmt.Errorf("send: audio encoder: %w", err)
	}
	a := &Audio{src: src, sink: sink, enc: enc}
	a.bitrate.Store(int64(bitrateBps))
	a.lossPerm.Store(-1)
	a.dtx.Store(true)
	a.applied.bitrate, a.applied.lossPct = bitrateBps, opus.DefaultPacketLoss
	a.lossShown.Store(opus.DefaultPacketLoss)
	return a, nil
}

// Opus bitrates the network adaptation chooses between, in bit/s: 24 kbps
// is where wideband speech in Opus stays clear, 64 kbps where it is
// transparent and more buys nothing a listener hears.
const (
	MinAudioBitrate = 24000
	MaxAudioBitrate = 64000
)

// AudioBitrateFor picks the Opus bitrate for a send-side bandwidth
// estimate in bit/s: the floor up to 300 kbps (there, every kilobit the
// audio does not take keeps video alive), the ceiling from 1 Mbps, and a
// straight line between.
func AudioBitrateFor(estimateBps int) int {
	const low, high = 300_000, 1_000_000
	switch {
	case estimateBps <= low:
		return MinAudioBitrate
	case estimateBps >= high:
		return MaxAudioBitrate
	}
	return MinAudioBitrate + (MaxAudioBitrate-MinAudioBitrate)*(estimateBps-low)/(high-low)
}

// SetNetwork tells the sender what the network allows: the Opus bitrate
// in bit/s (clamped to MinAudioBitrate..MaxAudioBitrate; 0 keeps the
// current one) and the fraction, 0 to 1, of our audio packets the SFU
// reports lost (negative when unknown). It never blocks; Run applies it
// before the next frame.
func (a *Audio) SetNetwork(bitrateBps int, loss float64) {
	if bitrateBps > 0 {
		a.bitrate.Store(int64(min(MaxAudioBitrate, max(MinAudioBitrate, bitrateBps))))
	}
	if loss >= 0 {
		a.lossPerm.Store(int64(math.Round(min(1, loss) * 1000)))
	}
}

// lossPercent is the expected loss to give the encoder for a measured loss
// in per mille, with the one applied now. Up to 1% FEC is not worth its
// bits (0 turns it off); above, libopus is told at least
// opus.DefaultPacketLoss, the lowest figure at which it codes every frame
// in a mode that carries FEC, or the measured loss when higher. Between
// 0.5% and 1% the previous choice stays, so a loss that hovers around 1%
// does not switch FEC on and off at every report.
func lossPercent(perMille int64, current int) int {
	switch {
	case perMille < 0:
		return current
	case perMille > 10:
		return max(opus.DefaultPacketLoss, int((perMille+9)/10))
	case perMille >= 5 && current > 0:
		return current
	}
	return 0
}

// SetDTX turns discontinuous transmission on (the default) or off from
// the next frame. With it on, libopus codes silence (and steady
// background noise) as DTX frames of a byte or two, with a frame that
// updates the comfort noise about every 400 ms; Run sends the first DTX
// frame of each silence and none of the others, as libwebrtc does. The
// first tells receivers the silence started, so that a gap after it is
// silence to them rather than late packets (media/receive); the others
// carry nothing the decoder would not make up alone, since it treats a
// packet of a byte or two as a lost one. Skipped frames still reach the
// sink, empty: the RTP timestamp moves on over them while sequence
// numbers stay contiguous, so receivers see time pass without a loss
// (see FrameSink).
//
// Silence then costs under 5 packets a second (TestAudioDTXOnOff: 4.8
// and 53 bytes of payload a second, for 50 and 1050 without DTX); the
// synthetic microphone (a 100 ms burst a second over -70 dBFS noise)
// sends 26 to 33 a second instead of 50, the burst and libopus's
// hangover of 300 to 500 ms after it.
func (a *Audio) SetDTX(on bool) { a.dtx.Store(on) }

// adapt applies what SetNetwork and SetDTX asked for. Run calls it
// between frames.
func (a *Audio) adapt() {
	if on := a.dtx.Load(); on != a.dtxOn {
		if a.enc.SetDTX(on) == nil {
			a.dtxOn = on
		}
	}
	if b := int(a.bitrate.Load()); b != a.applied.bitrate {
		if a.enc.SetBitrate(b) == nil {
			a.applied.bitrate = b
		}
	}
	if l := lossPercent(a.lossPerm.Load(), a.applied.lossPct); l != a.applied.lossPct {
		if a.enc.SetPacketLoss(l) == nil {
			a.applied.lossPct = l
			a.lossShown.Store(int32(l))
		}
	}
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
			a.inDTX = false // the first DTX frame after unmuting goes out
			// Nothing is sent, but the RTP clock keeps time, as over a
			// DTX gap: without it the first packet after unmuting
			// carries the timestamp of the moment the user muted, and
			// every receiver takes it for a packet delayed by the whole
			// mute, raising its playout delay to the maximum.
			if err := a.sink(out[:0], frameDur, 127); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("send: write audio: %w", err)
			}
			continue
		}
		a.adapt()
		pkt, err := a.enc.Encode(pcm, out[:0])
		if err != nil {
			return fmt.Errorf("send: opus: %w", err)
		}
		dtx := len(pkt) <= MaxDTXBytes
		if dtx && a.inDTX {
			pkt = pkt[:0] // see SetDTX
			a.silent.Add(1)
		} else {
			a.packets.Add(1)
			a.bytes.Add(uint64(len(pkt)))
		}
		a.inDTX = dtx
		if err := a.sink(pkt, frameDur, Level(pcm)); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("send: write audio: %w", err)
		}
	}
}

// MaxDTXBytes is the size of the largest packet libopus codes in DTX:
// its table of contents byte and at most one more (libopus's
// documentation of opus_encode, libwebrtc's IsDtxPacket).
const MaxDTXBytes = 2

// Stats reports what was sent so far.
func (a *Audio) Stats() AudioStats {
	return AudioStats{Codec: "opus", PacketsSent: a.packets.Load(), Bytes: a.bytes.Load(), SilentFrames: a.silent.Load(),
		BitrateBps: int(a.bitrate.Load()), ExpectedLossPct: int(a.lossShown.Load())}
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
