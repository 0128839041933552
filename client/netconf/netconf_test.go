package netconf_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"causerie/client/netconf"
	"causerie/client/netconf/netconftest"
)

func TestParseProxy(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"proxy.example:3128", "http://proxy.example:3128"},
		{"http://proxy.example", "http://proxy.example:80"},
		{"HTTPS://proxy.example", "https://proxy.example:443"},
		{"http://jean:s3cret@proxy.example:8080/", "http://jean:s3cret@proxy.example:8080"},
		{"socks5://127.0.0.1", "socks5://127.0.0.1:1080"},
		{" http://[::1]:3128 ", "http://[::1]:3128"},
	} {
		u, err := netconf.ParseProxy(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if u.String() != c.want {
			t.Errorf("%q → %q, want %q", c.in, u, c.want)
		}
	}
	for _, in := range []string{"ftp://jean:s3cret@proxy.example", "http://jean:s3cret@:3128", "http://jean:s3cret@proxy/path", "http://jean:s3cret@proxy:port"} {
		_, err := netconf.ParseProxy(in)
		if !errors.Is(err, netconf.ErrBadProxy) {
			t.Errorf("%q: %v, want ErrBadProxy", in, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the message shows the password: %v", in, err)
		}
		var keyed interface{ MessageKey() string }
		if !errors.As(err, &keyed) || keyed.MessageKey() != "network.error.bad_proxy" {
			t.Errorf("%q: no message key in %v", in, err)
		}
	}
	if _, err := (netconf.Config{Proxy: "gopher://x"}).Build(); !errors.Is(err, netconf.ErrBadProxy) {
		t.Errorf("Build with a bad proxy: %v", err)
	}
}

func TestCABundleErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("# nothing here\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o644)
	broken := filepath.Join(dir, "broken.pem")
	os.WriteFile(broken, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.pem"), empty, broken, dir} {
		_, err := netconf.Config{CABundle: path}.Build()
		if !errors.Is(err, netconf.ErrCABundle) {
			t.Errorf("%s: %v, want ErrCABundle", path, err)
			continue
		}
		var keyed interface{ MessageKey() string }
		if !errors.As(err, &keyed) || keyed.MessageKey() != "network.error.ca_bundle" {
			t.Errorf("%s: no message key in %v", path, err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: the message does not name the file: %v", path, err)
		}
	}
}

// site is an HTTPS server under a name that only the proxy resolves,
// with a certificate of the test's own authority.
type site struct {
	ca     *netconftest.CA
	bundle string
	front  *netconftest.Front
	proxy  *netconftest.Proxy
	host   string // name:port, as clients ask for it
}

func newSite(t *testing.T, user, password string) *site {
	t.Helper()
	ca, err := netconftest.NewCA("Causerie test CA")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := ca.WriteBundle(t.TempDir(), "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "bonjour "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	cert, err := ca.Issue("api.invalid")
	if err != nil {
		t.Fatal(err)
	}
	front, err := netconftest.NewFront(backend.URL, cert)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(front.Close)
	_, backendPort, _ := net.SplitHostPort(strings.TrimPrefix(backend.URL, "http://"))
	proxy, err := netconftest.NewProxy(netconftest.ProxyConfig{User: user, Password: password,
		Hosts: map[string]string{"api.invalid": "127.0.0.1", "plain.invalid": "127.0.0.1:" + backendPort}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	return &site{ca: ca, bundle: bundle, front: front, proxy: proxy, host: net.JoinHostPort("api.invalid", front.Port)}
}

func get(t *testing.T, n *netconf.Network, u string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := n.HTTPClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), errors.New(resp.Status)
	}
	return string(b), err
}

// TestThroughProxy: HTTPS requests and raw TLS connections reach a server
// that only the proxy can reach, through CONNECT with the proxy's
// password, trusting the organisation's authority.
func TestThroughProxy(t *testing.T) {
	s := newSite(t, "camille", "mot de passe")
	n, err := netconf.Config{Proxy: s.proxy.URL("camille", "mot de passe"), CABundle: s.bundle}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if n.ProxySource() != netconf.SourceConfig {
		t.Errorf("proxy source %q", n.ProxySource())
	}
	body, err := get(t, n, "https://"+s.host+"/api/v1.0/config/")
	if err != nil || body != "bonjour /api/v1.0/config/" {
		t.Fatalf("GET through the proxy: %q, %v", body, err)
	}
	if got := s.proxy.Tunnels(s.host); got != 1 {
		t.Errorf("%d tunnels to %s, want 1", got, s.host)
	}

	// The WebSocket's dial: a tunnel, then TLS to the server's name.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := n.Dial(ctx, "wss", s.host)
	if err != nil {
		t.Fatalf("Dial wss: %v", err)
	}
	tc, ok := conn.(*tls.Conn)
	if !ok || tc.ConnectionState().PeerCertificates[0].DNSNames[0] != "api.invalid" {
		t.Fatalf("Dial gave %T, not TLS to api.invalid", conn)
	}
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: api.invalid\r\nConnection: close\r\n\r\n")
	reply, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.Contains(string(reply), "bonjour /ws") {
		t.Fatalf("answer through the dialled tunnel: %q", reply)
	}
	if got := s.proxy.Tunnels(s.host); got != 2 {
		t.Errorf("%d tunnels to %s, want 2", got, s.host)
	}

	// Plain HTTP goes as a forwarded request, with the credentials too.
	plain := "plain.invalid:8080"
	if body, err := get(t, n, "http://"+plain+"/x"); err != nil || body != "bonjour /x" {
		t.Fatalf("plain GET through the proxy: %q, %v", body, err)
	}
	if s.proxy.Forwarded(plain) != 1 || s.proxy.AuthFailures() != 0 {
		t.Errorf("forwarded %d, refused %d", s.proxy.Forwarded(plain), s.proxy.AuthFailures())
	}
}

// TestProxyRefusals: a wrong password, a proxy that is down, a server the
// proxy cannot reach and an authority we were not told to trust each give
// their own error, never a password.
func TestProxyRefusals(t *testing.T) {
	s := newSite(t, "camille", "mot de passe")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, pass := range []string{"", "faux-secret"} {
		proxyURL := s.proxy.URL("camille", pass)
		if pass == "" {
			proxyURL = s.proxy.URL("", "")
		}
		n, err := netconf.Config{Proxy: proxyURL, CABundle: s.bundle}.Build()
		if err != nil {
			t.Fatal(err)
		}
		_, err = get(t, n, "https://"+s.host+"/")
		var ne *netconf.Error
		if !errors.Is(err, netconf.ErrProxyAuth) || !errors.As(err, &ne) || ne.Status != 407 {
			t.Errorf("HTTPS with password %q: %v, want ErrProxyAuth", pass, err)
		}
		_, err = n.Dial(ctx, "wss", s.host)
		if !errors.Is(err, netconf.ErrProxyAuth) {
			t.Errorf("Dial with password %q: %v, want ErrProxyAuth", pass, err)
		}
		if pass != "" && err != nil && strings.Contains(err.Error(), pass) {
			t.Errorf("the message shows the password: %v", err)
		}
	}
	if s.proxy.AuthFailures() != 4 {
		t.Errorf("proxy refused %d requests, want 4", s.proxy.AuthFailures())
	}

	good := s.proxy.URL("camille", "mot de passe")
	n, _ := netconf.Config{Proxy: good, CABundle: s.bundle}.Build()
	if _, err := n.Dial(ctx, "wss", "nowhere.invalid:443"); !errors.Is(err, netconf.ErrProxyRefused) {
		t.Errorf("a server the proxy cannot reach: %v, want ErrProxyRefused", err)
	}

	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	n, _ = netconf.Config{Proxy: "http://camille:mot-de-passe@" + deadAddr}.Build()
	_, err := n.Dial(ctx, "wss", s.host)
	if !errors.Is(err, netconf.ErrProxyUnreachable) || strings.Contains(err.Error(), "mot-de-passe") {
		t.Errorf("a dead proxy: %v, want ErrProxyUnreachable without the password", err)
	}
	for _, u := range []string{"https://" + s.host + "/", "http://plain.invalid/"} {
		_, err = get(t, n, u)
		if !errors.Is(err, netconf.ErrProxyUnreachable) || strings.Contains(err.Error(), "mot-de-passe") {
			t.Errorf("%s through a dead proxy: %v, want ErrProxyUnreachable without the password", u, err)
		}
	}

	n, _ = netconf.Config{Proxy: good}.Build()
	_, err = n.Dial(ctx, "wss", s.host)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("without the bundle: %v, want an unknown authority", err)
	}
}

// TestProxyFromEnvironment: HTTPS_PROXY for https and wss, HTTP_PROXY for
// http and ws, NO_PROXY and loopback direct; read at Build, not once per
// process.
func TestProxyFromEnvironment(t *testing.T) {
	for _, v := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		t.Setenv(v, "")
	}
	n, err := netconf.Config{ProxyFromEnvironment: true}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if n.ProxySource() != netconf.SourceNone {
		t.Errorf("no variables: source %q", n.ProxySource())
	}
	t.Setenv("HTTPS_PROXY", "http://jean:pw@secure.proxy:3128")
	t.Setenv("HTTP_PROXY", "plain.proxy:8080")
	t.Setenv("NO_PROXY", ".intranet.example,10.0.0.0/8")
	n, err = netconf.Config{ProxyFromEnvironment: true}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if n.ProxySource() != netconf.SourceEnvironment {
		t.Errorf("source %q", n.ProxySource())
	}
	for target, want := range map[string]string{
		"https://visio.numerique.gouv.fr/x": "http://jean:pw@secure.proxy:3128",
		"wss://livekit.example:443":         "http://jean:pw@secure.proxy:3128",
		"ws://livekit.example":              "http://plain.proxy:8080",
		"https://meet.intranet.example":     "",
		"https://10.1.2.3":                  "",
		"https://127.0.0.1:7880":            "",
		"wss://localhost:7880":              "",
	} {
		u, _ := url.Parse(target)
		p, err := n.ProxyFor(u)
		got := ""
		if p != nil {
			got = p.String()
		}
		if err != nil || got != want {
			t.Errorf("%s: proxy %q (%v), want %q", target, got, err, want)
		}
	}
	// An explicit proxy wins over the environment, for every address.
	n, _ = netconf.Config{Proxy: "http://policy.proxy:3128", ProxyFromEnvironment: true}.Build()
	if p, _ := n.ProxyFor(&url.URL{Scheme: "wss", Host: "127.0.0.1:7880"}); p == nil || p.Host != "policy.proxy:3128" {
		t.Errorf("explicit proxy: %v", p)
	}
}
