package opus

import (
	"fmt"

	hopus "github.com/hraban/opus"
)

// Bitrate limits libopus accepts, in bits per second.
const (
	MinBitrate = 6000
	MaxBitrate = 510000
)

// DefaultPacketLoss is the expected packet loss, in percent, an encoder
// starts with until SetPacketLoss reports the real figure (from RTCP
// receiver reports). libopus only spends bits on in-band FEC when the
// expected loss is above zero, and only the SILK and hybrid modes carry FEC
// at all. Which mode is used depends on the loss too: measured with libopus
// 1.3.1 at 24-64 kbps, a loss of 9% or more put every frame in SILK or
// hybrid mode, while at 0-5% a synthetic vowel was classified as music and
// 75% of its frames went out as CELT, without FEC. (libopus forces SILK
// when FEC is on and the loss exceeds (128 - voice estimate)/16 percent,
// which is 8 for input it is sure is music.) 10% is the first round figure
// above that threshold; it costs a few kbps of FEC.
const DefaultPacketLoss = 10

// defaultComplexity is the encoder's computational complexity (0-10),
// chosen with TestComplexitySweep (sweep_test.go) on the 2-core reference
// machine, libopus 1.3.1, mono synthetic vowel, FEC on at 10% loss. Encode
// time per 20 ms frame at 16 / 32 kbps, and delay-aligned waveform SNR at
// 32 kbps:
//
//	complexity  0:  90 / 105 µs, 10.2 dB
//	complexity  5: 212 / 206 µs, 11.6 dB
//	complexity  7: 287 / 341 µs, 12.7 dB
//	complexity  8: 381 / 390 µs, 12.7 dB
//	complexity 10: 377 / 418 µs, 12.7 dB
//
// Below 7 libopus skips its signal analysis and fidelity drops. From 7 up
// the waveform SNR is flat, but it cannot see what 8-10 add (SILK's full
// pitch search and more delayed-decision quantizer states, which are
// perceptual gains). Even at 10 a frame costs about 0.4 ms, 2% of one core
// and a twenty-fifth of one 720p VP8 frame, so the engine takes the best
// quality: 10, which is also libopus's own default.
const defaultComplexity = 10

// Encoder compresses 20 ms PCM frames for a voice call.
type Encoder struct {
	enc      *hopus.Encoder
	channels int
}

// NewEncoder creates a mono encoder with the given target bitrate in bits
// per second. It is tuned for speech (application VoIP), with in-band FEC on
// and DefaultPacketLoss expected loss.
func NewEncoder(bitrateBps int) (*Encoder, error) {
	return NewEncoderChannels(1, bitrateBps)
}

// NewEncoderChannels is NewEncoder for 1 (mono) or 2 (stereo) channels.
func NewEncoderChannels(channels, bitrateBps int) (*Encoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: %d channels", ErrInvalidConfig, channels)
	}
	if err := validateBitrate(bitrateBps); err != nil {
		return nil, err
	}
	// VoIP favours intelligibility: it enables SILK's speech tools and a
	// high-pass filter that removes the rumble microphones pick up.
	enc, err := hopus.NewEncoder(SampleRate, channels, hopus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCodec, err)
	}
	e := &Encoder{enc: enc, channels: channels}
	steps := []struct {
		name string
		set  func() error
	}{
		{"bitrate", func() error { return enc.SetBitrate(bitrateBps) }},
		{"complexity", func() error { return enc.SetComplexity(defaultComplexity) }},
		{"in-band FEC", func() error { return enc.SetInBandFEC(true) }},
		{"packet loss", func() error { return enc.SetPacketLossPerc(DefaultPacketLoss) }},
	}
	for _, s := range steps {
		if err := s.set(); err != nil {
			return nil, fmt.Errorf("%w: set %s: %w", ErrCodec, s.name, err)
		}
	}
	return e, nil
}

func validateBitrate(bps int) error {
	if bps < MinBitrate || bps > MaxBitrate {
		return fmt.Errorf("%w: bitrate %d bps outside %d..%d", ErrInvalidConfig, bps, MinBitrate, MaxBitrate)
	}
	return nil
}

// Encode compresses one 20 ms frame: pcm must hold exactly FrameSamples
// samples per channel, interleaved (ErrFrameSize otherwise). The packet is
// written to dst's memory and returned as dst[:n]; if cap(dst) is below
// MaxPacketBytes a new buffer is allocated, so reuse one of that size.
func (e *Encoder) Encode(pcm []int16, dst []byte) ([]byte, error) {
	if len(pcm) != FrameSamples*e.channels {
		return nil, fmt.Errorf("%w: got %d samples, want %d", ErrFrameSize, len(pcm), FrameSamples*e.channels)
	}
	if cap(dst) < MaxPacketBytes {
		dst = make([]byte, MaxPacketBytes)
	}
	n, err := e.enc.Encode(pcm, dst[:cap(dst)])
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %w", ErrCodec, err)
	}
	return dst[:n], nil
}

// SetBitrate changes the target bitrate, in bits per second, from the next
// frame on.
func (e *Encoder) SetBitrate(bps int) error {
	if err := validateBitrate(bps); err != nil {
		return err
	}
	if err := e.enc.SetBitrate(bps); err != nil {
		return fmt.Errorf("%w: set bitrate: %w", ErrCodec, err)
	}
	return nil
}

// SetPacketLoss tells the encoder the packet loss, in percent (0-100),
// receivers currently observe, so it can size its FEC accordingly. 0 turns
// FEC off. Below about 9%, input libopus classifies as music is sent in
// CELT mode, which has no FEC (see DefaultPacketLoss); callers that want
// FEC whatever the input should not report less than that.
func (e *Encoder) SetPacketLoss(percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("%w: packet loss %d%% outside 0..100", ErrInvalidConfig, percent)
	}
	if err := e.enc.SetPacketLossPerc(percent); err != nil {
		return fmt.Errorf("%w: set packet loss: %w", ErrCodec, err)
	}
	return nil
}

// SetDTX turns discontinuous transmission on or off. With it on, libopus
// codes silence as packets of one or two bytes (and a comfort-noise
// update now and then) instead of full frames; the decoder turns them
// into comfort noise.
func (e *Encoder) SetDTX(on bool) error {
	if err := e.enc.SetDTX(on); err != nil {
		return fmt.Errorf("%w: set DTX: %w", ErrCodec, err)
	}
	return nil
}
