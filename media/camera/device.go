package camera

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"causerie/media"
)

// ErrNoDevice is returned when no camera has the name or ID asked for.
var ErrNoDevice = errors.New("camera: no such camera")

// Device is one camera of the machine.
type Device struct {
	// ID names the camera for as long as it stays plugged in the same
	// way: the driver's label (on Linux the /dev/v4l/by-id name when
	// udev made one, with the video node; on macOS the device's unique
	// ID; on Windows its name).
	ID string
	// Name is the one people know it by ("HD Pro Webcam C920"); two
	// cameras of the same model get " (2)", " (3)" after theirs.
	Name string
	// Default: the system's choice when nobody says otherwise (on Linux
	// the first video node, as browsers choose).
	Default bool
}

// Backend lists and opens cameras: System, or any other set of drivers
// (see Drivers).
type Backend interface {
	// List returns the cameras there are now, the default first.
	List() ([]Device, error)
	// Open starts capturing from d in the format that best fits t.
	Open(d Device, t Target) (Stream, error)
}

// Stream is an open camera.
type Stream interface {
	// Format is what the camera captures in.
	Format() Format
	// Read waits for the next frame and converts it into dst. An error
	// other than ctx's means the camera stopped working (unplugged,
	// taken by a driver reset): the stream is done. A driver that
	// cannot be interrupted may return up to a second after ctx ends.
	Read(ctx context.Context, dst *media.I420) (time.Time, error)
	// Close stops capturing and releases the camera.
	Close() error
}

// Find returns the camera of list that want names: by ID (or the part
// of a V4L2 ID before its node, which stays when the camera comes back
// as another node), by exact name, by name in any case, or by a part of
// its name that only one camera has.
func Find(list []Device, want string) (Device, error) {
	if want == "" {
		return Device{}, fmt.Errorf("%w: empty name", ErrNoDevice)
	}
	for _, d := range list {
		if stable, _, _ := strings.Cut(d.ID, ";"); d.ID == want || stable == want {
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

// uniqueNames gives cameras of the same name a number after the first,
// so a name picks one camera, and marks the first as the default.
func uniqueNames(list []Device) {
	seen := map[string]int{}
	for i := range list {
		n := seen[list[i].Name] + 1
		seen[list[i].Name] = n
		if n > 1 {
			list[i].Name += " (" + strconv.Itoa(n) + ")"
		}
		list[i].Default = i == 0
	}
}

// sameDevices tells whether two lists name the same cameras in the
// same order.
func sameDevices(a, b []Device) bool {
	return slices.Equal(a, b)
}
