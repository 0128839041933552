//go:build linux && cgo

package camera

// #include <linux/videodev2.h>
import "C"

import (
	"errors"
	"os"
	"strings"
	"unsafe"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/driver/camera"
	"golang.org/x/sys/unix"
)

func rescan() { camera.Initialize() }

// system lists V4L2 nodes through mediadevices and streams them
// directly (v4l2Stream): its reader copies and decodes each frame into
// new memory, where the frame can be converted straight out of the
// driver's buffer.
type system struct{}

func (system) List() ([]Device, error) {
	drivers := systemCameras()
	kept := drivers[:0]
	for _, d := range drivers {
		if usableNode(d.Info()) {
			kept = append(kept, d)
		}
	}
	return Drivers{Query: func() []driver.Driver { return kept }}.List()
}

// usableNode tells whether a video node is a camera to list. A UVC
// camera has two nodes, the second carrying metadata only; the driver
// names both (it reads the capabilities of the whole device), so each
// node's own capabilities are read here. A node we may not open (no
// access to the video group) is listed, so that opening it says why it
// fails.
func usableNode(info driver.Info) bool {
	path := nodePath(info.Label)
	capture, err := captureNode(path)
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return true
	}
	return err == nil && capture
}

// captureNode asks a V4L2 node (VIDIOC_QUERYCAP) whether it captures
// video: its own capabilities when the driver gives them (device_caps),
// else the device's.
func captureNode(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	var c C.struct_v4l2_capability
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(C.VIDIOC_QUERYCAP), uintptr(unsafe.Pointer(&c))); errno != 0 {
		return false, errno
	}
	caps := uint32(c.capabilities)
	if caps&C.V4L2_CAP_DEVICE_CAPS != 0 {
		caps = uint32(c.device_caps)
	}
	return caps&C.V4L2_CAP_VIDEO_CAPTURE != 0 && caps&C.V4L2_CAP_STREAMING != 0, nil
}

// nodePath is the device file of a V4L2 driver's label, which ends with
// the node's name ("usb-…-video-index0;video0").
func nodePath(label string) string {
	node := label
	if i := strings.LastIndex(label, ";"); i >= 0 {
		node = label[i+1:]
	}
	return "/dev/" + node
}

func (system) Open(d Device, t Target) (Stream, error) {
	var drv driver.Driver
	for _, c := range systemCameras() {
		if c.Info().Label == d.ID {
			drv = c
		}
	}
	if drv == nil {
		return nil, ErrNoDevice
	}
	// The driver tells the formats (its enumeration handles stepwise
	// sizes); the stream then opens the node itself.
	if err := drv.Open(); err != nil {
		return nil, err
	}
	formats, _ := driverFormats(drv.Properties())
	_ = drv.Close()
	f, ok := Choose(formats, t)
	if !ok {
		return nil, ErrNoFormat
	}
	path := nodePath(d.ID)
	if _, err := os.Stat(path); err != nil {
		return nil, errors.Join(ErrNoDevice, err)
	}
	return openV4L2(path, f)
}
