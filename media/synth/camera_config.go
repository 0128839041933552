package synth

import "time"

// Camera limits.
const (
	// maxDimension is the largest width or height accepted: VP8's frame
	// header holds 14-bit dimensions, so nothing larger can be encoded by
	// the engine's codecs anyway.
	maxDimension = 16383

	// maxFPS is the highest frame rate accepted. Above it the timer slack
	// of the host (about a millisecond) becomes a large fraction of the
	// frame period, and no capture path of the engine runs faster.
	maxFPS = 240
)

// CameraConfig configures NewCamera.
type CameraConfig struct {
	// Width and Height are the picture size in pixels, positive and even.
	Width, Height int

	// FPS is the frame rate, 1..240.
	FPS int

	// Now is the clock used for pacing and stamping; nil means time.Now.
	// An injected clock must advance on its own: ReadFrame sleeps on a
	// real timer and then re-reads Now.
	Now func() time.Time
}
