package send

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
)

// clipSource replays pictures of the synthetic camera drawn beforehand,
// as fast as they are taken, 30 fps apart on the capture clock, so a
// benchmark measures the sender and not the drawing.
type clipSource struct {
	frames  []*media.I420
	t       time.Time
	n, end  int
	onStart func()
}

func newClip(b *testing.B, w, h, n int) *clipSource {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: w, Height: h, FPS: 30})
	if err != nil {
		b.Fatal(err)
	}
	c := &clipSource{t: time.Now()}
	for i := range n {
		img := media.NewI420(w, h)
		cam.Draw(img, c.t.Add(time.Duration(i)*time.Second/30))
		c.frames = append(c.frames, img)
	}
	return c
}

func (c *clipSource) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	if c.n == c.end {
		return time.Time{}, io.EOF
	}
	if c.n == 0 && c.onStart != nil {
		c.onStart()
	}
	f := c.frames[c.n%len(c.frames)]
	dst.Resize(f.Width, f.Height)
	copy(dst.Y, f.Y)
	copy(dst.U, f.U)
	copy(dst.V, f.V)
	c.n++
	c.t = c.t.Add(time.Second / 30)
	return c.t, nil
}

// nullLayers takes the layers it wants and sends nothing.
type nullLayers struct{ want []bool }

func (nullLayers) WriteLayer(int, []byte, time.Time, time.Duration) error { return nil }
func (n nullLayers) LayerEnabled(i int) bool                              { return n.want == nil || n.want[i] }

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchmarkSender runs a sender over b.N pictures of a 720p clip and
// reports the CPU it used as a share of one core at 30 fps (process CPU
// time, the figure that matters on a two-core machine that also decodes
// the others), and each layer's encode time (wall time: on a loaded
// machine it includes waits for a core). want, for simulcast, selects
// the layers sent, as dynacast would.
func benchmarkSender(b *testing.B, simulcast bool, want []bool, kbps int) {
	clip := newClip(b, 1280, 720, 60)
	cfg := VideoConfig{Width: 1280, Height: 720, FPS: 30, BitrateKbps: kbps}
	var v *Video
	var err error
	if simulcast {
		v, err = NewSimulcastVideo(clip, cfg, SimulcastLayers(1280, 720), nullLayers{want})
	} else {
		v, err = NewVideo(clip, cfg, func([]byte, time.Duration, uint8) error { return nil })
	}
	if err != nil {
		b.Fatal(err)
	}
	var cpu0 time.Duration
	b.ReportAllocs()
	clip.end = b.N
	clip.onStart = func() {
		b.ResetTimer()
		cpu0 = cpuTime(b)
	}
	if err := v.Run(context.Background()); !errors.Is(err, io.EOF) {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	// b.N pictures are b.N/30 seconds of video.
	b.ReportMetric(100*cpu.Seconds()/(float64(b.N)/30), "cpu%@30fps")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/frame")
	st := v.Stats()
	b.ReportMetric(float64(st.Bytes)/float64(b.N), "bytes/frame")
	for i, l := range v.layers {
		if n := l.frames.Load(); n > 0 {
			b.ReportMetric(float64(l.encodeNs.Load())/1e6/float64(b.N), fmt.Sprintf("L%d-%dp-wall-ms/frame", i, l.height.Load()))
		}
	}
}

// BenchmarkSimulcast720p30 is issue 3's benchmark: one 720p capture
// encoded as 180p, 360p and 720p layers at the 1.7 Mbps a 720p camera is
// given (goal: under 35 % of one core), then each layer alone at the
// bitrate it has among the three (its CPU cost, scaling included).
func BenchmarkSimulcast720p30(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchmarkSender(b, true, nil, 1700) })
	var rates []layerRates
	for _, l := range SimulcastLayers(1280, 720) {
		rates = append(rates, ratesFor(l.Width, l.Height))
	}
	kbps := []int{rates[0].target, rates[1].target, 1700 - rates[0].target - rates[1].target}
	for i, name := range []string{"180p", "360p", "720p"} {
		want := make([]bool, 3)
		want[i] = true
		b.Run(name, func(b *testing.B) { benchmarkSender(b, true, want, kbps[i]) })
	}
}

// BenchmarkSingle720p30 is the same capture sent as one 720p stream at
// the top layer's bitrate: the baseline simulcast adds to.
func BenchmarkSingle720p30(b *testing.B) { benchmarkSender(b, false, nil, 1126) }
