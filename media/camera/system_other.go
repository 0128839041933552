//go:build cgo && (darwin || windows)

package camera

import (
	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/driver/camera"
)

// rescan empties the manager's cameras before the driver lists them
// again: on macOS and Windows its Initialize only adds.
func rescan() {
	// The macOS driver panics when AVFoundation fails to list devices:
	// that is no camera, not a reason to end the call.
	defer func() { _ = recover() }()
	m := driver.GetManager()
	for _, d := range m.Query(driver.FilterDeviceType(driver.Camera)) {
		m.Delete(d.ID())
	}
	camera.Initialize()
}

// system reads cameras through mediadevices' readers (AVFoundation,
// DirectShow).
type system struct{}

func (system) List() ([]Device, error) { return systemDrivers.List() }

func (system) Open(d Device, t Target) (Stream, error) { return systemDrivers.Open(d, t) }

var systemDrivers = Drivers{Query: systemCameras}
