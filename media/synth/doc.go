// Package synth provides a synthetic camera and microphone: deterministic,
// dependency-free media sources for tests, demos and device tests.
//
// Both sources carry their capture time inside the media itself, so a
// receiver can measure end-to-end latency from the decoded output alone:
//
//   - Camera stamps every frame with its capture time as a block barcode in
//     the luma plane (Stamp / ReadStamp) that survives lossy VP8/VP9 coding.
//   - Mic plays a 1 kHz tone burst starting on every whole wall-clock second;
//     OnsetDetector finds the burst starts in decoded, possibly concealed,
//     audio, so that playout time minus the whole second is the latency.
//
// Time enters through a Now func() time.Time seam in each config, so tests
// can drive the sources with a fake clock. None of the types is safe for
// concurrent use; each is meant to be owned by one capture goroutine.
package synth
