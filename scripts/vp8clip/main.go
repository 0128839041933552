// Command vp8clip compares Causerie's VP8 encoding with libvpx's own
// vpxenc on the same pictures. scripts/bench-simulcast.sh runs it:
//
//	vp8clip write -o clip.y4m [-width 1280 -height 720 -frames 150] [-scale 2 -fps 20]
//
// writes the synthetic camera's pictures (30 fps) as a Y4M clip, which
// vpxenc reads. With -scale and -fps it writes what a simulcast layer
// encodes instead: each picture halved as the sender halves it
// (media.Downscale, once per factor of two), and only the pictures its
// frame rate keeps (two of three at 20 fps). And
//
//	vp8clip encode -kbps 1126 [-fps 30] clip.y4m
//
// encodes the clip with media/vpx as the camera sender does (same
// encoder settings, 90 kHz timestamps at the given frame rate) and prints
// one JSON line: frames, bytes, and the CPU time of the encoding loop.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"causerie/media"
	"causerie/media/synth"
	"causerie/media/vpx"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("vp8clip: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: vp8clip write|encode [flags]")
	}
	var err error
	switch os.Args[1] {
	case "write":
		err = write(os.Args[2:])
	case "encode":
		err = encode(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (write or encode)", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

func write(args []string) error {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	out := fs.String("o", "", "the Y4M file to write")
	w := fs.Int("width", 1280, "picture width")
	h := fs.Int("height", 720, "picture height")
	n := fs.Int("frames", 150, "pictures taken (at 30 fps)")
	scale := fs.Int("scale", 1, "halve the pictures this many times over: 1, 2, 4 or 8")
	fps := fs.Int("fps", 30, "keep this many pictures a second (at most 30)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("write: -o is required")
	}
	if *scale < 1 || *scale > 8 || *scale&(*scale-1) != 0 {
		return fmt.Errorf("write: -scale %d: 1, 2, 4 or 8", *scale)
	}
	if *fps < 1 || *fps > 30 {
		return fmt.Errorf("write: -fps %d: 1 to 30", *fps)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := writeClip(bw, *w, *h, *n, *scale, *fps, time.Now()); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeClip writes n pictures of the synthetic camera, taken at 30 fps
// from start, as a Y4M clip: each halved as often as scale is a power of
// two, and only those that start a new 1/fps slot.
func writeClip(out io.Writer, w, h, n, scale, fps int, start time.Time) error {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: w, Height: h, FPS: 30})
	if err != nil {
		return err
	}
	// The halvings, as the sender chains its layers: 720p, then 360p
	// from 720p, then 180p from 360p.
	pics := []*media.I420{media.NewI420(w, h)}
	for s := 2; s <= scale; s *= 2 {
		prev := pics[len(pics)-1]
		pics = append(pics, media.NewI420(prev.Width/2&^1, prev.Height/2&^1))
	}
	img := pics[len(pics)-1]
	fmt.Fprintf(out, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", img.Width, img.Height, fps)
	for i := range n {
		if i > 0 && i*fps/30 == (i-1)*fps/30 {
			continue
		}
		cam.Draw(pics[0], start.Add(time.Duration(i)*time.Second/30))
		for k := 1; k < len(pics); k++ {
			media.Downscale(pics[k], pics[k-1])
		}
		for _, b := range [][]byte{[]byte("FRAME\n"), img.Y, img.U, img.V} {
			if _, err := out.Write(b); err != nil {
				return err
			}
		}
	}
	return nil
}

func encode(args []string) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	kbps := fs.Int("kbps", 1126, "target bitrate")
	fps := fs.Int("fps", 30, "the clip's frame rate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fps < 1 || *fps > 30 {
		return fmt.Errorf("encode: -fps %d: 1 to 30", *fps)
	}
	if fs.NArg() != 1 {
		return errors.New("encode: one Y4M file expected")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	// A buffer smaller than a plane: bufio then reads the planes straight
	// into the picture, one copy from the page cache as vpxenc's fread.
	r := bufio.NewReaderSize(f, 64<<10)
	w, h, err := readHeader(r)
	if err != nil {
		return err
	}
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Codec: vpx.VP8, Width: w, Height: h, FPS: *fps, BitrateKbps: *kbps})
	if err != nil {
		return err
	}
	defer enc.Close()
	img := media.NewI420(w, h)
	var out []byte
	frames, bytes := 0, 0
	var encoding time.Duration
	cpu0 := cpuTime()
	for {
		if err := readFrame(r, img); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		start := time.Now()
		frame, _, err := enc.Encode(img, int64(frames)*vpx.TimeBase/int64(*fps), frames == 0, out[:0])
		if err != nil {
			return err
		}
		encoding += time.Since(start)
		out = frame
		frames++
		bytes += len(frame)
	}
	cpu := cpuTime() - cpu0
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"frames": frames, "bytes": bytes, "kbps": *kbps,
		"loop_cpu_s":    cpu.Seconds(),
		"encode_wall_s": encoding.Seconds(),
		"cpu_ms_frame":  float64(cpu.Microseconds()) / 1000 / float64(max(frames, 1)),
	})
}

// readHeader reads a Y4M stream header; only 4:2:0 is accepted.
func readHeader(r *bufio.Reader) (w, h int, err error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("y4m header: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 || fields[0] != "YUV4MPEG2" {
		return 0, 0, errors.New("not a Y4M file")
	}
	for _, f := range fields[1:] {
		switch f[0] {
		case 'W':
			w, err = strconv.Atoi(f[1:])
		case 'H':
			h, err = strconv.Atoi(f[1:])
		case 'C':
			if !strings.HasPrefix(f, "C420") {
				return 0, 0, fmt.Errorf("y4m colour space %s: only 4:2:0", f)
			}
		}
		if err != nil {
			return 0, 0, fmt.Errorf("y4m header %q: %w", f, err)
		}
	}
	if w <= 0 || h <= 0 || w > vpx.MaxDimension || h > vpx.MaxDimension {
		return 0, 0, fmt.Errorf("y4m size %d×%d", w, h)
	}
	return w, h, nil
}

func readFrame(r *bufio.Reader, img *media.I420) error {
	line, err := r.ReadString('\n')
	if err == io.EOF && line == "" {
		return io.EOF
	}
	if err != nil || !strings.HasPrefix(line, "FRAME") {
		return fmt.Errorf("y4m frame header %q: %v", line, err)
	}
	for _, p := range [][]byte{img.Y, img.U, img.V} {
		if _, err := io.ReadFull(r, p); err != nil {
			return fmt.Errorf("y4m frame: %w", err)
		}
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
