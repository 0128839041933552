package vpx

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"causerie/media"
)

// TestSweep measures encode time, size and quality over speed and thread
// settings; it is how the defaults in defaults.go were chosen. It only runs
// when VPX_SWEEP is set, e.g.
//
//	VPX_SWEEP=1 go test -run Sweep -v ./media/vpx/
func TestSweep(t *testing.T) {
	if os.Getenv("VPX_SWEEP") == "" {
		t.Skip("set VPX_SWEEP=1 to measure encoder settings")
	}
	type res struct{ w, h, kbps int }
	resolutions := []res{{640, 360, 600}, {1280, 720, 1500}}
	speeds := map[Codec][]int{
		VP8: {-4, -6, -8, -10, -12, -16},
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
		for _, codec := range []Codec{VP8, VP9} {
			for _, speed := range speeds[codec] {
				for _, threads := range []int{1, 2} {
					ms, bytes, psnr := measureEncode(t, src, EncoderConfig{
						Codec: codec, Width: r.w, Height: r.h, FPS: 30,
						BitrateKbps: r.kbps, Speed: speed, Threads: threads,
					}, frames)
					t.Logf("%s %dx%d@%dk speed %3d threads %d: %6.2f ms/frame %6.0f B/frame %5.2f dB",
						codec, r.w, r.h, r.kbps, speed, threads, ms, bytes, psnr)
				}
			}
		}
	}
}

// measureEncode encodes n frames in real time order and returns the mean
// encode time, mean frame size (dropped frames count as 0 bytes) and mean
// luma PSNR of the decoded pictures.
func measureEncode(t *testing.T, src clip, cfg EncoderConfig, n int) (ms, bytes, psnr float64) {
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
		total   int
		sumPSNR float64
		shown   int
	)
	for i := 0; i < n; i++ {
		img := src.at(i)
		start := time.Now()
		buf, _, err = enc.Encode(img, ptsOf(i, cfg.FPS), false, buf)
		elapsed += time.Since(start)
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
		t.Fatal(fmt.Sprintf("%s: no pictures decoded", cfg.Codec))
	}
	return float64(elapsed.Microseconds()) / 1000 / float64(n), float64(total) / float64(n), sumPSNR / float64(shown)
}
