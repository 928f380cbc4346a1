package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestIPv6ClientThatTrustedPrivateIPv4FailsOnTheAddress guards a false
// firewall rule (lab privtrust6.pcap): over an IPv6 control connection the
// server announces 192.168.1.10 (an RFC 1918 address), the dual-stack
// client connects there and its SYNs go unanswered. The address is why:
// nat-mismatch is the error and the verdict names it; the verdict gave an
// ip6tables rule for the data port instead, which cannot help, and the fix
// read "192.168.1.10 must be the server's public IPv4 address". When the
// client ignored the 227 and got through, it stays a note, and a private
// address is never called the public one to keep.
func TestIPv6ClientThatTrustedPrivateIPv4FailsOnTheAddress(t *testing.T) {
	const reply = "Entering Passive Mode (192,168,1,10,212,101)."
	for _, trusted := range []bool{true, false} {
		w := newWire(t, "[2001:db8:1::7]:45292", "[2001:db8::21]:21")
		anonLogin(w)
		w.cmd("PASV")
		w.reply(227, reply)
		a, _, err := ftp.ParsePASV(reply)
		if err != nil {
			t.Fatal(err)
		}
		w.cmd("RETR f")
		if trusted {
			from := netip.MustParseAddrPort("198.51.100.7:42696") // the client's IPv4 side
			for range 4 {
				w.seg(from, a, decode.FlagSYN, 100, nil)
				w.wait(time.Second)
			}
			w.reply(425, "Failed to establish connection.")
		} else {
			w.reply(150, "Opening BINARY mode data connection for f (4096 bytes).")
			w.helloConn(netip.AddrPortFrom(w.cli.Addr(), 56930), netip.AddrPortFrom(w.srv.Addr(), a.Port()), []byte("x"), []byte(strings.Repeat("d", 64)))
			w.reply(226, "Transfer complete.")
		}
		w.cmd("QUIT")
		w.reply(221, "Goodbye.")
		w.end()
		f := w.c.find(CodeNATMismatch)
		if f == nil {
			t.Fatalf("trusted=%v: no nat-mismatch", trusted)
		}
		if strings.Contains(f.Advice, "192.168.1.10 must be the server's public") {
			t.Errorf("trusted=%v: a private address called the public one: %s", trusted, f.Advice)
		}
		if !strings.Contains(f.Advice, "EPSV") || !strings.Contains(f.Advice, "public IPv4 address") {
			t.Errorf("trusted=%v: advice %q lacks EPSV or the public IPv4 address", trusted, f.Advice)
		}
		if !trusted {
			if f.Severity != SeverityInfo {
				t.Errorf("client ignored the 227 and got through: nat-mismatch %v, want info: %s", f.Severity, f.Message)
			}
			continue
		}
		if f.Severity != SeverityError || !f.caused {
			t.Errorf("client trusted the 227 and failed: nat-mismatch %v (caused %v), want the error that caused it: %s", f.Severity, f.caused, f.Message)
		}
		if strings.Contains(f.Advice, "nf_nat_ftp") {
			t.Errorf("an IPv4 NAT's helper never sees a 227 on an IPv6 connection: %s", f.Advice)
		}
		for _, s := range w.d.Summaries() {
			if !strings.Contains(s.Verdict, "192.168.1.10, an address clients cannot reach") {
				t.Errorf("verdict %q: want the announced address named", s.Verdict)
			}
			for _, r := range s.Rules {
				if strings.Contains(r, "dport") {
					t.Errorf("a data-port rule cannot help: %s", r)
				}
			}
		}
	}
}
