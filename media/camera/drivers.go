package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"causerie/media"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// Drivers is a Backend over mediadevices' drivers that query returns:
// the ones its camera package registered (System does that), or others
// a program or a test registered with driver.GetManager().
type Drivers struct {
	// Query returns the drivers of the cameras there are now.
	Query func() []driver.Driver
}

// List returns the cameras the drivers know, sorted by label (on Linux,
// by video node after the stable names), the default first.
func (b Drivers) List() ([]Device, error) {
	var list []Device
	for _, d := range sortedDrivers(b.Query()) {
		list = append(list, Device{ID: d.Info().Label, Name: humanName(d.Info())})
	}
	uniqueNames(list)
	return list, nil
}

// sortedDrivers puts the drivers mediadevices prefers first (its
// priority: on Linux /dev/video0), then by label.
func sortedDrivers(ds []driver.Driver) []driver.Driver {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Info(), ds[j].Info()
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return nodeOrder(a.Label) < nodeOrder(b.Label)
	})
	return ds
}

// nodeOrder sorts labels by the video node they end with (video2 before
// video10), then as text.
func nodeOrder(label string) string {
	node := label
	if i := strings.LastIndex(label, ";"); i >= 0 {
		node = label[i+1:]
	}
	digits := strings.TrimLeft(node, "abcdefghijklmnopqrstuvwxyz")
	return fmt.Sprintf("%s%08s|%s", strings.TrimSuffix(node, digits), digits, label)
}

// humanName is the name the driver gives, without the bus information
// the V4L2 driver appends after a ";", else the label's first part.
func humanName(info driver.Info) string {
	name, _, _ := strings.Cut(info.Name, ";")
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	label, _, _ := strings.Cut(info.Label, ";")
	return label
}

// Open opens d's driver and starts it in the format that best fits t.
func (b Drivers) Open(d Device, t Target) (Stream, error) {
	drv := b.find(d.ID)
	if drv == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoDevice, d.Name)
	}
	return openDriver(drv, t)
}

func (b Drivers) find(id string) driver.Driver {
	for _, drv := range b.Query() {
		if drv.Info().Label == id {
			return drv
		}
	}
	return nil
}

// The mediadevices frame formats and ours.
var frameFormats = map[frame.Format]PixelFormat{
	frame.FormatI420: I420, frame.FormatNV12: NV12, frame.FormatNV21: NV21,
	frame.FormatYUYV: YUYV, frame.FormatYUY2: YUYV, frame.FormatUYVY: UYVY,
	frame.FormatMJPEG: MJPEG,
}

// driverFormats turns a driver's properties into formats, keeping the
// driver's own name of each (YUY2 and YUYV are one layout).
func driverFormats(props []prop.Media) ([]Format, map[Format]frame.Format) {
	var list []Format
	names := map[Format]frame.Format{}
	for _, p := range props {
		pf, ok := frameFormats[p.FrameFormat]
		if !ok {
			continue
		}
		f := Format{Pixel: pf, Width: p.Width, Height: p.Height, FPS: float64(p.FrameRate)}
		if _, dup := names[f]; !dup {
			list = append(list, f)
			names[f] = p.FrameFormat
		}
	}
	return list, names
}

// ErrNoFormat is returned for a camera that offers no format Converter
// reads (a depth camera, a metadata node).
var ErrNoFormat = errors.New("camera: no usable capture format")

// driverStalled is how long a camera may give nothing before it is
// taken for lost: a driver whose camera was unplugged may stay blocked
// (DirectShow's reader waits for a frame that never comes).
const driverStalled = 5 * time.Second

// driverStream reads a camera through its mediadevices reader: pictures
// decoded by the driver (allocated on each frame by it), converted into
// I420. The path of macOS and Windows; Linux reads V4L2 directly. The
// reader blocks and cannot be interrupted, so a goroutine of the stream
// calls it, one frame at a time: Read can then give up on a stalled
// camera, or on its context, without waiting for the driver.
type driverStream struct {
	drv driver.Driver
	r   video.Reader
	f   Format

	frames chan driverFrame // from the reading goroutine
	next   chan struct{}    // the frame is converted: read the next
	quit   chan struct{}    // closed by Close
	done   chan struct{}    // closed by the reading goroutine
	stall  *time.Timer
	once   sync.Once
}

type driverFrame struct {
	img     image.Image
	release func()
	err     error
	at      time.Time
}

func openDriver(drv driver.Driver, t Target) (Stream, error) {
	rec, ok := drv.(driver.VideoRecorder)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a camera", ErrNoDevice, drv.Info().Label)
	}
	if err := drv.Open(); err != nil {
		return nil, fmt.Errorf("camera: open %q: %w", drv.Info().Label, err)
	}
	formats, names := driverFormats(drv.Properties())
	f, ok := Choose(formats, t)
	if !ok {
		_ = drv.Close()
		return nil, fmt.Errorf("%w: %q", ErrNoFormat, drv.Info().Label)
	}
	r, err := rec.VideoRecord(prop.Media{Video: prop.Video{Width: f.Width, Height: f.Height,
		FrameRate: float32(f.FPS), FrameFormat: names[f]}})
	if err != nil {
		_ = drv.Close()
		return nil, fmt.Errorf("camera: start %q in %v: %w", drv.Info().Label, f, err)
	}
	s := &driverStream{drv: drv, r: r, f: f, frames: make(chan driverFrame), next: make(chan struct{}),
		quit: make(chan struct{}), done: make(chan struct{}), stall: time.NewTimer(driverStalled)}
	go s.read()
	return s, nil
}

// read calls the driver's reader, handing each frame to Read and waiting
// until Read is done with it (the driver may reuse its memory), until
// the reader fails or the stream is closed.
func (s *driverStream) read() {
	defer close(s.done)
	for {
		img, release, err := s.r.Read()
		select {
		case s.frames <- driverFrame{img, release, err, time.Now()}:
		case <-s.quit:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-s.next:
		case <-s.quit:
			return
		}
	}
}

func (s *driverStream) Format() Format { return s.f }

func (s *driverStream) Read(ctx context.Context, dst *media.I420) (time.Time, error) {
	if !s.stall.Stop() {
		select {
		case <-s.stall.C:
		default:
		}
	}
	s.stall.Reset(driverStalled)
	var fr driverFrame
	select {
	case fr = <-s.frames:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-s.done:
		return time.Time{}, fmt.Errorf("camera: read: %w", io.ErrUnexpectedEOF)
	case <-s.stall.C:
		return time.Time{}, fmt.Errorf("camera: no frame for %v", driverStalled)
	}
	if fr.err != nil {
		if errors.Is(fr.err, io.EOF) {
			fr.err = io.ErrUnexpectedEOF // the camera ended, not the caller
		}
		return time.Time{}, fmt.Errorf("camera: read: %w", fr.err)
	}
	err := FromYCbCr(dst, fr.img)
	if fr.release != nil {
		fr.release()
	}
	s.next <- struct{}{} // the reading goroutine waits for it
	return fr.at, err
}

// Close stops the camera and its reading goroutine: closing the driver
// ends a read in progress (mediadevices' readers return io.EOF), which
// is waited for a moment only, so that a driver that never returns
// cannot hold the call.
func (s *driverStream) Close() error {
	var err error
	s.once.Do(func() {
		close(s.quit)
		err = s.drv.Close()
		select {
		case <-s.done:
		case <-time.After(time.Second):
		}
		s.stall.Stop()
	})
	return err
}
