// Package pulsetest runs a private PulseAudio daemon for tests: a real
// sound server with null sinks for speakers and their monitors for
// microphones, so the engine's duplex path, device lists and hot-plug
// run against real code on machines without a sound card.
package pulsetest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireEnv, when set, turns a missing pulseaudio into a failure
// instead of a skip: `make test` sets it.
const RequireEnv = "CAUSERIE_REQUIRE_PULSE"

// Server is one PulseAudio daemon, listening on a socket of its own.
type Server struct {
	t      testing.TB
	dir    string
	socket string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs a daemon with no devices until the test ends. It skips the
// test when pulseaudio is not installed (fails under RequireEnv).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("pulseaudio")
	if err == nil {
		_, err = exec.LookPath("pactl")
	}
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("pulseaudio or pactl is missing and %s is set: apt-get install pulseaudio", RequireEnv)
		}
		t.Skip("pulseaudio is not installed: the sound device tests need it (apt-get install pulseaudio)")
	}
	// A short directory: the socket's path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "pa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &Server{t: t, dir: dir, socket: filepath.Join(dir, "native"), exited: make(chan struct{})}
	conf := filepath.Join(dir, "default.pa")
	// Only the native protocol: no hardware detection, no D-Bus, no
	// module that would restore devices from a previous run.
	script := fmt.Sprintf("load-module module-native-protocol-unix auth-anonymous=1 socket=%s\n", s.socket)
	if err := os.WriteFile(conf, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"runtime", "state", "config"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s.cmd = exec.Command(bin, "--daemonize=no", "--exit-idle-time=-1", "--system=false",
		"--disallow-exit", "--use-pid-file=no", "--log-target=stderr", "-n", "-F", conf)
	s.cmd.Env = append(os.Environ(), s.daemonEnv()...)
	var logs bytes.Buffer
	s.cmd.Stderr = &logs
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("pulseaudio: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.Kill)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.pactl("info"); err == nil {
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("pulseaudio exited at start:\n%s", &logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pulseaudio did not answer within 10 s:\n%s", &logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// daemonEnv keeps the daemon's state, cookie and runtime files in our
// directory, away from any real user session.
func (s *Server) daemonEnv() []string {
	return []string{
		"HOME=" + s.dir,
		"XDG_CONFIG_HOME=" + filepath.Join(s.dir, "config"),
		"XDG_RUNTIME_DIR=" + filepath.Join(s.dir, "runtime"),
		"PULSE_RUNTIME_PATH=" + filepath.Join(s.dir, "runtime"),
		"PULSE_STATE_PATH=" + filepath.Join(s.dir, "state"),
	}
}

// Env is what a client process needs to reach this server (and no
// other): append it to a command's environment.
func (s *Server) Env() []string {
	return []string{"PULSE_SERVER=unix:" + s.socket, "PULSE_RUNTIME_PATH=" + filepath.Join(s.dir, "runtime")}
}

// Setenv points this process's PulseAudio clients at the server for the
// rest of the test.
func (s *Server) Setenv(t testing.TB) {
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func (s *Server) pactl(args ...string) (string, error) {
	cmd := exec.Command("pactl", args...)
	cmd.Env = append(os.Environ(), s.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pactl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// Pactl runs pactl against the server and returns its output.
func (s *Server) Pactl(args ...string) string {
	s.t.Helper()
	out, err := s.pactl(args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// AddSink adds a null sink, a speaker that plays into nothing, at 48 kHz
// mono; its monitor ("Monitor of <description>") is a microphone that
// hears what is played to it. It returns the module to unload to take
// the sink away.
func (s *Server) AddSink(name, description string) int {
	s.t.Helper()
	out := s.Pactl("load-module", "module-null-sink", "sink_name="+name, "rate=48000", "channels=1",
		`sink_properties='device.description="`+description+`"'`)
	n, err := strconv.Atoi(out)
	if err != nil {
		s.t.Fatalf("load-module answered %q", out)
	}
	return n
}

// Unload removes a module: the sink (and its monitor) it made disappear
// as a unplugged device would.
func (s *Server) Unload(module int) {
	s.t.Helper()
	s.Pactl("unload-module", strconv.Itoa(module))
}

// Kill stops the daemon, as a crash of the sound server would.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.exited
}
