package main

import (
	"fmt"

	"causerie/client"
	"causerie/media/synth"
)

// Capture format of the synthetic devices: the 360p camera browsers send
// as their middle simulcast layer, and the engine's 48 kHz, 20 ms audio.
const (
	cameraWidth, cameraHeight, cameraFPS = 640, 360, 30
	micRate, micFrame                    = 48000, 960
)

// openDevices fills cfg's camera and microphone as named on the command
// line: "test" for the synthetic ones, "none" for nothing.
func openDevices(cfg *client.Config, camera, mic string) error {
	if camera == "test" {
		cam, err := synth.NewCamera(synth.CameraConfig{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS})
		if err != nil {
			return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		cfg.Camera = cam
	}
	if mic == "test" {
		m, err := synth.NewMic(synth.MicConfig{SampleRate: micRate, FrameSamples: micFrame})
		if err != nil {
			return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		cfg.Mic = m
	}
	return nil
}
