package main

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// displayProblem says why no window can open here, as a message key and
// its arguments, or "" when one can: always on Windows and macOS; elsewhere the
// desktop front end draws through X11 (XWayland on a Wayland desktop),
// so DISPLAY must name an X server that answers. Fyne panics inside GLFW
// when it cannot open the display, so we knock first.
func displayProblem() (key string, args []any) {
	if !guiBuilt {
		return "cli.no_gui_build", nil
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		return "", nil
	}
	display := os.Getenv("DISPLAY")
	if display == "" {
		return "cli.no_display", nil
	}
	if err := dialX(display, 2*time.Second); err == errBadDisplay {
		return "cli.display_bad_name", []any{"display", display}
	} else if err != nil {
		return "cli.display_unreachable", []any{"display", display, "reason", err}
	}
	return "", nil
}

// hasDisplay tells whether a window can be opened (displayProblem).
func hasDisplay() bool {
	key, _ := displayProblem()
	return key == ""
}

// dialX connects to the X server that display names (":0", ":1.0",
// "unix:0", "localhost:10.0" as ssh forwards it, or a socket path) and
// hangs up: connecting is what GLFW does first, without authenticating.
func dialX(display string, limit time.Duration) error {
	colon := strings.LastIndexByte(display, ':')
	if colon < 0 {
		return errBadDisplay
	}
	host, rest := display[:colon], display[colon+1:]
	if dot := strings.IndexByte(rest, '.'); dot >= 0 {
		rest = rest[:dot]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return errBadDisplay
	}
	var c net.Conn
	switch {
	case strings.HasPrefix(host, "/"): // launchd-style socket path
		c, err = net.DialTimeout("unix", display, limit)
	case host == "" || host == "unix":
		path := "/tmp/.X11-unix/X" + strconv.Itoa(n)
		c, err = net.DialTimeout("unix", path, limit)
		if err != nil && runtime.GOOS == "linux" {
			// X servers also listen on the abstract socket of that name.
			if c2, err2 := net.DialTimeout("unix", "@"+path, limit); err2 == nil {
				c, err = c2, nil
			}
		}
	default:
		c, err = net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)), limit)
	}
	if err != nil {
		return err
	}
	return c.Close()
}

type displayError string

func (e displayError) Error() string { return string(e) }

const errBadDisplay = displayError("not an X display name")
