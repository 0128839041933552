package synth

import "time"

// Onset detection parameters.
const (
	// onsetWindow is the energy window: 1 ms is short enough to place an
	// onset within a millisecond, and exactly one cycle of the 1 kHz tone,
	// so a steady tone's energy in a window does not depend on where its
	// zero crossings fall.
	onsetWindow = time.Millisecond

	// onsetThreshold is the level a window's RMS must exceed to count as
	// tone: -40 dBFS (32767/100). The burst's RMS is -15 dBFS (a -12 dBFS
	// peak sine), 25 dB above; the mic's noise is -70 dBFS, 30 dB below;
	// the margins absorb codec gain errors, comfort noise and concealment.
	onsetThreshold = 328

	// onsetRefractory is how long the signal must stay below the threshold
	// before a new onset is accepted. Bursts are 1 s apart and 100 ms long,
	// so 500 ms of quiet separates bursts reliably, while dropouts inside a
	// burst (a lost frame concealed as silence is 20 ms) are far shorter.
	onsetRefractory = 500 * time.Millisecond
)

// OnsetDetector finds the starts of the tone bursts Mic produces in a
// received, decoded audio stream, to measure send-to-playout latency.
//
// It measures energy over consecutive 1 ms windows. The first window above
// -40 dBFS after at least 500 ms below it is an onset. The onset time is
// refined to the first sample whose magnitude exceeds the threshold level,
// in that window or the one before it (a burst starting in the last samples
// of a window leaves that window's energy below the threshold). A lossy
// codec's pre-echo can move that sample a little, at most a few
// milliseconds, ahead of the true onset.
//
// At the start of a stream one quiet window is enough to arm the detector,
// so a burst near the start is found, but a stream joined in the middle of
// a burst does not report a false onset.
//
// Create an OnsetDetector with NewOnsetDetector; it is not safe for
// concurrent use.
type OnsetDetector struct {
	rate       int
	window     int   // samples per window
	thrSum     int64 // window energy threshold: onsetThreshold² * window
	refractory int   // samples of quiet needed to arm

	armed bool
	quiet int // samples in consecutive quiet windows so far

	// The window being accumulated.
	n      int
	sum    int64
	loud   bool      // a sample above onsetThreshold was seen
	loudAt time.Time // the first such sample's time

	// The previous window's first loud sample, if it had one.
	prevLoud   bool
	prevLoudAt time.Time
}

// NewOnsetDetector returns a detector for a stream of the given sample
// rate; a non-positive rate means 48000.
func NewOnsetDetector(sampleRate int) *OnsetDetector {
	if sampleRate <= 0 {
		sampleRate = DefaultSampleRate
	}
	w := max(1, int(int64(sampleRate)*int64(onsetWindow)/int64(time.Second)))
	refr := int(int64(sampleRate) * int64(onsetRefractory) / int64(time.Second))
	return &OnsetDetector{
		rate:       sampleRate,
		window:     w,
		thrSum:     onsetThreshold * onsetThreshold * int64(w),
		refractory: refr,
		// One quiet window short of armed: see the type's doc.
		quiet: max(0, refr-w),
	}
}

// Feed processes consecutive samples, the first of which is played at
// first, and returns the playout times of the onsets detected during this
// call, appended to dst[:0]. Windows run across calls, so an onset near the
// end of one chunk may be reported by the next call, with a time before
// that call's first.
func (d *OnsetDetector) Feed(pcm []int16, first time.Time, dst []time.Time) []time.Time {
	dst = dst[:0]
	for k, x := range pcm {
		v := int64(x)
		d.sum += v * v
		if !d.loud && (v > onsetThreshold || v < -onsetThreshold) {
			d.loud, d.loudAt = true, first.Add(offset(int64(k), d.rate))
		}
		d.n++
		if d.n < d.window {
			continue
		}
		if d.sum > d.thrSum {
			if d.armed {
				at := d.loudAt
				if d.prevLoud {
					at = d.prevLoudAt
				}
				dst = append(dst, at)
				d.armed = false
			}
			d.quiet = 0
		} else {
			d.quiet += d.window
			if d.quiet >= d.refractory {
				d.armed = true
			}
		}
		d.prevLoud, d.prevLoudAt = d.loud, d.loudAt
		d.n, d.sum, d.loud = 0, 0, false
	}
	return dst
}
