package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestStalePassiveEndpointRefusedIsNoRangeFault guards the reading of a
// client that asked PASV twice and connected to the first answer's port
// after the second: the RST there is the server (one passive listener per
// session) or a helper (one expectation) no longer waiting on it, not a
// closed passive range; it is a warning about the client, with no rule to
// open a range, and the server's verdict is the transfer that worked.
func TestStalePassiveEndpointRefusedIsNoRangeFault(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV -> 10.0.0.1:40000
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,65).") // 40001
	old := s.data                                           // to 40000, announced first
	c.pkt(old.a, old.b, old.aseq, 0, "S", nil)
	c.pkt(old.b, old.a, 0, old.aseq+1, "RA", nil)
	k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50002"), b: netip.MustParseAddrPort("10.0.0.1:40001"), aseq: 3000, bseq: 4000}
	k.handshake()
	s.cmd("RETR f")
	s.reply("150 Opening BINARY mode data connection for f (5 bytes).")
	k.fromB([]byte("hello"))
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()

	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, w := range []string{"warning data-refused", "a newer PASV or EPSV", "the latest 227 or 229", "verdict: the data connection worked"} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, out.String())
		}
	}
	for _, n := range []string{"error data-refused", "dport", "passive range"} {
		if strings.Contains(text, n) {
			t.Errorf("holds %q:\n%s", n, out.String())
		}
	}
}

// TestOneDirectionDataSaysBytesWereAcknowledged guards a data connection
// of which the capture holds only the receiver's packets (asymmetric
// routing, one member of a bundle mirrored): its bytes, counted from the
// receiver's acknowledgments, are said to be so in text and JSON, not
// presented as bytes the capture holds.
func TestOneDirectionDataSaysBytesWereAcknowledged(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := s.data
	c.pkt(k.a, k.b, k.aseq, 0, "S", nil) // the server's SYN-ACK and data are not in the capture
	k.aseq++
	c.pkt(k.a, k.b, k.aseq, k.bseq+1, "A", nil)
	s.cmd("RETR f")
	s.reply("150 Opening BINARY mode data connection for f (3000 bytes).")
	c.pkt(k.a, k.b, k.aseq, k.bseq+1+1460, "A", nil)
	c.pkt(k.a, k.b, k.aseq, k.bseq+1+3000, "A", nil)
	c.pkt(k.a, k.b, k.aseq, k.bseq+1+3001, "FA", nil)
	s.reply("226 Transfer complete.")
	s.quit()

	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "transferred: 3000 bytes (counted from the receiver's acknowledgments") {
		t.Errorf("text:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"read", "--json", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"bytes_to_client":3000,"bytes_acked_only":true`) {
		t.Errorf("json:\n%s", out.String())
	}
}

// TestNewerPassiveEndpointUnusedWhenTheOlderWasUsed guards the newer of
// two passive endpoints when the client connected to the older one after
// it: nothing was to connect to the newer, so it is a note naming the one
// used, not "the capture cannot see the data path".
func TestNewerPassiveEndpointUnusedWhenTheOlderWasUsed(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV -> 10.0.0.1:40000
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,65).") // 40001, never used
	k := &s.data                                            // to 40000, the older
	k.handshake()
	s.cmd("RETR f")
	s.reply("150 Opening BINARY mode data connection for f (5 bytes).")
	k.fromB([]byte("hello"))
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()

	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "info data-not-attempted: The client did not connect to 10.0.0.1:40001: after it was announced, the client connected to 10.0.0.1:40000 instead") {
		t.Errorf("the unused newer endpoint:\n%s", out.String())
	}
	if strings.Contains(text, "cannot see the data path") {
		t.Errorf("blames the capture:\n%s", out.String())
	}
}

// TestStalePassiveEndpointVerdict guards the server's verdict when the
// only data connection went to a stale endpoint and failed: the client's
// fault, with nothing to open, not "endpoints never used".
func TestStalePassiveEndpointVerdict(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV -> 10.0.0.1:40000
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,65).") // 40001, never used
	old := s.data
	c.pkt(old.a, old.b, old.aseq, 0, "S", nil)
	c.pkt(old.b, old.a, 0, old.aseq+1, "RA", nil)
	s.cmd("RETR f")
	s.reply("425 Failed to establish connection.")
	s.quit()

	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "verdict: the client connected to the endpoint of an older PASV or EPSV after asking for a newer one") {
		t.Errorf("verdict:\n%s", out.String())
	}
}
