package main

import (
	"strings"
	"testing"
	"time"
)

// stallCapture writes one passive RETR whose data connection drive
// writes after the 150, then the server's final reply final (its data
// connection reset after a 426), and QUIT.
func stallCapture(t *testing.T, drive func(c *wireCap, k *wireConn), final string) string {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV 10.0.0.1:40000
	k := &s.data
	k.handshake()
	s.cmd("RETR big.iso")
	s.reply("150 Opening BINARY mode data connection for big.iso (10485760 bytes).")
	drive(c, k)
	c.wait(time.Second)
	s.reply(final)
	if strings.HasPrefix(final, "426") {
		c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
	}
	s.quit()
	return path
}

// resendFromB sends n bytes from b at seq again times times, the gap
// doubling from 300 ms (a retransmission timer), never acknowledged.
func resendFromB(c *wireCap, k *wireConn, seq uint32, n, times int) {
	rto := 300 * time.Millisecond
	for range times {
		c.wait(rto)
		c.pkt(k.b, k.a, seq, k.aseq, "PA", wireBody(n))
		rto *= 2
	}
}

// TestPathMTUBlackHoleWithoutICMPAndStalls guards rev37's pmtu captures:
// a server whose full-size segments are sent again and again and never
// acknowledged (no ICMP in the capture) moved nothing it was not
// acknowledged for, and reads as a likely path MTU black hole with MTU
// advice and no firewall-timeout fix; a client-side capture of the same
// (a handshake, silence, a 426) reads as a stall, not as "see the
// replies; not a firewall problem". Before, the first read "transferred:
// 2896 bytes" and "the data connection worked", the second "not a
// firewall problem". A healthy transfer with a retransmission, and a
// client's ABOR, raise none of it.
func TestPathMTUBlackHoleWithoutICMPAndStalls(t *testing.T) {
	for _, tc := range []struct {
		name      string
		drive     func(c *wireCap, k *wireConn)
		final     string
		want, not []string
	}{
		{"full-size segments never acknowledged", func(c *wireCap, k *wireConn) {
			seq := k.bseq
			c.pkt(k.b, k.a, k.bseq, k.aseq, "A", wireBody(1448))
			c.pkt(k.b, k.a, k.bseq+1448, k.aseq, "A", wireBody(1448))
			k.bseq += 2896
			resendFromB(c, k, seq, 1448, 7)
		}, "426 Failure writing network stream.",
			[]string{"connected: handshake done; the 2896 bytes 10.0.0.1 sent never arrived", "warning pmtu-blackhole: Likely a path MTU black hole",
				"verdict: likely a path MTU black hole stopped 1 data connection", "clamp-mss-to-pmtu", "The data stopped getting through"},
			[]string{"transferred", "the data connection worked", "times out or resets long transfers", "dport"}},
		{"a small segment acknowledged, then full-size ones never", func(c *wireCap, k *wireConn) {
			k.fromB(wireBody(300))
			seq := k.bseq
			c.pkt(k.b, k.a, k.bseq, k.aseq, "A", wireBody(1448))
			c.pkt(k.b, k.a, k.bseq+1448, k.aseq, "A", wireBody(1448))
			k.bseq += 2896
			resendFromB(c, k, seq, 1448, 8)
		}, "426 Failure writing network stream.",
			[]string{"transferred: 300 bytes", "another 2896 bytes 10.0.0.1 sent never arrived", "its handshake and 300 bytes in smaller segments got through",
				"verdict: likely a path MTU black hole"},
			[]string{"the data connection worked", "times out or resets long transfers"}},
		{"the client's side: a handshake, then nothing until the 426", func(c *wireCap, k *wireConn) {
			c.wait(32 * time.Second)
		}, "426 Failure writing network stream.",
			[]string{"server-data-error: The transfer stalled", "or a 426 the client's ABOR did not ask for, stalled", "path MTU black hole"},
			[]string{"not a firewall problem", "times out or resets long transfers", "pmtu-blackhole: Likely"}},
		{"a healthy transfer with a retransmission acknowledged", func(c *wireCap, k *wireConn) {
			seq := k.bseq
			c.pkt(k.b, k.a, k.bseq, k.aseq, "A", wireBody(1448))
			k.bseq += 1448
			resendFromB(c, k, seq, 1448, 3)
			c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
			k.fromB(wireBody(1000))
			k.closeFromB()
		}, "226 Transfer complete.",
			[]string{"transferred: 2448 bytes", "verdict: the data connection worked"},
			[]string{"pmtu-blackhole", "never arrived", "stall"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := stallCapture(t, tc.drive, tc.final)
			out := readTextHas(t, path, tc.want, tc.not)
			if t.Failed() {
				t.Log(out)
			}
		})
	}
}

// readTextHas reads path as text with -v, its sentences unwrapped, and
// reports each of want it lacks and each of not it has; it returns the
// unwrapped output.
func readTextHas(t *testing.T, path string, want, not []string) string {
	t.Helper()
	out, errs, code := readText(t, "-v", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	out = strings.Join(strings.Fields(out), " ") // (sentences are wrapped)
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	for _, n := range not {
		if strings.Contains(out, n) {
			t.Errorf("output has %q", n)
		}
	}
	return out
}
