package main

import (
	"flag"
	"runtime"

	"causerie/client/netconf"
)

// networkFlags are how a meeting reaches the servers from inside an
// administration: its proxy, relay-only media, its certificate
// authorities. The settings (network.http_proxy, network.relay_only,
// network.ca_bundle) fill the same fields.
type networkFlags struct {
	proxy     string
	relayOnly bool
	caBundle  string
}

func (nf *networkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&nf.proxy, "proxy", "", "HTTP(S) proxy, http://[user:password@]host:port (default: HTTPS_PROXY and NO_PROXY, then the desktop's settings)")
	fs.BoolVar(&nf.relayOnly, "relay-only", false, "send media only through the server's TURN relay (TURN over TLS on port 443 when UDP is blocked)")
	fs.StringVar(&nf.caBundle, "ca-bundle", "", "PEM file of certificate authorities to trust besides the system's")
}

// config is the network the flags describe. Without --proxy, the
// environment's proxy is used, then the desktop's.
func (nf networkFlags) config() netconf.Config {
	return netconf.Config{
		Proxy:                nf.proxy,
		ProxyFromEnvironment: true,
		ProxyFromSystem:      true,
		RelayOnly:            nf.relayOnly,
		CABundle:             nf.caBundle,
	}
}

// open builds the process's network from the flags.
func (nf networkFlags) open() (*netconf.Network, error) { return openNetwork(nf.config()) }

// openNetwork builds the network every connection of the process goes
// through. A CA bundle first joins the process's system roots, before any
// connection is made: pion's TURN over TLS client verifies the relay
// against those and takes no configuration (netconf.TrustProcessWide). On
// systems whose roots come from the OS (macOS, Windows) the bundle covers
// our own connections only; a relay signed by it needs the authority in
// the OS's store.
func openNetwork(cfg netconf.Config) (*netconf.Network, error) {
	if cfg.CABundle != "" && runtime.GOOS == "linux" {
		if err := netconf.TrustProcessWide(cfg.CABundle); err != nil {
			return nil, err
		}
	}
	return cfg.Build()
}
