package send

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
	"causerie/media/vpx"
)

func TestSimulcastLayersLikeBrowsers(t *testing.T) {
	for _, c := range []struct {
		w, h int
		want []Layer
	}{
		{1280, 720, []Layer{{4, 320, 180}, {2, 640, 360}, {1, 1280, 720}}},
		{1920, 1080, []Layer{{4, 480, 270 &^ 1}, {2, 960, 540}, {1, 1920, 1080}}},
		{640, 360, []Layer{{2, 320, 180}, {1, 640, 360}}},
		{640, 480, []Layer{{2, 320, 240}, {1, 640, 480}}},
		{320, 180, []Layer{{1, 320, 180}}},
	} {
		if got := SimulcastLayers(c.w, c.h); !slices.Equal(got, c.want) {
			t.Errorf("%d×%d: layers %v, want %v", c.w, c.h, got, c.want)
		}
	}
}

func TestAllocateFillsFromTheBottom(t *testing.T) {
	var rates []layerRates
	for _, l := range SimulcastLayers(1280, 720) {
		rates = append(rates, ratesFor(l.Width, l.Height))
	}
	low, mid, high := rates[0], rates[1], rates[2]
	all := []bool{true, true, true}
	for _, c := range []struct {
		name   string
		total  int
		wanted []bool
		want   []int
	}{
		{"720p budget", 1700, all, []int{low.target, mid.target, 1700 - low.target - mid.target}},
		{"top capped", 10000, all, []int{low.target, mid.target, high.max}},
		{"top paused", low.target + mid.target + high.min - 1, all, []int{low.target, low.target + mid.target + high.min - 1 - low.target, 0}},
		{"only the low layer fits", low.target + mid.min - 1, all, []int{low.target + mid.min - 1, 0, 0}},
		{"below every minimum", 20, all, []int{vpx.MinBitrate, 0, 0}},
		{"dynacast: low only", 1700, []bool{true, false, false}, []int{low.max, 0, 0}},
		{"dynacast: up to 360p", 1700, []bool{true, true, false}, []int{low.target, min(1700-low.target, mid.max), 0}},
		{"nobody watches", 1700, []bool{false, false, false}, []int{0, 0, 0}},
	} {
		got := make([]int, 3)
		allocate(c.total, rates, c.wanted, got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%d kbps): %v, want %v", c.name, c.total, got, c.want)
		}
		if sum := got[0] + got[1] + got[2]; sum > max(c.total, vpx.MinBitrate) {
			t.Errorf("%s: %v spends %d kbps of %d", c.name, got, sum, c.total)
		}
	}
}

// layerFrame is one frame a layerRecorder got, decoded.
type layerFrame struct {
	key           bool
	width, height int
	captured      time.Time
}

// layerRecorder is a LayerSink that decodes every layer's stream with the
// real decoder, and whose layers the test turns on and off as dynacast
// would.
type layerRecorder struct {
	t        *testing.T
	mu       sync.Mutex
	decoders []*vpx.Decoder
	frames   [][]layerFrame
	disabled []atomic.Bool
}

func newLayerRecorder(t *testing.T, layers int) *layerRecorder {
	r := &layerRecorder{t: t, frames: make([][]layerFrame, layers), disabled: make([]atomic.Bool, layers)}
	for range layers {
		d, err := vpx.NewDecoder(vpx.VP8)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		r.decoders = append(r.decoders, d)
	}
	return r
}

func (r *layerRecorder) WriteLayer(layer int, frame []byte, captured time.Time, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := &media.I420{}
	ok, err := r.decoders[layer].Decode(frame, img)
	if err != nil || !ok {
		r.t.Errorf("layer %d frame %d: decode: %v", layer, len(r.frames[layer]), err)
		return nil
	}
	r.frames[layer] = append(r.frames[layer], layerFrame{key: frame[0]&1 == 0, width: img.Width, height: img.Height, captured: captured})
	return nil
}

func (r *layerRecorder) LayerEnabled(layer int) bool { return !r.disabled[layer].Load() }

// scriptedCamera is fastCamera that runs the test's actions before
// capturing picture n (from 0), and ends after limit pictures.
type scriptedCamera struct {
	fastCamera
	n, limit int
	before   map[int]func()
}

func (c *scriptedCamera) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	if c.n == c.limit {
		return time.Time{}, context.Canceled
	}
	if f := c.before[c.n]; f != nil {
		f()
	}
	c.n++
	return c.fastCamera.ReadFrame(ctx, dst)
}

// runSimulcast sends limit pictures of a w×h camera configured as 720p,
// with the actions given before some of them.
func runSimulcast(t *testing.T, w, h, limit, kbps int, before map[int]func(*Video, *layerRecorder)) (*layerRecorder, *Video) {
	t.Helper()
	cam, err := synth.NewCamera(synth.CameraConfig{Width: w, Height: h, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	layers := SimulcastLayers(1280, 720)
	rec := newLayerRecorder(t, len(layers))
	src := &scriptedCamera{fastCamera: fastCamera{cam: cam, t: time.Now()}, limit: limit, before: map[int]func(){}}
	v, err := NewSimulcastVideo(src, VideoConfig{Width: 1280, Height: 720, FPS: 30, BitrateKbps: kbps}, layers, rec)
	if err != nil {
		t.Fatal(err)
	}
	for n, f := range before {
		src.before[n] = func() { f(v, rec) }
	}
	// The camera's end reads as a failed source: Run was given no context
	// to end.
	if err := v.Run(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	return rec, v
}

// keyPictures numbers the pictures of a layer's keyframes from the
// test camera's 30 fps capture clock (picture 0 starts every layer),
// whatever the layer's frame rate.
func keyPictures(rec *layerRecorder, layer int) []int {
	t0 := rec.frames[0][0].captured
	var at []int
	for _, f := range rec.frames[layer] {
		if f.key {
			at = append(at, int((f.captured.Sub(t0)*30+time.Second/2)/time.Second))
		}
	}
	return at
}

func layerKeyframes(frames []layerFrame) []int {
	var at []int
	for i, f := range frames {
		if f.key {
			at = append(at, i)
		}
	}
	return at
}

// One 720p capture is sent as three streams, each decoding at its size,
// each starting with a keyframe: the top one at the camera's 30 fps, the
// two below at 20 (lowerLayerFPS), two pictures of every three.
func TestSimulcastEncodesEachLayerFromOneCapture(t *testing.T) {
	rec, v := runSimulcast(t, 1280, 720, 15, 1700, nil)
	sizes := [][2]int{{320, 180}, {640, 360}, {1280, 720}}
	counts := []int{10, 10, 15}
	for i, frames := range rec.frames {
		if len(frames) != counts[i] || !frames[0].key {
			t.Fatalf("layer %d: %d frames of 15 pictures, want %d; first key %v", i, len(frames), counts[i], len(frames) > 0 && frames[0].key)
		}
		for k, f := range frames {
			if f.width != sizes[i][0] || f.height != sizes[i][1] {
				t.Fatalf("layer %d decodes at %d×%d, want %v", i, f.width, f.height, sizes[i])
			}
			// The lower layers take the same pictures, with the capture
			// times the top layer gives them.
			if i < 2 && !f.captured.Equal(rec.frames[0][k].captured) {
				t.Fatalf("layer %d frame %d captured at %v, layer 0's at %v", i, k, f.captured, rec.frames[0][k].captured)
			}
			if !slices.ContainsFunc(rec.frames[2], func(top layerFrame) bool { return top.captured.Equal(f.captured) }) {
				t.Fatalf("layer %d frame %d captured at %v, a time the top layer never had", i, k, f.captured)
			}
		}
	}
	st := v.Stats()
	if st.Width != 1280 || st.Height != 720 || st.FramesEncoded != 15 || len(st.Layers) != 3 || !st.Layers[2].Sending {
		t.Fatalf("stats %+v", st)
	}
	if st.Bytes != st.Layers[0].Bytes+st.Layers[1].Bytes+st.Layers[2].Bytes || st.Layers[2].Bytes < 2*st.Layers[0].Bytes {
		t.Fatalf("bytes %d, per layer %d %d %d", st.Bytes, st.Layers[0].Bytes, st.Layers[1].Bytes, st.Layers[2].Bytes)
	}
}

// A layer the SFU stops forwarding is not encoded; when it is wanted
// again it starts with a keyframe.
func TestSimulcastDynacastPausesAndResumesLayers(t *testing.T) {
	var atPause, atResume uint64
	rec, v := runSimulcast(t, 1280, 720, 45, 1700, map[int]func(*Video, *layerRecorder){
		10: func(v *Video, r *layerRecorder) {
			r.disabled[2].Store(true)
			r.disabled[1].Store(true)
		},
		12: func(v *Video, r *layerRecorder) { atPause = v.Stats().Layers[2].FramesEncoded },
		30: func(v *Video, r *layerRecorder) {
			if st := v.Stats(); st.Layers[2].FramesEncoded != atPause || st.Layers[2].Sending || st.Width != 320 {
				t.Errorf("top layer encoded while disabled: %d frames, then %+v", atPause, st)
			}
			r.disabled[2].Store(false)
			r.disabled[1].Store(false)
			atResume = v.Stats().Layers[2].FramesEncoded
		},
	})
	top := rec.frames[2]
	if len(top) != 10+15 {
		t.Fatalf("top layer sent %d frames of 45 with 20 disabled", len(top))
	}
	if got := layerKeyframes(top); len(got) != 2 || got[1] != int(atResume) {
		t.Fatalf("top layer keyframes at %v, want [0 %d]: the first frame after resuming", got, atResume)
	}
	if got := layerKeyframes(rec.frames[0]); len(got) != 1 {
		t.Fatalf("low layer keyframes at %v: it never paused, it needs none", got)
	}
	// The low layer kept its 20 fps throughout; a picture counts as
	// encoded when any layer took it.
	pictures := map[time.Time]bool{}
	for _, frames := range rec.frames {
		for _, f := range frames {
			pictures[f.captured] = true
		}
	}
	if st := v.Stats(); len(rec.frames[0]) != 30 || st.FramesEncoded != uint64(len(pictures)) {
		t.Fatalf("low layer sent %d frames of 45 pictures (want 30); %d pictures encoded, %d in the streams",
			len(rec.frames[0]), st.FramesEncoded, len(pictures))
	}
}

// A PLI names one layer's stream: that layer alone sends a keyframe.
func TestSimulcastKeyframePerLayer(t *testing.T) {
	rec, _ := runSimulcast(t, 1280, 720, 30, 1700, map[int]func(*Video, *layerRecorder){
		20: func(v *Video, r *layerRecorder) { v.RequestLayerKeyframe(1) },
	})
	if got := keyPictures(rec, 1); len(got) != 2 || got[1] != 20 {
		t.Fatalf("middle layer keyframes at pictures %v, want [0 20]: at once, off its 20 fps schedule", got)
	}
	for _, i := range []int{0, 2} {
		if got := layerKeyframes(rec.frames[i]); len(got) != 1 {
			t.Fatalf("layer %d keyframes at %v, want [0]", i, got)
		}
	}
}

// A budget too small for 720p pauses the top layer rather than starving
// all three; a larger one brings it back.
func TestSimulcastBudgetPausesTopLayer(t *testing.T) {
	var during VideoStats
	rec, v := runSimulcast(t, 1280, 720, 60, 1700, map[int]func(*Video, *layerRecorder){
		10: func(v *Video, r *layerRecorder) { v.SetBitrate(500) },
		30: func(v *Video, r *layerRecorder) { during = v.Stats(); v.SetBitrate(1700) },
	})
	l := during.Layers
	if l[2].Sending || l[2].TargetKbps != 0 || !l[1].Sending || !l[0].Sending || l[0].TargetKbps+l[1].TargetKbps > 500 {
		t.Fatalf("at 500 kbps: %+v", l)
	}
	if st := v.Stats(); !st.Layers[2].Sending || st.Layers[2].TargetKbps < 1000 {
		t.Fatalf("back at 1700 kbps: %+v", st.Layers)
	}
	if got := layerKeyframes(rec.frames[2]); len(got) != 2 {
		t.Fatalf("top layer keyframes at %v: want its start and its restart", got)
	}
}

// A camera that delivers less than asked gets layers scaled from what it
// delivers; the layers too small to encode are left out.
func TestSimulcastFollowsSourceSize(t *testing.T) {
	rec, v := runSimulcast(t, 640, 360, 10, 1700, nil)
	sizes := [][2]int{{160, 90}, {320, 180}, {640, 360}}
	for i, frames := range rec.frames {
		if len(frames) == 0 || frames[0].width != sizes[i][0] || frames[0].height != sizes[i][1] || !frames[0].key {
			t.Fatalf("layer %d: %+v", i, frames)
		}
	}
	if st := v.Stats(); st.Width != 640 || st.Height != 360 {
		t.Fatalf("stats %+v", st)
	}
	rec, _ = runSimulcast(t, 4, 4, 5, 1700, nil)
	if len(rec.frames[0]) != 0 || len(rec.frames[1]) != 3 || len(rec.frames[2]) != 5 {
		// 4×4 gives 2×2 (at 20 fps: pictures 0, 2 and 3) and 4×4
		// layers; a quarter would be 1×1.
		t.Fatalf("tiny source: %d %d %d frames", len(rec.frames[0]), len(rec.frames[1]), len(rec.frames[2]))
	}
}

func TestNewSimulcastVideoRejectsBadLayers(t *testing.T) {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	cfg := VideoConfig{Width: 640, Height: 360, FPS: 30, BitrateKbps: 800}
	for _, layers := range [][]Layer{nil, {{ScaleDown: 1}, {ScaleDown: 2}}, {{ScaleDown: 0}}} {
		if _, err := NewSimulcastVideo(cam, cfg, layers, newLayerRecorder(t, 2)); err == nil {
			t.Errorf("layers %v accepted", layers)
		}
	}
}
