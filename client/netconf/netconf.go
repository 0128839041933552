// Package netconf is how Causerie reaches the network inside an
// administration: through the HTTP(S) proxy it must use (given, from the
// environment or from the desktop's settings), trusting the organisation's
// certificate authorities besides the system's, and with media forced
// through the SFU's TURN relay when the firewall lets nothing else out.
//
// A Config says what to do; Build turns it into a Network, which gives the
// pieces the rest of the client connects with: an HTTP transport for the
// Visio API, a dial function for the SFU's WebSocket, a TLS configuration.
// Both go through the same proxy, with the same trust.
package netconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Config describes the network Causerie is on. The zero value connects
// directly, trusting the system's certificate authorities.
type Config struct {
	// Proxy is the proxy every connection goes through:
	// http://[user:password@]host:port (the usual HTTP proxy, tunnelling
	// with CONNECT), https://… (the same, spoken over TLS) or socks5://….
	// A bare host:port means http://. When set, the environment and the
	// desktop settings are not read.
	Proxy string
	// ProxyFromEnvironment uses HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or
	// their lower-case forms), as curl and Go programs do, when Proxy is
	// empty. Loopback addresses are never proxied this way.
	ProxyFromEnvironment bool
	// ProxyFromSystem uses the desktop's proxy settings (GNOME's, then
	// KDE's) when neither Proxy nor the environment names one. Automatic
	// configuration (PAC, WPAD) is not supported.
	ProxyFromSystem bool
	// RelayOnly sends media only through the SFU's TURN relay (ICE
	// transport policy "relay"): for networks that block UDP, where the
	// relay's TURN over TLS on port 443 is the one way out, or when IT
	// wants every media packet to go through it.
	RelayOnly bool
	// CABundle is a PEM file of certificate authorities trusted besides
	// the system's: the organisation's own, or its HTTPS inspection
	// proxy's.
	CABundle string
}

// Proxy sources, as Network.ProxySource reports them.
const (
	SourceNone        = ""
	SourceConfig      = "config"
	SourceEnvironment = "environment"
	SourceGNOME       = "gnome"
	SourceKDE         = "kde"
)

// Network is a built Config: safe for concurrent use, shared by every
// connection of the process that should follow it.
type Network struct {
	relayOnly bool
	caBundle  string
	source    string
	// proxy picks the proxy for a target URL of scheme http or https; nil
	// when there is none at all.
	proxy func(*url.URL) (*url.URL, error)
	// proxies are the proxies' addresses (host:port) and how to name
	// them, to tell a proxy that does not answer from a server that does
	// not.
	proxies   map[string]string
	tls       *tls.Config
	dialer    net.Dialer
	transport *http.Transport
}

// Build checks the configuration and returns the Network it describes.
// Errors are *Error (ErrBadProxy, ErrCABundle). With a CA bundle, call
// TrustProcessWide first when TURN over TLS must trust it too.
func (c Config) Build() (*Network, error) {
	n := &Network{relayOnly: c.RelayOnly, caBundle: c.CABundle}
	n.proxies = map[string]string{}
	switch {
	case strings.TrimSpace(c.Proxy) != "":
		p, err := ParseProxy(c.Proxy)
		if err != nil {
			return nil, err
		}
		n.source = SourceConfig
		n.proxy = func(*url.URL) (*url.URL, error) { return p, nil }
		n.proxies[p.Host] = Redact(p)
	case c.ProxyFromEnvironment && envProxy() != nil:
		n.source = SourceEnvironment
		n.useProxies(*envProxy())
	case c.ProxyFromSystem:
		if cfg, source, ok := systemProxy(); ok {
			n.source = source
			n.useProxies(cfg)
		}
	}
	n.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CABundle != "" {
		certs, err := LoadBundle(c.CABundle)
		if err != nil {
			return nil, err
		}
		// The system's authorities stay trusted: the bundle adds to them.
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		for _, cert := range certs {
			pool.AddCert(cert)
		}
		n.tls.RootCAs = pool
	}
	n.dialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	n.transport = &http.Transport{
		Proxy:                  func(r *http.Request) (*url.URL, error) { return n.ProxyFor(r.URL) },
		OnProxyConnectResponse: n.checkConnect,
		DialContext:            n.dialDirect,
		TLSClientConfig:        n.tls.Clone(),
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
	return n, nil
}

var (
	defaultOnce sync.Once
	defaultNet  *Network
)

// Default is the network of a client given no configuration: the
// environment's proxy, the system's authorities. It is what Go programs
// do by default, and what client/livekit uses when given no Network.
func Default() *Network {
	defaultOnce.Do(func() {
		// Build cannot fail without an explicit proxy or a bundle.
		defaultNet, _ = Config{ProxyFromEnvironment: true}.Build()
	})
	return defaultNet
}

// RelayOnly tells whether media must go through the TURN relay only.
func (n *Network) RelayOnly() bool { return n.relayOnly }

// CABundle is the extra authorities' file, "" when there is none.
func (n *Network) CABundle() string { return n.caBundle }

// ProxySource tells where the proxy settings came from: SourceConfig,
// SourceEnvironment, SourceGNOME, SourceKDE, or SourceNone.
func (n *Network) ProxySource() string { return n.source }

// TLSConfig returns a copy of the TLS client configuration: TLS 1.2 at
// least, the system's authorities plus the bundle's.
func (n *Network) TLSConfig() *tls.Config { return n.tls.Clone() }

// Transport is the HTTP transport through the proxy, with the trust of
// TLSConfig. It keeps connections alive between requests; share it.
func (n *Network) Transport() *http.Transport { return n.transport }

// HTTPClient returns a client over Transport, with no time limit of its
// own (callers bound requests with their context).
func (n *Network) HTTPClient() *http.Client { return &http.Client{Transport: n.transport} }

// ProxyFor returns the proxy a connection to target goes through, or nil
// for a direct connection. target's scheme is http, https, ws or wss; the
// WebSocket schemes follow their HTTP counterparts (wss uses HTTPS_PROXY).
func (n *Network) ProxyFor(target *url.URL) (*url.URL, error) {
	if n.proxy == nil || target == nil {
		return nil, nil
	}
	u := *target
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return n.proxy(&u)
}

// useProxies takes the proxies of environment-style settings.
func (n *Network) useProxies(cfg httpproxy.Config) {
	n.proxy = proxyFunc(cfg)
	for _, s := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if p, err := ParseProxy(s); s != "" && err == nil {
			n.proxies[p.Host] = Redact(p)
		}
	}
}

// dialDirect is the HTTP transport's TCP dial, to servers and to proxies
// alike: when addr is a proxy's, a failure is the proxy's.
func (n *Network) dialDirect(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := n.dialer.DialContext(ctx, network, addr)
	if name, ok := n.proxies[addr]; ok && err != nil {
		return nil, &Error{Kind: ErrProxyUnreachable, Detail: name, Err: err}
	}
	return conn, err
}

// checkConnect turns a proxy's refusal of an HTTPS tunnel into an *Error,
// so that callers can tell a proxy that wants credentials from a server
// that does not answer. net/http otherwise reports it as bare text.
func (n *Network) checkConnect(_ context.Context, proxyURL *url.URL, _ *http.Request, res *http.Response) error {
	return connectError(proxyURL, res.StatusCode)
}

// connectError is the error a proxy's answer to CONNECT means, nil for
// success.
func connectError(proxyURL *url.URL, status int) error {
	switch {
	case status >= 200 && status <= 299:
		return nil
	case status == http.StatusProxyAuthRequired:
		detail := Redact(proxyURL)
		if proxyURL.User == nil {
			detail += ": no credentials given"
		} else {
			detail += ": credentials refused"
		}
		return &Error{Kind: ErrProxyAuth, Detail: detail, Status: status}
	default:
		return &Error{Kind: ErrProxyRefused, Detail: Redact(proxyURL), Status: status}
	}
}

// ParseProxy reads a proxy address: http://[user:password@]host[:port],
// https://…, socks5://… or socks5h://…; a bare host:port means http://.
// The port defaults to 80 for http and 443 for https, as in net/http, and
// to 1080 for SOCKS. Errors are *Error (ErrBadProxy) and never show the
// password.
func ParseProxy(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes its input, password included: say less.
		return nil, &Error{Kind: ErrBadProxy, Detail: "not a URL"}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, &Error{Kind: ErrBadProxy, Detail: fmt.Sprintf("%s: scheme %q (want http, https or socks5)", Redact(u), u.Scheme)}
	}
	if u.Hostname() == "" {
		return nil, &Error{Kind: ErrBadProxy, Detail: Redact(u) + ": no host"}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, &Error{Kind: ErrBadProxy, Detail: Redact(u) + ": a proxy address has no path"}
	}
	u.Path = ""
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), defaultProxyPort(u.Scheme))
	}
	return u, nil
}

func defaultProxyPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "socks5", "socks5h":
		return "1080"
	}
	return "80"
}

// Redact shows a proxy address without its password, for messages and
// logs.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}

// envProxy reads the proxy variables of the environment, or nil when they
// name no proxy. It reads them now, unlike http.ProxyFromEnvironment,
// which reads them once per process.
func envProxy() *httpproxy.Config {
	cfg := httpproxy.FromEnvironment()
	if cfg.HTTPProxy == "" && cfg.HTTPSProxy == "" {
		return nil
	}
	return cfg
}

// proxyFunc picks proxies as the environment's rules say: HTTPS_PROXY for
// https, HTTP_PROXY for http, none for NO_PROXY's hosts and loopback.
// Proxies it returns have their default port filled in.
func proxyFunc(cfg httpproxy.Config) func(*url.URL) (*url.URL, error) {
	pick := cfg.ProxyFunc()
	return func(u *url.URL) (*url.URL, error) {
		p, err := pick(u)
		if err != nil || p == nil {
			if err != nil {
				// httpproxy quotes the variable's value: keep the
				// password out of the message.
				return nil, &Error{Kind: ErrBadProxy, Detail: "in the proxy settings"}
			}
			return nil, nil
		}
		return ParseProxy(p.String())
	}
}

// LoadBundle reads the certificates of a PEM file. It fails (ErrCABundle)
// when the file cannot be read, when a certificate in it is malformed, or
// when it holds none.
func LoadBundle(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Kind: ErrCABundle, Detail: path, Err: err}
	}
	var certs []*x509.Certificate
	for rest, i := data, 1; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, &Error{Kind: ErrCABundle, Detail: fmt.Sprintf("%s: block %d", path, i), Err: err}
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, &Error{Kind: ErrCABundle, Detail: path + ": no PEM certificate in it"}
	}
	return certs, nil
}
