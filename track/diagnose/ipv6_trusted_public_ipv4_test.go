package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestIPv6ClientThatTrustedPublicIPv4GetsIPv4Rules guards the rule family
// of a passive failure over IPv4 on an IPv6 control connection: a
// dual-stack server behind an IPv4 NAT announces its public IPv4 address
// 203.0.113.5 in a 227, the client connects there over IPv4 and its SYNs
// go unanswered. The address may well be the server's, so the failure is
// judged as the same failure of an IPv4 session: the data connection's
// error names the firewall (the address only a hedge), and every rule is
// for IPv4 (iptables, nft ip), the family the data connection went over.
// It gave ip6tables rules (one with --ctorigdst 203.0.113.5, which
// ip6tables refuses), and an error that blamed the address by pointing at
// an info note. An EPSV failure of the same server keeps ip6tables.
func TestIPv6ClientThatTrustedPublicIPv4GetsIPv4Rules(t *testing.T) {
	const reply = "Entering Passive Mode (203,0,113,5,212,101)."
	w := newWire(t, "[2001:db8:1::7]:45292", "[2001:db8::21]:21")
	anonLogin(w)
	w.cmd("PASV")
	w.reply(227, reply)
	a, _, err := ftp.ParsePASV(reply)
	if err != nil {
		t.Fatal(err)
	}
	w.cmd("RETR f")
	from := netip.MustParseAddrPort("198.51.100.7:42696") // the client's IPv4 side
	for range 4 {
		w.seg(from, a, decode.FlagSYN, 100, nil)
		w.wait(time.Second)
	}
	w.reply(425, "Failed to establish connection.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()

	nat := w.c.find(CodeNATMismatch)
	if nat == nil || nat.caused || !strings.Contains(nat.Message, "if 203.0.113.5 is the server's IPv4 address") {
		t.Errorf("nat-mismatch: want the note with both readings, not the cause: %+v", nat)
	}
	f := w.c.find(CodeDataUnanswered)
	if f == nil {
		t.Fatal("no data-unanswered")
	}
	if f.Severity != SeverityError || strings.Contains(f.Message, "does not lead to the server") || !strings.Contains(f.Message, "a firewall is dropping") {
		t.Errorf("data-unanswered %v: want the firewall's error, as over IPv4: %s", f.Severity, f.Message)
	}
	if !strings.Contains(f.Message, "if 203.0.113.5 is not the server's IPv4 address") {
		t.Errorf("data-unanswered lacks the hedge on the address: %s", f.Message)
	}
	if strings.Contains(f.Advice, "ip6tables") || !strings.Contains(f.Advice, "iptables -I INPUT") {
		t.Errorf("data-unanswered advice: want iptables rules for the IPv4 data connection: %s", f.Advice)
	}
	if strings.Contains(f.Advice, "--helper ftp") {
		t.Errorf("a helper on the IPv6 control connection expects nothing for an IPv4 227: %s", f.Advice)
	}
	for _, s := range w.d.Summaries() {
		if !strings.Contains(s.Verdict, "passive data connections are dropped") {
			t.Errorf("verdict %q: want the dropped data ports", s.Verdict)
		}
		var v4 bool
		for _, r := range s.Rules {
			if strings.HasPrefix(r, "ip6tables") || strings.Contains(r, " ip6 ") {
				t.Errorf("IPv6 rule for a data connection over IPv4: %s", r)
			}
			v4 = v4 || strings.HasPrefix(r, "iptables -I INPUT")
		}
		if !v4 {
			t.Errorf("no iptables input rule: %q", s.Rules)
		}
	}

	// The same server's EPSV data connection over IPv6, dropped: its
	// rules stay ip6tables.
	w = newWire(t, "[2001:db8:1::7]:45293", "[2001:db8::21]:21")
	anonLogin(w)
	w.cmd("EPSV")
	e := netip.AddrPortFrom(w.srv.Addr(), 54373)
	w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||54373|)"},
		Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: e}})
	w.cmd("RETR f")
	for range 4 {
		w.seg(netip.AddrPortFrom(w.cli.Addr(), 42697), e, decode.FlagSYN, 100, nil)
		w.wait(time.Second)
	}
	w.reply(425, "Failed to establish connection.")
	w.end()
	for _, s := range w.d.Summaries() {
		var v6 bool
		for _, r := range s.Rules {
			v6 = v6 || strings.HasPrefix(r, "ip6tables -I INPUT")
		}
		if !v6 {
			t.Errorf("EPSV over IPv6: want ip6tables: %q", s.Rules)
		}
	}
}
