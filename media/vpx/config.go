package vpx

import "fmt"

// Limits enforced by NewEncoder. They are the engine's envelope, not
// libvpx's: nothing in a call needs more, and rejecting early gives a clear
// error instead of a late allocation failure inside the codec.
const (
	MaxDimension  = 4096   // pixels, either axis; decoders enforce it too
	MaxFPS        = 120    // frames per second
	MinBitrate    = 30     // kbps; a conferencing floor, not a codec limit
	MaxBitrate    = 100000 // kbps; also catches bits/s passed by mistake
	MaxThreads    = 16
	maxSpeedVP8   = 16 // VP8E_SET_CPUUSED range is -16..16
	maxSpeedVP9   = 9  // and -9..9 for VP9
	keyframeEvery = 10 // seconds between unrequested keyframes
)

// EncoderConfig describes the stream an Encoder produces.
//
// Speed is passed to libvpx as cpu-used. For VP8 a negative value fixes the
// speed level (-6 is the default, see defaults.go) while a positive one
// lets libvpx adapt the level to the measured encode time; for VP9 higher
// is faster. Threads is libvpx's g_threads.
type EncoderConfig struct {
	Codec         Codec // VP8 normally; VP9 is supported (used by tests/benchmarks to produce VP9 streams)
	Width, Height int   // even, 2..MaxDimension
	FPS           int   // nominal frames per second of the source, e.g. 30
	BitrateKbps   int   // target bitrate
	Speed         int   // libvpx cpu-used; 0 = package default chosen by measurement
	Threads       int   // 0 = package default chosen by measurement
}

func (c EncoderConfig) validate() error {
	switch {
	case !c.Codec.valid():
		return fmt.Errorf("%w: unknown codec %d", ErrInvalidConfig, int(c.Codec))
	case c.Width <= 0 || c.Height <= 0 || c.Width > MaxDimension || c.Height > MaxDimension:
		return fmt.Errorf("%w: size %dx%d outside 2..%d", ErrInvalidConfig, c.Width, c.Height, MaxDimension)
	case c.Width%2 != 0 || c.Height%2 != 0:
		return fmt.Errorf("%w: size %dx%d is not even", ErrInvalidConfig, c.Width, c.Height)
	case c.FPS <= 0 || c.FPS > MaxFPS:
		return fmt.Errorf("%w: fps %d outside 1..%d", ErrInvalidConfig, c.FPS, MaxFPS)
	case c.Threads < 0 || c.Threads > MaxThreads:
		return fmt.Errorf("%w: threads %d outside 0..%d", ErrInvalidConfig, c.Threads, MaxThreads)
	}
	maxSpeed := maxSpeedVP8
	if c.Codec == VP9 {
		maxSpeed = maxSpeedVP9
	}
	if c.Speed < -maxSpeed || c.Speed > maxSpeed {
		return fmt.Errorf("%w: %s speed %d outside -%d..%d", ErrInvalidConfig, c.Codec, c.Speed, maxSpeed, maxSpeed)
	}
	return validateBitrate(c.BitrateKbps)
}

func validateBitrate(kbps int) error {
	if kbps < MinBitrate || kbps > MaxBitrate {
		return fmt.Errorf("%w: bitrate %d kbps outside %d..%d", ErrInvalidConfig, kbps, MinBitrate, MaxBitrate)
	}
	return nil
}

// withDefaults fills in Speed and Threads when they are zero.
func (c EncoderConfig) withDefaults() EncoderConfig {
	if c.Speed == 0 {
		c.Speed = defaultSpeed(c.Codec, c.Width, c.Height)
	}
	if c.Threads == 0 {
		c.Threads = defaultThreads
	}
	return c
}
