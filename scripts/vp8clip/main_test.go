package main

import (
	"bufio"
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"causerie/media"
	"causerie/media/synth"
)

// TestWriteLayerClip checks that a layer's clip holds what the sender
// encodes for that layer: the 720p camera halved twice for 180p, and at
// 20 fps the pictures 0, 2, 3, 5, ... of the 30 fps capture (two of three,
// as media/send's schedule keeps them).
func TestWriteLayerClip(t *testing.T) {
	// The camera stamps the capture time into each picture: the clip and
	// the reference below start at the same instant.
	start := time.Now()
	var clip bytes.Buffer
	if err := writeClip(&clip, 1280, 720, 7, 4, 20, start); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(&clip)
	w, h, err := readHeader(r)
	if err != nil || w != 320 || h != 180 {
		t.Fatalf("header: %d×%d, %v; want 320×180", w, h, err)
	}

	cam, err := synth.NewCamera(synth.CameraConfig{Width: 1280, Height: 720, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	full, half, quarter := media.NewI420(1280, 720), media.NewI420(640, 360), media.NewI420(320, 180)
	got := media.NewI420(320, 180)
	for _, i := range []int{0, 2, 3, 5, 6} {
		if err := readFrame(r, got); err != nil {
			t.Fatalf("picture %d: %v", i, err)
		}
		cam.Draw(full, start.Add(time.Duration(i)*time.Second/30))
		media.Downscale(half, full)
		media.Downscale(quarter, half)
		if !bytes.Equal(got.Y, quarter.Y) || !bytes.Equal(got.U, quarter.U) || !bytes.Equal(got.V, quarter.V) {
			t.Errorf("the clip's picture is not capture %d halved twice", i)
		}
	}
	if err := readFrame(r, got); err == nil {
		t.Error("more than 5 pictures kept of 7 at 20 fps")
	}
}

func TestWriteRejectsBadLayers(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.y4m")
	for _, args := range [][]string{
		{"-o", out, "-scale", "3"},
		{"-o", out, "-scale", "16"},
		{"-o", out, "-fps", "0"},
		{"-o", out, "-fps", "60"},
	} {
		if err := write(args); err == nil {
			t.Errorf("write %v: no error", args)
		}
	}
	if err := encode([]string{"-fps", "0", out}); err == nil {
		t.Error("encode -fps 0: no error")
	}
}
