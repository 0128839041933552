//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run real processes: this test binary started again with
// helperEnv set plays the other Causerie.
const helperEnv = "CAUSERIE_INSTANCE_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "listen":
		os.Exit(helperListen(os.Getenv("CAUSERIE_INSTANCE_DIR")))
	case "send":
		os.Exit(helperSend(os.Getenv("CAUSERIE_INSTANCE_DIR"), os.Getenv("CAUSERIE_INSTANCE_LINK")))
	}
	os.Exit(2)
}

// helperListen is a first instance: it says "ready", then prints each
// link it is handed, until its standard input closes.
func helperListen(dir string) int {
	in, err := Listen(dir)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer in.Close()
	fmt.Println("ready")
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	for {
		select {
		case l := <-in.Links():
			fmt.Println("link:", l)
		case <-eof:
			return 0
		}
	}
}

// helperSend is a second launch: exit 0 once the link is taken, 3 when
// nobody runs, 1 otherwise.
func helperSend(dir, link string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := Send(ctx, dir, link)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrNoInstance):
		return 3
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// helper is a child process of this test binary and its output.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startListener(t *testing.T, dir string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=listen", "CAUSERIE_INSTANCE_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if got := h.next(t); got != "ready" {
		t.Fatalf("listener said %q, want ready", got)
	}
	return h
}

func (h *helper) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-h.lines:
		if !ok {
			t.Fatal("the helper process ended")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("the helper process said nothing for 10 s")
	}
	return ""
}

func runSender(t *testing.T, dir, link string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=send", "CAUSERIE_INSTANCE_DIR="+dir, "CAUSERIE_INSTANCE_LINK="+link)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// endpointDir is a fresh private directory for one test's endpoint. Unix
// socket paths are short (108 bytes on Linux), so it is made under /tmp
// rather than in t.TempDir's long path.
func endpointDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "ci")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "causerie")
}

func sendCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A second process hands its links to the first, which gets each one;
// while the first runs, nobody else can listen.
func TestHandOverToRunningProcess(t *testing.T) {
	dir := endpointDir(t)
	first := startListener(t, dir)

	if _, err := Listen(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("Listen while another process listens: %v, want ErrRunning", err)
	}
	for _, link := range []string{"https://visio.example.fr/abc-defg-hij", "https://visio.example.fr/klm-nopq-rst"} {
		if err := Send(sendCtx(t), dir, link); err != nil {
			t.Fatalf("Send(%q): %v", link, err)
		}
		if got := first.next(t); got != "link: "+link {
			t.Fatalf("the running process printed %q, want the link %q", got, link)
		}
	}

	// Both ends as processes of their own.
	if code := runSender(t, dir, "https://visio.example.fr/uvw-xyza-bcd"); code != 0 {
		t.Fatalf("sending process exited %d, want 0", code)
	}
	if got := first.next(t); got != "link: https://visio.example.fr/uvw-xyza-bcd" {
		t.Fatalf("the running process printed %q", got)
	}

	// The first leaves cleanly: its socket goes with it, and the next
	// launch finds nobody.
	first.stdin.Close()
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("listener exit: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, socketName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket after a clean exit: %v, want it removed", err)
	}
	if err := Send(sendCtx(t), dir, "https://visio.example.fr/abc-defg-hij"); !errors.Is(err, ErrNoInstance) {
		t.Errorf("Send with nobody running: %v, want ErrNoInstance", err)
	}
}

// A first instance killed outright leaves its socket file behind: the
// next launch sees nobody there and takes the endpoint over.
func TestStaleSocketReplaced(t *testing.T) {
	dir := endpointDir(t)
	first := startListener(t, dir)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, socketName)); err != nil {
		t.Fatalf("a killed process should leave its socket file: %v", err)
	}

	if code := runSender(t, dir, "https://visio.example.fr/abc-defg-hij"); code != 3 {
		t.Fatalf("sending to a dead instance exited %d, want 3 (no instance)", code)
	}
	in, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer in.Close()
	got := make(chan string, 1)
	go func() {
		select {
		case l := <-in.Links():
			got <- l
		case <-time.After(20 * time.Second):
			close(got)
		}
	}()
	if code := runSender(t, dir, "https://visio.example.fr/klm-nopq-rst"); code != 0 {
		t.Fatalf("sending process exited %d, want 0", code)
	}
	if l := <-got; l != "https://visio.example.fr/klm-nopq-rst" {
		t.Fatalf("new instance received %q", l)
	}
}

// An owner that does not drain Links is not said to have taken a link.
func TestLinkNotTaken(t *testing.T) {
	defer func(d time.Duration) { handoffTimeout = d }(handoffTimeout)
	handoffTimeout = 200 * time.Millisecond
	dir := endpointDir(t)
	in, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := Send(sendCtx(t), dir, "https://visio.example.fr/abc-defg-hij"); !errors.Is(err, ErrNotTaken) {
		t.Fatalf("Send to an owner that does not read: %v, want ErrNotTaken", err)
	}
}

// Whatever a peer sends, the instance answers and hands over nothing that
// is not a well-formed request.
func TestBadRequests(t *testing.T) {
	dir := endpointDir(t)
	in, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for name, req := range map[string]string{
		"other protocol": "HELLO - x\nhttps://visio.example.fr/abc-defg-hij\n",
		"no token":       protocol + "\nhttps://visio.example.fr/abc-defg-hij\n",
		"wrong token":    protocol + " secret\nhttps://visio.example.fr/abc-defg-hij\n",
		"empty link":     protocol + " -\n\n",
		"control chars":  protocol + " -\nhttps://visio.example.fr/abc\x1b[2J\n",
		"too long":       protocol + " -\nhttps://" + strings.Repeat("a", 2*maxMessage) + "\n",
		"no end of line": protocol + " -\nhttps://visio.example.fr/abc-defg-hij",
	} {
		conn, err := net.Dial("unix", filepath.Join(dir, socketName))
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if uc, ok := conn.(*net.UnixConn); ok {
			_ = uc.CloseWrite() // the request is all there is
		}
		answer, _ := io.ReadAll(conn)
		conn.Close()
		if string(answer) != answerBad+"\n" {
			t.Errorf("%s: answer %q, want %q", name, answer, answerBad)
		}
	}
	select {
	case l := <-in.Links():
		t.Fatalf("a bad request delivered %q", l)
	default:
	}
	if err := Send(sendCtx(t), dir, "https://visio.example.fr/a b"); !errors.Is(err, ErrRefused) {
		t.Errorf("Send of a link with a space: %v, want ErrRefused", err)
	}
}

// Close ends the instance even with a connection that says nothing, and
// the endpoint is free again at once.
func TestCloseWithSilentPeer(t *testing.T) {
	dir := endpointDir(t)
	in, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", filepath.Join(dir, socketName))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan error, 1)
	go func() { closed <- in.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(ioTimeout / 2):
		t.Fatal("Close waited for a silent peer")
	}
	again, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen after Close: %v", err)
	}
	again.Close()
}

// The endpoint is private: its directory 0700 and the socket 0600; a
// directory another user could reach is refused by both ends.
func TestPrivateEndpoint(t *testing.T) {
	dir := endpointDir(t)
	in, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{dir: 0o700, filepath.Join(dir, socketName): 0o600, filepath.Join(dir, lockName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
		}
	}
	in.Close()

	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(dir); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("Listen in a 0755 directory: %v, want ErrUnsafeDir", err)
	}
	if err := Send(sendCtx(t), dir, "https://visio.example.fr/abc-defg-hij"); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("Send into a 0755 directory: %v, want ErrUnsafeDir", err)
	}
	var keyed interface{ MessageKey() string }
	if err := Send(sendCtx(t), dir, "https://visio.example.fr/abc-defg-hij"); !errors.As(err, &keyed) || keyed.MessageKey() != "instance.error.unsafe_dir" {
		t.Errorf("Send's error %v names no message key", err)
	}

	// A symbolic link in the directory's place may point anywhere.
	target := endpointDir(t)
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(filepath.Dir(target), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(link); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("Listen through a symbolic link: %v, want ErrUnsafeDir", err)
	}

	if os.Getuid() == 0 {
		// Root can give the directory away: another user's directory is
		// refused even with a private mode.
		other := endpointDir(t)
		if err := os.Mkdir(other, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(other); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("Listen in another user's directory: %v, want ErrUnsafeDir", err)
		}
	}
}

func TestDir(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if d, _ := Dir(); d != "/run/user/1000/causerie" {
		t.Errorf("Dir with XDG_RUNTIME_DIR: %q", d)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	want := filepath.Join(os.TempDir(), fmt.Sprintf("causerie-%d", os.Getuid()))
	if d, _ := Dir(); d != want {
		t.Errorf("Dir without XDG_RUNTIME_DIR: %q, want %q", d, want)
	}
}
