package netconftest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
)

// Front serves a loopback server over TLS under a certificate of the
// test's CA, as a production instance sits behind its TLS front end:
// HTTPS requests and WebSocket upgrades alike are passed on to the
// backend.
type Front struct {
	// Port is the loopback port the front listens on: a proxy's Hosts
	// maps the front's name there.
	Port string
	srv  *httptest.Server
}

// NewFront serves backend (http:// or ws://) over TLS with cert. Close it
// when done.
func NewFront(backend string, cert tls.Certificate) (*Front, error) {
	target, err := url.Parse(backend)
	if err != nil {
		return nil, err
	}
	switch target.Scheme {
	case "ws":
		target.Scheme = "http"
	case "wss":
		target.Scheme = "https"
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
	srv := httptest.NewUnstartedServer(rp)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// Clients that refuse the certificate are what some tests are about:
	// the server need not log each handshake they break off.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return &Front{Port: port, srv: srv}, nil
}

// URL is the front's address under name, for scheme (https or wss).
func (f *Front) URL(scheme, name string) string {
	return scheme + "://" + net.JoinHostPort(name, f.Port)
}

// Close stops the front.
func (f *Front) Close() {
	f.srv.CloseClientConnections()
	f.srv.Close()
}
