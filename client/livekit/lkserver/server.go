// Package lkserver runs a real livekit-server on loopback, for tests and
// for the local demo. It never listens beyond 127.0.0.1.
package lkserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/livekit/protocol/auth"
)

// Version is the livekit-server release the project tests against: the
// last one that installs with `go install`.
const Version = "v1.13.5"

// ErrNotFound: no livekit-server binary was found.
var ErrNotFound = errors.New("lkserver: livekit-server not found (run `make sfu`, or set CAUSERIE_LIVEKIT_SERVER)")

// Find locates the server binary: $CAUSERIE_LIVEKIT_SERVER, then the cache
// the Makefile installs into, then livekit-server on PATH.
func Find() (string, error) {
	if p := os.Getenv("CAUSERIE_LIVEKIT_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return p, nil
	}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "causerie", "livekit-"+Version, "server")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("livekit-server"); err == nil {
		return p, nil
	}
	return "", ErrNotFound
}

// Server is a running livekit-server.
type Server struct {
	// URL is the signalling address, ws://127.0.0.1:PORT.
	URL         string
	Key, Secret string

	// TURNAddr is the embedded TURN server's TLS address, 127.0.0.1:PORT,
	// when Options.TURNTLS turned it on.
	TURNAddr string

	// Shaper degrades the path of participants joining relay-only when
	// Options.Shaper is set, else nil (shaper.go).
	Shaper *Shaper
	relay  *shapedRelay

	cmd  *exec.Cmd
	dir  string
	done chan struct{}
	err  error
}

// Start runs bin with a fresh loopback-only configuration on free ports and
// waits until it answers. Its logs go to logs (nil discards them).
func Start(ctx context.Context, bin string, logs io.Writer) (*Server, error) {
	return StartWith(ctx, bin, logs, Options{})
}

// StartWith is Start with options added to the configuration.
func StartWith(ctx context.Context, bin string, logs io.Writer, opts Options) (*Server, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	udp, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "causerie-sfu-")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("ws://127.0.0.1:%d", ports[0]), Key: "causerie-test", Secret: randomSecret(), dir: dir, done: make(chan struct{})}
	shaperLines, err := s.startShaper(opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg := fmt.Sprintf(`port: %d
bind_addresses: [127.0.0.1]
rtc:
  tcp_port: %d
  udp_port: %d
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
  interfaces:
    includes: [lo]
%s%skeys:
  %s: %s
logging:
  level: warn
`, ports[0], ports[1], udp, shaperLines, opts.turnConfig(s, ports[2]), s.Key, s.Secret)
	cfgPath := filepath.Join(dir, "livekit.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		s.closeShaper()
		os.RemoveAll(dir)
		return nil, err
	}
	if logs == nil {
		logs = io.Discard
	}
	s.cmd = exec.Command(bin, "--config", cfgPath)
	s.cmd.SysProcAttr = procAttr()
	s.cmd.Stdout, s.cmd.Stderr = logs, logs
	if err := s.cmd.Start(); err != nil {
		s.closeShaper()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("lkserver: start %s: %w", bin, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, ports[0]); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("lkserver: exited before ready: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("lkserver: not ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Token mints an access token to join room as identity.
func (s *Server) Token(room, identity, name string) (string, error) {
	at := auth.NewAccessToken(s.Key, s.Secret)
	at.SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room}).
		SetIdentity(identity).SetName(name).SetValidFor(time.Hour)
	return at.ToJWT()
}

// Kill ends the server abruptly, as a crash would.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

// Stop ends the server and removes its files. livekit-server takes a first
// interrupt as "drain": it then waits, in 5 s steps, for rooms to empty,
// and rooms outlive their last participant for a while; a second
// interrupt makes it stop at once, closing what is left.
func (s *Server) Stop() {
	if s.cmd.Process != nil && !s.interrupt(200*time.Millisecond) && !s.interrupt(5*time.Second) {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.closeShaper()
	os.RemoveAll(s.dir)
}

// interrupt signals the server and tells whether it exited within wait.
func (s *Server) interrupt(wait time.Duration) bool {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
		return true
	case <-time.After(wait):
		return false
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// randomSecret makes a key secret of 48 characters: livekit-server wants
// at least 32.
func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
