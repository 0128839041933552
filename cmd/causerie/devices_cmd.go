package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"causerie/media/audio"
	"causerie/media/camera"
	"causerie/ui/i18n"
)

// devicesFlags are the options of `causerie devices`.
type devicesFlags struct {
	json bool
	lang string
}

// deviceLine is one device as `causerie devices --json` prints it.
type deviceLine struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default,omitempty"`
}

// devicesJSON is the whole of `causerie devices --json`: real devices
// only (the synthetic ones and the null speaker are always there).
type devicesJSON struct {
	SoundSystem bool         `json:"sound_system"`
	Cameras     []deviceLine `json:"cameras"`
	Microphones []deviceLine `json:"microphones"`
	Speakers    []deviceLine `json:"speakers"`
}

// runDevices is `causerie devices`: the cameras, microphones and speakers
// --camera, --mic and --speaker can name, the system's default marked.
// A machine with no sound system (or no device) gets empty lists and
// status 0: that is an answer, not a failure.
func runDevices(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f devicesFlags
	fs := flag.NewFlagSet("causerie devices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&f.json, "json", false, "print the lists as one JSON object, for scripts")
	fs.StringVar(&f.lang, "lang", "", "language of messages: en or fr (default: from the environment)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
		return exitUsage
	}
	if f.lang != "" {
		p = i18n.New(f.lang)
	}
	devs, err := audio.List(audio.Auto)
	sound := err == nil
	cams, _ := camera.System.List() // no camera driver: none
	if f.json {
		out := devicesJSON{SoundSystem: sound, Cameras: cameraLines(cams), Microphones: lines(devs.Microphones), Speakers: lines(devs.Speakers)}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	if !sound {
		fmt.Fprintln(stdout, p.T("devices.no_sound_system"))
		fmt.Fprintln(stdout)
	}
	fmt.Fprintln(stdout, p.T("devices.title.cameras"))
	printDevices(stdout, p, cameraLines(cams), "devices.none.camera")
	fmt.Fprintln(stdout, "  "+p.T("devices.test_camera"))
	fmt.Fprintln(stdout, p.T("devices.title.microphones"))
	printDevices(stdout, p, lines(devs.Microphones), "devices.none.microphone")
	fmt.Fprintln(stdout, "  "+p.T("devices.test_mic"))
	fmt.Fprintln(stdout, p.T("devices.title.speakers"))
	printDevices(stdout, p, lines(devs.Speakers), "devices.none.speaker")
	fmt.Fprintln(stdout, "  "+p.T("devices.null_speaker"))
	return exitOK
}

// printDevices writes one kind of device for `causerie devices`: the
// name, the default marked, the ID when it differs; none when there is
// none.
func printDevices(w io.Writer, p *i18n.Printer, list []deviceLine, none string) {
	if len(list) == 0 {
		fmt.Fprintln(w, "  "+p.T(none))
	}
	for _, d := range list {
		line := "  " + d.Name
		if d.Default {
			line += " " + p.T("devices.default_mark")
		}
		if d.ID != d.Name {
			line += "  [" + d.ID + "]"
		}
		fmt.Fprintln(w, line)
	}
}

func lines(list []audio.Device) []deviceLine {
	out := []deviceLine{}
	for _, d := range list {
		out = append(out, deviceLine{ID: d.ID, Name: d.Name, Default: d.Default})
	}
	return out
}
