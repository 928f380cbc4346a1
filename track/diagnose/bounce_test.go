package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// How a PORT's target answers the server's connection in portWire.
const (
	answerRST    = "rst"    // SYN answered by RST: 425
	answerSYNACK = "synack" // handshake, a listing, FIN: 150 and 226
	answerNone   = "none"   // no answer to three SYNs: 425
	answerRefuse = "refuse" // the server refuses the PORT itself: 500
)

// portTarget is one PORT of a portWire session and what became of it.
type portTarget struct {
	addr   string
	answer string
}

// portWire drives the tracker and the diagnoser through an anonymous
// active-mode session from cli to srv (greeting g): a PORT, then NLST, for
// each target, then QUIT. It returns the findings and the server's verdict.
func portWire(t *testing.T, cli, srv, g string, targets []portTarget) (*collect, string) {
	t.Helper()
	return activeWire(t, ftp.ViaPORT, cli, srv, g, targets)
}

// activeWire is portWire with the targets announced by via (PORT or
// EPRT).
func activeWire(t *testing.T, via ftp.Via, cli, srv, g string, targets []portTarget) (*collect, string) {
	t.Helper()
	w := newWire(t, cli, srv)
	w.reply(220, g)
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS guest@")
	w.reply(230, "Login successful.")
	srv20 := netip.AddrPortFrom(w.srv.Addr(), 20)
	for i, tg := range targets {
		a := ap(tg.addr)
		b := a.Addr().As4()
		arg := fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], a.Port()>>8, a.Port()&0xff)
		if via == ftp.ViaEPRT {
			arg = fmt.Sprintf("|1|%s|%d|", a.Addr(), a.Port())
		}
		w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: via.String(), Arg: arg},
			Endpoint: decode.Endpoint{Via: via, Addr: a}})
		if tg.answer == answerRefuse {
			w.reply(500, "Illegal "+via.String()+" command.")
			continue
		}
		w.reply(200, via.String()+" command successful. Consider using PASV.")
		w.cmd("NLST")
		isn := uint32(1000 + 10000*i)
		switch tg.answer {
		case answerRST:
			w.seg(srv20, a, decode.FlagSYN, isn, nil)
			// The RST acknowledges the SYN, as a closed port's does.
			w.next()
			w.trk.Segment(&decode.Segment{Num: w.num, TS: w.now, Src: a, Dst: srv20, Flags: decode.FlagRST | decode.FlagACK, Ack: isn + 1})
			w.reply(425, "Failed to establish connection.")
		case answerNone:
			for range 3 {
				w.seg(srv20, a, decode.FlagSYN, isn, nil)
			}
			w.reply(425, "Failed to establish connection.")
		case answerSYNACK:
			list := []byte("-rw-r--r-- 1 ftp ftp 1 Jan 01 00:00 x\r\n")
			w.seg(srv20, a, decode.FlagSYN, isn, nil)
			w.seg(a, srv20, decode.FlagSYN|decode.FlagACK, 5000, nil)
			w.seg(srv20, a, decode.FlagACK, isn+1, nil)
			w.reply(150, "Here comes the directory listing.")
			w.seg(srv20, a, decode.FlagACK|decode.FlagPSH, isn+1, list)
			w.seg(srv20, a, decode.FlagFIN|decode.FlagACK, isn+1+uint32(len(list)), nil)
			w.seg(a, srv20, decode.FlagFIN|decode.FlagACK, 5001, nil)
			w.reply(226, "Directory send OK.")
		default:
			t.Fatalf("unknown answer %q", tg.answer)
		}
	}
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	verdict := ""
	if sums := w.d.Summaries(); len(sums) == 1 {
		verdict = sums[0].Verdict
	}
	return w.c, verdict
}

// hostsOf is n targets: port of hosts first, first+1, ... (IPv4).
func hostsOf(first string, n int, port uint16, answer string) []portTarget {
	a := netip.MustParseAddr(first)
	var out []portTarget
	for range n {
		out = append(out, portTarget{netip.AddrPortFrom(a, port).String(), answer})
		a = a.Next()
	}
	return out
}

// portsOf is one target per port of host, open where open says.
func portsOf(host string, ports []uint16, open map[uint16]bool) []portTarget {
	var out []portTarget
	for _, p := range ports {
		ans := answerRST
		if open[p] {
			ans = answerSYNACK
		}
		out = append(out, portTarget{netip.AddrPortFrom(netip.MustParseAddr(host), p).String(), ans})
	}
	return out
}

// codesOf is how many findings of each code c holds.
func codesOf(c *collect) map[string]int {
	m := map[string]int{}
	for _, f := range c.fs {
		m[f.Code]++
	}
	return m
}

const vsftpdGreeting = "(vsFTPd 3.0.3)"

// TestBounceIntoServersNetworkIsNotBlamedOnClientNAT guards the bounce
// into the server's own network: PORTs naming
// private hosts of the server's network, or the server itself, while the
// client's control connection comes from elsewhere, are another host's,
// not the client's own address behind a NAT. They make one ftp-bounce
// per session, and no nat-mismatch, active-blocked or server-data-error,
// no "privileged port of the client's own address", and no NAT router or
// helper advice for the client.
func TestBounceIntoServersNetworkIsNotBlamedOnClientNAT(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cli, srv string
		targets  []portTarget
		severity Severity
		want     []string // in the ftp-bounce's message, evidence and advice
		verdict  string
	}{
		{"LAN client, port 445 of 12 hosts of the server's /24, all RST", "10.1.1.50:51310", "10.9.9.10:21",
			hostsOf("10.9.9.100", 12, 445, answerRST), SeverityError,
			[]string{"port 445 of 12 hosts (first 10.9.9.100) in the server's own network 10.9.9.0/24", "the client, 10.1.1.50", "not of the server's: these are other hosts",
				"12 answered by RST", "port_promiscuous=YES"},
			"bounce port scan"},
		{"public client, 11 ports of one host of the server's LAN, 3 open", "198.51.100.66:51300", "192.168.5.10:21",
			portsOf("192.168.5.77", []uint16{21, 22, 23, 25, 80, 110, 139, 143, 443, 445, 3389}, map[uint16]bool{22: true, 25: true, 80: true}), SeverityError,
			[]string{"11 ports of 192.168.5.77 in the server's own network 192.168.5.0/24", "8 answered by RST (port closed), 3 connected (port open)"},
			"bounce port scan"},
		{"public client, one PORT to a service port of a host in the server's LAN, RST", "198.51.100.24:51250", "192.168.5.10:21",
			[]portTarget{{"192.168.5.77:3389", answerRST}}, SeverityWarning,
			[]string{"a host in the server's own network 192.168.5.0/24, not the client's 198.51.100.24", "the server is asked to connect to a host other than the client", "The server accepted it."},
			"FTP bounce"},
		{"public client, PORT naming the server's own private address, refused", "203.0.113.7:50000", "10.0.0.5:21",
			[]portTarget{{"10.0.0.5:25", answerRefuse}}, SeverityInfo,
			[]string{"names 10.0.0.5, the server's own address, not the client's 203.0.113.7", "The server refused it."},
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, verdict := portWire(t, tc.cli, tc.srv, vsftpdGreeting, tc.targets)
			codes := codesOf(c)
			for _, code := range []string{CodeNATMismatch, CodeActiveBlocked, CodeServerDataError} {
				if codes[code] != 0 {
					dumpFindings(t, c)
					t.Errorf("%d %s findings for a bounce into the server's network", codes[code], code)
				}
			}
			if codes[CodeFTPBounce] != 1 {
				dumpFindings(t, c)
				t.Fatalf("%d ftp-bounce findings, want one per session", codes[CodeFTPBounce])
			}
			f := c.find(CodeFTPBounce)
			if f.Severity != tc.severity {
				t.Errorf("ftp-bounce severity %s, want %s: %s", f.Severity, tc.severity, f.Message)
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("ftp-bounce lacks %q:\n%s", w, all)
				}
			}
			for _, n := range []string{"client's own address", "helper", "NAT router", "conntrack", "passive mode"} {
				if strings.Contains(all, n) {
					t.Errorf("ftp-bounce says %q:\n%s", n, all)
				}
			}
			if !strings.Contains(verdict, tc.verdict) || strings.Contains(verdict, "NAT") || strings.Contains(verdict, "helper") {
				t.Errorf("verdict %q, want one about %q without NAT advice", verdict, tc.verdict)
			}
		})
	}
}

// TestBounceTargetProvenByWhatTheSessionShows guards the two proofs beyond
// the addresses that a private PORT target is another host, not the
// client behind its NAT: it answered the server with a SYN-ACK while the
// client comes from a public address (its own network is out of the
// server's reach), or the session's PORTs name several private hosts (a
// client behind a NAT has one address; the ones judged before the second
// appeared join the session's ftp-bounce at its end).
func TestBounceTargetProvenByWhatTheSessionShows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cli, srv  string
		targets   []portTarget
		severity  Severity
		want      []string
		natOnData []int // data connections (0: a refused PORT) judged as a NAT before the proof
	}{
		{"SYN-ACK from a private host outside the server's network, public client", "203.0.113.7:50000", "192.168.5.10:21",
			[]portTarget{{"10.20.0.5:8080", answerSYNACK}}, SeverityWarning,
			[]string{"names 10.20.0.5, which answered the server's connection with a SYN-ACK", "203.0.113.7, a public address", "connected (port open)"}, nil},
		{"three private hosts outside the server's network, unanswered", "203.0.113.7:50000", "198.51.100.1:21",
			hostsOf("10.0.0.5", 3, 8080, answerNone), SeverityError,
			[]string{"port 8080 of 3 hosts (first 10.0.0.5)", "The addresses are private, but not the client's own behind a NAT", "a client behind a NAT has one address"}, []int{1}},
		{"two private hosts outside the server's network, refused by the server", "203.0.113.7:50000", "198.51.100.1:21",
			[]portTarget{{"10.0.0.5:8080", answerRefuse}, {"172.16.3.4:8080", answerRefuse}}, SeverityInfo,
			[]string{"names 172.16.3.4, and this session's PORTs also name 10.0.0.5", "2 refused by the server"}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := portWire(t, tc.cli, tc.srv, vsftpdGreeting, tc.targets)
			if n := codesOf(c)[CodeFTPBounce]; n != 1 {
				dumpFindings(t, c)
				t.Fatalf("%d ftp-bounce findings, want 1", n)
			}
			f := c.find(CodeFTPBounce)
			if f.Severity != tc.severity {
				t.Errorf("ftp-bounce severity %s, want %s: %s", f.Severity, tc.severity, f.Message)
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("ftp-bounce lacks %q:\n%s", w, all)
				}
			}
			var nat []int
			for _, x := range c.fs {
				switch {
				case x.Code == CodeNATMismatch && x.Data != nil:
					nat = append(nat, x.Data.ID)
				case x.Code == CodeNATMismatch:
					nat = append(nat, 0)
				}
			}
			if fmt.Sprint(nat) != fmt.Sprint(tc.natOnData) {
				dumpFindings(t, c)
				t.Errorf("nat-mismatch on data %v, want %v", nat, tc.natOnData)
			}
		})
	}
}

// TestClientBehindNATKeepsNATMismatch guards the real NAT case against the
// bounce rules: a client behind a NAT that does not rewrite PORT names
// its own private address, one address however often, outside the
// server's network; an RST in its name proves nothing (a firewall may
// send it), nor does an answer when the client's control address is
// private (a routed lab reaches it). Each keeps nat-mismatch (and
// active-blocked where the connection failed) and raises no ftp-bounce.
func TestClientBehindNATKeepsNATMismatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cli, srv string
		targets  []portTarget
		nat      int // nat-mismatch findings
		blocked  int // active-blocked findings
	}{
		{"public server, client's private address unanswered", "203.0.113.7:50000", "198.51.100.1:21",
			[]portTarget{{"192.168.1.5:34109", answerNone}}, 1, 1},
		{"server behind NAT, client's private address in another network, RST", "203.0.113.7:50000", "192.168.5.10:21",
			[]portTarget{{"192.168.1.5:34109", answerRST}}, 1, 1},
		{"client seen at its router's address in the server's network, its own answers", "10.99.2.1:50000", "10.99.2.2:21",
			[]portTarget{{"10.99.1.2:34109", answerSYNACK}}, 1, 0},
		{"three PORTs naming the same private address", "203.0.113.7:50000", "198.51.100.1:21",
			[]portTarget{{"192.168.1.5:34109", answerNone}, {"192.168.1.5:34110", answerNone}, {"192.168.1.5:34111", answerNone}}, 3, 3},
		{"refused PORT naming the client's private address", "203.0.113.7:50000", "192.168.5.10:21",
			[]portTarget{{"10.0.0.5:40000", answerRefuse}}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := portWire(t, tc.cli, tc.srv, vsftpdGreeting, tc.targets)
			codes := codesOf(c)
			if codes[CodeNATMismatch] != tc.nat || codes[CodeActiveBlocked] != tc.blocked || codes[CodeFTPBounce] != 0 {
				dumpFindings(t, c)
				t.Errorf("nat-mismatch %d, active-blocked %d, ftp-bounce %d; want %d, %d, 0",
					codes[CodeNATMismatch], codes[CodeActiveBlocked], codes[CodeFTPBounce], tc.nat, tc.blocked)
			}
			if f := c.find(CodeNATMismatch); f != nil && !strings.Contains(f.Message, "does not rewrite PORT") {
				t.Errorf("nat-mismatch: %s", f.Message)
			}
		})
	}
}

// TestOwnPrivilegedPortSaysWhoseAddress guards the ftp-bounce info for a
// privileged port against calling an address the client's own when it is
// not the one the client is seen at: the private address a client behind
// a NAT announces is named as such.
func TestOwnPrivilegedPortSaysWhoseAddress(t *testing.T) {
	for _, tc := range []struct {
		name, port  string
		want, never string
	}{
		{"the client's control address", "203.0.113.7:25", "of the client's own address 203.0.113.7", "behind a NAT"},
		{"the client's private address behind a NAT", "192.168.1.5:25", "of 192.168.1.5, the address the client announces as its own from behind a NAT", "client's own address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PORT", ftp.ViaPORT, tc.port, 200, "PORT command successful.")
			dc.Outcome = track.OutcomeNotAttempted
			c, _ := feed(policy.Policy{}, s)
			f := c.find(CodeFTPBounce)
			if f == nil || f.Severity != SeverityInfo {
				dumpFindings(t, c)
				t.Fatal("no ftp-bounce info")
			}
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.never) {
				t.Errorf("message %q: want %q, not %q", f.Message, tc.want, tc.never)
			}
		})
	}
}

// TestBounceAdviceSaysWhatLetTheServerAcceptIt guards the advice of a
// bounce the server served: a stock vsftpd, ProFTPD or Pure-FTPd refuses
// it, so the advice names the setting that let this one accept it
// (vsftpd port_promiscuous=YES; ProFTPD AllowForeignAddress on, and no
// stock build at all for a port below 1024; Pure-FTPd AllowAnonymousFXP
// for an anonymous session), while a family with settings of its own
// gets only those.
func TestBounceAdviceSaysWhatLetTheServerAcceptIt(t *testing.T) {
	for _, tc := range []struct {
		name, greeting string
		want, never    []string
	}{
		{"vsftpd", "(vsFTPd 3.0.3)", []string{"vsftpd port_promiscuous=NO", "so this one runs with port_promiscuous=YES"}, []string{"not a stock build"}},
		{"ProFTPD", "ProFTPD 1.3.8 Server (Debian)", []string{"so this one has AllowForeignAddress on", "It also accepted port 445, below 1024", "not a stock build"}, []string{"port_promiscuous=YES:"}},
		{"Pure-FTPd", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", []string{"so this one runs with AllowAnonymousFXP (-W)", "not a stock build"}, nil},
		{"unknown", "FTP server ready.", []string{"vsftpd port_promiscuous=YES, ProFTPD AllowForeignAddress on, or Pure-FTPd AllowUserFXP (-w) or AllowAnonymousFXP (-W)"}, nil},
		{"pyftpdlib", "pyftpdlib 1.5.9 ready.", []string{"permit_foreign_addresses = False"}, []string{"port_promiscuous", "Stock", "stock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := portWire(t, "198.51.100.66:51300", "192.168.5.10:21", tc.greeting, hostsOf("192.168.5.77", 1, 445, answerRST))
			f := c.find(CodeFTPBounce)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no ftp-bounce")
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(f.Advice, n) {
					t.Errorf("advice says %q:\n%s", n, f.Advice)
				}
			}
		})
	}
}
