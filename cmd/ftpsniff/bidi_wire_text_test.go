package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// bidiCapture is rv-attack2's bidi-endpoint shape: a 227 whose text
// after the six numbers holds a Hebrew letter and another endpoint,
// `227 Entering Passive Mode (10,0,0,1,156,64) א 203.0.113.7:22`; the
// user name and a command's argument hold right-to-left letters too,
// and the data SYN is refused.
func bidiCapture(t *testing.T) string {
	c, path := newWireCap(t)
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	s := &wireSession{
		ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, 30000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000},
		data: wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 40000), aseq: 70000, bseq: 90000},
	}
	s.ctl.handshake()
	s.reply("220 x")
	s.cmd("USER בוב")
	s.reply("331 p")
	s.cmd("PASS x")
	s.reply("230 ok")
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,64) \u05d0 203.0.113.7:22")
	k := &s.data
	c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	c.pkt(k.b, k.a, 0, k.aseq+1, "RA", nil)
	s.cmd("RETR ملف 203.0.113.7")
	s.reply("425 Failed to establish connection.")
	s.quit()
	c.w = nil
	return path
}

// TestBidiWireTextIsolated: in the text output, wire text that holds a
// right-to-left letter ends in an isolate (U+2066 ... U+2069) before
// ftpsniff's words on its line, and ftpsniff's sentences (a finding's
// evidence) write such letters escaped, so that in a terminal that
// applies the bidi algorithm the Hebrew letter of a 227 cannot pull the
// decoded endpoint after it into its right-to-left run: before, the
// line `227 … א 203.0.113.7:22  = 10.0.0.1:40000` read there "10.0.0.1:40000
// = 203.0.113.7:22 א" (rv-attack2, bidi-endpoint.pcap).
func TestBidiWireTextIsolated(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "-v", bidiCapture(t)}, &stdout, &stderr)
	out := stdout.String()
	want := lri + "227 Entering Passive Mode (10,0,0,1,156,64) \u05d0 203.0.113.7:22" + pdi + "  = 10.0.0.1:40000"
	if !strings.Contains(out, want) {
		t.Errorf("the 227's wire text is not isolated before its annotation; want %q in:\n%s", want, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if !hasRightToLeft(l) {
			continue
		}
		// Every right-to-left letter of the line is inside an isolate
		// that closes before anything of ftpsniff's after it.
		depth, outside := 0, false
		for _, r := range l {
			switch {
			case string(r) == lri:
				depth++
			case string(r) == pdi:
				depth--
			case rightToLeft(r) && depth != 1:
				outside = true
			}
		}
		if outside {
			t.Errorf("a right-to-left letter outside an isolate: %q", l)
		}
		if depth != 0 {
			t.Errorf("an isolate left open: %q", l)
		}
	}
	for _, l := range []string{"user " + lri + "בוב" + pdi + ", ", "<-- RETR " + lri + "ملف 203.0.113.7" + pdi} {
		if !strings.Contains(out, l) {
			t.Errorf("no %q in:\n%s", l, out)
		}
	}
	if !strings.Contains(out, `(10,0,0,1,156,64) \u05d0`) {
		t.Errorf("the evidence does not quote the 227 with its letter escaped:\n%s", out)
	}
}

func TestRightToLeft(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false}, {"227 Entering Passive Mode", false}, {"café ü ß — …", false}, {"\u0590", true}, {"\u058f", false},
		{"a \u05d0", true}, {"\u0627", true}, {"\u08ff", true}, {"\u0900", false}, {"\ufb1d", true}, {"\ufe70", true},
		{"\U00010800", true}, {"\U0001e900", true}, {"\U0001f600", false}, {"\u200f", false},
	} {
		if got := hasRightToLeft(tc.s); got != tc.want {
			t.Errorf("hasRightToLeft(%q) = %v, want %v", tc.s, got, tc.want)
		}
		if got := isolated(tc.s) != tc.s; got != tc.want {
			t.Errorf("isolated(%q) changed it: %v, want %v", tc.s, got, tc.want)
		}
	}
	if got := sentence(`"227 x \u05d0 1.2.3.4:22" (packet 10)`); got != `"227 x \u05d0 1.2.3.4:22" (packet 10)` {
		t.Errorf("sentence keeps a right-to-left letter raw: %q", got)
	}
}

// TestReportBidiWireTextIsolated: in the report, the wire text of a
// ladder label is an isolated left-to-right run (<tspan class="w">) and
// ftpsniff's annotation another (<tspan class="tag">), the stylesheet
// isolating both, and the user name and greeting are <bdi> elements.
// Before, the annotation was a <tspan> in the same run as the wire text
// of rv-attack2's bidi.html: a browser drew "10.0.0.1:40000 =
// 203.0.113.7:22 א". No bidi control character is written for it.
func TestReportBidiWireTextIsolated(t *testing.T) {
	page, _, _ := runReport(t, bidiCapture(t))
	for _, want := range []string{
		`<tspan class="w">227 Entering Passive Mode (10,0,0,1,156,64) א 203.0.113.`, // (cut to fit)
		`</tspan> <tspan class="tag">= 10.0.0.1:40000 (data #1)</tspan>`,
		`.ladder .w,.ladder .tag,.ladder .nt{unicode-bidi:isolate;direction:ltr}`,
		`user <bdi>בוב</bdi>, logged in`,
		`<bdi>220 x</bdi>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q in the report", want)
		}
	}
	if strings.ContainsAny(page, lri+pdi) {
		t.Errorf("the report holds an isolate character")
	}
}
