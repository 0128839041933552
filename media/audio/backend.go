package audio

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gen2brain/malgo"

	"causerie/media"
)

// Backend chooses the sound system.
type Backend int

const (
	// Auto is the machine's sound system: PulseAudio (PipeWire answers
	// as PulseAudio too), then ALSA on Linux; Core Audio on macOS;
	// WASAPI, then DirectSound on Windows.
	Auto Backend = iota
	// Null is miniaudio's null backend: one playback and one capture
	// device that run on a timer, the capture one silent. For tests, and
	// for the halves of a call with no device.
	Null
	PulseAudio
	ALSA
)

// nullBackend is miniaudio's ma_backend_null. malgo v0.11's BackendNull
// constant is off by one (it names ma_backend_custom, which needs
// callbacks we do not give), hence the number.
const nullBackend = malgo.Backend(14)

func (b Backend) String() string {
	switch b {
	case Null:
		return "null"
	case PulseAudio:
		return "pulseaudio"
	case ALSA:
		return "alsa"
	}
	return "auto"
}

// latency is the default input and output latency of the backend's
// devices (see Config).
func (b Backend) latency() (in, out time.Duration) {
	if b == PulseAudio || b == Auto && runtime.GOOS == "linux" {
		return pulseInputLatency, pulseOutputLatency
	}
	return defaultInputLatency, defaultOutputLatency
}

// candidates are the malgo backends to try for b, in order.
func (b Backend) candidates() []malgo.Backend {
	switch b {
	case Null:
		return []malgo.Backend{nullBackend}
	case PulseAudio:
		return []malgo.Backend{malgo.BackendPulseaudio}
	case ALSA:
		return []malgo.Backend{malgo.BackendAlsa}
	}
	switch runtime.GOOS {
	case "linux":
		return []malgo.Backend{malgo.BackendPulseaudio, malgo.BackendAlsa}
	case "darwin":
		return []malgo.Backend{malgo.BackendCoreaudio}
	case "windows":
		return []malgo.Backend{malgo.BackendWasapi, malgo.BackendDsound}
	case "freebsd":
		return []malgo.Backend{malgo.BackendOss}
	case "openbsd", "netbsd":
		return []malgo.Backend{malgo.BackendSndio, malgo.BackendAudio4}
	}
	return nil
}

// system is one initialised miniaudio context.
type system struct {
	ctx     *malgo.AllocatedContext
	backend malgo.Backend
}

// openSystem initialises the first of b's backends that works. Each is
// tried alone so we know which one answered (ALSA's lists need sorting
// out, see list).
func openSystem(b Backend) (*system, error) {
	quietALSA()
	cfg := malgo.ContextConfig{}
	// PulseAudio shows this name in its mixers; no autospawn: a machine
	// without a sound server falls through to the next backend.
	cfg.Pulse.PApplicationName = &appName[0]
	for _, mb := range b.candidates() {
		tries := 1
		if mb == malgo.BackendPulseaudio && pulseExpected() {
			tries = pulseTries
		}
		for try := range tries {
			if try > 0 {
				time.Sleep(pulseRetryPause)
			}
			ctx, err := malgo.InitContext([]malgo.Backend{mb}, cfg, nil)
			if err == nil {
				return &system{ctx: ctx, backend: mb}, nil
			}
		}
	}
	return nil, fmt.Errorf("%w (%v)", ErrNoSoundSystem, b)
}

// A PulseAudio (or PipeWire) server that is there but did not answer one
// connection (restarting, or busy with other clients) gets pulseTries
// connections pulseRetryPause apart before ALSA is tried: ALSA answers on
// a machine with no sound card too, with empty lists, which would read
// as "no speakers" where the sound server has some.
const (
	pulseTries      = 3
	pulseRetryPause = 100 * time.Millisecond
)

// pulseExpected tells whether a sound server should answer: PULSE_SERVER
// names one, or its socket is where libpulse looks by default.
func pulseExpected() bool {
	if os.Getenv("PULSE_SERVER") != "" {
		return true
	}
	dir := os.Getenv("PULSE_RUNTIME_PATH")
	if dir == "" {
		xdg := os.Getenv("XDG_RUNTIME_DIR")
		if xdg == "" {
			return false
		}
		dir = filepath.Join(xdg, "pulse")
	}
	_, err := os.Stat(filepath.Join(dir, "native"))
	return err == nil
}

var appName = []byte("Causerie\x00")

func (s *system) close() {
	_ = s.ctx.Uninit()
	s.ctx.Free()
}

// Device is a microphone or a speaker as the sound system lists it.
type Device struct {
	// ID is the sound system's name for the device, stable across runs
	// (PulseAudio's sink or source name, ALSA's PCM name); Name is the one
	// to show.
	ID, Name string
	// Default: the system sends sound there when nobody says otherwise.
	Default bool
	id      malgo.DeviceID
}

// Devices are the lists of a sound system.
type Devices struct {
	Microphones, Speakers []Device
}

// DefaultName is the name of the default device of list, "" if none is
// marked.
func DefaultName(list []Device) string {
	for _, d := range list {
		if d.Default {
			return d.Name
		}
	}
	return ""
}

func (d Devices) equal(o Devices) bool {
	return sameList(d.Microphones, o.Microphones) && sameList(d.Speakers, o.Speakers)
}

func sameList(a, b []Device) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Name != b[i].Name || a[i].Default != b[i].Default {
			return false
		}
	}
	return true
}

// List reads the microphones and speakers of the sound system b.
func List(b Backend) (Devices, error) {
	sys, err := openSystem(b)
	if err != nil {
		return Devices{}, err
	}
	defer sys.close()
	return sys.list()
}

func (s *system) list() (Devices, error) {
	var out Devices
	for _, k := range []malgo.DeviceType{malgo.Capture, malgo.Playback} {
		infos, err := s.ctx.Devices(k)
		if err != nil {
			return Devices{}, fmt.Errorf("%w: listing: %v", ErrDevice, err)
		}
		var list []Device
		for _, info := range infos {
			id := idString(info.ID)
			if s.backend == malgo.BackendAlsa && !alsaCard(id) {
				continue
			}
			list = append(list, Device{ID: id, Name: info.Name(), Default: info.IsDefault != 0, id: info.ID})
		}
		if k == malgo.Capture {
			out.Microphones = list
		} else {
			out.Speakers = list
		}
	}
	return out, nil
}

// alsaCard tells a sound card's PCM from the plugins ALSA's hints list
// beside them (rate converters, "JACK", "OSS", the speex DSP, …), which
// are no devices a user picks: cards' PCMs name their card.
func alsaCard(id string) bool {
	return id == "default" || strings.Contains(id, "CARD=")
}

// idString shows a miniaudio device ID: the text most backends keep in
// it, else its bytes in hex.
func idString(id malgo.DeviceID) string {
	n := 0
	for n < len(id) && id[n] != 0 {
		n++
	}
	b := id[:n]
	if n > 0 && utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool { return r < ' ' }) {
		return string(b)
	}
	return id.String()
}

// Find picks the device a user means by want: its ID, its name (exactly,
// then ignoring case), or a part of its name that only it has.
func Find(list []Device, want string) (Device, error) {
	for _, d := range list {
		if d.ID == want {
			return d, nil
		}
	}
	names := make([]string, len(list))
	for i, d := range list {
		names[i] = d.Name
	}
	if i := media.MatchName(names, want); i >= 0 {
		return list[i], nil
	}
	return Device{}, fmt.Errorf("%w: %q", ErrNoDevice, want)
}
