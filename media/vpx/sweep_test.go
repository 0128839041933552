package vpx

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"causerie/media"
)

// TestSweep measures encode time, size and quality over speed and thread
// settings; it is how the defaults in defaults.go were chosen. It only runs
// when VPX_SWEEP is set, e.g.
//
//	VPX_SWEEP=1 go test -run Sweep -v -timeout 1h ./media/vpx/
//
// VPX_SWEEP_CODEC=vp8|vp9 and VPX_SWEEP_SPEEDS=-6,-8 narrow the sweep;
// VPX_SWEEP_1080=1 adds 1920x1080.
func TestSweep(t *testing.T) {
	if os.Getenv("VPX_SWEEP") == "" {
		t.Skip("set VPX_SWEEP=1 to measure encoder settings")
	}
	type res struct{ w, h, kbps int }
	resolutions := []res{{640, 360, 600}, {1280, 720, 1500}}
	if os.Getenv("VPX_SWEEP_1080") != "" {
		resolutions = append(resolutions, res{1920, 1080, 2500})
	}
	codecs := []Codec{VP8, VP9}
	switch os.Getenv("VPX_SWEEP_CODEC") {
	case "vp8":
		codecs = []Codec{VP8}
	case "vp9":
		codecs = []Codec{VP9}
	}
	speeds := map[Codec][]int{
		VP8: {-4, -6, -8, -10, -12},
		VP9: {5, 6, 7, 8, 9},
	}
	if s := os.Getenv("VPX_SWEEP_SPEEDS"); s != "" {
		speeds[VP8], speeds[VP9] = nil, nil
		for _, f := range strings.Split(s, ",") {
			v, _ := strconv.Atoi(f)
			speeds[VP8] = append(speeds[VP8], v)
			speeds[VP9] = append(speeds[VP9], v)
		}
	}
	const frames = 150
	for _, r := range resolutions {
		src := newClip(r.w, r.h, 30)
		for _, codec := range codecs {
			for _, speed := range speeds[codec] {
				for _, threads := range []int{1, 2} {
					cfg := EncoderConfig{
						Codec: codec, Width: r.w, Height: r.h, FPS: 30,
						BitrateKbps: r.kbps, Speed: speed, Threads: threads,
					}
					// Best of three: the machine is shared, and noise
					// only ever adds time.
					var m encodeStats
					for rep := 0; rep < 3; rep++ {
						m = m.best(measureEncode(t, src, cfg, frames))
					}
					t.Logf("%s %dx%d@%dk speed %3d threads %d: %6.2f ms/frame wall %6.2f ms/frame cpu %6.0f B/frame %5.2f dB",
						codec, r.w, r.h, r.kbps, speed, threads, m.wallMs, m.cpuMs, m.bytes, m.psnr)
				}
			}
		}
	}
}

type encodeStats struct {
	wallMs, cpuMs float64 // mean encode time per frame
	bytes         float64 // mean frame size, drops counted as 0
	psnr          float64 // mean luma PSNR of decoded pictures
}

func (s encodeStats) best(o encodeStats) encodeStats {
	if s.wallMs == 0 {
		return o
	}
	s.wallMs = min(s.wallMs, o.wallMs)
	s.cpuMs = min(s.cpuMs, o.cpuMs)
	return s
}

// cpuTime is the process's user+system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureEncode encodes n frames in real time order.
func measureEncode(t *testing.T, src clip, cfg EncoderConfig, n int) encodeStats {
	t.Helper()
	enc, err := NewEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := NewDecoder(cfg.Codec)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var (
		buf     []byte
		out     media.I420
		elapsed time.Duration
		cpu     time.Duration
		total   int
		sumPSNR float64
		shown   int
	)
	for i := 0; i < n; i++ {
		img := src.at(i)
		start, startCPU := time.Now(), cpuTime()
		buf, _, err = enc.Encode(img, ptsOf(i, cfg.FPS), false, buf)
		elapsed += time.Since(start)
		cpu += cpuTime() - startCPU
		if err != nil {
			t.Fatal(err)
		}
		total += len(buf)
		if len(buf) == 0 {
			continue
		}
		ok, err := dec.Decode(buf, &out)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			sumPSNR += psnrY(img, &out)
			shown++
		}
	}
	if shown == 0 {
		t.Fatalf("%s: no pictures decoded", cfg.Codec)
	}
	return encodeStats{
		wallMs: float64(elapsed.Microseconds()) / 1000 / float64(n),
		cpuMs:  float64(cpu.Microseconds()) / 1000 / float64(n),
		bytes:  float64(total) / float64(n),
		psnr:   sumPSNR / float64(shown),
	}
}
