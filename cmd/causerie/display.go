package main

import (
	"os"
	"runtime"
)

// hasDisplay tells whether a window can be opened: always on Windows and
// macOS; with an X11 or Wayland display elsewhere, and in a GUI build.
func hasDisplay() bool {
	if !guiBuilt {
		return false
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
