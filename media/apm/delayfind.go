package apm

import "math"

// Envelope correlation settings of delayFinder.
const (
	envSamples   = SampleRate / 1000 // one envelope point a ms
	envPerFrame  = FrameSamples / envSamples
	envWindow    = 4000 // points correlated: 4 s
	envMinFill   = 2000 // points needed before a first estimate
	envEvery     = 500  // points between estimates
	lagMin       = -60  // ms: the echo before its reference (a delay measured long)
	lagMax       = 400  // ms: the echo after it (a latency the timestamps miss)
	peakWidth    = 10   // ms each side of a peak that belong to it
	agreeing     = 3    // estimates in a row that must agree
	minPeak      = 5    // standard deviations a correlation peak stands above the others
	minFarSpread = 0.25 // envelope spread (log units) for the speaker to count as active
)

// delayFinder estimates how late the echo in the microphone signal comes
// after the reference the canceller is given, so that the reference can
// be moved onto the echo when the timestamps miss part of the delay (an
// output or input latency the device does not report). speexdsp's
// filter only cancels an echo that lies within its length after the
// reference, and has no estimator of its own.
//
// It correlates the log energy envelopes of the two signals, one point a
// millisecond, over the last 4 s, for lags of -60 to 400 ms: an echo
// path smears the waveform, not its envelope. Two estimates in a row
// must agree within 2 ms before one is reported, so a stretch of double
// talk or of music cannot move the reference on its own.
type delayFinder struct {
	ref, mic []float32 // envelopes, the newest last; 2×envWindow capacity
	dr, dm   []float32 // their changes from point to point, for estimate
	curve    []float32 // correlation by lag, for estimate
	others   []float32 // the curve away from its peak
	since    int       // points added since the last estimate
	last     int       // last estimate, ms; lagMin-1 when none
	agreed   int       // estimates in a row within 2 ms of last
}

func newDelayFinder() *delayFinder {
	return &delayFinder{
		ref:    make([]float32, 0, 2*envWindow),
		mic:    make([]float32, 0, 2*envWindow),
		dr:     make([]float32, envWindow),
		dm:     make([]float32, envWindow),
		curve:  make([]float32, 0, lagMax-lagMin+1),
		others: make([]float32, 0, lagMax-lagMin+1),
		last:   lagMin - 1,
	}
}

// reset forgets the history: after the reference moved, old envelopes
// are on another alignment.
func (d *delayFinder) reset() {
	d.ref, d.mic = d.ref[:0], d.mic[:0]
	d.since, d.last, d.agreed = 0, lagMin-1, 0
}

// add takes one 10 ms frame of the reference and of the microphone
// (before cancellation) and, every half second, reports the lag in ms of
// the echo after the reference when two estimates agree.
func (d *delayFinder) add(ref, mic []int16) (lagMs int, ok bool) {
	for i := 0; i < envPerFrame; i++ {
		d.ref = appendEnv(d.ref, ref[i*envSamples:(i+1)*envSamples])
		d.mic = appendEnv(d.mic, mic[i*envSamples:(i+1)*envSamples])
	}
	d.since += envPerFrame
	if len(d.ref) < envMinFill || d.since < envEvery {
		return 0, false
	}
	d.since = 0
	lag, found := d.estimate()
	if !found {
		d.last, d.agreed = lagMin-1, 0
		return 0, false
	}
	if d.last >= lagMin && abs(lag-d.last) <= 2 {
		d.agreed++
	} else {
		d.agreed = 1
	}
	d.last = lag
	return lag, d.agreed >= agreeing
}

// appendEnv appends the log mean magnitude of block, dropping the oldest
// half of the history when the buffer is full so appends stay cheap.
func appendEnv(env []float32, block []int16) []float32 {
	if len(env) == cap(env) {
		n := copy(env, env[len(env)-envWindow:])
		env = env[:n]
	}
	var sum int32
	for _, v := range block {
		if v < 0 {
			sum -= int32(v)
		} else {
			sum += int32(v)
		}
	}
	return append(env, float32(math.Log(1+float64(sum)/float64(len(block)))))
}

// estimate finds the lag of the highest normalised correlation over the
// last envWindow points. It correlates the envelopes' changes rather
// than the envelopes: syllables make the envelopes' own correlation a
// hill 100 ms wide, their onsets a peak a few ms wide.
func (d *delayFinder) estimate() (lagMs int, ok bool) {
	n := min(len(d.ref), envWindow)
	ref, mic := d.ref[len(d.ref)-n:], d.mic[len(d.mic)-n:]
	if _, spread := meanSpread(ref); spread < minFarSpread {
		return 0, false // the speaker is (nearly) silent: nothing to find
	}
	dr, dm := d.dr[:n-1], d.dm[:n-1]
	for t := range dr {
		dr[t], dm[t] = ref[t+1]-ref[t], mic[t+1]-mic[t]
	}
	n--
	best, bestLag := float32(-1), 0
	curve := d.curve[:0]
	for lag := lagMin; lag <= lagMax; lag++ {
		// mic[t] against ref[t-lag], over the t both cover.
		lo, hi := max(0, lag), min(n, n+lag)
		if hi-lo < envMinFill/2 {
			continue
		}
		var sum, rr, mm float32
		for t := lo; t < hi; t++ {
			r, m := dr[t-lag], dm[t]
			sum += r * m
			rr += r * r
			mm += m * m
		}
		if rr == 0 || mm == 0 {
			continue
		}
		c := sum / float32(math.Sqrt(float64(rr)*float64(mm)))
		curve = append(curve, c)
		if c > best {
			best, bestLag = c, lag
		}
	}
	// A lag is found when its peak stands out of the curve: the
	// envelopes' changes are noisy (a correlation of 0.15-0.25 at the
	// right lag), but the wrong lags' correlations are noise around 0.
	// The others: the curve away from the peak, whose own shoulders
	// are part of it.
	others := d.others[:0]
	for i, c := range curve {
		if l := lagMin + i; l < bestLag-peakWidth || l > bestLag+peakWidth {
			others = append(others, c)
		}
	}
	d.others = others
	mean, spread := meanSpread(others)
	if len(others) < 2 || spread == 0 || (best-mean)/spread < minPeak {
		return 0, false
	}
	return bestLag, true
}

func meanSpread(v []float32) (mean, spread float32) {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	m := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (float64(x) - m) * (float64(x) - m)
	}
	return float32(m), float32(math.Sqrt(ss / float64(len(v))))
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
