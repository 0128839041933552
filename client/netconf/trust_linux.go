package netconf

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

var errRootsLoaded = errors.New("the system roots were loaded before the bundle could join them")

// goCertDirs are the directories Go reads the system roots from on Linux
// when SSL_CERT_DIR is not set (crypto/x509 root_linux.go): setting the
// variable replaces them, so they are kept in it.
var goCertDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}

// envMu serialises our changes to SSL_CERT_DIR.
var envMu sync.Mutex

// loadRootsWith makes Go load the system roots with certs among them, if
// it has not loaded them yet.
func loadRootsWith(certs []*x509.Certificate) error {
	dir, err := os.MkdirTemp("", "causerie-ca-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var pemData []byte
	for _, c := range certs {
		pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(filepath.Join(dir, "bundle.pem"), pemData, 0o600); err != nil {
		return err
	}

	envMu.Lock()
	defer envMu.Unlock()
	old, had := os.LookupEnv("SSL_CERT_DIR")
	dirs := goCertDirs
	if had && old != "" {
		dirs = strings.Split(old, ":")
	}
	if err := os.Setenv("SSL_CERT_DIR", strings.Join(append(dirs[:len(dirs):len(dirs)], dir), ":")); err != nil {
		return err
	}
	// The first call loads the roots, reading the directory; later calls
	// return what was loaded then.
	_, loadErr := x509.SystemCertPool()
	if had {
		_ = os.Setenv("SSL_CERT_DIR", old)
	} else {
		_ = os.Unsetenv("SSL_CERT_DIR")
	}
	return loadErr
}
