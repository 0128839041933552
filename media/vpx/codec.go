package vpx

// Codec selects the VPx bitstream.
type Codec int

const (
	// VP8 is the codec the engine sends: every WebRTC endpoint decodes it
	// and its encoder is cheap enough for 720p on two cores.
	VP8 Codec = iota
	// VP9 is supported for decoding remote streams and for tests and
	// benchmarks that need VP9 input.
	VP9
)

// String returns the lower-case codec name used in SDP ("vp8", "vp9").
func (c Codec) String() string {
	switch c {
	case VP8:
		return "vp8"
	case VP9:
		return "vp9"
	default:
		return "unknown"
	}
}

func (c Codec) valid() bool { return c == VP8 || c == VP9 }

// isVP9 is the 0/1 flag the C helpers take.
func (c Codec) isVP9() int {
	if c == VP9 {
		return 1
	}
	return 0
}
