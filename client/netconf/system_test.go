package netconf

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gnomeManual is what `gsettings list-recursively org.gnome.system.proxy`
// prints for a manual proxy with a password (GNOME 46).
const gnomeManual = `org.gnome.system.proxy autoconfig-url ''
org.gnome.system.proxy ignore-hosts ['localhost', '127.0.0.0/8', '::1', '*.intranet.gouv.fr']
org.gnome.system.proxy mode 'manual'
org.gnome.system.proxy use-same-proxy true
org.gnome.system.proxy.ftp host ''
org.gnome.system.proxy.ftp port 0
org.gnome.system.proxy.http authentication-password 'p@ss w\'rd'
org.gnome.system.proxy.http authentication-user 'agent'
org.gnome.system.proxy.http enabled false
org.gnome.system.proxy.http host 'proxy.intranet.gouv.fr'
org.gnome.system.proxy.http port 3128
org.gnome.system.proxy.http use-authentication true
org.gnome.system.proxy.https host 'proxy.intranet.gouv.fr'
org.gnome.system.proxy.https port 3129
org.gnome.system.proxy.socks host ''
org.gnome.system.proxy.socks port 0
`

func TestParseGNOME(t *testing.T) {
	cfg, ok := parseGNOME([]byte(gnomeManual))
	if !ok {
		t.Fatal("manual proxy not read")
	}
	if cfg.HTTPProxy != "http://agent:p%40ss%20w%27rd@proxy.intranet.gouv.fr:3128" ||
		cfg.HTTPSProxy != "http://agent:p%40ss%20w%27rd@proxy.intranet.gouv.fr:3129" ||
		cfg.NoProxy != "localhost,127.0.0.0/8,::1,*.intranet.gouv.fr" {
		t.Errorf("%+v", cfg)
	}
	f := proxyFunc(cfg)
	p, err := f(&url.URL{Scheme: "https", Host: "visio.numerique.gouv.fr"})
	if err != nil || p == nil || p.Host != "proxy.intranet.gouv.fr:3129" {
		t.Fatalf("proxy for visio: %v, %v", p, err)
	}
	if pw, _ := p.User.Password(); p.User.Username() != "agent" || pw != "p@ss w'rd" {
		t.Errorf("credentials %v", p.User)
	}
	if _, ok := parseGNOME([]byte("org.gnome.system.proxy mode 'none'\norg.gnome.system.proxy.http host 'x'\norg.gnome.system.proxy.http port 1\n")); ok {
		t.Error("mode none gave a proxy")
	}
	if _, ok := parseGNOME([]byte("org.gnome.system.proxy mode 'auto'\norg.gnome.system.proxy autoconfig-url 'http://wpad/proxy.pac'\n")); ok {
		t.Error("a PAC file gave a proxy")
	}
}

func TestParseKDE(t *testing.T) {
	cfg, ok := parseKDE([]byte(`[$Version]
update_info=kioslave.upd:change-proxy-settings

[Proxy Settings]
NoProxyFor=localhost,.intranet.gouv.fr
ProxyType=1
httpProxy=http://proxy.intranet.gouv.fr 3128
httpsProxy[$e]=http://proxy.intranet.gouv.fr:3129
`))
	if !ok || cfg.HTTPProxy != "http://proxy.intranet.gouv.fr:3128" || cfg.HTTPSProxy != "http://proxy.intranet.gouv.fr:3129" ||
		cfg.NoProxy != "localhost,.intranet.gouv.fr" {
		t.Errorf("%+v, %v", cfg, ok)
	}
	if _, ok := parseKDE([]byte("[Proxy Settings]\nProxyType=0\nhttpProxy=http://p 1\n")); ok {
		t.Error("ProxyType 0 gave a proxy")
	}
}

// TestSystemProxy reads the settings where the desktops keep them: GNOME's
// through the real gsettings (its keyfile backend, in a directory of the
// test's own), KDE's from kioslaverc.
func TestSystemProxy(t *testing.T) {
	for _, v := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GSETTINGS_BACKEND", "keyfile")
	os.WriteFile(filepath.Join(dir, "kioslaverc"), []byte("[Proxy Settings]\nProxyType=1\nhttpsProxy=http://kde.proxy 8080\n"), 0o644)

	n, err := Config{ProxyFromEnvironment: true, ProxyFromSystem: true}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := n.ProxyFor(&url.URL{Scheme: "wss", Host: "livekit.example:443"}); n.ProxySource() != SourceKDE || p == nil || p.Host != "kde.proxy:8080" {
		t.Errorf("KDE: source %q, proxy %v", n.ProxySource(), p)
	}

	if _, err := exec.LookPath("gsettings"); err != nil {
		t.Log("gsettings is not installed: GNOME's settings are read only from the recorded output (TestParseGNOME)")
		return
	}
	keyfile := filepath.Join(dir, "glib-2.0", "settings", "keyfile")
	os.MkdirAll(filepath.Dir(keyfile), 0o755)
	os.WriteFile(keyfile, []byte("[system/proxy]\nmode='manual'\n\n[system/proxy/https]\nhost='gnome.proxy'\nport=3128\n"), 0o644)
	n, err = Config{ProxyFromSystem: true}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := n.ProxyFor(&url.URL{Scheme: "https", Host: "visio.example"}); n.ProxySource() != SourceGNOME || p == nil || p.Host != "gnome.proxy:3128" {
		t.Errorf("GNOME: source %q, proxy %v", n.ProxySource(), p)
	}
	// The environment comes before the desktop.
	t.Setenv("HTTPS_PROXY", "http://env.proxy:1")
	n, _ = Config{ProxyFromEnvironment: true, ProxyFromSystem: true}.Build()
	if n.ProxySource() != SourceEnvironment {
		t.Errorf("with HTTPS_PROXY set: source %q", n.ProxySource())
	}
}
