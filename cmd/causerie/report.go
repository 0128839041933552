package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"causerie/client/settings"
	"causerie/ui/i18n"
)

// runReport is `causerie report`: one .zip for the help desk with the
// logs, the settings in effect and where each comes from, and what the
// program and the system are. Tokens, cookies and passwords are taken
// out of everything that goes in, even from logs written before
// redaction existed or by hand.
func runReport(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	fs := flag.NewFlagSet("causerie report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the report to this `file` (default: causerie-report-DATE-TIME.zip here)")
	lang := fs.String("lang", "", "language of messages: en or fr (default: the settings', else from the environment)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
		return exitUsage
	}
	if *lang != "" {
		p = i18n.New(*lang)
	}
	paths := settingsPaths()
	eff, loadErr := settings.Load(settings.Options{Paths: paths})
	if *lang == "" && eff.Settings.UI.Language != "auto" {
		p = i18n.New(eff.Settings.UI.Language)
	}
	path := *out
	if path == "" {
		path = "causerie-report-" + time.Now().Format("20060102-150405") + ".zip"
	}
	if err := writeReport(path, p, eff, loadErr, paths); err != nil {
		fmt.Fprintln(stderr, p.T("settings.report.failed", "file", path, "detail", err))
		return exitFailure
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fmt.Fprintln(stdout, p.T("settings.report.written", "file", path))
	return exitOK
}

// writeReport writes the bundle: causerie-report/ with config.txt (as
// `causerie config` prints it, in the user's language), config.json,
// system.json and logs/.
func writeReport(path string, p *i18n.Printer, eff *settings.Effective, loadErr error, paths settings.Paths) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	zw := zip.NewWriter(f)
	now := time.Now()
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "causerie-report/" + name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}

	var cfg bytes.Buffer
	writeConfig(&cfg, p, eff, loadErr, paths)
	if err := add("config.txt", []byte(redact(cfg.String()))); err != nil {
		return err
	}
	cj, err := json.MarshalIndent(configJSON(eff, loadErr, paths), "", "  ")
	if err != nil {
		return err
	}
	if err := add("config.json", []byte(redact(string(cj)))); err != nil {
		return err
	}

	dir := logDir(eff, paths)
	logs, _ := filepath.Glob(filepath.Join(dir, logFileName+"*"))
	slices.Sort(logs)
	sys := systemInfo(now, dir)
	for _, l := range logs {
		data, err := os.ReadFile(l)
		if err != nil {
			sys.LogErrors = append(sys.LogErrors, filepath.Base(l)+": "+errText(err))
			continue
		}
		sys.LogFiles = append(sys.LogFiles, filepath.Base(l))
		if err := add("logs/"+filepath.Base(l), []byte(redact(string(data)))); err != nil {
			return err
		}
	}
	sj, err := json.MarshalIndent(sys, "", "  ")
	if err != nil {
		return err
	}
	if err := add("system.json", []byte(redact(string(sj)))); err != nil {
		return err
	}
	return zw.Close()
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// reportSystem is what the help desk needs to know of the program and the
// machine, and nothing personal: no host name, no user name.
type reportSystem struct {
	Created   string            `json:"created"`
	Version   string            `json:"version"`
	Build     map[string]string `json:"build"`
	GoVersion string            `json:"go_version"`
	OS        string            `json:"os"`
	Arch      string            `json:"arch"`
	OSRelease string            `json:"os_release,omitempty"`
	Kernel    string            `json:"kernel,omitempty"`
	CPUs      int               `json:"cpus"`
	Locale    map[string]string `json:"locale"`
	Terminal  map[string]string `json:"terminal"`
	LogDir    string            `json:"log_directory"`
	LogFiles  []string          `json:"log_files"`
	LogErrors []string          `json:"log_errors,omitempty"`
	// Telemetry is "none": Causerie sends none, this report goes only
	// where the user sends it.
	Telemetry string `json:"telemetry"`
}

func systemInfo(now time.Time, logDir string) reportSystem {
	s := reportSystem{Created: now.UTC().Format(time.RFC3339), Version: logVersion(), Build: map[string]string{},
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Locale: map[string]string{}, Terminal: map[string]string{}, LogDir: logDir, LogFiles: []string{}, Telemetry: "none"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "CGO_ENABLED", "GOAMD64", "GOARM64", "-race", "-tags":
				s.Build[st.Key] = st.Value
			}
		}
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if e := os.Getenv(v); e != "" {
			s.Locale[v] = e
		}
	}
	for _, v := range []string{"TERM", "COLORTERM", "TERM_PROGRAM", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP"} {
		if e := os.Getenv(v); e != "" {
			s.Terminal[v] = e
		}
	}
	if runtime.GOOS == "linux" {
		s.OSRelease = osRelease("/etc/os-release")
		if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
			s.Kernel = strings.TrimSpace(string(b))
		}
	}
	return s
}

// osRelease is the PRETTY_NAME of an os-release file.
func osRelease(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// logVersion is the program's version as the build recorded it: the
// module version, else the VCS revision.
func logVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, st := range bi.Settings {
		if st.Key == "vcs.revision" && len(st.Value) >= 12 && (v == "" || v == "(devel)") {
			v = "(devel) " + st.Value[:12]
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}
