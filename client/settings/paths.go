package settings

import (
	"os"
	"path/filepath"
	"runtime"
)

// Paths are where Load looks. An empty path is not read.
type Paths struct {
	// Machine is the machine-wide config.toml, set by the administrator,
	// which users may override.
	Machine string
	// User is the user's own config.toml.
	User string
	// Policy is the machine's policy.toml, whose keys are locked.
	Policy string
	// PolicyRegistry also reads the policy from the Windows registry,
	// HKLM\Software\Policies\Causerie (Group Policy's place), over the
	// file; elsewhere it reads nothing.
	PolicyRegistry bool
	// LogDir is where logs go when logging.directory is empty.
	LogDir string
}

// DefaultPaths are each system's conventional places:
//
//	            machine and policy                  user                                     logs
//	Linux       /etc/causerie/                      $XDG_CONFIG_HOME/causerie/ (~/.config)   $XDG_STATE_HOME/causerie/logs (~/.local/state)
//	macOS       /Library/Application Support/Causerie/  ~/Library/Application Support/Causerie/  ~/Library/Logs/Causerie
//	Windows     %ProgramData%\Causerie\ (+ registry)    %AppData%\Causerie\                      %LocalAppData%\Causerie\logs
//
// The files are config.toml and policy.toml. A place that cannot be
// known (no home directory) is left empty.
func DefaultPaths() Paths {
	var p Paths
	var machineDir string
	switch runtime.GOOS {
	case "windows":
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		machineDir = filepath.Join(pd, "Causerie")
		p.PolicyRegistry = true
		if d := os.Getenv("LocalAppData"); d != "" {
			p.LogDir = filepath.Join(d, "Causerie", "logs")
		}
	case "darwin":
		machineDir = "/Library/Application Support/Causerie"
		if home, err := os.UserHomeDir(); err == nil {
			p.LogDir = filepath.Join(home, "Library", "Logs", "Causerie")
		}
	default:
		machineDir = "/etc/causerie"
		if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
			p.LogDir = filepath.Join(d, "causerie", "logs")
		} else if home, err := os.UserHomeDir(); err == nil {
			p.LogDir = filepath.Join(home, ".local", "state", "causerie", "logs")
		}
	}
	p.Machine = filepath.Join(machineDir, "config.toml")
	p.Policy = filepath.Join(machineDir, "policy.toml")
	if d, err := os.UserConfigDir(); err == nil {
		name := "causerie"
		if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" && runtime.GOOS != "netbsd" {
			name = "Causerie"
		}
		p.User = filepath.Join(d, name, "config.toml")
	}
	return p
}
