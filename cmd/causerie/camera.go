package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"causerie/client"
	"causerie/media"
	"causerie/media/camera"
	"causerie/ui/i18n"
)

// The machine's cameras (media/camera): --camera takes "test" (the
// synthetic one), "none", "default" (the system's, or the first to be
// plugged in) or a camera's name or ID, which `causerie devices` lists.

// checkCameraFlag refuses, before anything starts, a --camera that names
// no camera of this machine, saying what the flag takes and which
// cameras there are.
func (f *meetingFlags) checkCameraFlag(stderr io.Writer, p *i18n.Printer) (int, bool) {
	switch f.camera {
	case deviceTest, deviceNone, deviceDefault, "":
		return exitOK, true
	}
	list, _ := camera.System.List()
	if _, err := camera.Find(list, f.camera); err == nil {
		return exitOK, true
	}
	fmt.Fprintln(stderr, p.T("camera.bad_flag", "value", f.camera))
	if len(list) == 0 {
		fmt.Fprintln(stderr, p.T("camera.none_here"))
	} else {
		names := make([]string, len(list))
		for i, d := range list {
			names[i] = d.Name
		}
		fmt.Fprintln(stderr, p.T("camera.here", "names", strings.Join(names, ", ")))
	}
	return exitUsage, false
}

// cameraTarget is what a machine's camera is asked for: the synthetic
// camera's size and rate, or a smaller size that the organisation's
// media.max_resolution sets.
func cameraTarget(f *meetingFlags) camera.Target {
	t := camera.Target{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS}
	if f.cameraHeight > 0 {
		t.Width, t.Height = f.cameraHeight*16/9, f.cameraHeight
	}
	if f.settings != nil {
		if h := maxHeight(f.settings.eff.Settings.Media.MaxResolution); h > 0 && h < t.Height {
			t.Width, t.Height = h*16/9, h
		}
	}
	return t
}

// openCamera fills cfg's camera with the machine's one --camera names
// ("default": the system's), whose changes reach the session as
// DeviceChanged events. "test" and "none" are openSynthetic's.
func openCamera(cfg *client.Config, lm *localMedia, f *meetingFlags) error {
	if f.camera == deviceTest || f.camera == deviceNone || f.camera == "" {
		return nil
	}
	name := f.camera
	if name == deviceDefault {
		name = ""
	}
	src, err := camera.Open(camera.Config{Device: name, Target: cameraTarget(f), OnChange: lm.events.postCamera})
	if err != nil {
		return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
	}
	cfg.Camera, lm.camera = src, src
	return nil
}

// postCamera carries a camera's change into the session's events.
func (d *deviceEvents) postCamera(c camera.Change) {
	s := d.sess.Load()
	if s == nil {
		return
	}
	reason := client.DeviceListChanged
	switch c.Reason {
	case camera.Lost:
		reason = client.DeviceLost
	case camera.Found:
		reason = client.DeviceFound
	}
	s.Post(client.DeviceChanged{Device: "camera", Reason: reason, From: c.From, To: c.To})
}

// closeCamera stops the camera, after the session has stopped reading it.
func (m localMedia) closeCamera() {
	if m.camera != nil {
		_ = m.camera.Close()
	}
}

// cameraNames lists the machine's cameras for the device pickers, the
// default first.
func cameraNames() []string {
	list, _ := camera.System.List()
	names := make([]string, len(list))
	for i, d := range list {
		names[i] = d.Name
	}
	return names
}

// previewMachineCamera shows the camera name names ("default" the
// system's) on the pre-join screen until ctx ends.
func previewMachineCamera(ctx context.Context, name string, sink func(*media.I420)) error {
	if name == deviceDefault {
		name = ""
	}
	src, err := camera.Open(camera.Config{Device: name, Target: camera.Target{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS}})
	if err != nil {
		return err
	}
	defer src.Close()
	img := &media.I420{}
	for {
		if _, err := src.ReadFrame(ctx, img); err != nil {
			return nil // ctx ended
		}
		sink(img)
	}
}

func cameraLines(list []camera.Device) []deviceLine {
	out := []deviceLine{}
	for _, d := range list {
		out = append(out, deviceLine{ID: d.ID, Name: d.Name, Default: d.Default})
	}
	return out
}
