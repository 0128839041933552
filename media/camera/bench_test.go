package camera

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"

	"github.com/pion/mediadevices/pkg/frame"
)

// The conversions at 1280×720, the size a call asks of a camera. ns/op
// is the time a frame; allocs/op must be 0 for the raw layouts.

func benchConvert(b *testing.B, p PixelFormat) {
	f := Format{Pixel: p, Width: 1280, Height: 720}
	src := rawFrame(f)
	var c Converter
	dst := &media.I420{}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Convert(dst, src, f, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvertYUYV(b *testing.B) { benchConvert(b, YUYV) }
func BenchmarkConvertUYVY(b *testing.B) { benchConvert(b, UYVY) }
func BenchmarkConvertNV12(b *testing.B) { benchConvert(b, NV12) }
func BenchmarkConvertI420(b *testing.B) { benchConvert(b, I420) }

// cameraJPEG is a 720p frame of the synthetic camera's pattern as a
// webcam would compress it (quality 85).
func cameraJPEG(b *testing.B) []byte {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 1280, Height: 720, FPS: 30})
	if err != nil {
		b.Fatal(err)
	}
	pic := media.NewI420(1280, 720)
	cam.Draw(pic, time.UnixMilli(1_700_000_000_000))
	m := &image.YCbCr{Y: pic.Y, Cb: pic.U, Cr: pic.V, YStride: pic.YStride, CStride: pic.CStride,
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, 1280, 720)}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkConvertMJPEG(b *testing.B) {
	src := cameraJPEG(b)
	var c Converter
	dst := &media.I420{}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Convert(dst, src, Format{Pixel: MJPEG, Width: 1280, Height: 720}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibJPEGDecode is image/jpeg alone on the same frame: the
// floor of BenchmarkConvertMJPEG, whose difference is the copy into I420.
func BenchmarkStdlibJPEGDecode(b *testing.B) {
	src := cameraJPEG(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMediadevicesYUYV is what reading YUYV through mediadevices'
// frame decoder would cost (its V4L2 reader also copies the frame out of
// the driver's buffer first): a 4:2:2 picture allocated a frame, then
// brought to 4:2:0.
func BenchmarkMediadevicesYUYV(b *testing.B) {
	src := rawFrame(Format{Pixel: YUYV, Width: 1280, Height: 720})
	dec, err := frame.NewDecoder(frame.FormatYUYV)
	if err != nil {
		b.Fatal(err)
	}
	dst := &media.I420{}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		img, release, err := dec.Decode(src, 1280, 720)
		if err != nil {
			b.Fatal(err)
		}
		if err := FromYCbCr(dst, img); err != nil {
			b.Fatal(err)
		}
		release()
	}
}
