package diagnose

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUndeliveredLargeSegmentNamesPathMTU guards control-undelivered of a
// line too large for the smallest link of its family: a 1446-byte vsftpd
// banner over IPv6 through a router whose next link has an MTU of 1280,
// the server's host dropping the router's ICMPv6 Packet Too Big (a real
// capture on the server's side). The finding blamed "an IPS or FTP ALG
// that rejects this line" and told to find its rule; the router's errors
// quoting exactly those segments were in the capture. It names the path
// MTU black hole first, how to see the errors, and the rules of the
// family that fix it (ip6tables, not iptables); a short line, which any
// link carries, still reads as dropped for what it holds; a line the
// session does not show is either.
func TestUndeliveredLargeSegmentNamesPathMTU(t *testing.T) {
	bareIptables := regexp.MustCompile(`(^|[^6])iptables `)
	banner := "220 " + strings.Repeat("Welcome-", 180) // 1444 bytes and CRLF
	for _, tc := range []struct {
		name, cli, srv string
		greeting       string // "": none
		reply          string // a 150 line sent before the stall; "": none
		in, not        []string
	}{
		{"IPv6 banner of 1446 bytes", "[fd00:1::2]:41000", "[fd00:2::2]:21", banner, "",
			[]string{"220 greeting (packet 4)", "1446 bytes", "path MTU black hole", "ICMPv6 Packet Too Big", "ip6[40] == 2",
				"ip6tables -I INPUT -p icmpv6 --icmpv6-type packet-too-big -j ACCEPT", "ip6tables -t mangle -A FORWARD"},
			[]string{"fragmentation needed"}},
		{"IPv4 banner of 1446 bytes", "10.98.1.2:54060", "10.98.2.2:21", banner, "",
			[]string{"1446 bytes", "path MTU black hole", "ICMP fragmentation needed", "icmp-unreach",
				"iptables -I INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT", "iptables -t mangle -A FORWARD"},
			[]string{"ip6tables", "Packet Too Big"}},
		{"IPv6 short reply", "[fd00:1::2]:41000", "[fd00:2::2]:21", "220 (vsFTPd 3.0.3)", "Opening BINARY mode data connection for data.bin (131072 bytes).",
			[]string{"150 reply", "drops it for what it holds, an IPS or FTP ALG"},
			[]string{"path MTU", "Packet Too Big"}},
		{"IPv6 line not seen", "[fd00:1::2]:41000", "[fd00:2::2]:21", "", "",
			[]string{"sent bytes again", "an IPS or FTP ALG", "path MTU black hole", "ICMPv6 Packet Too Big", "ip6tables -t mangle -A FORWARD"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &track.Session{ID: 1, Client: ap(tc.cli), Server: ap(tc.srv), Start: t0}
			if tc.greeting != "" {
				s.Greeting = []track.Reply{{Code: 220, Text: tc.greeting[4:], Lines: []string{tc.greeting}, TS: at(1), Num: 4}}
			}
			if tc.reply != "" {
				c := cmd(s, 5, "RETR", "data.bin", 150, tc.reply)
				c.Replies[0].Lines = []string{"150 " + tc.reply}
			}
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			d.SessionStart(s)
			for _, x := range s.Commands {
				d.Command(s, x)
			}
			d.Event(s, &track.Event{Kind: track.EventUndelivered, Num: 16, TS: at(650), Since: at(20), Bytes: 3})
			d.SessionEnd(s)
			f := c.find(CodeControlUndelivered)
			if f == nil {
				t.Fatalf("no control-undelivered; findings: %v", codesOf(c))
			}
			all := f.Message + "\n" + f.Advice
			for _, w := range tc.in {
				if !strings.Contains(all, w) {
					t.Errorf("%q missing from\n%s", w, all)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(all, w) {
					t.Errorf("%q in\n%s", w, all)
				}
			}
			if s.Server.Addr().Is6() && bareIptables.MatchString(all) {
				t.Errorf("an IPv4 rule for an IPv6 session:\n%s", all)
			}
		})
	}
}

// TestEmptyDataConnectionsVerdictHedgesFirewall guards the verdict of a
// server whose data connections were made and carried nothing: a
// download over IPv6 whose 150 announced 131072 bytes, whose data never
// came (the server's segments, too large for a 1280-byte link, dropped
// with the router's Packet Too Big kept from the server), and that got
// no final reply while the capture went on: a capture on the client's
// side, which holds none of the router's errors. The verdict said "not a
// firewall problem": a path MTU black hole is one (ICMP filtered), as is
// a firewall dropping the data after the handshake. (Had the client
// closed the data connection, giving up, it would be transfer-stalled:
// TestStalledTransfersFail.)
func TestEmptyDataConnectionsVerdictHedgesFirewall(t *testing.T) {
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	p := &pmtuDriver{trk: track.New(d, track.Options{}), now: t0, cli: ap("[fd00:1::2]:57650"), srv: ap("[fd00:2::2]:21")}
	dcli := netip.AddrPortFrom(p.cli.Addr(), 52930)
	dsrv := netip.AddrPortFrom(p.srv.Addr(), 40083)
	const cisn, sisn = 1574730548, 2030979733
	p.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	p.reply(220, "(vsFTPd 3.0.3)")
	p.cmd("USER", "anonymous")
	p.reply(331, "Please specify the password.")
	p.cmd("PASS", "ftp@example.com")
	p.reply(230, "Login successful.")
	p.cmd("EPSV", "")
	p.reply(229, "Entering Extended Passive Mode (|||40083|)")
	p.seg(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
	p.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
	p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
	p.cmd("TYPE", "I")
	p.reply(200, "Switching to Binary mode.")
	p.cmd("RETR", "data.bin")
	p.reply(150, "Opening BINARY mode data connection for data.bin (131072 bytes).")
	p.now = p.now.Add(10 * time.Second)
	p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 0) // (a keepalive: the capture goes on)
	p.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseCaptureEnd})
	p.trk.Finish()
	v := serverSummary(t, d, "[fd00:2::2]:21").Verdict
	if !strings.Contains(v, "carried nothing") {
		t.Fatalf("verdict %q: not the empty data connections' (the scenario changed)", v)
	}
	if strings.Contains(v, "not a firewall problem") {
		t.Errorf("verdict rules the firewall out: %s", v)
	}
	for _, w := range []string{"data never came and that got no final reply", "path MTU black hole", "firewall dropping the data"} {
		if !strings.Contains(v, w) {
			t.Errorf("verdict lacks %q: %s", w, v)
		}
	}
}
