package send

import (
	"context"
	"sync"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
)

// fastCamera is the synthetic camera without its pacing: frames as fast
// as the sender takes them, 33 ms apart on the capture clock.
type fastCamera struct {
	cam *synth.Camera
	t   time.Time
}

func (c *fastCamera) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	c.t = c.t.Add(time.Second / 30)
	c.cam.Draw(dst, c.t)
	return c.t, nil
}

type sentFrame struct {
	size int
	key  bool
}

// recorder is a sink that lets the test act after the nth frame.
type recorder struct {
	mu     sync.Mutex
	frames []sentFrame
	after  map[int]func()
	stop   context.CancelFunc
	limit  int
}

func (r *recorder) write(frame []byte, d time.Duration, level uint8) error {
	r.mu.Lock()
	// VP8 payload header: bit 0 clear on keyframes (RFC 6386 §9.1).
	r.frames = append(r.frames, sentFrame{size: len(frame), key: frame[0]&1 == 0})
	n := len(r.frames)
	r.mu.Unlock()
	if f := r.after[n]; f != nil {
		f()
	}
	if n == r.limit {
		r.stop()
	}
	return nil
}

func runVideo(t *testing.T, limit int, after map[int]func(*Video)) ([]sentFrame, *Video) {
	t.Helper()
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{stop: cancel, limit: limit, after: map[int]func(){}}
	v, err := NewVideo(&fastCamera{cam: cam, t: time.Now()}, VideoConfig{Width: 640, Height: 360, FPS: 30, BitrateKbps: 800}, rec.write)
	if err != nil {
		t.Fatal(err)
	}
	for n, f := range after {
		rec.after[n] = func() { f(v) }
	}
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return rec.frames, v
}

func keyframesAt(frames []sentFrame) []int {
	var at []int
	for i, f := range frames {
		if f.key {
			at = append(at, i)
		}
	}
	return at
}

func TestVideoKeyframesOnRequest(t *testing.T) {
	frames, v := runVideo(t, 60, map[int]func(*Video){
		20: (*Video).RequestKeyframe, // a PLI
		21: (*Video).RequestKeyframe, // and a burst of them after its keyframe
		22: (*Video).RequestKeyframe,
		45: (*Video).RequestKeyframe, // a later one, within 500 ms of the burst's
	})
	// The burst waits for the 500 ms spacing, then gets one keyframe; the
	// later request waits in turn. None is lost.
	got := keyframesAt(frames)
	want := []int{0, 20, firstAfterInterval(20), firstAfterInterval(firstAfterInterval(20))}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("keyframes at %v, want %v (requests answered at most every 500 ms, none dropped)", got, want)
	}
	if st := v.Stats(); st.FramesEncoded != 60 || st.Keyframes != 4 || st.EncodeMsP50 <= 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestVideoMuteResumesWithKeyframe(t *testing.T) {
	frames, _ := runVideo(t, 40, map[int]func(*Video){
		10: func(v *Video) {
			v.SetMuted(true)
			go func() { time.Sleep(50 * time.Millisecond); v.SetMuted(false) }()
		},
	})
	if got := keyframesAt(frames); len(got) != 2 || got[1] != 10 {
		t.Fatalf("keyframes at %v, want [0 10]: the first frame after unmuting", got)
	}
}

func TestVideoBitrateWhileRunning(t *testing.T) {
	frames, _ := runVideo(t, 120, map[int]func(*Video){60: func(v *Video) { v.SetBitrate(150) }})
	avg := func(fs []sentFrame) float64 {
		sum := 0
		for _, f := range fs {
			sum += f.size
		}
		return float64(sum) / float64(len(fs))
	}
	high, low := avg(frames[30:60]), avg(frames[90:120])
	if low > high/2 {
		t.Fatalf("average frame %0.f bytes at 800 kbps, %.0f at 150 kbps: bitrate change not applied", high, low)
	}
}

func TestLevel(t *testing.T) {
	full := make([]int16, 960)
	for i := range full {
		full[i] = 32767
		if i%2 == 1 {
			full[i] = -32768
		}
	}
	quarter := make([]int16, 960)
	for i := range quarter {
		quarter[i] = full[i] / 4
	}
	if Level(full) != 0 || Level(make([]int16, 960)) != 127 || Level(quarter) != 12 {
		t.Fatalf("levels %d %d %d, want 0 127 12", Level(full), Level(make([]int16, 960)), Level(quarter))
	}
}

// A camera that cannot honour the requested format delivers pictures of
// another size: the encoder follows them.
func TestVideoFollowsSourceSize(t *testing.T) {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 320, Height: 180, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{stop: cancel, limit: 10, after: map[int]func(){}}
	v, err := NewVideo(&fastCamera{cam: cam, t: time.Now()}, VideoConfig{Width: 640, Height: 360, FPS: 30, BitrateKbps: 500}, rec.write)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if st := v.Stats(); st.FramesEncoded != 10 || st.Width != 320 || st.Height != 180 || !rec.frames[0].key {
		t.Fatalf("stats %+v, first frame key %v", st, rec.frames[0].key)
	}
}
