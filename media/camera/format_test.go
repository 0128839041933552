package camera

import "testing"

// uvcWebcam is what a typical USB webcam (a Logitech C920's list,
// abridged) advertises: raw YUYV only at low rates above VGA, because
// USB 2 cannot carry more, and MJPEG up to 1080p30.
var uvcWebcam = []Format{
	{YUYV, 640, 480, 30}, {YUYV, 640, 360, 30}, {YUYV, 320, 240, 30},
	{YUYV, 1280, 720, 10}, {YUYV, 1920, 1080, 5},
	{MJPEG, 640, 480, 30}, {MJPEG, 640, 360, 30}, {MJPEG, 1280, 720, 30},
	{MJPEG, 1920, 1080, 30}, {MJPEG, 1280, 720, 60},
}

// laptopCamera is a built-in camera that gives raw frames only.
var laptopCamera = []Format{
	{YUYV, 640, 480, 30}, {YUYV, 1280, 720, 10}, {YUYV, 320, 240, 30}, {YUYV, 160, 120, 30},
}

// macCamera is what AVFoundation reports for a FaceTime HD camera:
// NV12 at several sizes, the rate unknown.
var macCamera = []Format{
	{NV12, 640, 480, 0}, {NV12, 1280, 720, 0}, {NV12, 1920, 1080, 0},
}

func TestChoose(t *testing.T) {
	cases := []struct {
		name    string
		formats []Format
		target  Target
		want    Format
	}{
		{"webcam 720p30: the MJPEG one, YUYV is 10 fps there", uvcWebcam, Target{1280, 720, 30}, Format{MJPEG, 1280, 720, 30}},
		{"webcam 360p30: raw exact size beats MJPEG", uvcWebcam, Target{640, 360, 30}, Format{YUYV, 640, 360, 30}},
		{"webcam 1080p30", uvcWebcam, Target{1920, 1080, 30}, Format{MJPEG, 1920, 1080, 30}},
		{"webcam 720p60 exists", uvcWebcam, Target{1280, 720, 60}, Format{MJPEG, 1280, 720, 60}},
		{"webcam 720p15: raw 10 fps is too slow, MJPEG 30", uvcWebcam, Target{1280, 720, 15}, Format{MJPEG, 1280, 720, 30}},
		{"webcam 480x270: smallest size above, raw", uvcWebcam, Target{480, 270, 30}, Format{YUYV, 640, 360, 30}},
		{"laptop 720p30: VGA at 30 rather than 720p at 10", laptopCamera, Target{1280, 720, 30}, Format{YUYV, 640, 480, 30}},
		{"laptop 720p10: exact", laptopCamera, Target{1280, 720, 10}, Format{YUYV, 1280, 720, 10}},
		{"laptop 180p: smallest above", laptopCamera, Target{320, 180, 30}, Format{YUYV, 320, 240, 30}},
		{"mac 720p, rate unknown", macCamera, Target{1280, 720, 30}, Format{NV12, 1280, 720, 0}},
		{"mac 4k: the largest", macCamera, Target{3840, 2160, 30}, Format{NV12, 1920, 1080, 0}},
		{"unknown layouts skipped", []Format{{Unknown, 1280, 720, 30}, {UYVY, 640, 480, 15}}, Target{1280, 720, 30}, Format{UYVY, 640, 480, 15}},
		{"I420 before NV12 before YUYV at the same fit", []Format{{YUYV, 640, 480, 30}, {NV12, 640, 480, 30}, {I420, 640, 480, 30}}, Target{640, 480, 30}, Format{I420, 640, 480, 30}},
	}
	for _, c := range cases {
		got, ok := Choose(c.formats, c.target)
		if !ok || got != c.want {
			t.Errorf("%s: Choose = %v, %v; want %v", c.name, got, ok, c.want)
		}
	}
}

func TestChooseNothingUsable(t *testing.T) {
	if f, ok := Choose(nil, Target{1280, 720, 30}); ok {
		t.Errorf("Choose(nil) = %v, true", f)
	}
	if f, ok := Choose([]Format{{Unknown, 640, 480, 30}, {YUYV, 0, 0, 30}}, Target{1280, 720, 30}); ok {
		t.Errorf("Choose(unusable) = %v, true", f)
	}
}
