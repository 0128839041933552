package opus

import (
	"fmt"

	hopus "github.com/hraban/opus"
)

// Decoder decompresses Opus packets to 48 kHz PCM.
type Decoder struct {
	dec      *hopus.Decoder
	channels int
}

// NewDecoder creates a mono decoder. Any Opus packet decodes to mono,
// whatever the sender encoded.
func NewDecoder() (*Decoder, error) {
	return NewDecoderChannels(1)
}

// NewDecoderChannels is NewDecoder for 1 (mono) or 2 (stereo, interleaved
// output) channels.
func NewDecoderChannels(channels int) (*Decoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: %d channels", ErrInvalidConfig, channels)
	}
	dec, err := hopus.NewDecoder(SampleRate, channels)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCodec, err)
	}
	return &Decoder{dec: dec, channels: channels}, nil
}

// Decode decodes one packet into pcm and returns the number of samples per
// channel written. pcm must have room for the packet's whole duration:
// FrameSamples per channel for the engine's own 20 ms packets, up to
// MaxFrameSamples for arbitrary senders (ErrFrameSize otherwise). Empty or
// malformed packets return an error wrapping ErrCorruptPacket.
func (d *Decoder) Decode(pkt []byte, pcm []int16) (int, error) {
	if len(pkt) == 0 {
		return 0, fmt.Errorf("%w: empty packet", ErrCorruptPacket)
	}
	if len(pcm) == 0 || len(pcm)%d.channels != 0 {
		return 0, fmt.Errorf("%w: pcm buffer of %d samples", ErrFrameSize, len(pcm))
	}
	// hraban/opus decodes into cap(pcm); clip it so libopus never writes
	// past what the caller considers the buffer.
	n, err := d.dec.Decode(pkt, pcm[:len(pcm):len(pcm)])
	if err != nil {
		return 0, decodeErr(err)
	}
	return n, nil
}

// DecodeFEC reconstructs the frame lost just before next, using the
// low-bitrate copy of it that the sender's in-band FEC embedded in next.
// pcm must be exactly as long as the lost frame (FrameSamples per channel
// for the engine's own streams). If next carries no FEC data, libopus
// falls back to concealment, so the result is always usable. Afterwards,
// decode next itself with Decode as usual.
func (d *Decoder) DecodeFEC(next []byte, pcm []int16) error {
	if len(next) == 0 {
		return fmt.Errorf("%w: empty packet", ErrCorruptPacket)
	}
	if err := d.checkConceal(pcm); err != nil {
		return err
	}
	if err := d.dec.DecodeFEC(next, pcm[:len(pcm):len(pcm)]); err != nil {
		return decodeErr(err)
	}
	return nil
}

// Conceal synthesises len(pcm) samples (all channels) to stand in for a lost
// frame, extrapolating from the audio decoded so far. Use it when the next
// packet has not arrived in time for DecodeFEC. len(pcm) must be a positive
// multiple of 2.5 ms (120 samples per channel).
func (d *Decoder) Conceal(pcm []int16) error {
	if err := d.checkConceal(pcm); err != nil {
		return err
	}
	if err := d.dec.DecodePLC(pcm[:len(pcm):len(pcm)]); err != nil {
		return decodeErr(err)
	}
	return nil
}

func (d *Decoder) checkConceal(pcm []int16) error {
	perChannel := len(pcm) / d.channels
	if len(pcm) == 0 || len(pcm)%d.channels != 0 || perChannel%concealQuantum != 0 || perChannel > MaxFrameSamples {
		return fmt.Errorf("%w: %d samples is not a multiple of 2.5 ms up to 120 ms", ErrFrameSize, len(pcm))
	}
	return nil
}
