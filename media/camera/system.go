package camera

import (
	"sync"

	"github.com/pion/mediadevices/pkg/driver"
)

// System is the machine's cameras, through mediadevices' camera drivers.
var System Backend = system{}

// scanMu serialises rescans: a driver package's Initialize empties and
// refills the process-wide driver manager, and two at once would list a
// camera twice.
var scanMu sync.Mutex

// systemCameras rescans the machine (cheap: on Linux a query of each
// video node, about a millisecond each) and returns its camera drivers.
func systemCameras() []driver.Driver {
	scanMu.Lock()
	defer scanMu.Unlock()
	rescan()
	return driver.GetManager().Query(driver.FilterDeviceType(driver.Camera))
}
