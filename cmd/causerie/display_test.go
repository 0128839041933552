package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDisplayKnock: a DISPLAY that names no running X server gets a
// sentence and exit 2, not GLFW's panic; one that answers passes.
func TestDisplayKnock(t *testing.T) {
	if !guiBuilt {
		t.Skip("a build without the desktop front end")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if port > 6000 {
		if err := dialX(fmt.Sprintf("127.0.0.1:%d.0", port-6000), 0); err != nil {
			t.Errorf("an X server that answers on TCP: %v", err)
		}
	}
	// A display number whose socket nobody holds.
	n := 900
	for ; n < 1000; n++ {
		if _, err := os.Stat(filepath.Join("/tmp/.X11-unix", fmt.Sprintf("X%d", n))); err != nil {
			break
		}
	}
	for _, tc := range []struct{ display, lang, want string }{
		{fmt.Sprintf(":%d", n), "C", fmt.Sprintf("Cannot open a window on the display :%d", n)},
		{fmt.Sprintf(":%d.0", n), "fr_FR.UTF-8", fmt.Sprintf("Impossible d'ouvrir une fenêtre sur l'écran :%d.0", n)},
		{"bogus", "C", "does not name an X display"},
		{"", "C", "DISPLAY is empty"},
	} {
		t.Setenv("DISPLAY", tc.display)
		t.Setenv("LANG", tc.lang)
		t.Setenv("LC_ALL", "")
		t.Setenv("LANGUAGE", "")
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		var stdout, stderr bytes.Buffer
		code := run([]string{"gui"}, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("DISPLAY=%q: exit %d, want %d with %q:\n%s", tc.display, code, exitUsage, tc.want, &stderr)
		}
	}
}
