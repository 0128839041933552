package settings

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Allows tells whether a meeting on host may be joined: host is a host
// name or IP address, with or without a port ("visio.example.fr",
// "sfu.example.fr:443", "[::1]:7880").
func (m Meetings) Allows(host string) bool {
	if len(m.AllowedHosts) == 0 {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	addr, addrErr := netip.ParseAddr(h)
	for _, pattern := range m.AllowedHosts {
		if domain, ok := strings.CutPrefix(pattern, "*."); ok {
			if strings.HasSuffix(h, "."+domain) {
				return true
			}
			continue
		}
		if h == pattern {
			return true
		}
		if a, err := netip.ParseAddr(pattern); err == nil && addrErr == nil && a.Unmap() == addr.Unmap() {
			return true
		}
	}
	return false
}

// CheckHost is Allows as an error: nil, or a *HostNotAllowedError.
func (m Meetings) CheckHost(host string) error {
	if m.Allows(host) {
		return nil
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	return &HostNotAllowedError{Host: strings.ToLower(h), Allowed: append([]string(nil), m.AllowedHosts...)}
}

// HostNotAllowedError: the meeting's host is not among
// meetings.allowed_hosts.
type HostNotAllowedError struct {
	Host    string
	Allowed []string
}

func (e *HostNotAllowedError) Error() string {
	return fmt.Sprintf("settings: meetings on %s are not allowed; allowed hosts: %s", e.Host, strings.Join(e.Allowed, ", "))
}

// MessageKey names the sentence that explains it (i18n).
func (e *HostNotAllowedError) MessageKey() string { return "settings.error.host_not_allowed" }

// FeatureDisabledError: the settings switch a feature off
// (features.chat, …). Feature is the key's last part: "chat",
// "reactions", "screen_share", "test_call".
type FeatureDisabledError struct {
	Feature string
}

func (e *FeatureDisabledError) Error() string {
	return "settings: features." + e.Feature + " is off"
}

// MessageKey names the sentence that explains it (i18n): one per feature.
func (e *FeatureDisabledError) MessageKey() string {
	return "settings.error." + e.Feature + "_disabled"
}
