//go:build windows

package instance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// The endpoint's files in its directory. The lock file is held open
// without sharing for the instance's life, so a second process cannot
// open it; Windows closes it when its holder exits, however it exits. The
// address file tells where the instance listens and its token.
const (
	lockName = "instance.lock"
	addrName = "instance.addr"
)

// errSharingViolation is ERROR_SHARING_VIOLATION: the file is open
// elsewhere without sharing.
const errSharingViolation = syscall.Errno(32)

// Dir is where this user's endpoint lives: %LocalAppData%\Causerie, a
// per-user, per-machine directory (not roaming: an address on this
// machine means nothing on another).
func Dir() (string, error) {
	base, err := os.UserCacheDir() // %LocalAppData%
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "Causerie"), nil
}

func listen(dir string) (net.Listener, string, func(), error) {
	// A directory under the user's profile is private by its inherited
	// access list; the token keeps other local users' processes, which
	// can reach loopback TCP, from handing links.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", nil, err
	}
	name, err := syscall.UTF16PtrFromString(filepath.Join(dir, lockName))
	if err != nil {
		return nil, "", nil, err
	}
	lock, err := syscall.CreateFile(name, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errSharingViolation) {
			return nil, "", nil, ErrRunning
		}
		return nil, "", nil, fmt.Errorf("instance: lock: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		syscall.CloseHandle(lock)
		return nil, "", nil, err
	}
	token := hex.EncodeToString(secret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		syscall.CloseHandle(lock)
		return nil, "", nil, err
	}
	addrPath := filepath.Join(dir, addrName)
	tmp := addrPath + ".new"
	err = os.WriteFile(tmp, []byte(ln.Addr().String()+" "+token+"\n"), 0o600)
	if err == nil {
		err = os.Rename(tmp, addrPath)
	}
	if err != nil {
		ln.Close()
		syscall.CloseHandle(lock)
		return nil, "", nil, err
	}
	release := func() {
		_ = os.Remove(addrPath)
		syscall.CloseHandle(lock)
	}
	return ln, token, release, nil
}

func dial(ctx context.Context, dir string) (net.Conn, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, addrName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", ErrNoInstance
		}
		return nil, "", err
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		return nil, "", ErrNoInstance
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		// Only ever loopback: a rewritten file must not send links away.
		return nil, "", fmt.Errorf("%w: address %q", ErrUnsafeDir, addr)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		// The address file of a process that died: nobody listens.
		if errors.Is(err, syscall.Errno(10061)) || errors.Is(err, syscall.ECONNREFUSED) { // WSAECONNREFUSED
			return nil, "", ErrNoInstance
		}
		return nil, "", err
	}
	return conn, token, nil
}
