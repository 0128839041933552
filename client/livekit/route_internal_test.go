package livekit

import (
	"testing"

	"causerie/client/netconf"
)

func TestSignalAddr(t *testing.T) {
	for in, want := range map[string]string{
		"wss://livekit.example":         "livekit.example:443",
		"https://livekit.example/":      "livekit.example:443",
		"ws://127.0.0.1:7880":           "127.0.0.1:7880",
		"http://[::1]":                  "[::1]:80",
		"wss://sfu.invalid:8443/prefix": "sfu.invalid:8443",
	} {
		if got, err := signalAddr(in); err != nil || got != want {
			t.Errorf("%s → %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestRoutes: the WebSocket of each SFU goes through the network of the
// latest backend joining it; an address nobody joined, through the latest
// backend's; with none left, through the default network.
func TestRoutes(t *testing.T) {
	a, _ := netconf.Config{Proxy: "http://a.proxy:1"}.Build()
	b, _ := netconf.Config{Proxy: "http://b.proxy:1"}.Build()
	c, _ := netconf.Config{Proxy: "http://c.proxy:1"}.Build()
	removeA := addRoute("sfu.one:443", a)
	removeB := addRoute("sfu.one:443", b)
	removeC := addRoute("sfu.two:443", c)
	if route("sfu.one:443") != b || route("sfu.two:443") != c || route("elsewhere:443") != c {
		t.Error("latest backend's network not chosen")
	}
	removeB()
	removeB() // twice is harmless
	if route("sfu.one:443") != a {
		t.Error("after the latest left, the earlier one's network not chosen")
	}
	removeC()
	if route("sfu.two:443") != a {
		t.Error("an address nobody joins any more does not follow the latest backend")
	}
	removeA()
	if route("sfu.one:443") != netconf.Default() {
		t.Error("with no backend, not the default network")
	}
}
