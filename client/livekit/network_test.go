package livekit_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"causerie/client"
	"causerie/client/livekit"
	"causerie/client/livekit/lkserver"
	"causerie/client/netconf"
	"causerie/client/netconf/netconftest"
	"causerie/media/playout"
	"causerie/media/synth"
)

// The organisation's authority of these tests, one per process: it joins
// the process's system roots (netconf.TrustProcessWide) before anything
// loads them, as the command line does at start, so that pion's TURN over
// TLS client trusts the relay.
var (
	caOnce sync.Once
	testCA *netconftest.CA
	caErr  error
)

// orgCA returns the authority and a bundle file of it for this test.
func orgCA(t *testing.T) (*netconftest.CA, string) {
	t.Helper()
	caOnce.Do(func() {
		testCA, caErr = netconftest.NewCA("Causerie test organisation CA")
		if caErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "causerie-ca-")
		if err != nil {
			caErr = err
			return
		}
		defer os.RemoveAll(dir)
		var bundle string
		if bundle, caErr = testCA.WriteBundle(dir, "ca.pem"); caErr == nil {
			caErr = netconf.TrustProcessWide(bundle)
		}
	})
	if caErr != nil {
		t.Fatal(caErr)
	}
	bundle, err := testCA.WriteBundle(t.TempDir(), "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	return testCA, bundle
}

// member is one participant of the network tests, with its backend at
// hand for its media paths.
type member struct {
	backend *livekit.Backend
	session *client.Session
	events  <-chan client.Event
}

// joinWith enters room with the synthetic camera and microphone, through
// the network n.
func joinWith(t *testing.T, srv *lkserver.Server, url, room, identity string, n *netconf.Network) (*member, error) {
	t.Helper()
	token, err := srv.Token(room, identity, identity)
	if err != nil {
		t.Fatal(err)
	}
	b, err := livekit.New(url, token, livekit.Options{Network: n})
	if err != nil {
		t.Fatal(err)
	}
	cfg := client.Config{Backend: b, Speaker: playout.NewNull()}
	cfg.Camera, _ = synth.NewCamera(synth.CameraConfig{Width: 320, Height: 180, FPS: 15})
	cfg.Mic, _ = synth.NewMic(synth.MicConfig{})
	s := client.New(cfg)
	events := make(chan client.Event, 4096)
	go func() {
		for ev := range s.Events() {
			select {
			case events <- ev:
			default: // the test reads only the first events
			}
		}
		close(events)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Join(ctx); err != nil {
		return nil, err
	}
	t.Cleanup(s.Leave)
	return &member{backend: b, session: s, events: events}, nil
}

// mediaFlows waits until each member received the other's audio and
// video, then checks that packets keep coming for a second.
func mediaFlows(t *testing.T, a, b *member) {
	t.Helper()
	for _, m := range []*member{a, b} {
		got := map[client.Kind]bool{}
		await(t, m.events, "the other's camera and microphone", func(e client.TrackSubscribed) bool {
			got[e.Track.Kind] = true
			return got[client.Audio] && got[client.Video]
		})
	}
	received := func(m *member) (audio, video uint64) {
		for _, r := range m.session.Report(time.Now()).Remote {
			if r.Kind == "audio" {
				audio += r.PacketsReceived
			} else {
				video += r.PacketsReceived
			}
		}
		return
	}
	a0, v0 := received(a)
	b0, w0 := received(b)
	time.Sleep(1500 * time.Millisecond)
	a1, v1 := received(a)
	b1, w1 := received(b)
	// 1.5 s of video at 15 frames a second, and of Opus with DTX: the
	// synthetic microphone's burst and the half second after it at 50
	// packets a second, comfort noise updates then (about 33 a second,
	// 30 or more in any 1.5 s). Well over these bounds when media flows,
	// zero when not.
	if a1-a0 < 20 || b1-b0 < 20 || v1-v0 < 10 || w1-w0 < 10 {
		t.Fatalf("packets in 1.5 s: audio %d and %d, video %d and %d", a1-a0, b1-b0, v1-v0, w1-w0)
	}
}

// TestRelayOnlyTURNTLS: with relay-only, both participants' media go
// through livekit-server's embedded TURN server over TLS, whose
// certificate the organisation's authority signed, and flow.
func TestRelayOnlyTURNTLS(t *testing.T) {
	ca, bundle := orgCA(t)
	bin, err := lkserver.Find()
	if err != nil {
		t.Fatalf("%v: `make test` builds it", err)
	}
	certFile, keyFile, err := ca.WriteServerFiles(t.TempDir(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv, err := lkserver.StartWith(context.Background(), bin, &syncWriter{w: &logs},
		lkserver.Options{TURNTLS: &lkserver.TURNTLS{CertFile: certFile, KeyFile: keyFile}})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	t.Cleanup(srv.Stop)

	n, err := netconf.Config{RelayOnly: true, CABundle: bundle}.Build()
	if err != nil {
		t.Fatal(err)
	}
	alice, err := joinWith(t, srv, srv.URL, "relay", "alice", n)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := joinWith(t, srv, srv.URL, "relay", "bob", n)
	if err != nil {
		t.Fatal(err)
	}
	mediaFlows(t, alice, bob)

	for _, m := range []*member{alice, bob} {
		paths := m.backend.MediaPaths()
		if len(paths) != 2 {
			t.Fatalf("media paths %+v, want publisher and subscriber", paths)
		}
		for _, p := range paths {
			// The one TLS relay the SFU offers that resolves is its
			// embedded TURN server (see lkserver.Options).
			if p.Local.Type != "relay" || p.Local.RelayProtocol != "tls" {
				t.Errorf("%s path %v → %v, want a relay over TLS", p.Connection, p.Local, p.Remote)
			}
		}
	}
}

// TestJoinThroughProxy: the SFU's address resolves nowhere but in the
// proxy, as when only the corporate proxy reaches the Internet; signalling
// goes through its CONNECT tunnel with a password, over TLS signed by the
// organisation's authority, and media then flows. A wrong password is
// reported as the proxy's refusal.
func TestJoinThroughProxy(t *testing.T) {
	ca, bundle := orgCA(t)
	srv := startSFU(t)
	cert, err := ca.Issue("sfu.invalid")
	if err != nil {
		t.Fatal(err)
	}
	front, err := netconftest.NewFront(srv.URL, cert)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(front.Close)
	proxy, err := netconftest.NewProxy(netconftest.ProxyConfig{User: "agent", Password: "s3cret!",
		Hosts: map[string]string{"sfu.invalid": "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	sfu := front.URL("wss", "sfu.invalid")

	n, err := netconf.Config{Proxy: proxy.URL("agent", "s3cret!"), CABundle: bundle}.Build()
	if err != nil {
		t.Fatal(err)
	}
	alice, err := joinWith(t, srv, sfu, "proxied", "alice", n)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := joinWith(t, srv, sfu, "proxied", "bob", n)
	if err != nil {
		t.Fatal(err)
	}
	mediaFlows(t, alice, bob)
	target := "sfu.invalid:" + front.Port
	if got := proxy.Tunnels(target); got < 2 {
		t.Errorf("%d tunnels to %s, want one a participant at least", got, target)
	}
	for _, p := range alice.backend.MediaPaths() {
		if p.Relayed() || p.Local.Protocol != "udp" {
			t.Errorf("%s path %v → %v, want direct UDP", p.Connection, p.Local, p.Remote)
		}
	}

	wrong, _ := netconf.Config{Proxy: proxy.URL("agent", "faux"), CABundle: bundle}.Build()
	_, err = joinWith(t, srv, sfu, "proxied", "carol", wrong)
	if !errors.Is(err, netconf.ErrProxyAuth) || !errors.Is(err, client.ErrUnreachable) {
		t.Fatalf("wrong proxy password: %v, want ErrProxyAuth and ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "faux") {
		t.Errorf("the message shows the password: %v", err)
	}
}

// syncWriter serialises the server's two log streams into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
