package diagnose

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// announceEPRT sends an EPRT naming a (of either family) from w's client,
// and the server's reply to it.
func (w *wire) announceEPRT(a netip.AddrPort, code int, text string) {
	proto := "1"
	if a.Addr().Is6() {
		proto = "2"
	}
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
		Command:  ftp.Command{Verb: "EPRT", Arg: "|" + proto + "|" + a.Addr().String() + "|" + strconv.Itoa(int(a.Port())) + "|"},
		Endpoint: decode.Endpoint{Via: ftp.ViaEPRT, Addr: a}})
	w.reply(code, text)
}

// passiveTransfer is a PASV answered with reply (a 227), a RETR, and,
// when to is valid, the client's data connection to it carrying a file.
func (w *wire) passiveTransfer(reply string, to netip.AddrPort) {
	w.cmd("PASV")
	w.reply(227, reply)
	w.cmd("RETR report.txt")
	if to.IsValid() {
		w.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
		from := netip.AddrPortFrom(w.cli.Addr(), 54000)
		w.helloConn(from, to, []byte("x"), []byte(strings.Repeat("d", 64)))
		w.reply(226, "Transfer complete.")
		return
	}
	w.reply(425, "Failed to establish connection.")
}

// wireText is every finding's message and advice, and the verdicts.
func wireText(w *wire) string {
	var b strings.Builder
	for _, f := range w.c.fs {
		b.WriteString(f.Code + ": " + f.Message + " | " + f.Advice + "\n")
	}
	for _, s := range w.d.Summaries() {
		b.WriteString("verdict: " + s.Verdict + "\n")
	}
	return b.String()
}

// TestPASVOverIPv6NeedsNoAddressSetting guards wrong advice (vsftpd over
// IPv6, dual-plain.pcap): vsftpd answers PASV on an IPv6 session with
// "227 Entering Passive Mode (0,0,0,0,p1,p2)" by design, and the findings
// and the verdict told to set pasv_address=<the IPv6 control address>,
// which makes vsftpd answer every PASV with "500 OOPS: invalid
// pasv_address". And through NAT64 (nat64-proftpd-noepsv-client.pcap):
// ProFTPD on 11.0.0.2 reached at 64:ff9b::b00:2 announces 11.0.0.2, and
// the advice was MasqueradeAddress 64:ff9b::b00:2. A 227 cannot carry an
// IPv6 address: the fix is EPSV, never an IPv6 address setting; over IPv4
// the address advice stays.
func TestPASVOverIPv6NeedsNoAddressSetting(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv, greeting, reply string
		connect                         bool
		want, not                       []string
	}{
		{"vsftpd IPv6 0.0.0.0, client ignored it", "[fd00:99::2]:33376", "[fd00:99::1]:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (0,0,0,0,156,77).", true,
			[]string{"by design", "Use EPSV"}, []string{"pasv_address=fd00", "never 0.0.0.0", "pasv_address=<"}},
		{"vsftpd IPv6 0.0.0.0, client trusted it", "[fd00:99::2]:33386", "[fd00:99::1]:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (0,0,0,0,156,79).", false,
			[]string{"Use EPSV"}, []string{"pasv_address=fd00", "never 0.0.0.0", "pasv_address=<"}},
		{"ProFTPD through NAT64", "[fd00:64::2]:42078", "[64:ff9b::b00:2]:21", "ProFTPD Server (ftpsniff lab) [11.0.0.2]", "Entering Passive Mode (11,0,0,2,156,130).", true,
			[]string{"NAT64", "embedded", "Use EPSV"}, []string{"MasqueradeAddress 64:ff9b", "a third host", "MasqueradeAddress <"}},
		{"vsftpd IPv4 0.0.0.0 keeps its advice", "10.99.0.2:50812", "10.99.0.1:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (0,0,0,0,156,90).", true,
			[]string{"pasv_address=10.99.0.1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			w.reply(220, tc.greeting)
			to := netip.AddrPort{}
			if tc.connect {
				a, _, err := ftp.ParsePASV(tc.reply)
				if err != nil {
					t.Fatal(err)
				}
				to = netip.AddrPortFrom(w.srv.Addr(), a.Port())
			}
			w.passiveTransfer(tc.reply, to)
			w.end()
			all := wireText(w)
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
			if tc.srv[0] == '[' {
				for _, f := range w.c.all(CodeNATMismatch) {
					if f.Severity != SeverityInfo {
						t.Errorf("nat-mismatch %v over IPv6, want a note: %s", f.Severity, f.Message)
					}
				}
			}
		})
	}
}

// TestCrossFamilyOf reads an IPv4 address in a 227 against the IPv6
// address the client reaches the server at (RFC 6052).
func TestCrossFamilyOf(t *testing.T) {
	for _, tc := range []struct {
		a, srv string
		want   crossFamilyKind
	}{
		{"11.0.0.2", "64:ff9b::b00:2", crossNAT64},          // the well-known prefix
		{"192.0.2.33", "2001:db8:64::c000:221", crossNAT64}, // a network-specific /96
		{"0.0.0.0", "fd00:99::1", crossUnspecified},
		{"10.99.0.1", "fd00:99::1", crossOther},
		{"203.0.113.10", "64:ff9b::b00:2", crossOther},
	} {
		if got := crossFamilyOf(netip.MustParseAddr(tc.a), netip.MustParseAddr(tc.srv)); got != tc.want {
			t.Errorf("%s in a 227 from %s: %d, want %d", tc.a, tc.srv, got, tc.want)
		}
	}
}

// TestLongFormsNotImplementedAreNoModeRefused guards false errors
// (cli6-vsftpd.pcap, cli6-pureftpd.pcap, cli6-proftpd-noepsv.pcap): tnftp
// with epsv6 off sends LPSV/LPRT, which vsftpd, ProFTPD and Pure-FTPd do
// not implement ("500 Unknown command.", "500 LPRT not understood"); the
// findings read active or passive mode turned off (port_enable=YES,
// pasv_enable=YES, remove -N) and the verdict said so. Now a note that the
// server does not implement the command, and nothing in the verdict; a
// PORT refused the same way over IPv4 stays active mode turned off.
func TestLongFormsNotImplementedAreNoModeRefused(t *testing.T) {
	for _, tc := range []struct {
		name, greeting, verb, reply string
		code                        string
	}{
		{"vsftpd LPSV", "(vsFTPd 3.0.3)", "LPSV", "Unknown command.", CodePassiveRefused},
		{"vsftpd LPRT", "(vsFTPd 3.0.3)", "LPRT", "Unknown command.", CodeActiveRefused},
		{"ProFTPD LPSV", "ProFTPD Server (ftpsniff lab) [fd00:99::1]", "LPSV", "LPSV not understood", CodePassiveRefused},
		{"ProFTPD LPRT", "ProFTPD Server (ftpsniff lab) [fd00:99::1]", "LPRT", "LPRT not understood", CodeActiveRefused},
		{"Pure-FTPd LPSV", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", "LPSV", "Unknown command", CodePassiveRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[fd00:99::2]:33410", "[fd00:99::1]:21")
			w.reply(220, tc.greeting)
			if tc.verb == "LPRT" {
				a := netip.MustParseAddrPort("[fd00:99::2]:49165")
				w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
					Command:  ftp.Command{Verb: "LPRT", Arg: "6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,2,2,192,13"},
					Endpoint: decode.Endpoint{Via: ftp.ViaLPRT, Addr: a}})
			} else {
				w.cmd(tc.verb)
			}
			w.reply(500, tc.reply)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(tc.code)
			if f == nil {
				t.Fatalf("no %s:\n%s", tc.code, wireText(w))
			}
			if f.Severity != SeverityInfo || !strings.Contains(f.Message, "does not implement "+tc.verb) {
				t.Errorf("%v %s", f.Severity, f.Message)
			}
			all := wireText(w)
			for _, s := range []string{"port_enable", "pasv_enable", "-N", "refused active mode", "refused passive mode", "<Limit"} {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
		})
	}
}

// TestEPSVRefusedOverIPv6IsPassiveRefused guards a missed failure
// (cli6-proftpd-noepsv.pcap sessions 7 and 8, curl and lftp; the NAT64
// capture's sessions 1 and 4): ProFTPD with <Limit EPSV> DenyAll answers
// "501 EPSV: Operation not permitted", and over IPv6 a client has no
// PASV to fall back to (a 227 cannot carry the address): curl exits 8,
// and no finding said anything. Now passive-refused, naming the <Limit>;
// over IPv4, or when a later PASV was accepted, nothing.
func TestEPSVRefusedOverIPv6IsPassiveRefused(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv string
		pasvAfter      bool
		want           bool
	}{
		{"IPv6", "[fd00:99::2]:49078", "[fd00:99::1]:21", false, true},
		{"NAT64", "[fd00:64::2]:38932", "[64:ff9b::b00:2]:21", false, true},
		{"IPv6, PASV accepted after it", "[fd00:99::2]:49022", "[fd00:99::1]:21", true, false},
		{"IPv4: the client can fall back", "10.99.0.2:49078", "10.99.0.1:21", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			w.reply(220, "ProFTPD Server (ftpsniff lab) [11.0.0.2]")
			w.cmd("EPSV")
			w.reply(501, "EPSV: Operation not permitted")
			if tc.pasvAfter {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (11,0,0,2,156,130).")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodePassiveRefused)
			if !tc.want {
				if f != nil {
					t.Errorf("passive-refused: %s", f.Message)
				}
				return
			}
			if f == nil {
				t.Fatalf("no passive-refused:\n%s", wireText(w))
			}
			if f.Severity != SeverityError || !strings.Contains(f.Message, "refused EPSV") || !strings.Contains(f.Message, "IPv6") || !strings.Contains(f.Advice, "<Limit EPSV>") {
				t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
			}
		})
	}
}

// TestEPRTFamilyNotSupported guards a missed failure (nat64-vsftpd-client
// .pcap, the NAT64 ProFTPD capture): through NAT64 to an IPv4-only
// server, EPRT |2| is answered "500 Bad EPRT protocol." (vsftpd) or "522
// Network protocol not supported, use (1)" (ProFTPD, RFC 2428's reply);
// curl -P hangs and no finding said why. Now active-refused says the
// server does not take IPv6 addresses, and the fix is passive mode: not
// port_enable, and nothing in the verdict.
func TestEPRTFamilyNotSupported(t *testing.T) {
	for _, tc := range []struct {
		greeting string
		code     int
		text     string
	}{
		{"(vsFTPd 3.0.3)", 500, "Bad EPRT protocol."},
		{"ProFTPD Server (ftpsniff lab) [11.0.0.2]", 522, "Network protocol not supported, use (1)"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			w := newWire(t, "[fd00:64::2]:55306", "[64:ff9b::b00:2]:21")
			w.reply(220, tc.greeting)
			w.announceEPRT(netip.MustParseAddrPort("[fd00:64::2]:58255"), tc.code, tc.text)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeActiveRefused)
			if f == nil {
				t.Fatalf("no active-refused:\n%s", wireText(w))
			}
			if !strings.Contains(f.Message, "does not take IPv6 addresses") || !strings.Contains(f.Advice, "passive mode") {
				t.Errorf("%s\nfix: %s", f.Message, f.Advice)
			}
			all := wireText(w)
			for _, s := range []string{"port_enable", "<Limit PORT", "refused active mode"} {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
		})
	}
}

// TestPASVRefusedOnIPv6IsNoFirewallMatter guards wrong advice
// (raw6-pureftpd.pcap): Pure-FTPd answers PASV on an IPv6 connection
// with "425 You cannot use PASV on IPv6 connections. Use EPSV instead.",
// and server-data-error told to look at the firewall for the data ports.
func TestPASVRefusedOnIPv6IsNoFirewallMatter(t *testing.T) {
	w := newWire(t, "[fd00:99::2]:34006", "[fd00:99::1]:21")
	w.reply(220, "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------")
	w.cmd("PASV")
	w.reply(425, "You cannot use PASV on IPv6 connections. Use EPSV instead.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	f := w.c.find(CodeServerDataError)
	if f == nil {
		t.Fatalf("no server-data-error:\n%s", wireText(w))
	}
	if strings.Contains(f.Advice, "look at the firewall") || !strings.Contains(f.Advice, "EPSV") || f.Severity != SeverityInfo {
		t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
	}
}

// TestCrossFamilyEPRTThen425 guards a failed transfer no warning named
// (raw6-proftpd.pcap session 2): ProFTPD accepts "EPRT |1|10.99.0.2|...|"
// on an IPv6 control connection, then answers RETR with "425 Unable to
// build data connection: Invalid argument" without a SYN; only the
// ftp-bounce note spoke. Now server-data-error names the family mismatch.
func TestCrossFamilyEPRTThen425(t *testing.T) {
	w := newWire(t, "[fd00:99::2]:39330", "[fd00:99::1]:21")
	w.reply(220, "ProFTPD Server (ftpsniff lab) [fd00:99::1]")
	w.announceEPRT(netip.MustParseAddrPort("10.99.0.2:45001"), 200, "EPRT command successful")
	w.cmd("RETR report.txt")
	w.reply(425, "Unable to build data connection: Invalid argument")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	var f *Finding
	for _, x := range w.c.all(CodeServerDataError) {
		if strings.Contains(x.Message, "other family") {
			f = x
		}
	}
	if f == nil {
		t.Fatalf("no server-data-error naming the family:\n%s", wireText(w))
	}
	if f.Severity != SeverityWarning || !strings.Contains(f.Message, "IPv4 address, over an IPv6 control connection") || !strings.Contains(f.Advice, "IPv6 address") {
		t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
	}
}
