package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"causerie/client"
	"causerie/media/audio"
	"causerie/media/playout"
	"causerie/media/synth"
	"causerie/ui/i18n"
)

// Capture format of the synthetic devices: the 360p camera browsers send
// as their middle simulcast layer, and the engine's 48 kHz, 20 ms audio.
const (
	cameraWidth, cameraHeight, cameraFPS = 640, 360, 30
	micRate, micFrame                    = 48000, 960
)

// The device words of --mic and --speaker besides device names.
const (
	deviceTest    = "test"    // the synthetic microphone
	deviceNone    = "none"    // no microphone
	deviceDefault = "default" // the system's default device
	deviceNull    = "null"    // the speaker that plays into nothing
)

// speaker plays the meeting: the null speaker, or a sound device's mixer.
// Its Run is the clock the caller starts (runSpeaker).
type speaker interface {
	client.ParticipantSpeaker
	SetTap(playout.Tap)
	Run(context.Context)
}

// checkAudioFlags refuses, before anything starts, a --mic or --speaker
// that names no device of this machine, saying what the flag takes.
func (f *meetingFlags) checkAudioFlags(stderr io.Writer, p *i18n.Printer) (int, bool) {
	micNamed := f.mic != deviceTest && f.mic != deviceNone && f.mic != deviceDefault && f.mic != ""
	spkNamed := f.speaker != deviceNull && f.speaker != deviceDefault && f.speaker != ""
	if !micNamed && !spkNamed {
		return exitOK, true
	}
	devs, _ := audio.List(audio.Auto) // no sound system: no device has the name
	if _, err := audio.Find(devs.Microphones, f.mic); micNamed && err != nil {
		fmt.Fprintln(stderr, p.T("devices.bad_mic", "value", f.mic))
		return exitUsage, false
	}
	if _, err := audio.Find(devs.Speakers, f.speaker); spkNamed && err != nil {
		fmt.Fprintln(stderr, p.T("devices.bad_speaker", "value", f.speaker))
		return exitUsage, false
	}
	return exitOK, true
}

// openDevices fills cfg's camera, microphone and speaker as the flags
// name them: the synthetic devices ("test"), none, or the sound card's
// ("default" or a device's name), which one audio.Engine runs, both
// halves in one duplex device. The speaker is the system's default
// unless --speaker says otherwise, the null one with --headless or on a
// machine without speakers.
func openDevices(cfg *client.Config, lm *localMedia, f *meetingFlags) error {
	lm.events = &deviceEvents{}
	if err := openSynthetic(cfg, f.camera, f.mic); err != nil {
		return err
	}
	if err := openCamera(cfg, lm, f); err != nil {
		return err
	}
	ac := audio.Config{Backend: audio.Auto, OnChange: lm.events.post}
	if f.mic != deviceTest && f.mic != deviceNone {
		ac.Capture = true
		if f.mic != deviceDefault {
			ac.Mic = f.mic
		}
	}
	switch f.speaker {
	case deviceNull:
	case deviceDefault, "":
		if !f.noSoundDevice {
			// The default speaker when there is one: a machine without
			// any gets the null speaker rather than silence on a device
			// that may never come.
			devs, err := audio.List(audio.Auto)
			ac.Playback = err == nil && len(devs.Speakers) > 0
		}
	default:
		ac.Playback, ac.Speaker = true, f.speaker
	}
	if ac.Capture || ac.Playback {
		e, err := audio.Open(ac)
		if err != nil {
			return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		lm.audio = e
		if ac.Capture {
			cfg.Mic = e.Mic()
		}
		if ac.Playback {
			lm.speaker = e.Speaker()
		}
	}
	if lm.speaker == nil {
		lm.speaker = playout.NewNull()
	}
	cfg.Speaker = lm.speaker
	return nil
}

// openSynthetic fills cfg's camera and microphone with the synthetic
// ones where camera or mic is "test".
func openSynthetic(cfg *client.Config, camera, mic string) error {
	if camera == deviceTest {
		cam, err := synth.NewCamera(synth.CameraConfig{Width: cameraWidth, Height: cameraHeight, FPS: cameraFPS})
		if err != nil {
			return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		cfg.Camera = cam
	}
	if mic == deviceTest {
		m, err := synth.NewMic(synth.MicConfig{SampleRate: micRate, FrameSamples: micFrame})
		if err != nil {
			return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
		}
		cfg.Mic = m
	}
	return nil
}

// deviceEvents carries the sound device's changes into the session's
// event stream, once there is a session (attach).
type deviceEvents struct {
	sess atomic.Pointer[client.Session]
}

func (d *deviceEvents) post(c audio.Change) {
	s := d.sess.Load()
	if s == nil {
		return
	}
	s.Post(client.DeviceChanged{Device: c.Kind.String(), Reason: deviceReason(c.Reason), From: c.From, To: c.To})
}

func deviceReason(r audio.Reason) client.DeviceReason {
	switch r {
	case audio.Lost:
		return client.DeviceLost
	case audio.Found:
		return client.DeviceFound
	case audio.Chosen:
		return client.DeviceChosen
	case audio.DefaultChanged:
		return client.DeviceDefaultChanged
	}
	return client.DeviceListChanged
}

// attach sends the devices' changes to sess from now on.
func (m localMedia) attach(sess *client.Session) {
	if m.events != nil {
		m.events.sess.Store(sess)
	}
}

// closeAudio stops the sound device, after the speaker's clock and the
// session have stopped.
func (m localMedia) closeAudio() {
	if m.audio != nil {
		m.audio.Close()
	}
}
