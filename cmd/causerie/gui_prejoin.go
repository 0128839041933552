//go:build !nogui

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"causerie/client/loopback"
	"causerie/media/audio"
	"causerie/media/camera"
	"causerie/media/synth"
	"causerie/ui/desktop"
)

// The desktop's pre-join screen checks the devices before the meeting:
// these are its device lists, microphone meter, speaker test and test
// call. A device named "" is what the call would use: the command line's
// --camera, --mic or --speaker, as connectGUI reads it.

// guiDeviceLists lists the machine's cameras (media/camera) and the
// microphones and speakers of the sound system, the default marked. A
// machine without a sound system has none of the latter.
func guiDeviceLists() desktop.DeviceLists {
	var l desktop.DeviceLists
	cams, _ := camera.System.List()
	for _, d := range cams {
		l.Cameras = append(l.Cameras, desktop.Device{Name: d.Name, Default: d.Default})
	}
	devs, err := audio.List(audio.Auto)
	if err != nil {
		return l
	}
	for _, d := range devs.Microphones {
		l.Mics = append(l.Mics, desktop.Device{Name: d.Name, Default: d.Default})
	}
	for _, d := range devs.Speakers {
		l.Speakers = append(l.Speakers, desktop.Device{Name: d.Name, Default: d.Default})
	}
	return l
}

// openGUIMeter opens the microphone mic for the level meter: the
// synthetic one, or the sound system's through an engine of its own,
// which release closes.
func openGUIMeter(f meetingFlags, mic string) (desktop.LevelMeter, func(), error) {
	if mic == "" {
		mic = f.mic
	}
	switch mic {
	case deviceNone:
		return nil, nil, nil
	case deviceTest:
		// Read as the meter reads the sound card: 10 ms at a time.
		src, err := synth.NewMic(synth.MicConfig{SampleRate: micRate, FrameSamples: audio.PeriodSamples})
		if err != nil {
			return nil, nil, err
		}
		return audio.NewMeter(src), func() {}, nil
	}
	ac := audio.Config{Backend: audio.Auto, Capture: true}
	if mic != deviceDefault {
		ac.Mic = mic
	}
	e, err := audio.Open(ac)
	if err != nil {
		return nil, nil, err
	}
	return audio.NewMeter(e.Mic()), e.Close, nil
}

const (
	// chimeLeadIn is silence played before the chime: a device may take
	// a moment to start (PulseAudio a few tens of milliseconds), and
	// what the speaker mixes meanwhile is never heard.
	chimeLeadIn = 250 * time.Millisecond
	// chimeTail is how long after the chime was mixed it is still being
	// heard: the mixer's lead and the device's output latency (30 and
	// up to 55 ms, media/audio), with room to spare.
	chimeTail = 200 * time.Millisecond
)

// playGUIChime plays the speaker test sound on speaker, through an
// engine of its own, and returns once it has been heard. A machine
// without speakers, or the null speaker, has nothing to play it on.
func playGUIChime(ctx context.Context, f meetingFlags, speaker string) error {
	if speaker == "" {
		speaker = f.speaker
	}
	if speaker == deviceNull {
		return fmt.Errorf("%w: the null speaker is chosen", desktop.ErrNoSoundDevice)
	}
	devs, err := audio.List(audio.Auto)
	if err != nil {
		return fmt.Errorf("%w: %v", desktop.ErrNoSoundDevice, err)
	}
	if len(devs.Speakers) == 0 {
		return fmt.Errorf("%w: the sound system lists no speakers", desktop.ErrNoSoundDevice)
	}
	ac := audio.Config{Backend: audio.Auto, Playback: true}
	if speaker != deviceDefault {
		ac.Speaker = speaker
	}
	e, err := audio.Open(ac)
	if errors.Is(err, audio.ErrNoDevice) {
		return fmt.Errorf("%w: %v", desktop.ErrNoSoundDevice, err)
	}
	if err != nil {
		return err
	}
	defer e.Close()
	sp := e.Speaker()
	stop := runSpeaker(sp)
	defer stop()
	pcm := append(make([]int16, int(chimeLeadIn.Seconds()*audio.SampleRate)), audio.Chime()...)
	if err := audio.PlaySound(ctx, sp, pcm); err != nil {
		return err
	}
	select {
	case <-time.After(chimeTail):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// testCallGUI prepares the desktop's test call: what connectGUI would
// prepare for the meeting, the same devices and processing, on the
// loopback backend instead of the meeting's server.
func testCallGUI(base meetingFlags, req desktop.JoinRequest, room, peer string, video desktop.VideoSink) (desktop.Meeting, error) {
	base.backend = loopback.New(loopback.Options{Name: req.Name, Room: room, Peer: peer})
	req.Link, req.URL, req.Token = "", "", ""
	return connectGUI(base, req, video)
}
