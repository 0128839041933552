package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestTerminalBuildWithoutGUI: the build `make` names causerie-tui
// (-tags nogui) links no graphics library, so it runs where libGL and X11
// are absent, and still runs the terminal client's commands.
func TestTerminalBuildWithoutGUI(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ldd is Linux's")
	}
	if raceEnabled {
		t.Skip("a build check: the plain pass of make test does it once")
	}
	bin := filepath.Join(t.TempDir(), "causerie-tui")
	build := exec.Command("go", "build", "-tags", "nogui", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags nogui: %v\n%s", err, out)
	}
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd: %v\n%s", err, out)
	}
	for _, lib := range []string{"libGL", "libEGL", "libX11", "libXrandr", "libXcursor", "libXi", "libxcb"} {
		if strings.Contains(string(out), lib) {
			t.Errorf("causerie-tui links %s:\n%s", lib, out)
		}
	}
	// It runs, and says plainly that it has no window.
	cmd := exec.Command(bin, "gui")
	cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=", "DISPLAY=:0")
	msg, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(msg), "no desktop window") {
		t.Errorf("causerie-tui gui: exit %d, %q", cmd.ProcessState.ExitCode(), msg)
	}
}
