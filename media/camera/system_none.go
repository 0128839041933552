//go:build !cgo || !(linux || darwin || windows)

package camera

// Without cgo (or on other systems) mediadevices has no camera driver:
// the machine lists no camera.
func rescan() {}

type system struct{}

func (system) List() ([]Device, error) { return nil, nil }

func (system) Open(d Device, t Target) (Stream, error) { return nil, ErrNoDevice }
