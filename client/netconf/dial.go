package netconf

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/proxy"
)

// Dial connects to addr (host:port) for a URL of the given scheme (http,
// https, ws or wss): directly, or through the proxy that applies to it
// with an HTTP CONNECT tunnel (Proxy-Authorization: Basic when the proxy
// address has credentials) or SOCKS5. For https and wss it then speaks TLS
// to the server, verified with TLSConfig for addr's host name.
//
// It is the dial function of the SFU's WebSocket; ctx bounds the whole of
// it, proxy handshake and TLS included.
func (n *Network) Dial(ctx context.Context, scheme, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	secure := scheme == "https" || scheme == "wss"
	proxyURL, err := n.ProxyFor(&url.URL{Scheme: scheme, Host: addr})
	if err != nil {
		return nil, err
	}
	var conn net.Conn
	if proxyURL == nil {
		conn, err = n.dialer.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = n.tunnel(ctx, proxyURL, addr)
	}
	if err != nil {
		return nil, err
	}
	if !secure {
		return conn, nil
	}
	cfg := n.tls.Clone()
	cfg.ServerName = host
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// tunnel opens a connection to addr through the proxy.
func (n *Network) tunnel(ctx context.Context, proxyURL *url.URL, addr string) (net.Conn, error) {
	if proxyURL.Scheme == "socks5" || proxyURL.Scheme == "socks5h" {
		return n.socks(ctx, proxyURL, addr)
	}
	conn, err := n.dialer.DialContext(ctx, "tcp", proxyURL.Host)
	if err != nil {
		return nil, &Error{Kind: ErrProxyUnreachable, Detail: Redact(proxyURL), Err: err}
	}
	if proxyURL.Scheme == "https" {
		cfg := n.tls.Clone()
		cfg.ServerName = proxyURL.Hostname()
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &Error{Kind: ErrProxyUnreachable, Detail: Redact(proxyURL), Err: err}
		}
		conn = tc
	}
	tunnel, err := connect(ctx, conn, proxyURL, addr)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tunnel, nil
}

// connect asks the proxy on conn for a tunnel to addr (RFC 9110 §9.3.6).
func connect(ctx context.Context, conn net.Conn, proxyURL *url.URL, addr string) (net.Conn, error) {
	// The exchange is bounded by ctx: by its deadline, and by its
	// cancellation, which a deadline in the past turns into an error of
	// the read or write in progress.
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		Header: http.Header{"User-Agent": {"Causerie"}},
	}
	if u := proxyURL.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		return nil, proxyIOError(ctx, proxyURL, err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, proxyIOError(ctx, proxyURL, err)
	}
	resp.Body.Close()
	if err := connectError(proxyURL, resp.StatusCode); err != nil {
		return nil, err
	}
	if !stop() {
		// ctx ended as the answer came: the deadline set above is
		// already in the past.
		return nil, ctx.Err()
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		// The server spoke first (an SSH banner, say) and its bytes came
		// with the proxy's answer.
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

// proxyIOError reports a failed exchange with the proxy, or ctx's end when
// that is what cut it short.
func proxyIOError(ctx context.Context, proxyURL *url.URL, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", Redact(proxyURL), ctx.Err())
	}
	return &Error{Kind: ErrProxyUnreachable, Detail: Redact(proxyURL), Err: err}
}

// socks opens a connection to addr through a SOCKS5 proxy.
func (n *Network) socks(ctx context.Context, proxyURL *url.URL, addr string) (net.Conn, error) {
	var auth *proxy.Auth
	if u := proxyURL.User; u != nil {
		pass, _ := u.Password()
		auth = &proxy.Auth{User: u.Username(), Password: pass}
	}
	// The proxy's own address failing is told apart from its refusal.
	forward := dialFunc(func(ctx context.Context, network, a string) (net.Conn, error) {
		conn, err := n.dialer.DialContext(ctx, network, a)
		if err != nil {
			return nil, &Error{Kind: ErrProxyUnreachable, Detail: Redact(proxyURL), Err: err}
		}
		return conn, nil
	})
	d, err := proxy.SOCKS5("tcp", proxyURL.Host, auth, forward)
	if err != nil {
		return nil, &Error{Kind: ErrBadProxy, Detail: Redact(proxyURL), Err: err}
	}
	cd, ok := d.(proxy.ContextDialer)
	if !ok {
		return nil, &Error{Kind: ErrBadProxy, Detail: Redact(proxyURL) + ": SOCKS dialer without context"}
	}
	conn, err := cd.DialContext(ctx, "tcp", addr)
	var ne *Error
	switch {
	case err == nil:
		return conn, nil
	case errors.As(err, &ne):
		return nil, ne
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s: %w", Redact(proxyURL), ctx.Err())
	default:
		return nil, &Error{Kind: ErrProxyRefused, Detail: Redact(proxyURL), Err: err}
	}
}

// dialFunc is a dial function as a proxy.Dialer and proxy.ContextDialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) Dial(network, addr string) (net.Conn, error) {
	return f(context.Background(), network, addr)
}

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// bufferedConn is a connection whose first bytes were already read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
