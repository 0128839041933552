// Package cameratest gives tests cameras on a machine without one: a
// mediadevices camera driver registered with the real driver manager and
// used through its wrapper (Open, Properties, VideoRecord, Close and
// their state checks), which can be unplugged mid-stream.
package cameratest

import (
	"context"
	"image"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"causerie/media"
	"causerie/media/synth"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// LabelPrefix starts the driver label of every test camera, so Query
// finds them among the machine's.
const LabelPrefix = "causerie-test-"

// Camera does what mediadevices' V4L2 driver does: pictures of the
// layout asked for as mediadevices decodes them (4:2:2 for YUYV and
// UYVY, 4:2:0 for the others), at the frame rate, each stamped by the
// synthetic camera with its capture time (synth.ReadStamp reads it); and,
// once told to fail, the error a read gets from an unplugged camera
// (ENODEV), after which it leaves the manager as a rescan would drop it.
type Camera struct {
	Label, Name string
	formats     []prop.Media
	failAfter   atomic.Int64 // frames before the failure; <0 never
	hang        atomic.Bool  // reads block until Close, as DirectShow's do when unplugged
	frames      atomic.Int64
	opened      atomic.Int32

	mu     sync.Mutex
	closed chan struct{}
}

// New registers a camera called name (label LabelPrefix+id, which ends
// like a V4L2 one with ";videoN" to be sorted as the node N) with
// formats, and unregisters it when t ends.
func New(t testing.TB, id, name string, formats ...prop.Media) *Camera {
	c := &Camera{Label: LabelPrefix + id, Name: name, formats: formats}
	c.failAfter.Store(-1)
	c.Plug()
	t.Cleanup(c.Unplug)
	return c
}

// YUYV lists YUYV formats, each {width, height, fps}.
func YUYV(sizes ...[3]int) []prop.Media {
	var out []prop.Media
	for _, s := range sizes {
		out = append(out, prop.Media{Video: prop.Video{Width: s[0], Height: s[1], FrameRate: float32(s[2]), FrameFormat: frame.FormatYUYV}})
	}
	return out
}

// plugged are the cameras plugged in, by label: a rescan of the
// machine's cameras (System.List) empties the manager's list of cameras,
// and Query puts them back.
var (
	pluggedMu sync.Mutex
	plugged   = map[string]*Camera{}
)

// Query returns the test cameras plugged in now: a camera.Drivers's
// Query.
func Query() []driver.Driver {
	pluggedMu.Lock()
	defer pluggedMu.Unlock()
	m := driver.GetManager()
	have := map[string]bool{}
	var out []driver.Driver
	for _, d := range m.Query(driver.FilterDeviceType(driver.Camera)) {
		if l := d.Info().Label; strings.HasPrefix(l, LabelPrefix) {
			have[l] = true
			out = append(out, d)
		}
	}
	for label, c := range plugged {
		if !have[label] {
			c.register()
			out = append(out, m.Query(func(d driver.Driver) bool { return d.Info().Label == label })...)
		}
	}
	return out
}

// Plug registers the camera (again): it is listed from now on, and
// works until FailAfter says otherwise.
func (c *Camera) Plug() {
	c.failAfter.Store(-1)
	c.hang.Store(false)
	pluggedMu.Lock()
	defer pluggedMu.Unlock()
	plugged[c.Label] = c
	c.register()
}

func (c *Camera) register() {
	driver.GetManager().Register(c, driver.Info{Label: c.Label, Name: c.Name + ";usb-0000:00:14.0-1",
		DeviceType: driver.Camera})
}

// Unplug removes the camera from the manager's list.
func (c *Camera) Unplug() {
	pluggedMu.Lock()
	defer pluggedMu.Unlock()
	delete(plugged, c.Label)
	m := driver.GetManager()
	for _, d := range m.Query(driver.FilterDeviceType(driver.Camera)) {
		if d.Info().Label == c.Label {
			m.Delete(d.ID())
		}
	}
}

// FailAfter makes the camera fail, unplugged, once it has given n more
// frames.
func (c *Camera) FailAfter(n int) { c.failAfter.Store(c.frames.Load() + int64(n)) }

// Hang makes the camera's reads block until it is closed, delivering
// nothing and no error: what DirectShow's reader does when its camera is
// unplugged.
func (c *Camera) Hang() { c.hang.Store(true) }

// Frames is how many frames the camera has given.
func (c *Camera) Frames() int64 { return c.frames.Load() }

// Opened is how many times the camera is open now (0 or 1).
func (c *Camera) Opened() int32 { return c.opened.Load() }

// Open, Close, Properties and VideoRecord are the driver's.

func (c *Camera) Open() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opened.Add(1)
	c.closed = make(chan struct{})
	return nil
}

func (c *Camera) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opened.Add(-1)
	close(c.closed)
	return nil
}

func (c *Camera) Properties() []prop.Media { return c.formats }

func (c *Camera) VideoRecord(p prop.Media) (video.Reader, error) {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: p.Width, Height: p.Height, FPS: int(p.FrameRate)})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	pic := &media.I420{}
	return video.ReaderFunc(func() (image.Image, func(), error) {
		select {
		case <-closed:
			return nil, func() {}, io.EOF
		default:
		}
		if c.hang.Load() {
			<-closed
			return nil, func() {}, io.EOF
		}
		if n := c.failAfter.Load(); n >= 0 && c.frames.Load() >= n {
			c.Unplug()
			return nil, func() {}, syscall.ENODEV
		}
		// Paced as the camera is; a driver's reader cannot be
		// interrupted either.
		if _, err := cam.ReadFrame(context.Background(), pic); err != nil {
			return nil, func() {}, err
		}
		c.frames.Add(1)
		return asDecoded(pic, p.FrameFormat), func() {}, nil
	}), nil
}

// asDecoded gives pic the layout mediadevices' decoder gives the frame
// format: 4:2:2 (chroma rows doubled) for packed formats, 4:2:0 else.
func asDecoded(pic *media.I420, ff frame.Format) image.Image {
	r := image.Rect(0, 0, pic.Width, pic.Height)
	if ff != frame.FormatYUYV && ff != frame.FormatUYVY && ff != frame.FormatYUY2 {
		return &image.YCbCr{Y: pic.Y, Cb: pic.U, Cr: pic.V, YStride: pic.YStride, CStride: pic.CStride,
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r}
	}
	m := image.NewYCbCr(r, image.YCbCrSubsampleRatio422)
	copy(m.Y, pic.Y)
	for y := 0; y < pic.Height; y++ {
		copy(m.Cb[y*m.CStride:(y+1)*m.CStride], pic.U[y/2*pic.CStride:])
		copy(m.Cr[y*m.CStride:(y+1)*m.CStride], pic.V[y/2*pic.CStride:])
	}
	return m
}
