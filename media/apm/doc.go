// Package apm cleans the microphone signal before it is encoded: echo
// cancellation against the speaker signal, noise suppression, automatic
// gain and a high-pass filter, with voice activity as a by-product. It
// wraps the WebRTC audio processing module as Debian ships it
// (libwebrtc-audio-processing 0.3, the AEC2-era module of the 2016
// browsers) through a small C++ shim.
//
// # Use
//
// A Processor works on 10 ms frames of 48 kHz mono int16 (FrameSamples):
// Far gets every frame the speaker plays, Near processes every microphone
// frame in place, Far before the Near it echoes into. Neither allocates;
// both may run on different goroutines (one mutex, see Processor), never
// on a device callback: a call takes 0.1-0.2 ms.
//
// # Why this library
//
// TestMeasure (measure_test.go; scripts/apm-data.sh writes the whole table
// to testdata/measure.json) builds a call from espeak-ng speech: an
// English far end at -20 dBFS played through a 50 ms synthetic room at
// -6 dB with a bulk delay of 30-150 ms, a French near end at -20 dBFS
// talking over it from 8 s to 14 s and alone after, and separately white
// or pink noise at -35 dBFS around speech. Figures with every stage on
// (Defaults, delay reported right), the library off, and speexdsp 1.2
// (MDF canceller with a 100 ms filter on a reference pre-delayed by the
// known delay, plus its preprocessor), on the 2-core reference machine:
//
//	                     ERLE (dB), far end alone, after 2 s    double-talk   noise reduction   added   CPU
//	echo delay:          30 ms  60 ms  100 ms  150 ms  100 ms¹  loss² (dB)    white/pink (dB)   delay   % core
//	off                    0.0    0.0    0.0     0.0     0.0      0.0           0.0 / 0.0        0 ms   -
//	webrtc 0.3 Defaults   38.1   37.3   38.5    40.6    39.5      3.2          16.3 / 21.0      14 ms   1.2-1.7
//	speexdsp 1.2          30.2   29.8   30.0    29.8     6.5      0.3          14.3 / 17.1      10 ms   1.5-2.6
//
//	¹ the echo 100 ms late while the delay is reported as 0 (a device
//	  latency measured wrong). At 150 ms both fail: 8.6 and 1.0 dB.
//	  WebRTC's ERLE varies by ±0.4 dB from run to run on the same input.
//	² least-squares gain of the clean near end in the output when it
//	  talks alone minus the same during double talk (average over the
//	  four delays), so the AGC's gain cannot hide what the echo
//	  suppressor takes.
//
// In a call, Played (the playout mixer's tap) and Capture (around the
// microphone) measure the echo delay from timestamps, so no latency needs
// configuring; the delay-agnostic mode finds what the timestamps miss.
// cmd/causerie wires it so for every call with a microphone (options
// --echo-cancel, --noise-suppress, --auto-gain, all on by default), and
// client/livekit's TestEchoCancelledInCall checks it on a real SFU: a
// participant whose speaker leaks into its microphone 80 ms later at
// -6 dB sends the other's voice back at -7.6 dB without processing and
// at -81 dB or less with it, while its own voice passes at -0.7..0 dB.
//
// The WebRTC module is chosen: 8-11 dB more ERLE (it reaches the issue's
// 35 dB goal, speexdsp does not), a delay estimator that keeps it working
// when the device latency is 100 ms off (speexdsp has none and collapses),
// a voice detector that ignores the cancelled echo (speexdsp's flags the
// echo as speech), more noise reduction, and an AGC. speexdsp keeps the
// near end intact in double talk where the WebRTC suppressor takes 3.2 dB,
// and delays the voice 4 ms less. The newer module with AEC3 (1.x) is not
// packaged for Debian 12; it is the upgrade path when it is.
//
// Two requirements of issue 4 are not met with this library and are left
// failing in TestMeasure rather than loosened: double talk loses 3.2 dB
// on average (3 allowed; the lowest suppression level is already the
// default, the AGC's 15 dB of compression gain won back 0.6 dB, the
// classic filter reaches 2.8 but only with an exact delay: a delay 30 ms
// off drops its ERLE to 7 dB, and neither the library's delay-agnostic
// mode nor an envelope-correlation delay estimator of ours re-aligned it
// within the measured 20 s),
// and the chain delays the voice by 14 ms (10 allowed; the canceller alone
// adds 8 ms and the noise suppressor alone 7, each counting the 1 ms
// band-splitting filters they share).
//
// A third arrangement is measured behind the build tag apmspeex
// (canceller.go; libspeexdsp-dev): speexdsp's canceller and preprocessor
// in 5 ms blocks, which halves the preprocessor's delay, on a reference
// read from a ring at the position the timestamps give (10 ms late, so a
// delay measured a little long stays cancellable), followed by the
// WebRTC module's filter, AGC and voice detector. It meets every mark
// TestMeasure asserts: ERLE 29.8-33.8 dB (100 ms filter; 150 ms gives
// 24.5-25.9 at 2 s), double talk loses nothing measurable (-0.1..0.2 dB),
// 6 ms added delay, 18.3/16.0 dB noise reduction at 30 dB of attenuation,
// 2.4-3.5 % of a core. It is not the default because it has no delay
// estimator: in TestEchoCancelledInCall, where the device latency is
// 80 ms more than the timestamps say, the echo falls outside its filter
// and Ben hears himself at -16.2 dB (WebRTC: -53 dB and less); and the
// voice detector after it flags a quarter of the echo-only frames as
// speech (WebRTC's own chain: one in ten), which would raise the
// "speaking while muted" hint while others talk. A delay estimator that
// moves the reference onto the echo is what it needs to replace the
// WebRTC canceller.
//
// The newer module, webrtc-audio-processing 1.3 (AEC3, the new noise
// suppressor, AGC2; Debian 13's, built from upstream's v1.3 by
// scripts/apm1-build.sh into ~/.cache/causerie and linked statically), is
// measured on the same material behind the build tag apm1
// (processor1.go: PKG_CONFIG_PATH=… APM_MEASURE=1 go test -tags apm1 -run
// TestMeasure). Every stage on: ERLE 41-45 dB at every delay, even with
// the delay reported 0, no echo frame flagged as voice; but double talk
// loses 3.66 dB, the voice is delayed 15 ms (AEC3 alone 9 ms, its noise
// suppressor alone 7 ms), noise reduction is 14.3/17.8 dB at the "high"
// level, and it costs 2.3-2.7 % of a core. It misses the same two marks
// by more, so 0.3 stays the default.
//
// The library settings behind Defaults (suppression levels, extended
// filter, delay-agnostic mode) were chosen from the APM_SWEEP rows of the
// same test; each constant in config.go gives its figures.
package apm
