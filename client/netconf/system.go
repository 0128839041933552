package netconf

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// gsettingsTimeout bounds reading GNOME's settings: gsettings answers in
// milliseconds from dconf's database, and a stuck session bus must not
// hold up a meeting.
const gsettingsTimeout = 2 * time.Second

// systemProxy reads the desktop's manual proxy settings: GNOME's first
// (what GNOME's own applications follow), then KDE's.
func systemProxy() (httpproxy.Config, string, bool) {
	if cfg, ok := gnomeProxy(); ok {
		return cfg, SourceGNOME, true
	}
	if cfg, ok := kdeProxy(); ok {
		return cfg, SourceKDE, true
	}
	return httpproxy.Config{}, "", false
}

// gnomeProxy reads org.gnome.system.proxy through gsettings, which finds
// the settings wherever the session keeps them (dconf, keyfile).
func gnomeProxy() (httpproxy.Config, bool) {
	bin, err := exec.LookPath("gsettings")
	if err != nil {
		return httpproxy.Config{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), gsettingsTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "list-recursively", "org.gnome.system.proxy").Output()
	if err != nil {
		return httpproxy.Config{}, false
	}
	return parseGNOME(out)
}

// parseGNOME reads `gsettings list-recursively org.gnome.system.proxy`:
// lines of schema, key and value in GVariant text ('manual', 8080,
// ['localhost', '127.0.0.0/8'], true). Only mode 'manual' names a proxy;
// 'auto' is a PAC file, which we do not run.
func parseGNOME(out []byte) (httpproxy.Config, bool) {
	v := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 {
			v[f[0]+" "+f[1]] = f[2]
		}
	}
	const s = "org.gnome.system.proxy"
	if gvString(v[s+" mode"]) != "manual" {
		return httpproxy.Config{}, false
	}
	var user *url.Userinfo
	if v[s+".http use-authentication"] == "true" {
		if name := gvString(v[s+".http authentication-user"]); name != "" {
			user = url.UserPassword(name, gvString(v[s+".http authentication-password"]))
		}
	}
	proxyAt := func(schema, scheme string, u *url.Userinfo) string {
		host := gvString(v[s+"."+schema+" host"])
		port, _ := strconv.Atoi(strings.TrimPrefix(v[s+"."+schema+" port"], "uint32 "))
		if host == "" || port <= 0 {
			return ""
		}
		return (&url.URL{Scheme: scheme, User: u, Host: net.JoinHostPort(host, strconv.Itoa(port))}).String()
	}
	cfg := httpproxy.Config{
		HTTPProxy:  proxyAt("http", "http", user),
		HTTPSProxy: proxyAt("https", "http", nil),
		NoProxy:    strings.Join(gvStrings(v[s+" ignore-hosts"]), ","),
	}
	// GNOME keeps one set of credentials, under http; its https proxy is
	// most often the same machine.
	if cfg.HTTPSProxy != "" && user != nil && gvString(v[s+".https host"]) == gvString(v[s+".http host"]) {
		cfg.HTTPSProxy = proxyAt("https", "http", user)
	}
	// use-same-proxy: "use the HTTP proxy for all protocols", when the
	// https one is not filled in.
	if cfg.HTTPSProxy == "" && v[s+" use-same-proxy"] == "true" {
		cfg.HTTPSProxy = cfg.HTTPProxy
	}
	if cfg.HTTPSProxy == "" && cfg.HTTPProxy == "" {
		if socks := proxyAt("socks", "socks5", nil); socks != "" {
			cfg.HTTPProxy, cfg.HTTPSProxy = socks, socks
		}
	}
	return cfg, cfg.HTTPProxy != "" || cfg.HTTPSProxy != ""
}

// gvString reads a GVariant string, 'text' with \-escapes; anything else
// gives "".
func gvString(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return ""
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// gvStrings reads a GVariant array of strings: ['a', 'b'], or @as [].
func gvStrings(s string) []string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "@as"))
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil
	}
	var out []string
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		q := body[i]
		if q != '\'' && q != '"' {
			continue
		}
		j := i + 1
		for ; j < len(body) && body[j] != q; j++ {
			if body[j] == '\\' {
				j++
			}
		}
		if j >= len(body) {
			break
		}
		if item := gvString(body[i : j+1]); item != "" {
			out = append(out, item)
		}
		i = j
	}
	return out
}

// kdeProxy reads KDE's settings: [Proxy Settings] in kioslaverc, under
// $XDG_CONFIG_HOME (~/.config). ProxyType 1 is a manual proxy; 4 says
// "use the environment", which Config.ProxyFromEnvironment covers.
func kdeProxy() (httpproxy.Config, bool) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return httpproxy.Config{}, false
		}
		dir = filepath.Join(home, ".config")
	}
	data, err := os.ReadFile(filepath.Join(dir, "kioslaverc"))
	if err != nil {
		return httpproxy.Config{}, false
	}
	return parseKDE(data)
}

// parseKDE reads kioslaverc's [Proxy Settings] group. Proxies are written
// "http://host port" (KDE 5 and 6) or "http://host:port".
func parseKDE(data []byte) (httpproxy.Config, bool) {
	v := map[string]string{}
	group := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			group = line[1 : len(line)-1]
			continue
		}
		if k, val, ok := strings.Cut(line, "="); ok && group == "Proxy Settings" {
			// Keys may carry a locale or a [$e] flag: httpProxy[$e]=….
			if i := strings.IndexByte(k, '['); i >= 0 {
				k = k[:i]
			}
			v[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	if v["ProxyType"] != "1" || v["ReversedException"] == "true" {
		// A reversed exception list proxies only the listed hosts: rare,
		// and not what NO_PROXY can say.
		return httpproxy.Config{}, false
	}
	addr := func(s string) string {
		s = strings.TrimSpace(s)
		if host, port, ok := strings.Cut(s, " "); ok {
			s = strings.TrimSuffix(host, "/") + ":" + strings.TrimSpace(port)
		}
		return s
	}
	cfg := httpproxy.Config{
		HTTPProxy:  addr(v["httpProxy"]),
		HTTPSProxy: addr(v["httpsProxy"]),
		NoProxy:    v["NoProxyFor"],
	}
	if cfg.HTTPSProxy == "" && cfg.HTTPProxy == "" {
		if socks := addr(v["socksProxy"]); socks != "" {
			if !strings.Contains(socks, "://") {
				socks = "socks5://" + socks
			}
			cfg.HTTPProxy, cfg.HTTPSProxy = socks, socks
		}
	}
	return cfg, cfg.HTTPProxy != "" || cfg.HTTPSProxy != ""
}
