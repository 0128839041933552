//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package instance

import (
	"context"
	"errors"
	"net"
	"os"
)

// Dir is the temporary directory: systems without the locks this package
// relies on run every launch on its own.
func Dir() (string, error) { return os.TempDir(), nil }

func listen(string) (net.Listener, string, func(), error) {
	return nil, "", nil, errors.ErrUnsupported
}

// dial finds nobody, so every launch opens its links itself.
func dial(context.Context, string) (net.Conn, string, error) {
	return nil, "", ErrNoInstance
}
