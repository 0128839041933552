package audio

// #include <stdlib.h>
import "C"

import (
	"unsafe"

	"github.com/gen2brain/malgo"
)

// cID copies a device ID into C memory: miniaudio's device configuration
// is handed to C, which may not hold Go pointers. Free it with cFree once
// the device is closed.
func cID(id malgo.DeviceID) unsafe.Pointer { return C.CBytes(id[:]) }

func cFree(p unsafe.Pointer) { C.free(p) }
