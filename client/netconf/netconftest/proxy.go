package netconftest

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ProxyConfig shapes a Proxy.
type ProxyConfig struct {
	// User and Password, when User is set, are the only credentials the
	// proxy accepts (Proxy-Authorization: Basic); others get a 407.
	User, Password string
	// Hosts maps names the proxy alone can reach to the addresses it
	// dials instead (an IP, or an IP and port): the client is handed
	// "sfu.invalid", which no resolver knows, and only the proxy gets it
	// to 127.0.0.1, as only the corporate proxy reaches the Internet.
	Hosts map[string]string
}

// Proxy is an HTTP proxy on loopback, as administrations run: HTTPS and
// WebSockets go through CONNECT tunnels, plain HTTP requests in absolute
// form are forwarded. It counts what it did so tests can check that the
// client went through it.
type Proxy struct {
	// Addr is the proxy's address, 127.0.0.1:port.
	Addr string

	cfg       ProxyConfig
	ln        net.Listener
	transport *http.Transport

	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	tunnels   map[string]int
	forwarded map[string]int
	refused   int
	closed    bool
	wg        sync.WaitGroup
}

// dialTimeout bounds the proxy's own connections to servers.
const dialTimeout = 5 * time.Second

// NewProxy starts a proxy. Close it when done.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), cfg: cfg, ln: ln, conns: map[net.Conn]struct{}{},
		tunnels: map[string]int{}, forwarded: map[string]int{}}
	p.transport = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return p.dial(ctx, addr)
	}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// URL is the proxy's address as a client is given it, with user and
// password when user is not empty.
func (p *Proxy) URL(user, password string) string {
	u := &url.URL{Scheme: "http", Host: p.Addr}
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// Tunnels is how many CONNECT tunnels were opened to target (host:port as
// the client asked for it).
func (p *Proxy) Tunnels(target string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tunnels[target]
}

// Forwarded is how many plain HTTP requests were forwarded to host
// (host:port as in the request's URL).
func (p *Proxy) Forwarded(host string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forwarded[host]
}

// AuthFailures is how many requests were answered 407.
func (p *Proxy) AuthFailures() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

// Close stops the proxy, cuts every connection and waits for its
// goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
	p.transport.CloseIdleConnections()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(conn) {
			conn.Close()
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(conn)
			p.handle(conn)
		}()
	}
}

// track registers conn for Close; false once the proxy is closed.
func (p *Proxy) track(conn net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[conn] = struct{}{}
	return true
}

func (p *Proxy) untrack(conn net.Conn) {
	conn.Close()
	p.mu.Lock()
	delete(p.conns, conn)
	p.mu.Unlock()
}

// handle serves one client connection: requests one after the other until
// a tunnel takes the connection over or the client goes.
func (p *Proxy) handle(conn net.Conn) {
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if !p.authorised(req) {
			p.mu.Lock()
			p.refused++
			p.mu.Unlock()
			io.Copy(io.Discard, req.Body)
			fmt.Fprint(conn, "HTTP/1.1 407 Proxy Authentication Required\r\n"+
				"Proxy-Authenticate: Basic realm=\"causerie-test\"\r\nContent-Length: 0\r\n\r\n")
			continue
		}
		if req.Method == http.MethodConnect {
			p.tunnel(conn, br, req.Host)
			return
		}
		if !req.URL.IsAbs() {
			fmt.Fprint(conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			return
		}
		if !p.forward(conn, req) {
			return
		}
	}
}

func (p *Proxy) authorised(req *http.Request) bool {
	if p.cfg.User == "" {
		return true
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.cfg.User+":"+p.cfg.Password))
	return req.Header.Get("Proxy-Authorization") == want
}

// dial connects to addr, or to what Hosts maps its host to.
func (p *Proxy) dial(ctx context.Context, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if to, ok := p.cfg.Hosts[host]; ok {
		if h, pt, err := net.SplitHostPort(to); err == nil {
			host, port = h, pt
		} else {
			host = to
		}
	}
	d := net.Dialer{Timeout: dialTimeout}
	return d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
}

// tunnel answers a CONNECT and relays bytes both ways until either side
// closes.
func (p *Proxy) tunnel(client net.Conn, br *bufio.Reader, target string) {
	server, err := p.dial(context.Background(), target)
	if err != nil {
		fmt.Fprintf(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	p.mu.Lock()
	p.tunnels[target]++
	p.mu.Unlock()
	if _, err := fmt.Fprint(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Bytes the client sent right behind its CONNECT are in br.
		io.Copy(server, br)
		server.Close()
	}()
	io.Copy(client, server)
	client.Close()
	<-done
}

// forward sends a plain HTTP request on and relays the answer; false when
// the connection cannot serve another request.
func (p *Proxy) forward(client net.Conn, req *http.Request) bool {
	p.mu.Lock()
	p.forwarded[req.URL.Host]++
	p.mu.Unlock()
	out := req.Clone(req.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	out.Header.Del("Proxy-Connection")
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		fmt.Fprint(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false
	}
	defer resp.Body.Close()
	return resp.Write(client) == nil && !req.Close
}
