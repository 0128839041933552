package opus

import (
	"errors"
	"fmt"

	hopus "github.com/hraban/opus"
)

var (
	// ErrFrameSize reports a PCM buffer of the wrong length: Encode needs
	// exactly one 20 ms frame; decoding needs room for the whole packet
	// and, for FEC and concealment, a multiple of 2.5 ms.
	ErrFrameSize = errors.New("opus: wrong frame size")

	// ErrCorruptPacket reports a packet libopus cannot parse (or an empty
	// one; a lost packet is signalled with Conceal or DecodeFEC instead).
	// The decoder stays usable.
	ErrCorruptPacket = errors.New("opus: corrupt packet")

	// ErrInvalidConfig reports a bitrate, packet-loss percentage or
	// channel count outside what libopus accepts.
	ErrInvalidConfig = errors.New("opus: invalid configuration")

	// ErrCodec reports any other libopus failure.
	ErrCodec = errors.New("opus: codec error")
)

// decodeErr classifies a libopus error from a decode call. Anything that is
// not about the output buffer is blamed on the packet: the arguments are
// validated before the call, so the packet is the only unchecked input.
func decodeErr(err error) error {
	var oe hopus.Error
	if errors.As(err, &oe) && (oe == hopus.ErrBufferTooSmall || oe == hopus.ErrBadArg) {
		return fmt.Errorf("%w: %w", ErrFrameSize, err)
	}
	return fmt.Errorf("%w: %w", ErrCorruptPacket, err)
}
