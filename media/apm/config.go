package apm

import (
	"fmt"
	"time"
)

// MaxStreamDelay is the longest render-to-capture delay the library
// accepts; it clamps anything longer.
const MaxStreamDelay = 500 * time.Millisecond

// Config selects the processing stages. The zero value processes nothing
// (the frames pass through, with voice detection still on); Defaults
// switches everything on, as a browser does.
type Config struct {
	// EchoCancel removes the speaker signal passed to Far from the
	// microphone signal passed to Near.
	EchoCancel bool
	// NoiseSuppress attenuates stationary noise (fans, hum, hiss).
	NoiseSuppress bool
	// AutoGain brings speech towards a constant level (adaptive digital
	// gain with a limiter; the microphone's analog volume is not touched).
	AutoGain bool
	// HighPass removes rumble below about 80 Hz.
	HighPass bool
	// StreamDelay is the time from a frame given to Far to its echo in a
	// frame given to Near: the playout buffer and speaker latency plus the
	// microphone latency. The canceller searches for the echo around it
	// (and, with the delay-agnostic mode this package always enables,
	// finds it alone when the figure is wrong), so a measured device
	// latency is good enough. 0 to MaxStreamDelay. With Played and
	// Capture, which measure the delay from timestamps, it is the extra
	// latency the timestamps do not cover (0 when devices report theirs).
	StreamDelay time.Duration

	// tune overrides the library settings measured in TestMeasure; the
	// zero value means the defaults below.
	tune tuning
}

// Defaults is the configuration a call uses unless the user or IT
// switches a stage off.
func Defaults() Config {
	return Config{EchoCancel: true, NoiseSuppress: true, AutoGain: true, HighPass: true}
}

// tuning holds the library settings that are not user choices. Each
// field's zero value is the setting chosen from the measurements in the
// package documentation.
type tuning struct {
	// speex cancels echo and suppresses noise with speexdsp instead of
	// the WebRTC module (canceller.go, tag apmspeex): the comparison rows
	// of TestMeasure. The four fields after it apply to the WebRTC
	// module's canceller and suppressor; noiseDB, echoDB, echoActiveDB
	// and tailMs to speexdsp's.
	speex bool
	// A call starts on the extended filter (a longer echo tail and a
	// wider delay search) with the delay-agnostic mode (the canceller
	// estimates the delay itself): together they keep ERLE at 39 dB when
	// the reported delay is 100 ms short of the real one, where the
	// classic filter drops to -2 dB (at 150 ms short both fail, 9 and -4
	// dB). The classic filter keeps 0.5 dB more of the near end in
	// double talk when the delay is right, so it takes over once the
	// delay finder has confirmed the delay (echodelay.go).
	// noExtendedFilter runs the classic filter from the start, on the
	// delay given (corrected by the finder, without a second canceller);
	// noDelayAgnostic turns the extended filter's own search off.
	noExtendedFilter bool
	noDelayAgnostic  bool
	// noDelayFinder keeps the extended filter for the whole call and the
	// delay as reported: echodelay.go's checks off. holdShadow keeps the
	// classic-filter module learning and never lets it take over: the
	// cost of the first seconds of a call, for BenchmarkProcess10ms.
	noDelayFinder   bool
	holdShadow      bool
	echoSuppression int // 0 = default (moderate); else level+1
	noiseLevel      int // 0 = default (high); else level+1
	// The WebRTC module's AGC, in both arrangements.
	gainTargetDBFS  int // 0 = default; else dB+1
	gainCompression int // 0 = default; else dB+1
	noiseDB         int // speexdsp's noise attenuation; 0 = default; else dB+1
	// speexdsp's residual echo attenuation, alone and over the near
	// end's voice, and its filter length; 0 = default; else value+1.
	echoDB, echoActiveDB, tailMs int
}

// Library levels (EchoCancellation::SuppressionLevel, NoiseSuppression::Level).
const (
	echoLow, echoModerate, echoHigh                   = 0, 1, 2
	noiseLow, noiseModerate, noiseHigh, noiseVeryHigh = 0, 1, 2, 3
)

const (
	// defaultEchoSuppression: low. On the measured double talk (package
	// documentation) moderate cost the near-end voice 6.3 dB on average
	// and low 3.8 dB (with the AGC at 9 dB), for the same ERLE (38 dB or
	// more at every delay).
	// Low lets a little residual echo through the voice detector (about
	// one echo-only frame in ten flagged as voice, none with moderate).
	defaultEchoSuppression = echoLow
	// defaultNoiseLevel: very high is the only level that reaches 15 dB
	// on white noise once the AGC has added its gain (16.7 dB, against
	// 14.9 for high); speech correlation is unchanged (0.93).
	defaultNoiseLevel = noiseVeryHigh
	// defaultGainTargetDBFS is the level the AGC aims for, in dB below
	// full scale: 3, the library's and the browsers' default, leaves room
	// for the limiter and Opus's overshoot.
	defaultGainTargetDBFS = 3
	// defaultGainCompressionDB is the most gain the AGC adds to quiet
	// speech: 15 dB. The AGC then lifts the near end back up as the echo
	// suppressor dips it in double talk: 3.2 dB lost on average instead
	// of 3.8 with the library's 9 dB (12 dB: 3.5; 18 dB: 3.1), for the
	// same ERLE, and 0.4 dB less noise reduction (16.3 dB white, 21.0
	// pink). The speexdsp rows use 9 dB: with no suppressor dipping the
	// near end, 15 dB only lifted the residual echo (1.4-1.7 dB of ERLE).
	defaultGainCompressionDB = 15
	// defaultNoiseDB is how far speexdsp's preprocessor attenuates noise:
	// 30 dB, for 18.9/16.6 dB of reduction on white/pink noise after the
	// AGC's gain. Its default, 15, leaves 13.6 dB on white noise; 25 dB,
	// 15.7 dB on pink.
	defaultNoiseDB = 30
	// defaultEchoDB and defaultEchoActiveDB: how far speexdsp's
	// preprocessor attenuates the echo its filter leaves, alone and
	// while the near end talks: 60 and 25 dB (its defaults, 40 and 15,
	// give 0.5-1.2 dB less ERLE; the near end loses nothing measurable
	// either way).
	defaultEchoDB       = 60
	defaultEchoActiveDB = 25
)

func (c Config) validate() error {
	if c.StreamDelay < 0 || c.StreamDelay > MaxStreamDelay {
		return fmt.Errorf("%w: stream delay %v (0 to %v)", ErrInvalidConfig, c.StreamDelay, MaxStreamDelay)
	}
	return nil
}

// pick reads a tuning field: 0 is def, anything else is value+1.
func pick(v, def int) int {
	if v == 0 {
		return def
	}
	return v - 1
}
