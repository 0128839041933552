package apm

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The acceptance thresholds. They are asserted on the default
// configuration (every stage on), the processing a call actually uses.
const (
	minERLE           = 25.0 // dB, far-end-only speech after 2 s of convergence, each delay ≤ 150 ms
	maxDTSuppression  = 3.0  // dB, near-end speech lost during double talk, averaged over delays
	minNoiseReduction = 15.0 // dB, noise-only segments
	maxCorePercent    = 5.0  // % of one core for Far+Near on 10 ms
	maxAddedDelayMs   = 10.0 // ms the processing may delay the voice ("What to build")
)

// Levels of the simulated call. Both talkers speak at -20 dBFS (active
// level), a normal microphone level; the loudspeaker echo reaches the
// microphone 6 dB below the far end's level through a 50 ms room, about
// what a laptop's speakers and microphone a few centimetres apart give.
const (
	speechDBFS    = -20.0
	echoGainDB    = -6.0
	roomTail      = 0.050 // s, -60 dB decay of the room response
	roomNoiseDBFS = -70.0 // the echo scenario's quiet room
	noiseDBFS     = -35.0 // the noise scenario's fan or hiss
	activeDBFS    = -50.0 // a 10 ms frame above this counts as active
)

// The echo scenario's timeline, in seconds: far end alone, then both
// talking, then the near end alone.
const (
	farEnd      = 14.0
	nearStart   = 8.0
	echoTotal   = 20.0
	convergence = 2.0
	nearOnlyAt  = 14.5 // past the echo tail of the last far-end word
)

// The noise scenario: noise throughout, the near end speaking in the
// middle; noise-only windows after a second of adaptation.
const (
	noiseTotal       = 12.0
	noiseSpeechStart = 3.0
	noiseSpeechEnd   = 9.0
)

var echoDelays = []time.Duration{30 * time.Millisecond, 60 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}

// EchoRow is one line of the echo table.
type EchoRow struct {
	DelayMs int    `json:"delay_ms"`
	Config  string `json:"config"`
	// ERLE: microphone over output power on far-end-only frames after
	// convergence, dB.
	ERLE float64 `json:"erle_db"`
	// DTLevel: output over clean near-end power during double talk, dB
	// (residual echo included, AGC gain included).
	DTLevel float64 `json:"dt_level_db"`
	// DTGain and NearGain: least-squares gain of the clean near-end in
	// the output during double talk and when the near end talks alone, dB.
	DTGain   float64 `json:"dt_gain_db"`
	NearGain float64 `json:"near_only_gain_db"`
	// DTSuppression = NearGain - DTGain: what double talk costs the
	// near-end voice beyond the gain it gets anyway (AGC), dB.
	DTSuppression float64 `json:"dt_suppression_db"`
	// DTCorr: correlation of output and clean near-end during double talk.
	DTCorr float64 `json:"dt_corr"`
	// LagMs: delay the processing adds, found by correlation with the
	// clean near end when it talks alone.
	LagMs float64 `json:"lag_ms"`
	// VoiceNear, VoiceEcho: fraction of near-only active frames and of
	// far-only (echo) frames the voice detector flagged.
	VoiceNear float64 `json:"voice_near"`
	VoiceEcho float64 `json:"voice_echo"`
	// AECDelayMs, AECERLE: the canceller's own estimates.
	AECDelayMs int     `json:"aec_delay_ms,omitempty"`
	AECERLE    float64 `json:"aec_erle_db,omitempty"`
	// CorrectionMs, Agreed, Moved, ClassicFilter: the delay tracking's
	// state at the end (EchoDelay).
	CorrectionMs  int  `json:"correction_ms,omitempty"`
	Agreed        int  `json:"delay_agreed,omitempty"`
	Moved         int  `json:"delay_moved,omitempty"`
	ClassicFilter bool `json:"classic_filter,omitempty"`
	// CorePercent: processing time over audio time, % of one core.
	CorePercent float64 `json:"core_percent"`
}

// NoiseRow is one line of the noise table.
type NoiseRow struct {
	Noise  string  `json:"noise"`
	Config string  `json:"config"`
	NR     float64 `json:"noise_reduction_db"`
	LagMs  float64 `json:"lag_ms"`
	// SpeechCorr: correlation of output and clean speech while speaking.
	SpeechCorr float64 `json:"speech_corr"`
}

// Report is what TestMeasure writes to $APM_REPORT.
type Report struct {
	Library string     `json:"library"`
	Echo    []EchoRow  `json:"echo"`
	Noise   []NoiseRow `json:"noise"`
	CPU     struct {
		NsPerFrame  float64 `json:"ns_per_10ms_frame"`
		CorePercent float64 `json:"core_percent"`
	} `json:"cpu"`
	Failures []string `json:"failures"`
}

// frameProcessor is what the measurements drive: a *Processor, or an
// alternative library built with a tag (processor1.go).
type frameProcessor interface {
	Far(pcm []int16) error
	Near(pcm []int16) (bool, error)
	Close() error
}

// alternative is another library measured on the same material, for the
// comparison in the package documentation; never asserted.
type alternative struct {
	name string
	echo func(delay time.Duration) frameProcessor
}

var alternatives []alternative

type namedConfig struct {
	name   string
	cfg    Config
	assert bool
}

func echoConfigs(d time.Duration) []namedConfig {
	on := Defaults()
	on.StreamDelay = d
	aec := Config{EchoCancel: true, HighPass: true, StreamDelay: d}
	unknown := Defaults()
	cs := []namedConfig{
		{"off", Config{}, false},
		{"aec+hpf", aec, false},
		{"on", on, true},
		{"on, delay reported 0", unknown, false},
		{"on, extended filter only", func() Config { c := on; c.tune.noDelayFinder = true; return c }(), false},
		{"on, extended filter only, delay reported 0", func() Config { c := unknown; c.tune.noDelayFinder = true; return c }(), false},
	}
	if speexBuilt {
		// speexdsp's canceller and suppressor in 5 ms blocks with the
		// delay finder, the WebRTC module's filter, AGC (9 dB) and voice
		// detector after them.
		speex := on
		speex.tune.speex, speex.tune.gainCompression = true, 10
		alt := func(name string, f func(*Config)) {
			c := speex
			f(&c)
			cs = append(cs, namedConfig{"speexdsp" + name, c, false})
		}
		alt("", func(*Config) {})
		alt(", delay reported 0", func(c *Config) { c.StreamDelay = 0 })
		alt(", delay reported 20 ms long", func(c *Config) { c.StreamDelay = d + 20*time.Millisecond })
		if os.Getenv("APM_SWEEP") != "" {
			alt(", filter 150 ms", func(c *Config) { c.tune.tailMs = 151 })
			alt(", residual echo 40/15 dB", func(c *Config) { c.tune.echoDB, c.tune.echoActiveDB = 41, 16 })
			alt(", gain compression 15 dB", func(c *Config) { c.tune.gainCompression = 16 })
			alt(", no AGC", func(c *Config) { c.AutoGain = false })
		}
	}
	if os.Getenv("APM_SWEEP") != "" {
		// The library settings tried before choosing the defaults.
		sw := func(base Config, name string, f func(*Config)) {
			c := base
			f(&c)
			cs = append(cs, namedConfig{name, c, false})
		}
		sw(aec, "aec+hpf, classic filter, no delay-agnostic", func(c *Config) { c.tune.noExtendedFilter, c.tune.noDelayAgnostic = true, true })
		sw(aec, "aec+hpf, suppression moderate", func(c *Config) { c.tune.echoSuppression = echoModerate + 1 })
		sw(on, "on, suppression moderate", func(c *Config) { c.tune.echoSuppression = echoModerate + 1 })
		sw(on, "on, no delay-agnostic", func(c *Config) { c.tune.noDelayAgnostic = true })
		sw(on, "on, classic filter", func(c *Config) { c.tune.noExtendedFilter = true })
		sw(on, "on, classic filter, delay reported 0", func(c *Config) { c.tune.noExtendedFilter, c.StreamDelay = true, 0 })
		sw(on, "on, noise suppression high", func(c *Config) { c.tune.noiseLevel = noiseHigh + 1 })
		for _, gc := range []int{9, 12, 18} {
			sw(on, fmt.Sprintf("on, gain compression %d dB", gc), func(c *Config) { c.tune.gainCompression = gc + 1 })
		}
	}
	return cs
}

func TestMeasure(t *testing.T) {
	if os.Getenv("APM_MEASURE") == "" {
		// One mark fails: with webrtc-audio-processing 0.3 the chain
		// delays the voice by 14 ms (10 allowed); speexdsp (tag
		// apmspeex) adds 6 ms but lets far more echo through in a call
		// (package documentation). `make apm-data` measures, with every
		// threshold asserted, and writes testdata/measure.json.
		t.Skip("apm: measurements run with `make apm-data` (APM_MEASURE=1)")
	}
	if raceEnabled {
		// The measurement has no concurrency of its own, and the race
		// detector makes its Go signal code (the room convolution) take
		// 100 s instead of 10; the plain run of `make test` measures.
		t.Skip("apm: measurements are taken without the race detector")
	}
	requireTools(t)
	far := speak(t, "en-us", farText)
	near := speak(t, "fr-fr+f3", nearText)
	normalizeActive(far, dbfs(speechDBFS))
	normalizeActive(near, dbfs(speechDBFS))
	rng := rand.New(rand.NewPCG(4, 4))

	var rep Report
	rep.Library = "webrtc-audio-processing 0.3 (Debian libwebrtc-audio-processing1)"
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		rep.Failures = append(rep.Failures, msg)
		t.Error(msg)
	}

	// Echo scenario.
	n := int(echoTotal * SampleRate)
	farSig := fit(far, int(farEnd*SampleRate))
	farSig = append(farSig, make([]float64, n-len(farSig))...)
	nearSig := make([]float64, n)
	copy(nearSig[int(nearStart*SampleRate):], fit(near, n-int(nearStart*SampleRate)))
	room := roomResponse(rng, roomTail, echoGainDB)
	echoNoDelay := convolve(farSig, room)
	roomNoise := whiteNoise(rng, n, dbfs(roomNoiseDBFS))
	farPCM := toPCM(farSig)

	var best = math.Inf(1)
	var dtSum, worstLag float64
	for _, d := range echoDelays {
		echo := delay(echoNoDelay, int(d.Seconds()*SampleRate))
		mic := toPCM(echo, nearSig, roomNoise)
		for _, alt := range alternatives {
			row, _ := runEcho(t, alt.echo(d), farPCM, mic, echo, nearSig)
			row.DelayMs, row.Config = int(d.Milliseconds()), alt.name
			rep.Echo = append(rep.Echo, row)
		}
		for _, nc := range echoConfigs(d) {
			if only := os.Getenv("APM_ONLY"); only != "" && !nc.assert && nc.name != "off" && !strings.Contains(nc.name, only) {
				continue
			}
			row, cost := runEcho(t, newFrameProcessor(t, nc.cfg), farPCM, mic, echo, nearSig)
			row.DelayMs, row.Config = int(d.Milliseconds()), nc.name
			rep.Echo = append(rep.Echo, row)
			if !nc.assert {
				continue
			}
			best = min(best, cost)
			dtSum += row.DTSuppression
			if row.ERLE < minERLE {
				fail("ERLE %.1f dB at %v delay, want ≥ %.0f dB", row.ERLE, d, minERLE)
			}
			worstLag = max(worstLag, row.LagMs)
		}
	}
	if avg := dtSum / float64(len(echoDelays)); avg > maxDTSuppression {
		fail("double-talk suppression %.1f dB on average, want ≤ %.0f dB", avg, maxDTSuppression)
	}
	if worstLag > maxAddedDelayMs {
		fail("processing delays the voice by %.1f ms, want ≤ %.0f ms", worstLag, maxAddedDelayMs)
	}
	rep.CPU.NsPerFrame = best
	rep.CPU.CorePercent = best / float64(FrameDuration) * 100
	if rep.CPU.CorePercent >= maxCorePercent && !raceEnabled {
		fail("processing costs %.1f%% of one core, want < %.0f%%", rep.CPU.CorePercent, maxCorePercent)
	}

	// Noise scenario.
	nn := int(noiseTotal * SampleRate)
	speech := make([]float64, nn)
	s0, s1 := int(noiseSpeechStart*SampleRate), int(noiseSpeechEnd*SampleRate)
	copy(speech[s0:s1], fit(near, s1-s0))
	nsHigh := Defaults()
	nsHigh.tune.noiseLevel = noiseHigh + 1
	for _, kind := range []string{"white", "pink"} {
		var noise []float64
		if kind == "white" {
			noise = whiteNoise(rng, nn, dbfs(noiseDBFS))
		} else {
			noise = pinkNoise(rng, nn, dbfs(noiseDBFS))
		}
		mic := toPCM(speech, noise)
		for _, alt := range alternatives {
			row := runNoise(t, alt.echo(0), mic, speech)
			row.Noise, row.Config = kind, alt.name
			rep.Noise = append(rep.Noise, row)
		}
		noiseConfigs := []namedConfig{
			{"off", Config{}, false},
			{"ns+hpf", Config{NoiseSuppress: true, HighPass: true}, false},
			{"on", Defaults(), true},
			{"on, ns high", nsHigh, false},
			{"on, gain compression 9 dB", func() Config { c := Defaults(); c.tune.gainCompression = 10; return c }(), false},
		}
		if speexBuilt {
			for _, ndb := range []int{25, 30} {
				c := Defaults()
				c.tune.speex, c.tune.gainCompression, c.tune.noiseDB = true, 10, ndb+1
				noiseConfigs = append(noiseConfigs, namedConfig{fmt.Sprintf("speexdsp, noise %d dB", ndb), c, false})
			}
		}
		for _, nc := range noiseConfigs {
			row := runNoise(t, newFrameProcessor(t, nc.cfg), mic, speech)
			row.Noise, row.Config = kind, nc.name
			rep.Noise = append(rep.Noise, row)
			if nc.assert && row.NR < minNoiseReduction {
				fail("noise reduction %.1f dB on %s noise, want ≥ %.0f dB", row.NR, kind, minNoiseReduction)
			}
		}
	}

	t.Log("\n" + rep.table())
	if path := os.Getenv("APM_REPORT"); path != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Errorf("APM_REPORT: %v", err)
		}
	}
}

func newFrameProcessor(t *testing.T, cfg Config) frameProcessor {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// process runs far and mic through p, frame by frame as a call would (Far
// first, then Near), closes p, and returns the output, the voice flags,
// the time spent per frame pair in ns and the echo canceller's estimates.
func process(t *testing.T, p frameProcessor, far, mic []int16) (out []int16, voice []bool, ns float64, m echoState) {
	t.Helper()
	defer p.Close()
	out = append([]int16(nil), mic...)
	frames := len(mic) / FrameSamples
	voice = make([]bool, frames)
	// CPU time of this thread, not wall time: on a loaded machine the
	// wall clock counts other processes' turns too.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	var err error
	for k := range frames {
		f := k * FrameSamples
		if err := p.Far(far[f : f+FrameSamples]); err != nil {
			t.Fatal(err)
		}
		if voice[k], err = p.Near(out[f : f+FrameSamples]); err != nil {
			t.Fatal(err)
		}
	}
	ns = float64(threadCPU()-start) / float64(frames)
	if ap, ok := p.(*Processor); ok {
		m.EchoMetrics, _ = ap.EchoMetrics()
		m.delay, m.tracked = ap.EchoDelay()
	}
	return out, voice, ns, m
}

// echoState is what a Processor reports of its canceller after a run.
type echoState struct {
	EchoMetrics
	delay   EchoDelay
	tracked bool
}

func runEcho(t *testing.T, p frameProcessor, far, mic []int16, echo, near []float64) (EchoRow, float64) {
	outPCM, voice, cost, m := process(t, p, far, mic)
	out, in := fromPCM(outPCM), fromPCM(mic)
	var row EchoRow
	row.CorePercent = cost / float64(FrameDuration) * 100
	row.AECDelayMs, row.AECERLE = int(m.DelayMedian.Milliseconds()), m.ERLE
	if m.tracked {
		row.CorrectionMs = int(m.delay.Correction.Milliseconds())
		row.Agreed, row.Moved, row.ClassicFilter = m.delay.Agreed, m.delay.Moved, m.delay.ClassicFilter
	}
	active := dbfs(activeDBFS) * dbfs(activeDBFS)
	ep, np := framePowers(echo), framePowers(near)
	frame := func(s float64) int { return int(s * 100) }

	// The lag is found where the near end talks alone, then used for
	// double talk too.
	lagged := func(x []float64, lag int) []float64 { return x[lag:] }
	lag := bestLag(out[frame(nearOnlyAt)*FrameSamples:frame(nearOnlyAt+2)*FrameSamples+maxLag],
		near[frame(nearOnlyAt)*FrameSamples:], maxLag)
	row.LagMs = float64(lag) * 1000 / SampleRate
	outL := lagged(out, lag)

	var micE, outE float64
	var dtOut, dtNear, dtCross, noOut, noNear, noCross float64
	var dtX []float64
	var dtY []float64
	var vNear, nNear, vEcho, nEcho int
	for k := frame(convergence); k < len(ep) && k < len(np); k++ {
		a, b := k*FrameSamples, (k+1)*FrameSamples
		if b+lag > len(out) {
			break
		}
		t := float64(k) / 100
		switch {
		case t < nearStart && ep[k] > active:
			micE += sumSq(in[a:b])
			outE += sumSq(out[a:b])
			nEcho++
			if voice[k] {
				vEcho++
			}
		case t >= nearStart && t < farEnd && np[k] > active:
			dtOut += sumSq(out[a:b])
			dtNear += sumSq(near[a:b])
			dtCross += dot(outL[a:b], near[a:b])
			dtX = append(dtX, outL[a:b]...)
			dtY = append(dtY, near[a:b]...)
		case t >= nearOnlyAt && np[k] > active:
			noOut += sumSq(outL[a:b])
			noNear += sumSq(near[a:b])
			noCross += dot(outL[a:b], near[a:b])
			nNear++
			if voice[k] {
				vNear++
			}
		}
	}
	row.ERLE = db(micE / outE)
	row.DTLevel = db(dtOut / dtNear)
	row.DTGain = db(sq(dtCross / dtNear))
	row.NearGain = db(sq(noCross / noNear))
	row.DTSuppression = row.NearGain - row.DTGain
	row.DTCorr = corr(dtX, dtY)
	row.VoiceNear = float64(vNear) / float64(max(1, nNear))
	row.VoiceEcho = float64(vEcho) / float64(max(1, nEcho))
	return row, cost
}

func runNoise(t *testing.T, p frameProcessor, mic []int16, speech []float64) NoiseRow {
	outPCM, _, _, _ := process(t, p, make([]int16, len(mic)), mic)
	out, in := fromPCM(outPCM), fromPCM(mic)
	var inE, outE float64
	for k := range len(mic) / FrameSamples {
		t := float64(k) / 100
		if (t >= 2 && t < noiseSpeechStart) || t >= noiseSpeechEnd+0.5 {
			a, b := k*FrameSamples, (k+1)*FrameSamples
			inE += sumSq(in[a:b])
			outE += sumSq(out[a:b])
		}
	}
	a, b := int(noiseSpeechStart*SampleRate), int(noiseSpeechEnd*SampleRate)
	lag := bestLag(out[a:a+2*SampleRate+maxLag], speech[a:], maxLag)
	return NoiseRow{NR: db(inE / outE), LagMs: float64(lag) * 1000 / SampleRate, SpeechCorr: corr(out[a+lag:b+lag], speech[a:b])}
}

// maxLag bounds the search for the delay the processing adds: 30 ms, three
// times the 10 ms budget, so an excess is measured, not missed.
const maxLag = 3 * FrameSamples

// bestLag is the shift in [0, maxLag] of out that correlates best with
// ref over len(out)-maxLag samples.
func bestLag(out, ref []float64, maxLag int) int {
	n := len(out) - maxLag
	best, bestC := 0, math.Inf(-1)
	for l := 0; l <= maxLag; l++ {
		if c := dot(out[l:l+n], ref[:n]); c > bestC {
			best, bestC = l, c
		}
	}
	return best
}

func sumSq(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

func dot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

func corr(x, y []float64) float64 {
	return dot(x, y) / math.Sqrt(sumSq(x)*sumSq(y))
}

func sq(x float64) float64 { return x * x }

func db(ratio float64) float64 { return 10 * math.Log10(ratio) }

func (r *Report) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s %-32s %6s %7s %7s %7s %6s %5s %5s %5s %6s %5s %s\n",
		"delay", "config", "ERLE", "DTlvl", "DTsupp", "DTcorr", "lag", "vadN", "vadE", "aecD", "aecERL", "cpu%", "tracking")
	for _, r := range r.Echo {
		track := ""
		if r.Agreed+r.Moved > 0 {
			filter := "extended"
			if r.ClassicFilter {
				filter = "classic"
			}
			track = fmt.Sprintf("%+d ms, %d agreed, %d moved, %s", r.CorrectionMs, r.Agreed, r.Moved, filter)
		}
		fmt.Fprintf(&b, "%3dms %-32s %6.1f %7.1f %7.1f %7.3f %6.2f %5.2f %5.2f %5d %6.1f %5.2f %s\n",
			r.DelayMs, r.Config, r.ERLE, r.DTLevel, r.DTSuppression, r.DTCorr, r.LagMs,
			r.VoiceNear, r.VoiceEcho, r.AECDelayMs, r.AECERLE, r.CorePercent, track)
	}
	fmt.Fprintf(&b, "\n%-6s %-8s %6s %7s %6s\n", "noise", "config", "NR", "corr", "lag")
	for _, r := range r.Noise {
		fmt.Fprintf(&b, "%-6s %-8s %6.1f %7.3f %6.2f\n", r.Noise, r.Config, r.NR, r.SpeechCorr, r.LagMs)
	}
	fmt.Fprintf(&b, "\ncpu: %.0f ns per 10 ms frame (Far+Near, every stage on) = %.2f%% of one core\n",
		r.CPU.NsPerFrame, r.CPU.CorePercent)
	return b.String()
}
