package netconf_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"causerie/client/netconf"
	"causerie/client/netconf/netconftest"
)

// TestTrustProcessWide runs its cases in child processes of their own:
// Go loads the system roots once per process, and what this test checks
// is what happens around that moment.
func TestTrustProcessWide(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the process-wide roots can be added to on Linux only")
	}
	for _, c := range []string{"first", "late"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTrustChild$", "-test.v")
		cmd.Env = append(os.Environ(), "NETCONF_TRUST_CHILD="+c)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("case %s: %v\n%s", c, err, out)
		}
	}
}

// TestTrustChild is TestTrustProcessWide's child; it does nothing
// otherwise.
func TestTrustChild(t *testing.T) {
	scenario := os.Getenv("NETCONF_TRUST_CHILD")
	if scenario == "" {
		t.Skip("run by TestTrustProcessWide")
	}
	ca, err := netconftest.NewCA("Causerie relay CA")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := ca.WriteBundle(t.TempDir(), "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	// A TLS server as pion's TURN client meets it: verified against the
	// system roots, no configuration of ours.
	cert, err := ca.Issue("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	dialDefault := func() error {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: "127.0.0.1"})
		if err == nil {
			c.Close()
		}
		return err
	}

	before, hadBefore := os.LookupEnv("SSL_CERT_DIR")
	switch scenario {
	case "first":
		if err := netconf.TrustProcessWide(bundle); err != nil {
			t.Fatal(err)
		}
		if err := dialDefault(); err != nil {
			t.Fatalf("a default TLS client does not trust the bundle: %v", err)
		}
		// The system's own authorities are still there.
		if sysCerts, err := netconf.LoadBundle("/etc/ssl/certs/ca-certificates.crt"); err == nil {
			sys, _ := x509.SystemCertPool()
			if _, err := sysCerts[0].Verify(x509.VerifyOptions{Roots: sys, CurrentTime: sysCerts[0].NotBefore.AddDate(0, 0, 1)}); err != nil {
				t.Errorf("a system authority (%s) is no longer trusted: %v", sysCerts[0].Subject, err)
			}
		}
		if err := netconf.TrustProcessWide(bundle); err != nil {
			t.Errorf("the same bundle again: %v", err)
		}
		other, _ := netconftest.NewCA("another CA")
		otherBundle, _ := other.WriteBundle(t.TempDir(), "other.pem")
		if err := netconf.TrustProcessWide(otherBundle); !errors.Is(err, netconf.ErrProcessTrust) {
			t.Errorf("a second bundle after the roots were loaded: %v, want ErrProcessTrust", err)
		}
		if v, ok := os.LookupEnv("SSL_CERT_DIR"); v != before || ok != hadBefore {
			t.Errorf("SSL_CERT_DIR left at %q (set: %v), was %q (set: %v)", v, ok, before, hadBefore)
		}
	case "late":
		if err := dialDefault(); err == nil {
			t.Fatal("the test's authority is trusted before anything was done")
		}
		err := netconf.TrustProcessWide(bundle)
		var keyed interface{ MessageKey() string }
		if !errors.Is(err, netconf.ErrProcessTrust) || !errors.As(err, &keyed) || keyed.MessageKey() != "network.error.process_trust" {
			t.Fatalf("after the roots were loaded: %v, want ErrProcessTrust", err)
		}
	}
}
