package netconf

import (
	"crypto/x509"
	"fmt"
	"time"
)

// TrustProcessWide makes the CA bundle at path part of the system roots of
// the whole process, for code that verifies TLS against them and takes no
// configuration. Causerie needs it for one such piece: pion's TURN over
// TLS client, inside lksdk, which builds its own tls.Config (pion/ice
// gather.go) with no way to pass our authorities in. Without it, a relay
// whose certificate the organisation signed is refused, and with UDP
// blocked media never flows.
//
// Go loads the system roots once per process, at their first use, from
// the files and directories SSL_CERT_FILE and SSL_CERT_DIR name (Linux).
// TrustProcessWide therefore has to run before anything in the process
// verified a certificate against them (a Config with a CA bundle does so
// in Build): it adds a directory with the bundle to SSL_CERT_DIR, makes Go
// load the roots, then restores the variable and removes the directory.
// It then checks that every certificate of the bundle is trusted, and
// fails with ErrProcessTrust otherwise (the roots had been loaded before,
// or by another bundle; on systems other than Linux, which read their
// roots from the OS). Calling it again with the same bundle is harmless.
func TrustProcessWide(path string) error {
	certs, err := LoadBundle(path)
	if err != nil {
		return err
	}
	if err := loadRootsWith(certs); err != nil {
		return &Error{Kind: ErrProcessTrust, Detail: path, Err: err}
	}
	sys, err := x509.SystemCertPool()
	if err != nil {
		return &Error{Kind: ErrProcessTrust, Detail: path, Err: err}
	}
	for _, c := range certs {
		if !trustedBy(sys, c) {
			return &Error{Kind: ErrProcessTrust, Detail: fmt.Sprintf("%s: %q", path, c.Subject.String()),
				Err: errRootsLoaded}
		}
	}
	return nil
}

// trustedBy tells whether pool holds cert: a certificate in the pool
// verifies against it by itself. The check is made at a time the
// certificate is valid, so that an expired authority still counts as
// present.
func trustedBy(pool *x509.CertPool, cert *x509.Certificate) bool {
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:       pool,
		CurrentTime: cert.NotBefore.Add(time.Second),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err == nil
}
