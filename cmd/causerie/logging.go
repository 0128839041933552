package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"causerie/client/settings"
)

// The log: every join and tui appends to causerie.log in the user's log
// directory (settings.Paths.LogDir, or logging.directory), one line a
// record, as slog's text format writes it. When the file would pass
// logFileMax it moves aside to causerie.log.1, the older ones shifting up
// to causerie.log.<logFiles-1>, the oldest dropped: at most logFiles ×
// logFileMax on disk, which holds days of meetings at the info level.
const (
	logFileName = "causerie.log"
	logFileMax  = 1 << 20
	logFiles    = 5
)

// openLog opens the log the settings ask for. When it cannot be written
// the logger discards and the error says why: a meeting never fails for
// want of a log. The file stays open until the process ends; every record
// is written through at once, so none waits in a buffer to be lost.
func openLog(s settings.Logging, defaultDir string) (*slog.Logger, error) {
	dir := s.Directory
	if dir == "" {
		dir = defaultDir
	}
	if dir == "" {
		return slog.New(slog.DiscardHandler), errors.New("no log directory")
	}
	rf, err := openRotating(dir, logFileName, logFileMax, logFiles)
	if err != nil {
		return slog.New(slog.DiscardHandler), err
	}
	h := slog.NewTextHandler(rf, &slog.HandlerOptions{Level: logLevel(s.Level)})
	return slog.New(h).With("pid", os.Getpid()), nil
}

func logLevel(l string) slog.Level {
	switch l {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// logStart opens a run's record: what runs, where, with which settings.
func logStart(log *slog.Logger, command string, eff *settings.Effective) {
	log.Info("start", "command", command, "version", logVersion(), "os", runtime.GOOS, "arch", runtime.GOARCH)
	var files, locked []string
	for _, s := range eff.Sources {
		if s.Found {
			files = append(files, s.Layer.String()+"="+s.Name)
		}
	}
	for _, k := range settings.Keys() {
		if eff.Locked(k) {
			locked = append(locked, k)
		}
	}
	log.Info("settings", "files", strings.Join(files, " "), "locked", strings.Join(locked, " "), "problems", len(eff.Problems))
}

// rotatingFile is the log file: appends, with secrets taken out of every
// write, and moved aside when full. Several processes may share it (two
// meetings at once): each appends whole lines, and one that finds the
// file already moved aside by another reopens it instead of rotating
// again.
type rotatingFile struct {
	mu   sync.Mutex
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

func openRotating(dir, name string, max int64, keep int) (*rotatingFile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r := &rotatingFile{path: filepath.Join(dir, name), max: max, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rotatingFile) open() error {
	// 0600: a log tells whom the user met and when.
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, st.Size()
	return nil
}

// Write writes p, redacted. slog hands over one whole record a call, so
// a secret is never split between two writes.
func (r *rotatingFile) Write(p []byte) (int, error) {
	line := redact(string(p))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(line)) > r.max {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.WriteString(line)
	r.size += int64(n)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// rotate moves the full file aside and starts a new one.
func (r *rotatingFile) rotate() error {
	mine, err := r.f.Stat()
	if err != nil {
		return err
	}
	_ = r.f.Close()
	r.f = nil
	if cur, err := os.Stat(r.path); err != nil || os.SameFile(cur, mine) {
		for i := r.keep - 1; i >= 1; i-- {
			err := os.Rename(r.name(i-1), r.name(i))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	} // else another process rotated it already: just reopen.
	return r.open()
}

// name is the i-th file: causerie.log, causerie.log.1, …
func (r *rotatingFile) name(i int) string {
	if i == 0 {
		return r.path
	}
	return fmt.Sprintf("%s.%d", r.path, i)
}

func (r *rotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// secrets are what never reaches a log or a report: access tokens (JWTs:
// LiveKit's, Visio's), session and CSRF cookies, token query parameters,
// Authorization headers, passwords in URLs.
var secrets = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), "[redacted]"},
	{regexp.MustCompile(`(?i)((?:token|sessionid|csrftoken|csrfmiddlewaretoken|lobbyparticipantid|session[-_]cookie|password|passwd|secret|authorization)["']?\s*[=:]\s*["']?)(?:bearer\s+)?[^\s"'&;,)]+`), "${1}[redacted]"},
	{regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+`), "${1}[redacted]"},
	{regexp.MustCompile(`(://[^/\s:@]+:)[^/\s@]+@`), "${1}[redacted]@"},
}

// redact takes the secrets out of s.
func redact(s string) string {
	for _, sec := range secrets {
		s = sec.re.ReplaceAllString(s, sec.with)
	}
	return s
}
