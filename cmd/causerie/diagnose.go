package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/netconf"
	"causerie/client/visio"
	"causerie/ui/i18n"
)

// `causerie diagnose` tells what works and what does not between this
// computer and a meeting, in words an IT department can act on, as
// Visio's connection test does in the browser: name resolution, the
// proxy, HTTPS to the Visio API and to the SFU, the SFU's WebSocket, and
// the media paths (direct UDP, ICE over TCP, the TURN relay over TLS).
//
// The media checks enter the meeting for a moment, as the browser's test
// does, under the name "Connection test" and without sending or receiving
// media: they need a token (--token), or a link to a meeting without a
// lobby.

// diagnoseFlags are diagnose's options.
type diagnoseFlags struct {
	network networkFlags
	url     string
	token   string
	link    string
	lang    string
	timeout time.Duration
}

// diagnoseCheckTimeout bounds each network check but the media ones: a
// firewall that drops packets shows as a timeout, and IT wants an answer
// in seconds, not minutes.
const diagnoseCheckTimeout = 10 * time.Second

func runDiagnose(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	var f diagnoseFlags
	fs := flag.NewFlagSet("causerie diagnose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "", "SFU address, ws(s):// or http(s)://, instead of a meeting link")
	fs.StringVar(&f.token, "token", "", "access token (JWT) for the media checks, with --url")
	fs.StringVar(&f.lang, "lang", "", "language of messages: en or fr (default: from the environment)")
	fs.DurationVar(&f.timeout, "timeout", diagnoseCheckTimeout, "time limit of each check")
	f.network.register(fs)
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		if f.link != "" {
			fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
			return exitUsage
		}
		f.link, rest = fs.Arg(0), fs.Args()[1:]
	}
	if f.lang != "" {
		p = i18n.New(f.lang)
	}
	if (f.link == "") == (f.url == "") || (f.link != "" && f.token != "") || f.timeout <= 0 {
		fmt.Fprintln(stderr, p.T("network.diagnose.usage"))
		return exitUsage
	}

	d := &diagnosis{p: p, out: stdout, timeout: f.timeout, cfg: f.network.config()}
	var target string
	var link visio.Link
	if f.link != "" {
		var err error
		if link, err = visio.ParseLink(f.link); err != nil {
			fmt.Fprintln(stderr, p.Error(err))
			return exitBadAddress
		}
		target = link.String()
	} else {
		u, err := url.Parse(f.url)
		if err != nil || u.Host == "" || !isSFUScheme(u.Scheme) {
			fmt.Fprintln(stderr, p.Error(fmt.Errorf("%w: %q", client.ErrBadURL, f.url)))
			return exitBadAddress
		}
		target = f.url
	}
	n, err := openNetwork(d.cfg)
	if err != nil {
		fmt.Fprintln(stderr, p.Error(err))
		return exitFailure
	}
	d.n = n
	d.header(target)

	sfuURL, token := f.url, f.token
	if f.link != "" {
		sfuURL, token = d.visio(link)
	}
	if sfuURL != "" {
		d.sfu(sfuURL, token)
	}

	if failed := d.failedEssential(); failed > 0 {
		fmt.Fprintln(stdout, p.T("network.diagnose.failed", "count", failed))
		return exitUnreachable
	}
	fmt.Fprintln(stdout, p.T("network.diagnose.ok"))
	return exitOK
}

func isSFUScheme(s string) bool {
	switch s {
	case "ws", "wss", "http", "https":
		return true
	}
	return false
}

// diagnosis runs the checks one after the other and prints each as it
// ends.
type diagnosis struct {
	p       *i18n.Printer
	out     io.Writer
	timeout time.Duration
	cfg     netconf.Config
	n       *netconf.Network
	results []result
	// resolved are the hosts already looked up, not to repeat a line.
	resolved map[string]bool
	// iceServers are the STUN and TURN servers the SFU's join response
	// gave the WebSocket check.
	iceServers []livekit.ICEServer
}

// result is one check's outcome.
type result struct {
	label     string
	essential bool
	ok        bool
	skipped   bool
}

// outcome is what a check found: a detail for its line, and when it
// failed, the advice for IT.
type outcome struct {
	detail string
	hint   string
	failed bool
	skip   bool
}

func passed(detail string) outcome { return outcome{detail: detail} }
func skipped(detail string) outcome {
	return outcome{detail: detail, skip: true}
}

// check runs fn within the check's time limit and prints its line.
func (d *diagnosis) check(label string, essential bool, limit time.Duration, fn func(ctx context.Context) outcome) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	o := fn(ctx)
	took := time.Since(start)
	r := result{label: label, essential: essential, ok: !o.failed && !o.skip, skipped: o.skip}
	d.results = append(d.results, r)
	// ✓ passed, ✗ failed, – not tested; a failure's advice follows on a
	// line of its own.
	mark, line := "✓", "network.diagnose.line"
	switch {
	case o.skip:
		mark, line = "–", "network.diagnose.line_skipped"
	case o.failed:
		mark = "✗"
	}
	fmt.Fprintln(d.out, mark+" "+d.p.T(line, "label", label, "detail", o.detail, "ms", took.Milliseconds()))
	if o.failed && o.hint != "" {
		fmt.Fprintln(d.out, "  → "+o.hint)
	}
	return o
}

func (d *diagnosis) failedEssential() int {
	n := 0
	for _, r := range d.results {
		if r.essential && !r.ok && !r.skipped {
			n++
		}
	}
	return n
}

// header says what is tested, and with which settings.
func (d *diagnosis) header(target string) {
	p := d.p
	fmt.Fprintln(d.out, p.T("network.diagnose.title", "target", target))
	if src := d.n.ProxySource(); src != netconf.SourceNone {
		proxy := d.cfg.Proxy
		if u, err := netconf.ParseProxy(proxy); err == nil {
			proxy = netconf.Redact(u)
		} else if src != netconf.SourceConfig {
			proxy = p.T("network.diagnose.proxy_per_host")
		}
		fmt.Fprintln(d.out, p.T("network.diagnose.proxy", "proxy", proxy, "source", p.T("network.diagnose.source."+src)))
	} else {
		fmt.Fprintln(d.out, p.T("network.diagnose.proxy_none"))
	}
	if d.cfg.RelayOnly {
		fmt.Fprintln(d.out, p.T("network.diagnose.relay_only"))
	}
	if d.cfg.CABundle != "" {
		fmt.Fprintln(d.out, p.T("network.diagnose.ca_bundle", "file", d.cfg.CABundle))
	}
}

// reach checks how a connection to target would start: the DNS name the
// computer resolves itself (the server's, or the proxy's when one applies)
// and the proxy. It tells whether the server's own checks are worth
// running.
func (d *diagnosis) reach(target *url.URL) bool {
	proxy, err := d.n.ProxyFor(target)
	if err != nil {
		d.check(d.p.T("network.check.proxy", "proxy", "?"), true, d.timeout, func(context.Context) outcome {
			return outcome{failed: true, detail: err.Error(), hint: d.p.T("network.hint.proxy_settings")}
		})
		return false
	}
	host := target.Hostname()
	if proxy != nil {
		host = proxy.Hostname()
	}
	if d.resolved == nil {
		d.resolved = map[string]bool{}
	}
	if !d.resolved[host] && net.ParseIP(host) == nil {
		d.resolved[host] = true
		o := d.check(d.p.T("network.check.dns", "host", host), true, d.timeout, func(ctx context.Context) outcome {
			return d.lookup(ctx, host)
		})
		if o.failed {
			return false
		}
	}
	if proxy == nil {
		return true
	}
	o := d.check(d.p.T("network.check.proxy", "proxy", netconf.Redact(proxy)), true, d.timeout, func(ctx context.Context) outcome {
		var dialer net.Dialer
		c, err := dialer.DialContext(ctx, "tcp", proxy.Host)
		if err != nil {
			return outcome{failed: true, detail: shortError(err), hint: d.p.T("network.hint.proxy_down", "proxy", proxy.Host)}
		}
		c.Close()
		return passed(d.p.T("network.detail.proxy_reached", "target", target.Hostname()))
	})
	return !o.failed
}

func (d *diagnosis) lookup(ctx context.Context, host string) outcome {
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return outcome{failed: true, detail: shortError(err), hint: d.p.T("network.hint.dns", "host", host)}
	}
	sort.Strings(addrs)
	if len(addrs) > 4 {
		addrs = append(addrs[:4], "…")
	}
	return passed(strings.Join(addrs, ", "))
}

// visio checks the Visio instance of a link and returns the SFU's URL, and
// a token when the meeting lets us in without a lobby.
func (d *diagnosis) visio(link visio.Link) (sfuURL, token string) {
	p := d.p
	if !d.reach(link.BaseURL) {
		return "", ""
	}
	api, err := visio.New(link.BaseURL, visio.WithHTTPClient(d.n.HTTPClient()), visio.WithRequestTimeout(d.timeout))
	if err != nil {
		d.check(p.T("network.check.api", "url", link.BaseURL), true, d.timeout, func(context.Context) outcome {
			return outcome{failed: true, detail: err.Error()}
		})
		return "", ""
	}
	var cfg visio.FrontendConfig
	apiURL := link.BaseURL.String() + "/api/v1.0/config/"
	o := d.check(p.T("network.check.api", "url", apiURL), true, d.timeout, func(ctx context.Context) outcome {
		cfg, err = api.Config(ctx)
		if err != nil {
			return d.failure(err, link.BaseURL)
		}
		return passed(p.T("network.detail.api_ok", "url", cfg.LiveKit.URL))
	})
	if o.failed {
		return "", ""
	}
	var room visio.Room
	d.check(p.T("network.check.room", "slug", link.Slug), false, d.timeout, func(ctx context.Context) outcome {
		room, err = api.Room(ctx, link.Slug, p.T("network.diagnose.name"))
		switch {
		case errors.Is(err, visio.ErrRoomNotFound):
			return outcome{failed: true, detail: p.Error(err), hint: p.T("network.hint.room_not_found")}
		case err != nil:
			return d.failure(err, link.BaseURL)
		case room.LiveKit == nil:
			return passed(p.T("network.detail.room_lobby"))
		}
		return passed(p.T("network.detail.room_direct"))
	})
	roomURL := ""
	if room.LiveKit != nil {
		roomURL, token = room.LiveKit.URL, room.LiveKit.Token
	}
	sfuURL, err = visio.LiveKitURL(roomURL, cfg)
	if err != nil {
		d.check(p.T("network.check.https", "url", cfg.LiveKit.URL), true, d.timeout, func(context.Context) outcome {
			return outcome{failed: true, detail: err.Error()}
		})
		return "", ""
	}
	return sfuURL, token
}

// sfu checks the SFU: HTTPS, its WebSocket, then, with a token, the media
// paths.
func (d *diagnosis) sfu(sfuURL, token string) {
	p := d.p
	u, err := url.Parse(sfuURL)
	if err != nil {
		return
	}
	httpURL := *u
	switch httpURL.Scheme {
	case "ws":
		httpURL.Scheme = "http"
	case "wss":
		httpURL.Scheme = "https"
	}
	httpURL.Path, httpURL.RawQuery = strings.TrimSuffix(httpURL.Path, "/")+"/", ""
	if !d.reach(&httpURL) {
		return
	}
	o := d.check(p.T("network.check.https", "url", httpURL.String()), true, d.timeout, func(ctx context.Context) outcome {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, httpURL.String(), nil)
		resp, err := d.n.HTTPClient().Do(req)
		if err != nil {
			return d.failure(err, &httpURL)
		}
		resp.Body.Close()
		// LiveKit answers "OK" on its root: anything else is another
		// server (a captive portal, a proxy's error page).
		if resp.StatusCode != http.StatusOK {
			return outcome{failed: true, detail: p.T("network.detail.http_status", "status", resp.StatusCode),
				hint: p.T("network.hint.http_status", "host", httpURL.Host)}
		}
		return passed(p.T("network.detail.http_status", "status", resp.StatusCode))
	})
	if o.failed {
		return
	}
	wsURL := httpURL
	wsURL.Scheme = map[string]string{"http": "ws", "https": "wss"}[httpURL.Scheme]
	wsURL.Path += "rtc"
	o = d.check(p.T("network.check.websocket", "url", wsURL.String()), true, d.timeout, func(ctx context.Context) outcome {
		return d.websocket(ctx, wsURL, sfuURL, token)
	})
	if o.failed {
		return
	}
	d.media(sfuURL, token, &httpURL)
}

// websocket opens the SFU's signalling WebSocket through the network and
// reads the join response, or, without a token, checks that the SFU
// refuses the upgrade as it should (livekit.ProbeSignal).
func (d *diagnosis) websocket(ctx context.Context, wsURL url.URL, sfuURL, token string) outcome {
	p := d.p
	probe, err := livekit.ProbeSignal(ctx, d.n, sfuURL, token)
	switch {
	case err != nil:
		o := d.failure(err, &wsURL)
		if o.hint == "" {
			o.hint = p.T("network.hint.websocket", "host", wsURL.Host)
		}
		return o
	case probe.Status == 0:
		d.iceServers = probe.ICEServers
		return passed(p.T("network.detail.ws_joined", "count", len(probe.ICEServers)))
	case probe.Status == http.StatusUnauthorized && token == "":
		return passed(p.T("network.detail.ws_answers", "status", probe.Status))
	case probe.Status == http.StatusUnauthorized || probe.Status == http.StatusForbidden:
		return outcome{failed: true, detail: p.T("network.detail.http_status", "status", probe.Status), hint: p.T("network.hint.token")}
	}
	return outcome{failed: true, detail: p.T("network.detail.http_status", "status", probe.Status),
		hint: p.T("network.hint.websocket", "host", wsURL.Host)}
}

// mediaJoinTimeout bounds one media check: joining waits for ICE, and
// TURN over TLS can take a few seconds on a slow link.
const mediaJoinTimeout = 20 * time.Second

// media enters the meeting without media, once as the client would, once
// with the relay forced, and reports the paths ICE found.
func (d *diagnosis) media(sfuURL, token string, sfu *url.URL) {
	p := d.p
	labels := []string{p.T("network.check.media"), p.T("network.check.udp"), p.T("network.check.tcp"), p.T("network.check.turn")}
	if token == "" {
		for _, l := range labels {
			d.check(l, false, d.timeout, func(context.Context) outcome { return skipped(p.T("network.detail.no_token")) })
		}
		return
	}
	var first joinInfo
	o := d.check(labels[0], true, mediaJoinTimeout, func(ctx context.Context) outcome {
		first = d.join(ctx, d.n, sfuURL, token)
		if first.err != nil {
			o := d.failure(first.err, sfu)
			o.hint = p.T("network.hint.media", "host", sfu.Hostname())
			if d.cfg.RelayOnly {
				o.hint = p.T("network.hint.turn", "servers", strings.Join(joinInfo{servers: d.iceServers}.turns(), ", "))
			}
			return o
		}
		return passed(describePaths(p, first.paths))
	})
	direct := !o.failed && len(first.paths) > 0
	for _, pa := range first.paths {
		direct = direct && !pa.Relayed()
	}

	d.check(labels[1], false, d.timeout, func(context.Context) outcome {
		switch {
		case d.cfg.RelayOnly:
			return skipped(p.T("network.detail.relay_only"))
		case o.failed:
			return outcome{failed: true, detail: p.T("network.detail.no_media"), hint: p.T("network.hint.udp", "host", sfu.Hostname())}
		case direct && first.paths[0].Local.Protocol == "udp":
			pa := first.paths[0]
			return passed(p.T("network.detail.udp_ok", "addr", net.JoinHostPort(pa.Remote.Address, fmt.Sprint(pa.Remote.Port))))
		}
		return outcome{failed: true, detail: p.T("network.detail.udp_relayed"), hint: p.T("network.hint.udp", "host", sfu.Hostname())}
	})

	d.check(labels[2], false, d.timeout, func(ctx context.Context) outcome {
		if o.failed {
			// The SFU's candidates came with the connection that failed.
			return skipped(p.T("network.detail.no_media"))
		}
		var tcp []livekit.Candidate
		for _, c := range first.sfuCands {
			if c.Protocol == "tcp" && c.Type == "host" {
				tcp = append(tcp, c)
			}
		}
		if len(tcp) == 0 {
			return skipped(p.T("network.detail.no_tcp"))
		}
		var dialer net.Dialer
		var errs []string
		for _, c := range tcp {
			addr := net.JoinHostPort(c.Address, fmt.Sprint(c.Port))
			conn, err := dialer.DialContext(ctx, "tcp", addr)
			if err == nil {
				conn.Close()
				return passed(p.T("network.detail.tcp_ok", "addr", addr))
			}
			errs = append(errs, shortError(err))
		}
		return outcome{failed: true, detail: strings.Join(errs, "; "),
			hint: p.T("network.hint.tcp", "addr", net.JoinHostPort(tcp[0].Address, fmt.Sprint(tcp[0].Port)))}
	})

	turns := first.turns()
	if len(turns) == 0 {
		turns = joinInfo{servers: d.iceServers}.turns()
	}
	d.check(labels[3], d.cfg.RelayOnly, mediaJoinTimeout, func(ctx context.Context) outcome {
		if len(turns) == 0 {
			if d.cfg.RelayOnly {
				return outcome{failed: true, detail: p.T("network.detail.no_turn"), hint: p.T("network.hint.no_turn")}
			}
			return skipped(p.T("network.detail.no_turn"))
		}
		hint := p.T("network.hint.turn", "servers", strings.Join(turns, ", "))
		// The relay's own TLS first, as pion's TURN client makes it: a
		// refused certificate is the commonest failure, and the join
		// would only say that no path was found.
		var worked bool
		var fails []string
		var worst error
		var worstAt string
		for _, u := range turns {
			err := turnTLS(ctx, u)
			if err == nil {
				worked = true
				break
			}
			fails = append(fails, turnAddr(u)+": "+shortError(err))
			// The advice follows the most telling failure: a server
			// that answered with a certificate says more than a name
			// that does not resolve.
			var dnsErr *net.DNSError
			if worst == nil || !errors.As(err, &dnsErr) {
				worst, worstAt = err, turnAddr(u)
			}
		}
		if !worked {
			o := d.failure(worst, &url.URL{Scheme: "https", Host: worstAt})
			o.detail = strings.Join(fails, "; ")
			if o.hint == "" {
				o.hint = hint
			}
			return o
		}
		relayPaths := first.paths
		if !d.cfg.RelayOnly {
			cfg := d.cfg
			cfg.RelayOnly = true
			relay, err := cfg.Build()
			if err != nil {
				return outcome{failed: true, detail: p.Error(err)}
			}
			second := d.join(ctx, relay, sfuURL, token)
			if second.err != nil {
				return outcome{failed: true, detail: shortError(second.err), hint: hint}
			}
			relayPaths = second.paths
		} else if o.failed {
			return outcome{failed: true, detail: p.T("network.detail.no_media"), hint: hint}
		}
		for _, pa := range relayPaths {
			if pa.Local.Type == "relay" && pa.Local.RelayProtocol == "tls" {
				return passed(p.T("network.detail.turn_ok", "path", pa.Local.String()))
			}
		}
		return outcome{failed: true, detail: describePaths(p, relayPaths), hint: hint}
	})
}

// turnAddr is the host:port of a turns: URL (turns:host:port?transport=tcp;
// the port defaults to 5349, RFC 7065).
func turnAddr(u string) string {
	hp, _, _ := strings.Cut(u[len("turns:"):], "?")
	if _, _, err := net.SplitHostPort(hp); err != nil {
		hp = net.JoinHostPort(strings.Trim(hp, "[]"), "5349")
	}
	return hp
}

// turnTLS opens TLS to a turns: server the way pion's TURN client does
// (pion/ice gather.go): a direct TCP connection, no proxy, the system's
// roots (which a CA bundle joined at start) and the URL's host as the
// name.
func turnTLS(ctx context.Context, u string) error {
	addr := turnAddr(u)
	host, _, _ := net.SplitHostPort(addr)
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	return tc.HandshakeContext(ctx)
}

// joinInfo is what a diagnostic join found.
type joinInfo struct {
	paths    []livekit.MediaPath
	sfuCands []livekit.Candidate
	servers  []livekit.ICEServer
	err      error
}

// turns lists the TURN over TLS servers the SFU gave.
func (j joinInfo) turns() []string {
	var out []string
	for _, s := range j.servers {
		for _, u := range s.URLs {
			if strings.HasPrefix(strings.ToLower(u), "turns:") {
				out = append(out, u)
			}
		}
	}
	return out
}

// join enters the meeting without media through n, notes the paths, the
// SFU's candidates and ICE servers (also when ICE failed), and leaves.
func (d *diagnosis) join(ctx context.Context, n *netconf.Network, sfuURL, token string) (j joinInfo) {
	b, err := livekit.New(sfuURL, token, livekit.Options{Network: n, NoSubscribe: true})
	if err != nil {
		return joinInfo{err: err}
	}
	defer b.Leave()
	defer func() { j.sfuCands, j.servers = b.SFUCandidates(), b.ICEServers() }()
	if _, _, err := b.Join(ctx, discard{}); err != nil {
		return joinInfo{err: err}
	}
	// The subscriber connection comes up a moment after the join, when
	// the SFU's offer is answered; wait for both, within ctx.
	j.paths = b.MediaPaths()
	for len(j.paths) < 2 {
		select {
		case <-ctx.Done():
			return j
		case <-time.After(50 * time.Millisecond):
		}
		j.paths = b.MediaPaths()
	}
	return j
}

// discard is the sink of a diagnostic join: nothing is shown of the
// meeting.
type discard struct{}

func (discard) Post(client.BackendEvent) {}

// describePaths says how media went, from the publisher's path (what we
// send); the subscriber's is the same kind of path in practice.
func describePaths(p *i18n.Printer, paths []livekit.MediaPath) string {
	if len(paths) == 0 {
		return p.T("network.detail.no_path")
	}
	pa := paths[0]
	remote := net.JoinHostPort(pa.Remote.Address, fmt.Sprint(pa.Remote.Port))
	if pa.Relayed() {
		return p.T("network.detail.path_relay", "protocol", strings.ToUpper(pa.Local.RelayProtocol), "remote", remote)
	}
	return p.T("network.detail.path_direct", "protocol", strings.ToUpper(pa.Local.Protocol), "remote", remote)
}

// failure explains a failed connection to target: what went wrong, and
// what to ask IT.
func (d *diagnosis) failure(err error, target *url.URL) outcome {
	p := d.p
	host, port := target.Hostname(), target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "ws": "80"}[target.Scheme]
		if port == "" {
			port = "443"
		}
	}
	o := outcome{failed: true, detail: shortError(err)}
	var dnsErr *net.DNSError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr x509.CertificateInvalidError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	var httpErr *visio.HTTPError
	switch {
	case errors.Is(err, netconf.ErrProxyAuth):
		o.hint = p.T("network.hint.proxy_auth")
	case errors.Is(err, netconf.ErrProxyUnreachable):
		o.hint = p.T("network.hint.proxy_down", "proxy", "")
	case errors.Is(err, netconf.ErrProxyRefused):
		o.hint = p.T("network.hint.proxy_refused", "host", host)
	case errors.As(err, &unknown):
		o.hint = p.T("network.hint.tls_authority", "host", host)
	case errors.As(err, &hostErr), errors.As(err, &certErr), errors.As(err, &alert), errors.As(err, &record):
		o.hint = p.T("network.hint.tls", "host", host)
	case errors.As(err, &dnsErr):
		o.hint = p.T("network.hint.dns", "host", dnsErr.Name)
	case errors.As(err, &httpErr):
		o.detail = p.T("network.detail.http_status", "status", httpErr.Status)
		o.hint = p.T("network.hint.http_status", "host", target.Host)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, client.ErrUnreachable), errors.Is(err, visio.ErrUnreachable):
		o.hint = p.T("network.hint.blocked", "host", host, "port", port)
	}
	return o
}

// shortError is an error's text without the URL and method net/http puts
// in front: the line already names the address.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
