package netconf

import (
	"errors"
	"fmt"
)

// Errors this package reports, inside an *Error that carries the detail.
// Test them with errors.Is; front ends show the sentence of Error's
// MessageKey.
var (
	// ErrBadProxy: the proxy address is not a proxy URL
	// (http://[user:password@]host:port, https://… or socks5://…).
	ErrBadProxy = errors.New("netconf: bad proxy address")
	// ErrCABundle: the CA bundle cannot be read or holds no certificate.
	ErrCABundle = errors.New("netconf: unusable CA bundle")
	// ErrProxyUnreachable: the proxy itself does not answer.
	ErrProxyUnreachable = errors.New("netconf: proxy unreachable")
	// ErrProxyAuth: the proxy wants credentials, or refused ours (HTTP 407).
	ErrProxyAuth = errors.New("netconf: proxy authentication required")
	// ErrProxyRefused: the proxy answered but would not open the tunnel
	// (a 403 from its filter, a 502 when it could not reach the server…).
	ErrProxyRefused = errors.New("netconf: proxy refused the connection")
	// ErrProcessTrust: the CA bundle could not join the process's system
	// roots (see TrustProcessWide).
	ErrProcessTrust = errors.New("netconf: CA bundle not trusted process-wide")
)

// messageKeys are the translated sentences of the sentinels, in
// assets/translations/<lang>/network.json.
var messageKeys = map[error]string{
	ErrBadProxy:         "network.error.bad_proxy",
	ErrCABundle:         "network.error.ca_bundle",
	ErrProxyUnreachable: "network.error.proxy_unreachable",
	ErrProxyAuth:        "network.error.proxy_auth",
	ErrProxyRefused:     "network.error.proxy_refused",
	ErrProcessTrust:     "network.error.process_trust",
}

// Error is a failure of this package: one of the sentinels above, what it
// was about, and the underlying cause if any. Proxy addresses in Detail
// never show a password.
type Error struct {
	Kind   error
	Detail string
	Err    error
	// Status is the proxy's HTTP status, for ErrProxyAuth and
	// ErrProxyRefused.
	Status int
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives the sentinel and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// MessageKey names the sentence that explains the error to the user
// (ui/i18n's Printer.Error reads it).
func (e *Error) MessageKey() string { return messageKeys[e.Kind] }
