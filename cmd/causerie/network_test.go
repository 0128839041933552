package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"causerie/client/livekit/lkserver"
	"causerie/client/netconf/netconftest"
	"causerie/client/visio/visiotest"
	"causerie/client/visio/visiotest/lkapi"
)

// office is the network of an administration, on loopback: Visio and its
// SFU under names that resolve nowhere (visio.invalid, sfu.invalid)
// except in the office's proxy, which wants a password; TLS certificates
// signed by the office's own authority, as an inspecting proxy's are; the
// SFU's embedded TURN server over TLS, signed by it too.
type office struct {
	ca        *netconftest.CA
	bundle    string
	srv       *lkserver.Server
	visio     *visiotest.Server
	proxy     *netconftest.Proxy
	proxyURL  string // with the password
	link      string // https://visio.invalid:PORT/abc-defg-hij
	sfuURL    string // wss://sfu.invalid:PORT
	visioHost string // visio.invalid:PORT, as the proxy counts tunnels
	sfuHost   string
}

const (
	officeUser     = "agent.dupont"
	officePassword = "Tr3s-secret!"
)

func newOffice(t *testing.T) *office {
	t.Helper()
	o := &office{}
	var err error
	if o.ca, err = netconftest.NewCA("Ministère des tests — AC racine"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if o.bundle, err = o.ca.WriteBundle(dir, "ac-ministere.pem"); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := o.ca.WriteServerFiles(dir, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := lkserver.Find()
	if err != nil {
		t.Fatalf("%v: `make test` builds it", err)
	}
	var logs syncBuffer
	o.srv, err = lkserver.StartWith(context.Background(), bin, &logs,
		lkserver.Options{TURNTLS: &lkserver.TURNTLS{CertFile: certFile, KeyFile: keyFile}})
	if err != nil {
		t.Fatalf("start livekit-server: %v\n%s", err, logs.String())
	}
	t.Cleanup(o.srv.Stop)

	front := func(backend, name string) *netconftest.Front {
		cert, err := o.ca.Issue(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := netconftest.NewFront(backend, cert)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(f.Close)
		return f
	}
	sfuFront := front(o.srv.URL, "sfu.invalid")
	o.sfuURL = sfuFront.URL("wss", "sfu.invalid")
	o.sfuHost = net.JoinHostPort("sfu.invalid", sfuFront.Port)
	o.visio = visiotest.New(visiotest.Config{LiveKit: lkapi.New(o.srv.URL, o.srv.Key, o.srv.Secret), LiveKitURL: o.sfuURL})
	t.Cleanup(o.visio.Close)
	o.visio.AddRoom(visiotest.RoomSpec{Slug: meetingCode})
	visioFront := front(o.visio.URL, "visio.invalid")
	o.link = visioFront.URL("https", "visio.invalid") + "/" + meetingCode
	o.visioHost = net.JoinHostPort("visio.invalid", visioFront.Port)

	o.proxy, err = netconftest.NewProxy(netconftest.ProxyConfig{User: officeUser, Password: officePassword,
		Hosts: map[string]string{"visio.invalid": "127.0.0.1", "sfu.invalid": "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.proxy.Close)
	o.proxyURL = o.proxy.URL(officeUser, officePassword)
	return o
}

// noProxyEnv keeps this machine's own proxy settings out of the child
// processes: no variables, and a desktop configuration of the test's.
func noProxyEnv(t *testing.T) []string {
	return []string{"HTTPS_PROXY=", "https_proxy=", "HTTP_PROXY=", "http_proxy=", "NO_PROXY=", "no_proxy=",
		"XDG_CONFIG_HOME=" + t.TempDir(), "GSETTINGS_BACKEND=memory"}
}

// TestVisioThroughProxy is issue 8's proxy acceptance: two participants
// join a Visio meeting by its link with nothing but the office's proxy to
// reach the servers (their names resolve nowhere else): the Visio API over
// HTTPS and the SFU's WebSocket go through its CONNECT tunnels with the
// password, trusting the office's authority; media then flows between
// them (over UDP on loopback, which the office lets through).
func TestVisioThroughProxy(t *testing.T) {
	o := newOffice(t)
	dir := t.TempDir()
	names := []string{"Camille", "Dominique"}
	procs := make([]*proc, len(names))
	for i, name := range names {
		procs[i] = causerie(t, noProxyEnv(t), "join", o.link, "--name", name, "--headless",
			"--proxy", o.proxyURL, "--ca-bundle", o.bundle,
			"--camera", "test", "--mic", "test", "--duration", "6s",
			"--stats-json", filepath.Join(dir, fmt.Sprintf("%d.json", i)))
	}
	for i, p := range procs {
		if code := p.wait(t, 40*time.Second); code != exitOK {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", names[i], code, &p.stdout, &p.stderr)
		}
		out := p.stdout.String() + p.stderr.String()
		if strings.Contains(out, officePassword) {
			t.Errorf("%s printed the proxy's password:\n%s", names[i], out)
		}
	}
	for i := range names {
		r := readReport(t, filepath.Join(dir, fmt.Sprintf("%d.json", i)))
		var audio, video uint64
		var videoReports []string
		for _, rr := range r.Remote {
			switch rr.Kind {
			case "audio":
				audio += rr.PacketsReceived
			case "video":
				video += rr.FramesDecoded
				videoReports = append(videoReports, fmt.Sprintf("%+v", rr))
			}
		}
		// Seconds of a 50 packet/s microphone and a 15 frame/s camera:
		// far above these bounds when media flows, zero when it does not.
		// The video reports (keyframes, decode errors, losses) tell a
		// stalled picture from a missing one.
		if audio < bar(100) || video < bar(30) {
			sent := "no video"
			if r.Local.Video != nil {
				sent = fmt.Sprintf("%+v", *r.Local.Video)
			}
			t.Errorf("%s received %d audio packets and decoded %d frames; video %v; sent %s",
				names[i], audio, video, videoReports, sent)
		}
	}
	if got := o.proxy.Tunnels(o.visioHost); got < 2 {
		t.Errorf("%d tunnels to %s, want the API calls of both", got, o.visioHost)
	}
	if got := o.proxy.Tunnels(o.sfuHost); got < 2 {
		t.Errorf("%d tunnels to %s, want both WebSockets", got, o.sfuHost)
	}
	if o.proxy.AuthFailures() != 0 {
		t.Errorf("the proxy refused %d requests", o.proxy.AuthFailures())
	}
}

// TestRelayOnlyJoin is issue 8's relay acceptance on the command line: two
// participants with --relay-only and the office's authority exchange
// media through the SFU's TURN server over TLS; without the authority,
// the relay's certificate is refused and, with no other path allowed,
// joining fails. (client/livekit's TestRelayOnlyTURNTLS checks the path
// ICE selected; TestDiagnose shows it here too.)
func TestRelayOnlyJoin(t *testing.T) {
	o := newOffice(t)
	dir := t.TempDir()
	names := []string{"alice", "bob"}
	procs := make([]*proc, len(names))
	for i, name := range names {
		token, err := o.srv.Token("relay", name, name)
		if err != nil {
			t.Fatal(err)
		}
		procs[i] = causerie(t, noProxyEnv(t), "join", "--url", o.srv.URL, "--token", token, "--headless",
			"--relay-only", "--ca-bundle", o.bundle, "--camera", "test", "--mic", "test", "--duration", "6s",
			"--stats-json", filepath.Join(dir, name+".json"))
	}
	for i, p := range procs {
		if code := p.wait(t, 40*time.Second); code != exitOK {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", names[i], code, &p.stdout, &p.stderr)
		}
	}
	for _, name := range names {
		r := readReport(t, filepath.Join(dir, name+".json"))
		var audio, video uint64
		for _, rr := range r.Remote {
			switch rr.Kind {
			case "audio":
				audio += rr.PacketsReceived
			case "video":
				video += rr.FramesDecoded
			}
		}
		if audio < bar(100) || video < bar(30) {
			t.Errorf("%s received %d audio packets and decoded %d frames through the relay", name, audio, video)
		}
	}

	token, _ := o.srv.Token("relay", "carol", "carol")
	p := causerie(t, noProxyEnv(t), "join", "--url", o.srv.URL, "--token", token, "--headless",
		"--relay-only", "--camera", "none", "--mic", "none", "--duration", "2s")
	if code := p.wait(t, 40*time.Second); code == exitOK {
		t.Fatalf("relay-only without the authority joined\nstdout:\n%s\nstderr:\n%s", &p.stdout, &p.stderr)
	}
}

// diagnose runs `causerie diagnose` and returns its exit status and
// output.
func diagnose(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	p := causerie(t, append(noProxyEnv(t), env...), append([]string{"diagnose"}, args...)...)
	code := p.wait(t, 90*time.Second)
	return code, p.stdout.String() + p.stderr.String()
}

// lines returns the output's lines that start with mark and contain text.
func hasLine(out, mark, text string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, mark) && strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// TestDiagnose runs `causerie diagnose` against the office's working
// set-up: every check passes, and it tells how media goes, relay-only
// included.
func TestDiagnose(t *testing.T) {
	o := newOffice(t)
	code, out := diagnose(t, nil, o.link, "--proxy", o.proxyURL, "--ca-bundle", o.bundle)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range [][2]string{
		{"✓", "Proxy http://" + officeUser + ":xxxxx@"},
		{"✓", "Visio API https://" + o.visioHost},
		{"✓", "Meeting " + meetingCode},
		{"✓", "SFU https://" + o.sfuHost},
		{"✓", "SFU WebSocket wss://" + o.sfuHost + "/rtc"},
		{"✓", "Media connection: direct over UDP"},
		{"✓", "UDP to the SFU"},
		{"✓", "ICE over TCP"},
		{"✓", "TURN relay over TLS: media relayed (relay udp"},
	} {
		if !hasLine(out, want[0], want[1]) {
			t.Errorf("no line %s …%s…", want[0], want[1])
		}
	}
	if strings.Contains(out, "✗") || strings.Contains(out, officePassword) || !strings.Contains(out, "All essential checks passed.") {
		t.Errorf("output:\n%s", out)
	}
	t.Logf("output:\n%s", out)

	// Relay-only, from a URL and a token, in French.
	token, _ := o.srv.Token("diag", "it", "IT")
	code, out = diagnose(t, nil, "--url", o.sfuURL, "--token", token, "--proxy", o.proxyURL, "--ca-bundle", o.bundle,
		"--relay-only", "--lang", "fr")
	if code != exitOK || !hasLine(out, "✓", "Connexion média : par le relais TURN en TLS") ||
		!hasLine(out, "✓", "Relais TURN sur TLS : média relayé (relay udp") || !hasLine(out, "–", "UDP vers le SFU") ||
		!strings.Contains(out, "Média : uniquement par le relais TURN") {
		t.Errorf("relay-only: exit %d\n%s", code, out)
	}
	t.Logf("relay-only output:\n%s", out)
}

// TestDiagnoseBroken: each way the office's network can fail gives its ✗
// line, the advice for IT, and exit status 4.
func TestDiagnoseBroken(t *testing.T) {
	o := newOffice(t)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	token, _ := o.srv.Token("diag", "it", "IT")

	for _, c := range []struct {
		name       string
		args       []string
		code       int
		fail, hint string
	}{
		{"dead port", []string{"--url", fmt.Sprintf("ws://127.0.0.1:%d", deadPort)}, exitUnreachable,
			fmt.Sprintf("SFU http://127.0.0.1:%d/", deadPort), fmt.Sprintf("Ask IT to allow TCP port %d to 127.0.0.1", deadPort)},
		{"unknown authority", []string{o.link, "--proxy", o.proxyURL}, exitUnreachable,
			"Visio API https://" + o.visioHost, "give it with --ca-bundle"},
		{"unresolvable host", []string{"https://visio.invalid/" + meetingCode}, exitUnreachable,
			"DNS visio.invalid", "cannot be resolved from this computer"},
		{"wrong proxy password", []string{o.link, "--proxy", o.proxy.URL(officeUser, "faux"), "--ca-bundle", o.bundle}, exitUnreachable,
			"Visio API", "The proxy refused the login"},
		{"proxy down", []string{"--url", o.sfuURL, "--token", token, "--proxy", fmt.Sprintf("http://127.0.0.1:%d", deadPort)}, exitUnreachable,
			fmt.Sprintf("Proxy http://127.0.0.1:%d", deadPort), "does not answer"},
		{"relay refused", []string{"--url", o.srv.URL, "--token", token, "--relay-only"}, exitUnreachable,
			"TURN relay over TLS: ", "The certificate of 127.0.0.1 is signed by an authority this computer does not trust"},
	} {
		code, out := diagnose(t, nil, c.args...)
		if code != c.code || !hasLine(out, "✗", c.fail) || !strings.Contains(out, "→ ") || !strings.Contains(out, c.hint) ||
			!strings.Contains(out, "essential check(s) failed") {
			t.Errorf("%s: exit %d, want %d, a ✗ line for %q and advice %q:\n%s", c.name, code, c.code, c.fail, c.hint, out)
		}
		if strings.Contains(out, officePassword) || strings.Contains(out, ":faux@") {
			t.Errorf("%s: a password is shown:\n%s", c.name, out)
		}
		t.Logf("%s:\n%s", c.name, out)
	}

	if code, out := diagnose(t, nil, "https://visio.invalid/not-a-code"); code != exitBadAddress {
		t.Errorf("bad link: exit %d\n%s", code, out)
	}
	if code, out := diagnose(t, nil, o.link, "--url", o.sfuURL); code != exitUsage || !strings.Contains(out, "causerie diagnose LINK") {
		t.Errorf("link and URL: exit %d\n%s", code, out)
	}
	if code, out := diagnose(t, nil, o.link, "--ca-bundle", "/nonexistent/ca.pem"); code != exitFailure ||
		!strings.Contains(out, "certificate authorities' file cannot be used") {
		t.Errorf("missing bundle: exit %d\n%s", code, out)
	}
}
