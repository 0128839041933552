package lkserver

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// echoServer answers every datagram with itself, as the SFU's socket
// stands in for.
func echoServer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			_, _ = c.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	return c
}

func newTestShaper(t *testing.T, seed uint64) (*Shaper, *net.UDPConn) {
	t.Helper()
	echo := echoServer(t)
	sh, err := NewShaper("127.0.0.1:0", echo.LocalAddr().String(), seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Close() })
	cl, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(sh.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return sh, cl
}

func localAddr(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestShaperDelay: a packet's round trip takes at least both directions'
// delay, and an unshaped one comes back at once.
func TestShaperDelay(t *testing.T) {
	sh, cl := newTestShaper(t, 1)
	roundTrip := func() time.Duration {
		start := time.Now()
		if _, err := cl.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		_ = cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := cl.Read(buf); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	if rt := roundTrip(); rt > 50*time.Millisecond {
		t.Errorf("unshaped round trip %v", rt)
	}
	sh.SetLink(localAddr(cl), Link{Delay: 60 * time.Millisecond}, Link{Delay: 40 * time.Millisecond})
	if rt := roundTrip(); rt < 100*time.Millisecond || rt > 2*time.Second {
		t.Errorf("round trip %v with 60 + 40 ms of delay", rt)
	}
}

// lossRun sends n packets through a 5% loss link and counts the drops.
func lossRun(t *testing.T, seed uint64, n int) (dropped uint64) {
	sh, cl := newTestShaper(t, seed)
	sh.SetDefault(Link{Loss: 0.05}, Link{})
	for i := range n {
		if _, err := cl.Write(make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		if i%20 == 19 {
			// Paced, so the socket's buffer never overflows before the
			// shaper reads: those losses would not be seeded.
			time.Sleep(2 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		up, _ := sh.Counters(localAddr(cl))
		if up.Packets == uint64(n) {
			return up.Dropped
		}
		if time.Now().After(deadline) {
			t.Fatalf("shaper saw %d of %d packets", up.Packets, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShaperLossSeeded: the loss rate is the one asked for, and the same
// seed drops the same packets.
func TestShaperLossSeeded(t *testing.T) {
	const n = 2000
	a, b := lossRun(t, 7, n), lossRun(t, 7, n)
	if a != b {
		t.Errorf("same seed, %d then %d drops", a, b)
	}
	// 5% of 2000 is 100, with a standard deviation near 10.
	if a < 60 || a > 140 {
		t.Errorf("%d of %d dropped at 5%% loss", a, n)
	}
}

// TestShaperRate: 2 Mbps offered to a 500 kbps bottleneck comes out at
// 500 kbps; the excess is dropped at the full queue, and what passes
// waits no longer than the queue holds.
func TestShaperRate(t *testing.T) {
	sh, cl := newTestShaper(t, 1)
	const rate = 500_000
	sh.SetLink(localAddr(cl), Link{RateBps: rate, Queue: 100 * time.Millisecond}, Link{})
	received := make(chan int, 4096)
	var lastDelay time.Duration
	go func() {
		buf := make([]byte, 2048)
		for {
			n, err := cl.Read(buf)
			if err != nil {
				close(received)
				return
			}
			received <- n
		}
	}()
	// 1172 bytes + 28 of headers = 1200: 2 Mbps is one every 4.8 ms.
	const size, period, total = 1172, 4800 * time.Microsecond, 2 * time.Second
	start := time.Now()
	for sent := 0; time.Since(start) < total; sent++ {
		if _, err := cl.Write(make([]byte, size)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(start.Add(time.Duration(sent+1) * period)))
	}
	sendEnd := time.Now()
	var bytes int
	timeout := time.After(2 * time.Second)
collect:
	for {
		select {
		case n := <-received:
			bytes += n + 28
			lastDelay = time.Since(sendEnd)
		case <-timeout:
			break collect
		}
	}
	up, _ := sh.Counters(localAddr(cl))
	kbps := float64(bytes) * 8 / total.Seconds() / 1000
	t.Logf("offered %d packets, dropped %d, delivered %.0f kbps, last %v after the end", up.Packets, up.Dropped, kbps, lastDelay)
	// Over 2 s plus the queue's 100 ms: 525 kbps (and a packet) at most; the sender's
	// sleeps may fall behind on a loaded machine, so allow less.
	if kbps > 560 || kbps < 400 {
		t.Errorf("delivered %.0f kbps through a 500 kbps bottleneck", kbps)
	}
	if up.Dropped < up.Packets/2 {
		t.Errorf("only %d of %d dropped at 4× the rate", up.Dropped, up.Packets)
	}
	if lastDelay > 400*time.Millisecond {
		t.Errorf("last packet came %v after the sender stopped: queue not bounded", lastDelay)
	}
}
