//go:build linux

package camera

import (
	"context"
	"errors"
	"fmt"
	"time"

	"causerie/media"

	"github.com/blackjack/webcam"
	"golang.org/x/sys/unix"
)

// v4l2Buffers is how many buffers the driver fills: one being converted,
// one ready, one being captured, so a conversion that takes a frame's
// time does not make the camera drop one.
const v4l2Buffers = 3

// v4l2Stalled is how long a camera may deliver nothing before it is
// taken for lost: a camera being unplugged may stop without an error,
// and the slowest ones (5 fps at night) send one every 200 ms.
const v4l2Stalled = 5 // seconds, the unit of webcam.WaitForFrame

// fourcc are the V4L2 pixel format codes of the layouts we read.
var fourcc = map[PixelFormat]webcam.PixelFormat{
	I420:  code("YU12"),
	NV12:  code("NV12"),
	NV21:  code("NV21"),
	YUYV:  code("YUYV"),
	UYVY:  code("UYVY"),
	MJPEG: code("MJPG"),
}

func code(s string) webcam.PixelFormat {
	return webcam.PixelFormat(uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24)
}

// v4l2Stream captures from a V4L2 node with memory-mapped buffers and
// converts each frame out of the driver's buffer, without copying it
// first.
type v4l2Stream struct {
	cam  *webcam.Webcam
	f    Format
	conv Converter
}

func openV4L2(path string, f Format) (Stream, error) {
	pf, ok := fourcc[f.Pixel]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, f.Pixel)
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", path, err)
	}
	got, _, _, err := cam.SetImageFormat(pf, uint32(f.Width), uint32(f.Height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: %s in %v: %w", path, f, err)
	}
	if got != pf {
		// The driver put another layout in place of the one it listed:
		// its frames would be read as what they are not.
		cam.Close()
		return nil, fmt.Errorf("%w: %s gives %#x for %v", ErrNoFormat, path, uint32(got), f)
	}
	if f.FPS > 0 {
		// Some drivers have no frame interval to set: they send at
		// their own rate, which is no reason to refuse them.
		_ = cam.SetFramerate(float32(f.FPS))
	}
	if err := cam.SetBufferCount(v4l2Buffers); err != nil {
		cam.Close()
		return nil, err
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: start %s: %w", path, err)
	}
	return &v4l2Stream{cam: cam, f: f}, nil
}

func (s *v4l2Stream) Format() Format { return s.f }

// Read waits a second at a time, so that it returns within a second of
// ctx ending.
func (s *v4l2Stream) Read(ctx context.Context, dst *media.I420) (time.Time, error) {
	waited := 0
	for {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		err := s.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		switch {
		case errors.As(err, &timeout):
			if waited++; waited >= v4l2Stalled {
				return time.Time{}, fmt.Errorf("camera: no frame for %d s", waited)
			}
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return time.Time{}, fmt.Errorf("camera: wait: %w", err)
		}
		buf, index, err := s.cam.GetFrame()
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("camera: read: %w", err)
		}
		captured := time.Now()
		if len(buf) == 0 {
			_ = s.cam.ReleaseFrame(index)
			continue
		}
		err = s.conv.Convert(dst, buf, s.f, s.stride(len(buf)))
		if rerr := s.cam.ReleaseFrame(index); err == nil && rerr != nil {
			err = fmt.Errorf("camera: requeue: %w", rerr)
		}
		return captured, err
	}
}

// stride infers the bytes a row from a raw frame's length: the driver
// may pad rows (bytesperline), which webcam does not report.
func (s *v4l2Stream) stride(n int) int {
	w, h := s.f.Width, s.f.Height
	switch s.f.Pixel {
	case YUYV, UYVY:
		if n%h == 0 && n/h >= 2*w {
			return n / h
		}
	case NV12, NV21, I420:
		if rows := h + h/2; h%2 == 0 && n%rows == 0 && n/rows >= w {
			return n / rows
		}
	}
	return 0
}

func (s *v4l2Stream) Close() error {
	s.conv.Close()
	return s.cam.Close()
}
