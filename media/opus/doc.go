// Package opus wraps github.com/hraban/opus (libopus) in the fixed format
// Causerie's audio engine uses: 48 kHz, 20 ms frames, mono by default.
//
// 48 kHz is Opus's native rate and the rate WebRTC negotiates, so no
// resampling happens inside libopus. 20 ms is the frame size every WebRTC
// endpoint sends by default: shorter frames cost header overhead and FEC
// efficiency, longer ones add latency. Mono is what a microphone gives a
// voice call; NewEncoderChannels and NewDecoderChannels take 2 for stereo,
// with PCM interleaved.
//
// Encoders and decoders are not safe for concurrent use. They hold only Go
// memory (libopus state is allocated by hraban/opus on the Go heap), so
// there is nothing to Close.
package opus

const (
	// SampleRate is the PCM sample rate, in Hz, of every encoder and decoder.
	SampleRate = 48000
	// FrameSamples is the number of samples per channel in one 20 ms frame.
	FrameSamples = 960
	// MaxPacketBytes is the largest packet Encode produces: RFC 6716 caps a
	// frame at 1275 bytes, plus the one-byte table-of-contents. A dst of
	// this capacity never needs to grow.
	MaxPacketBytes = 1276
	// MaxFrameSamples is the longest duration, per channel, one received
	// packet can decode to (120 ms). A pcm buffer of this size accepts any
	// packet a remote peer may send.
	MaxFrameSamples = 5760
)

// concealQuantum is the granularity libopus requires for FEC and PLC
// output: a multiple of 2.5 ms.
const concealQuantum = SampleRate / 400
