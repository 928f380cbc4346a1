package diagnose

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// activeNoSYNSession is Windows's ftp.exe's active-mode listing that
// the server answers 425 with no SYN in the capture
// (winftp-active-nat-client-side.pcap): the client at client names
// port in PORT, greeting is the server's 220; xpwd: an XPWD before the
// PORT shows the client to be ftp.exe.
func activeNoSYNSession(client, server, greeting, port string, xpwd bool) *track.Session {
	s := greeted(sess(client, server), greeting)
	cmd(s, 6, "OPTS", "UTF8 ON", 200, "OPTS UTF8 command successful - UTF8 encoding now ON.")
	if xpwd {
		cmd(s, 10, "XPWD", "", 257, `"/" is current directory.`)
	}
	dc := announce(s, 18, "PORT", ftp.ViaPORT, port, 200, "PORT command successful.")
	dc.Outcome = track.OutcomeNotAttempted
	x := cmd(s, 22, "NLST", "", 425, "Can't open data connection.")
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	return s
}

// The rules for the server's own output chain that only a server whose
// SYNs never left it needs.
var serverEgressRules = []string{"inet filter output", "-I OUTPUT", "chain output", "connect_from_port_20", "sport 20"}

// TestActiveNoSYNToClientsPrivateAddressBlamesItsNAT: captured on the
// client's side (a private client, a public server), the PORT names the
// client's private address, the server answers 425 and no SYN of it
// arrives. The server was told to connect to an address it cannot
// reach: the finding, the verdict and the change lines are for the NAT
// in front of the client (passive mode, its FTP helper or ALG, or the
// client's external address with a port forward), never the server's
// outgoing firewall, which the finding, the verdict ("not a firewall on
// the client's side") and the change block (nft output rules under
// vsftpd's connect_from_port_20, for an IIS server) blamed.
func TestActiveNoSYNToClientsPrivateAddressBlamesItsNAT(t *testing.T) {
	for _, tc := range []struct {
		name, client, server, port string
		encrypted, ftpExe          bool
		advice                     []string
		verdict                    string
	}{
		{"public server", "10.0.0.50:49800", "93.184.216.34:21", "10.0.0.50:49801", false, false,
			[]string{"Use passive mode on the client", "on the NAT router in front of the client", "FTP ALG", "external IP setting", "No rule on the server's side helps while the PORT names 10.0.0.50"},
			"use passive mode, or let the FTP helper or ALG on the client's NAT router rewrite it"},
		{"TEST-NET server", "10.0.0.50:49800", "198.51.100.20:21", "10.0.0.50:49801", false, false,
			[]string{"Use passive mode on the client", "on the NAT router in front of the client", "FTP ALG"},
			"or let the FTP helper or ALG on the client's NAT router rewrite it"},
		{"ftp.exe, which has no passive mode", "10.0.0.50:49800", "93.184.216.34:21", "10.0.0.50:49801", false, true,
			[]string{"most likely Windows's ftp.exe", "use another client", "To keep active mode, on the NAT router in front of the client", "FTP ALG"},
			"use a client that has passive mode (Windows's ftp.exe, which the client most likely is, has none), or let the FTP helper or ALG"},
		{"encrypted control: no helper can read the PORT", "192.168.1.5:49800", "93.184.216.34:21", "192.168.1.5:49801", true, false,
			[]string{"Use passive mode on the client", "control channel is encrypted", "external IP setting"},
			"the control channel is encrypted"},
		{"carrier-grade NAT: passive mode only", "100.64.3.9:49800", "93.184.216.34:21", "100.64.3.9:49801", false, false,
			[]string{"Use passive mode on the client", "carrier-grade NAT"},
			"which the server cannot reach"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := activeNoSYNSession(tc.client, tc.server, "Microsoft FTP Service", tc.port, tc.ftpExe)
			s.Encrypted = tc.encrypted
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no active-blocked")
			}
			ip := ap(tc.port).Addr().String()
			for _, w := range []string{"no SYN of it reached the capture point", "The PORT names " + ip + ", the client's own address", "through a NAT", "on the client's side"} {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message lacks %q:\n%s", w, f.Message)
				}
			}
			// The side is the addresses' guess here (no handshake times
			// it): only the routed-network hedge may name the server's
			// outgoing firewall.
			if strings.Contains(strings.Replace(f.Message, "the server's outgoing firewall or the path stopped its connection.)", "", 1), "outgoing firewall") ||
				!strings.Contains(f.Message, "Unless the network routes") {
				t.Errorf("message blames the server's outgoing firewall:\n%s", f.Message)
			}
			if tc.encrypted && (!strings.Contains(f.Message, "no FTP helper or ALG on the NAT can read it") || strings.Contains(f.Message, "or rewrites it")) {
				t.Errorf("message under FTPS:\n%s", f.Message)
			}
			for _, w := range tc.advice {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, w := range append([]string{"Rules on the client change nothing", "let the server's outgoing data connections"}, serverEgressRules...) {
				if strings.Contains(f.Advice, w) {
					t.Errorf("advice has %q:\n%s", w, f.Advice)
				}
			}
			if tc.encrypted && strings.Contains(f.Advice, "nft") {
				t.Errorf("advice gives helper rules under FTPS:\n%s", f.Advice)
			}
			sum := serverSummary(t, d, tc.server)
			if !strings.Contains(sum.Verdict, "names its private address in PORT/EPRT") || !strings.Contains(sum.Verdict, tc.verdict) ||
				strings.Contains(sum.Verdict, "not a firewall on the client's side") || strings.Contains(sum.Verdict, "let them out on the server") {
				t.Errorf("verdict %q", sum.Verdict)
			}
			rules := strings.Join(sum.Rules, "\n")
			for _, w := range append([]string{"# on the server", "vsftpd"}, serverEgressRules...) {
				if strings.Contains(rules, w) {
					t.Errorf("change block has %q:\n%s", w, rules)
				}
			}
			if want := "# on the client's NAT router"; !tc.encrypted && !strings.Contains(rules, want) {
				t.Errorf("change block lacks %q:\n%s", want, rules)
			}
		})
	}
}

// TestActiveNoSYNServerSideNATMismatchNoServerRules: seen from the
// server's side, the client at a public address names a private one in
// PORT (nat-mismatch) and the server answers 425 with no SYN: letting
// the server's connections out would send them to an address they
// cannot reach, so active-blocked's advice is nat-mismatch's, not the
// server's output chain.
func TestActiveNoSYNServerSideNATMismatchNoServerRules(t *testing.T) {
	s := activeNoSYNSession("203.0.113.77:49800", "198.51.100.20:21", "Microsoft FTP Service", "10.0.0.50:49801", false)
	c, d := feed(policy.Policy{}, s)
	nat, f := c.find(CodeNATMismatch), c.find(CodeActiveBlocked)
	if nat == nil || f == nil {
		dumpFindings(t, c)
		t.Fatal("want nat-mismatch and active-blocked")
	}
	if !strings.Contains(f.Message, "see nat-mismatch") || !strings.Contains(f.Message, "could not arrive even if let out") || strings.Contains(f.Message, "outgoing firewall") {
		t.Errorf("message:\n%s", f.Message)
	}
	if f.Advice != nat.Advice {
		t.Errorf("advice %q, want nat-mismatch's %q", f.Advice, nat.Advice)
	}
	sum := serverSummary(t, d, "198.51.100.20:21")
	if rules := strings.Join(sum.Rules, "\n"); strings.Contains(rules, "inet filter output") || !strings.Contains(rules, "# on the client's NAT router") {
		t.Errorf("change block:\n%s", rules)
	}
}

// TestActiveNoSYNReachablePortKeepsServerEgress: where the PORT names an
// address the server can reach (a public client's own, or a private
// client's whose own data handshake shows the capture at the server's
// side, a routed network with no NAT), no SYN after a 425 still puts the
// block at the server's outgoing firewall or the path.
func TestActiveNoSYNReachablePortKeepsServerEgress(t *testing.T) {
	public := activeNoSYNSession("203.0.113.7:49800", "93.184.216.34:21", "(vsFTPd 3.0.3)", "203.0.113.7:49801", false)
	routed := greeted(sess("10.0.0.50:49800", "93.184.216.34:21"), "(vsFTPd 3.0.3)")
	// An earlier active data connection to the same client that worked,
	// its SYN-ACK 40 ms after the server's SYN and the ACK 1 ms after
	// that: the capture is beside the server, the opener.
	ok := announce(routed, 8, "PORT", ftp.ViaPORT, "10.0.0.50:49810", 200, "PORT command successful.")
	syn(ok, "93.184.216.34:20", "10.0.0.50:49810", 12, 1, 0)
	ok.SynAckTS, ok.AckTS = at(52), at(53)
	ok.Match, ok.Outcome, ok.EndReason, ok.End, ok.Bytes = track.MatchExact, track.OutcomeTransferred, track.EndFIN, at(60), [2]int64{100, 0}
	lst := cmd(routed, 10, "LIST", "", 226, "Transfer complete.")
	ok.Command, lst.Transfer = lst, []*track.DataConn{ok}
	dc := announce(routed, 18, "PORT", ftp.ViaPORT, "10.0.0.50:49811", 200, "PORT command successful.")
	dc.Outcome = track.OutcomeNotAttempted
	x := cmd(routed, 22, "NLST", "", 425, "Failed to establish connection.")
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	for _, tc := range []struct {
		name string
		s    *track.Session
	}{{"public client", public}, {"private client, capture timed at the server", routed}} {
		t.Run(tc.name, func(t *testing.T) {
			c, d := feed(policy.Policy{}, tc.s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no active-blocked")
			}
			if !strings.Contains(f.Message, "by the server's outgoing firewall or on the path") || strings.Contains(f.Message, "through a NAT") {
				t.Errorf("message:\n%s", f.Message)
			}
			if !strings.Contains(f.Advice, nftOutput20) || !strings.Contains(f.Advice, "Rules on the client change nothing") {
				t.Errorf("advice:\n%s", f.Advice)
			}
			sum := serverSummary(t, d, "93.184.216.34:21")
			if !strings.Contains(sum.Verdict, "not a firewall on the client's side") {
				t.Errorf("verdict %q", sum.Verdict)
			}
			rules := strings.Join(sum.Rules, "\n")
			if !strings.Contains(rules, "(vsftpd connect_from_port_20=YES, the usual)") || !strings.Contains(rules, nftOutput20) {
				t.Errorf("change block:\n%s", rules)
			}
		})
	}
}

// TestServerEgressRulesFollowServersSystem: when no SYN of the server's
// active data connection reached the capture point and its output side
// is to blame, the rules for the server's own host follow the product
// its greeting names: Windows Defender Firewall's outbound rule for
// IIS, with no nftables, iptables or vsftpd setting; both systems, each
// named, for FileZilla Server (on Windows a rule for its program, as it
// may connect from any port); no vsftpd setting for ProFTPD. The change
// block gave every server nft output rules under "(vsftpd
// connect_from_port_20=YES, the usual)".
func TestServerEgressRulesFollowServersSystem(t *testing.T) {
	for _, tc := range []struct {
		name, greeting         string
		advice, rules, verdict []string
		notAdvice, notRules    []string
	}{
		{"IIS", "Microsoft FTP Service",
			[]string{netshOutput20, powershellOutput20, "from port 20, where IIS connects from", "on the path drops them, attach the FTP helper there"},
			[]string{"# on the server, in Windows Defender Firewall", netshOutput20, powershellOutput20, "chain forward", "-t raw -A PREROUTING"},
			[]string{"Windows Defender Firewall"},
			[]string{"inet filter output", "-I OUTPUT", "chain output"},
			[]string{"vsftpd", "inet filter output", "-I OUTPUT", "chain output", "its output chain"}},
		{"FileZilla Server", "FileZilla Server 1.8.0",
			[]string{"on Windows, in Windows Defender Firewall, for the server's program, whatever port it connects from: " + netshOutputFileZilla, "; on Linux, in its output chain, from port 20: ", nftOutput20},
			[]string{"# on Windows:", netshOutputFileZilla, "# on Linux:", nftOutput20, "chain output"},
			[]string{"outbound rules on Windows, its output chain on Linux"},
			[]string{netshOutput20},
			[]string{"vsftpd", netshOutput20}},
		{"ProFTPD", "ProFTPD 1.3.8 Server (Debian)",
			[]string{nftOutput20},
			[]string{"its output chain: the connections from port 20, when the server connects from it", nftOutput20},
			[]string{"(its output chain)"},
			[]string{"netsh"},
			[]string{"vsftpd", "netsh"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := activeNoSYNSession("203.0.113.7:49800", "93.184.216.34:21", tc.greeting, "203.0.113.7:49801", false)
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no active-blocked")
			}
			for _, w := range tc.advice {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, w := range tc.notAdvice {
				if strings.Contains(f.Advice, w) {
					t.Errorf("advice has %q:\n%s", w, f.Advice)
				}
			}
			sum := serverSummary(t, d, "93.184.216.34:21")
			for _, w := range tc.verdict {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q: %s", w, sum.Verdict)
				}
			}
			rules := strings.Join(sum.Rules, "\n")
			for _, w := range tc.rules {
				if !strings.Contains(rules, w) {
					t.Errorf("change block lacks %q:\n%s", w, rules)
				}
			}
			for _, w := range tc.notRules {
				if strings.Contains(rules, w) {
					t.Errorf("change block has %q:\n%s", w, rules)
				}
			}
		})
	}
}

// TestActiveNoSYNToClientsPrivateAddressCapture is
// TestActiveNoSYNToClientsPrivateAddressBlamesItsNAT through the real
// pipeline, from packets (winftp-active-nat-client-side-pubip.pcap's
// control connection): the client 10.0.0.50, the server 93.184.216.34,
// PORT 10,0,0,50,194,137 accepted, NLST answered 425, no SYN.
func TestActiveNoSYNToClientsPrivateAddressCapture(t *testing.T) {
	pcap := loginCaptureFrom(t, net.IPv4(10, 0, 0, 50), net.IPv4(93, 184, 216, 34), time.Second, [][]ctlLine{{
		{true, "USER dave\r\n"}, {false, "331 Password required\r\n"},
		{true, "PASS secret\r\n"}, {false, "230 User logged in.\r\n"},
		{true, "PORT 10,0,0,50,194,137\r\n"}, {false, "200 PORT command successful.\r\n"},
		{true, "NLST\r\n"}, {false, "425 Can't open data connection.\r\n"},
	}})
	rec, diag := readLogins(t, pcap)
	fs := findingsOf(rec, CodeActiveBlocked)
	if len(fs) != 1 {
		t.Fatalf("%d active-blocked findings, want 1", len(fs))
	}
	f := fs[0]
	// (Only the routed-network hedge, the side being the addresses'
	// guess, names the server's outgoing firewall.)
	if !strings.Contains(f.Message, "The PORT names 10.0.0.50, the client's own address") ||
		strings.Contains(strings.Replace(f.Message, "the server's outgoing firewall or the path stopped its connection.)", "", 1), "outgoing firewall") {
		t.Errorf("message:\n%s", f.Message)
	}
	if strings.Contains(f.Advice, "inet filter output") || !strings.Contains(f.Advice, "FTP ALG") {
		t.Errorf("advice:\n%s", f.Advice)
	}
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	rules := strings.Join(sums[0].Rules, "\n")
	if !strings.Contains(sums[0].Verdict, "names its private address in PORT/EPRT") || strings.Contains(rules, "inet filter output") || !strings.Contains(rules, "# on the client's NAT router") {
		t.Errorf("verdict %q\nchange block:\n%s", sums[0].Verdict, rules)
	}
}

// TestActiveNoSYNOnServerHostRoutedPrivateClient: captured on the server
// host (its segments at their initial TTL, the client's routed), a
// private client seen at its own address reaches the public server
// without a NAT (a VPN, a campus network routing private addresses): the
// server's outgoing firewall or the path, as ever, not the client's NAT
// ("no rule on the server's side helps" had cleared the very firewall to
// check). With the side the addresses' guess alone, the NAT reading
// stands, hedged for such a network.
func TestActiveNoSYNOnServerHostRoutedPrivateClient(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hops     decode.Hops
		nat      bool
		verdicts []string
	}{
		{"server host, routed client", decode.ServerUnrouted | decode.ClientRouted, false, []string{"server's outgoing firewall"}},
		{"addresses alone", 0, true, []string{"unless the network routes private addresses to the server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := activeNoSYNSession("10.1.2.3:49800", "198.51.100.10:21", "(vsFTPd 3.0.3)", "10.1.2.3:50001", false)
			s.Hops = tc.hops
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no active-blocked")
			}
			if got := strings.Contains(f.Message, "through a NAT"); got != tc.nat {
				t.Errorf("NAT reading %v, want %v:\n%s", got, tc.nat, f.Message)
			}
			if tc.nat && !strings.Contains(f.Message, "Unless the network routes 10.1.2.3 to the server") {
				t.Errorf("NAT reading on the addresses alone not hedged:\n%s", f.Message)
			}
			if !tc.nat && strings.Contains(f.Advice, "No rule on the server's side helps") {
				t.Errorf("advice clears the server's side:\n%s", f.Advice)
			}
			sum := serverSummary(t, d, "198.51.100.10:21")
			for _, w := range tc.verdicts {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q: %s", w, sum.Verdict)
				}
			}
		})
	}
}
