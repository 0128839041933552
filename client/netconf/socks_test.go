package netconf_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"causerie/client/netconf"
)

// socksServer is a SOCKS5 proxy (RFC 1928) that wants a user and password
// (RFC 1929) and reaches names through hosts only.
func socksServer(t *testing.T, user, pass string, hosts map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSOCKS(c, user, pass, hosts)
		}
	}()
	return ln.Addr().String()
}

func serveSOCKS(c net.Conn, user, pass string, hosts map[string]string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	// Greeting: version, methods; we take 2, user and password.
	if _, err := io.ReadFull(c, buf[:2]); err != nil || buf[0] != 5 {
		return
	}
	io.ReadFull(c, buf[:buf[1]])
	c.Write([]byte{5, 2})
	io.ReadFull(c, buf[:2])
	u := make([]byte, buf[1])
	io.ReadFull(c, u)
	io.ReadFull(c, buf[:1])
	p := make([]byte, buf[0])
	io.ReadFull(c, p)
	if string(u) != user || string(p) != pass {
		c.Write([]byte{1, 1})
		return
	}
	c.Write([]byte{1, 0})
	// Request: CONNECT to a domain name.
	io.ReadFull(c, buf[:4])
	if buf[1] != 1 || buf[3] != 3 {
		c.Write([]byte{5, 7, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	io.ReadFull(c, buf[:1])
	name := make([]byte, buf[0])
	io.ReadFull(c, name)
	io.ReadFull(c, buf[:2])
	port := binary.BigEndian.Uint16(buf[:2])
	host, ok := hosts[string(name)]
	if !ok {
		host = string(name)
	}
	s, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))), 5*time.Second)
	if err != nil {
		c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer s.Close()
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	c.SetDeadline(time.Time{})
	go io.Copy(s, c)
	io.Copy(c, s)
}

// TestThroughSOCKS: the same server through a SOCKS5 proxy with a
// password; a wrong password is the proxy's refusal.
func TestThroughSOCKS(t *testing.T) {
	s := newSite(t, "", "")
	addr := socksServer(t, "agent", "pw", map[string]string{"api.invalid": "127.0.0.1"})
	n, err := netconf.Config{Proxy: "socks5h://agent:pw@" + addr, CABundle: s.bundle}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if body, err := get(t, n, "https://"+s.host+"/socks"); err != nil || body != "bonjour /socks" {
		t.Fatalf("GET through SOCKS: %q, %v", body, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := n.Dial(ctx, "wss", s.host)
	if err != nil {
		t.Fatalf("Dial through SOCKS: %v", err)
	}
	conn.Close()

	n, _ = netconf.Config{Proxy: "socks5h://agent:faux@" + addr, CABundle: s.bundle}.Build()
	if _, err := n.Dial(ctx, "wss", s.host); !errors.Is(err, netconf.ErrProxyRefused) {
		t.Errorf("wrong SOCKS password: %v, want ErrProxyRefused", err)
	}
}
