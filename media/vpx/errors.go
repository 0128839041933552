package vpx

import "errors"

var (
	// ErrInvalidConfig reports an EncoderConfig (or a SetBitrate value, or
	// a Codec) that the package refuses before handing it to libvpx.
	ErrInvalidConfig = errors.New("vpx: invalid configuration")

	// ErrBadPicture reports a picture that does not match the encoder's
	// configured size or whose planes are too short for its strides. It
	// is checked in Go because libvpx would otherwise read out of bounds.
	ErrBadPicture = errors.New("vpx: picture does not match encoder")

	// ErrTimestamp reports a pts that does not increase. libvpx derives the
	// frame rate, and therefore the per-frame bit budget, from timestamp
	// deltas, so a repeated or backwards pts would corrupt rate control.
	ErrTimestamp = errors.New("vpx: timestamp does not increase")

	// ErrCorruptFrame reports compressed input the decoder cannot use:
	// empty, truncated, garbage, the wrong codec, or a frame predicted
	// from a damaged reference. The decoder stays usable; it recovers at
	// the next keyframe, so the caller should request one (PLI).
	ErrCorruptFrame = errors.New("vpx: corrupt frame")

	// ErrCodec reports any other failure inside libvpx (out of memory,
	// internal error). The message carries libvpx's own description.
	ErrCodec = errors.New("vpx: codec error")

	// ErrClosed reports a call on an Encoder or Decoder after Close.
	ErrClosed = errors.New("vpx: use after close")
)
