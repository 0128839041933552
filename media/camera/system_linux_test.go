//go:build linux && cgo

package camera

import (
	"path/filepath"
	"testing"

	"github.com/pion/mediadevices/pkg/driver"
)

// TestSystemList lists this machine's cameras through the V4L2 driver:
// as many as it has capture nodes (none on a machine without /dev/video*),
// named, the first the default.
func TestSystemList(t *testing.T) {
	list, err := System.List()
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := filepath.Glob("/dev/video*")
	if len(nodes) == 0 && len(list) != 0 {
		t.Fatalf("cameras listed without a video node: %+v", list)
	}
	if len(list) > len(nodes) {
		t.Fatalf("%d cameras for %d video nodes: %+v", len(list), len(nodes), list)
	}
	for i, d := range list {
		if d.Name == "" || d.ID == "" || d.Default != (i == 0) {
			t.Errorf("camera %d: %+v", i, d)
		}
	}
	if _, err := System.Open(Device{ID: "usb-none-video-index0;video99", Name: "Nothing"}, Target{640, 360, 30}); err == nil {
		t.Fatal("opened a camera that is not there")
	}
}

func TestV4L2Labels(t *testing.T) {
	for label, want := range map[string]string{
		"usb-046d_HD_Pro_Webcam_C920_1234-video-index0;video0": "/dev/video0",
		"video2;video2": "/dev/video2",
	} {
		if got := nodePath(label); got != want {
			t.Errorf("nodePath(%q) = %q, want %q", label, got, want)
		}
	}
	// A node that is not there, and a device that is no V4L2 node: left
	// out.
	if usableNode(driver.Info{Label: "x;video99", Name: ";"}) {
		t.Error("an absent node is listed")
	}
	if ok, err := captureNode("/dev/null"); ok || err == nil {
		t.Errorf("/dev/null is a capture node: %v, %v", ok, err)
	}
}

// TestV4L2Stride: the row length a driver pads to is read from a raw
// frame's length.
func TestV4L2Stride(t *testing.T) {
	for _, c := range []struct {
		f    Format
		n    int
		want int
	}{
		{Format{YUYV, 640, 480, 30}, 640 * 2 * 480, 1280},
		{Format{YUYV, 640, 480, 30}, 1344 * 480, 1344},
		{Format{UYVY, 640, 480, 30}, 640*2*480 + 7, 0}, // unknown: the narrowest
		{Format{NV12, 640, 480, 30}, 704 * 720, 704},
		{Format{I420, 640, 480, 30}, 640 * 720, 640},
		{Format{MJPEG, 640, 480, 30}, 50000, 0},
	} {
		s := &v4l2Stream{f: c.f}
		if got := s.stride(c.n); got != c.want {
			t.Errorf("%v in %d bytes: stride %d, want %d", c.f, c.n, got, c.want)
		}
	}
	if code("YUYV") != 0x56595559 {
		t.Errorf("fourcc YUYV = %#x", uint32(code("YUYV")))
	}
}
