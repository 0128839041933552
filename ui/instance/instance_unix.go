//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package instance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// The endpoint's files in its directory. The lock says who listens: the
// kernel drops it when its holder exits, however it exits, so a socket
// file whose lock is free was left by a dead process and is replaced.
const (
	socketName = "instance.sock"
	lockName   = "instance.lock"
)

// unixToken: on Unix the socket's directory is private (0700, ours), so
// whoever reaches the socket is this user; no secret is needed.
const unixToken = "-"

// Dir is where this user's endpoint lives: $XDG_RUNTIME_DIR/causerie (a
// per-user directory the session manager creates and removes), or, where
// there is none (macOS, a bare SSH session), causerie-<uid> in the
// temporary directory.
func Dir() (string, error) {
	if rt := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		return filepath.Join(rt, "causerie"), nil
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("causerie-%d", os.Getuid())), nil
}

func listen(dir string) (net.Listener, string, func(), error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, "", nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, "", nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, "", nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, "", nil, ErrRunning
		}
		return nil, "", nil, fmt.Errorf("instance: lock: %w", err)
	}
	// We hold the lock: a socket file there is a dead process's.
	path := filepath.Join(dir, socketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		lock.Close()
		return nil, "", nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		lock.Close()
		return nil, "", nil, err
	}
	// The directory already keeps others out; the socket's own mode says
	// the same to whoever looks.
	_ = os.Chmod(path, 0o600)
	// Closing the listener removes the socket file (net.UnixListener
	// unlinks what it created); closing the lock file releases the lock.
	return ln, unixToken, func() { lock.Close() }, nil
}

func dial(ctx context.Context, dir string) (net.Conn, string, error) {
	if err := checkDir(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", ErrNoInstance
		}
		return nil, "", err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", filepath.Join(dir, socketName))
	if err != nil {
		// No socket, or one nobody listens on (its process died).
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, "", ErrNoInstance
		}
		return nil, "", err
	}
	return conn, unixToken, nil
}

// checkDir accepts a real directory (not a symbolic link), owned by us and
// closed to group and others. Another user able to write there could put
// their own socket in place and read our links, or block ours.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s (mode %v)", ErrUnsafeDir, dir, fi.Mode())
	}
	return nil
}
