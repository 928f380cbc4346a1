package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestBounceVerdictFollowsTheProof guards the ftp-bounce finding and the
// server's verdict against asserting a bounce the capture does not prove.
// One private host of the server's own network, named with ordinary
// client ports only, may be the client's own address behind a NAT (a
// client network that uses the server's addresses, or a client behind
// the server's own NAT, whose listener then answers): whatever answered,
// the finding and the verdict say both readings, and the advice names no
// setting that "let the bounce happen". A service's port (below 1024, or a
// registered service's), several hosts, a SYN-ACK from a host outside the
// server's reach while the client is public, or a public target prove
// another host: the verdict asserts the bounce and the advice names the
// setting.
func TestBounceVerdictFollowsTheProof(t *testing.T) {
	const (
		srv       = "192.168.5.10:21"
		publicCli = "198.51.100.24:51250"
	)
	const (
		provenVerdict = "a client used this server for an FTP bounce"
		scanVerdict   = "a client ran an FTP bounce port scan through this server"
		// One PORT to one ordinary port of a public host: an FXP
		// transfer's other server reads the same.
		fxpVerdict      = "a server-to-server (FXP) transfer, deliberate where the server allows FXP, or an FTP bounce (RFC 2577)"
		unprovenVerdict = "an FTP bounce (RFC 2577), or the client's own address behind a NAT that does not rewrite PORT"
		settingAdvice   = "so this one runs with port_promiscuous=YES"
	)
	hedges := []string{"nothing here proves it is", "would look the same", "a capture on the client's side tells"}
	for _, tc := range []struct {
		name     string
		via      ftp.Via
		cli      string
		targets  []portTarget
		proven   bool
		severity Severity
		want     []string // in the finding's message, evidence and advice
		verdict  string   // in the server's verdict ("" when no bounce verdict is expected)
	}{
		// Unproven: one host of the server's /24, ordinary client ports.
		{"PORT, ephemeral port, unanswered", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerNone}}, false, SeverityWarning,
			append([]string{"port 50000 is an ordinary client port", "The server accepted it.", "Find out whether 192.168.5.77 is the client", "passive mode"}, hedges...),
			unprovenVerdict},
		{"EPRT, ephemeral port, unanswered", ftp.ViaEPRT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerNone}}, false, SeverityWarning,
			append([]string{"EPRT names 192.168.5.77, a host in the server's own network 192.168.5.0/24"}, hedges...),
			"a client's EPRT named 192.168.5.77"},
		{"PORT, ephemeral port, RST (a host there, port closed)", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerRST}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"PORT, ephemeral port, SYN-ACK (the client itself, behind the server's NAT)", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerSYNACK}}, false, SeverityWarning,
			append([]string{"connected (port open)"}, hedges...), unprovenVerdict},
		{"PORT from a private client elsewhere, ephemeral port, unanswered", ftp.ViaPORT, "10.1.1.50:51310",
			[]portTarget{{"192.168.5.77:50000", answerNone}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		// Three rising ports of one host, every one answered by RST:
		// a client behind a NAT that does not rewrite PORT retries
		// active mode with port after port nothing of its own answers
		// (this was called a scan).
		{"three PORTs, one host, rising ephemeral ports, all answered by RST: a client retrying, not proven", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerRST}, {"192.168.5.77:50001", answerRST}, {"192.168.5.77:50002", answerRST}}, false, SeverityWarning,
			append([]string{"the 3 ports named are ordinary client ports"}, hedges...), unprovenVerdict},
		// FreeBSD (10000 up) and Windows XP (1025-5000) data ports are
		// client ports too.
		{"three PORTs, FreeBSD ports 14001-14003, unanswered: not proven", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:14001", answerNone}, {"192.168.5.77:14002", answerNone}, {"192.168.5.77:14003", answerNone}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"three PORTs, Windows XP ports 1031-1033, unanswered: not proven", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:1031", answerNone}, {"192.168.5.77:1032", answerNone}, {"192.168.5.77:1033", answerNone}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"one PORT, FreeBSD port 14001, connected: not proven", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:14001", answerSYNACK}}, false, SeverityWarning,
			append([]string{"port 14001 is an ordinary client port"}, hedges...), unprovenVerdict},
		// What a retrying client does not do: jump between ports, go
		// back, or name ten of them.
		{"three PORTs, one host, low ports jumping, RST: a scan", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:4100", answerRST}, {"192.168.5.77:1500", answerRST}, {"192.168.5.77:7000", answerRST}}, true, SeverityError,
			[]string{"An FTP bounce port scan through this server", "3 ports of 192.168.5.77", settingAdvice}, scanVerdict},
		{"ten rising ephemeral ports of one host, unanswered: a scan", ftp.ViaPORT, publicCli,
			func() []portTarget {
				var ts []portTarget
				for p := 50000; p < 50010; p++ {
					ts = append(ts, portTarget{fmt.Sprintf("192.168.5.77:%d", p), answerNone})
				}
				return ts
			}(), true, SeverityError,
			[]string{"An FTP bounce port scan through this server", "10 ports of 192.168.5.77", settingAdvice}, scanVerdict},
		// Hairpin NAT on the server's LAN: the client is seen at its
		// router's LAN address and announces its own (this was "another
		// host on the client's network").
		{"hairpin: client at the router's LAN address, PORT names a LAN host, connected", ftp.ViaPORT, "192.168.5.1:51250",
			[]portTarget{{"192.168.5.77:50000", answerSYNACK}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"hairpin: three rising ports, connected", ftp.ViaPORT, "192.168.5.1:51250",
			[]portTarget{{"192.168.5.77:50000", answerSYNACK}, {"192.168.5.77:50001", answerSYNACK}, {"192.168.5.77:50002", answerSYNACK}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"hairpin: three rising ports, unanswered", ftp.ViaPORT, "192.168.5.1:51250",
			[]portTarget{{"192.168.5.77:50000", answerNone}, {"192.168.5.77:50001", answerNone}, {"192.168.5.77:50002", answerNone}}, false, SeverityWarning,
			hedges, unprovenVerdict},
		{"three refused PORTs, rising high ports: a client retrying", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50101", answerRefuse}, {"192.168.5.77:50102", answerRefuse}, {"192.168.5.77:50103", answerRefuse}}, false, SeverityInfo,
			append([]string{"The server refused it.", "passive mode"}, hedges...), ""},
		// Three ports of one host that the host's listener answered:
		// a client behind a NAT making transfers looks like this.
		{"three PORTs, one host, ephemeral ports, all connected: transfers, not proven", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerSYNACK}, {"192.168.5.77:50001", answerSYNACK}, {"192.168.5.77:50002", answerSYNACK}}, false, SeverityWarning,
			append([]string{"3 PORT/EPRT/LPRT commands naming 3 ports of 192.168.5.77", "the 3 ports named are ordinary client ports"}, hedges...),
			unprovenVerdict},
		// Ports below the ephemeral ranges, one host, answered by RST:
		// services' ports, a scan.
		{"ten service ports of one host", ftp.ViaPORT, publicCli,
			func() []portTarget {
				var ts []portTarget
				for _, p := range []int{2379, 3000, 5000, 5601, 6443, 8000, 8081, 8888, 9000, 10250} {
					ts = append(ts, portTarget{fmt.Sprintf("192.168.5.77:%d", p), answerRST})
				}
				return ts
			}(), true, SeverityError,
			[]string{"An FTP bounce port scan through this server", "10 ports of 192.168.5.77", settingAdvice}, scanVerdict},
		{"PORT refused by the server", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerRefuse}}, false, SeverityInfo,
			append([]string{"The server refused it.", "Nothing to change on the server"}, hedges...), ""},

		// Proven: the port, the hosts, the answer or the address.
		{"privileged port", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:445", answerNone}}, true, SeverityWarning,
			[]string{"and privileged port 445", "the server is asked to connect to a host other than the client", settingAdvice}, provenVerdict},
		{"registered service port", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:3306", answerNone}}, true, SeverityWarning,
			[]string{"the server is asked to connect to a host other than the client", settingAdvice}, provenVerdict},
		{"EPRT to a registered service port", ftp.ViaEPRT, publicCli,
			[]portTarget{{"192.168.5.77:6379", answerRST}}, true, SeverityWarning,
			[]string{"EPRT names 192.168.5.77", settingAdvice}, provenVerdict},
		{"two hosts of the server's network, ephemeral ports", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.168.5.77:50000", answerNone}, {"192.168.5.78:50001", answerNone}}, true, SeverityWarning,
			[]string{"the server is asked to connect to a host other than the client", settingAdvice}, provenVerdict},
		{"three hosts of the server's network: a scan", ftp.ViaPORT, publicCli,
			hostsOf("192.168.5.77", 3, 50000, answerRST), true, SeverityError,
			[]string{"An FTP bounce port scan through this server", settingAdvice}, scanVerdict},
		{"SYN-ACK from a private host outside the server's network, public client", ftp.ViaPORT, "203.0.113.7:50000",
			[]portTarget{{"10.20.0.5:50000", answerSYNACK}}, true, SeverityWarning,
			[]string{"which answered the server's connection with a SYN-ACK", settingAdvice}, provenVerdict},
		{"public target, ephemeral port", ftp.ViaPORT, publicCli,
			[]portTarget{{"192.0.2.99:50000", answerNone}}, true, SeverityWarning,
			[]string{"(a public address)", settingAdvice, "The other reading is a server-to-server (FXP) transfer", "If this server is meant to take part in site-to-site (FXP) transfers, nothing to change"}, fxpVerdict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, verdict := activeWire(t, tc.via, tc.cli, srv, vsftpdGreeting, tc.targets)
			if n := codesOf(c)[CodeFTPBounce]; n != 1 {
				dumpFindings(t, c)
				t.Fatalf("%d ftp-bounce findings, want 1", n)
			}
			f := c.find(CodeFTPBounce)
			if f.Severity != tc.severity {
				t.Errorf("ftp-bounce severity %s, want %s: %s", f.Severity, tc.severity, f.Message)
			}
			if f.unproven == tc.proven {
				t.Errorf("ftp-bounce unproven %v, want %v", f.unproven, !tc.proven)
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("ftp-bounce lacks %q:\n%s", w, all)
				}
			}
			if !tc.proven {
				// Nothing proven: no assertion, no setting blamed.
				for _, n := range []string{"the server is asked to connect to a host other than the client", "still a bounce attempt", "port scan", settingAdvice, "Stock vsftpd"} {
					if strings.Contains(all, n) {
						t.Errorf("unproven ftp-bounce says %q:\n%s", n, all)
					}
				}
				for _, n := range []string{provenVerdict, scanVerdict} {
					if strings.Contains(verdict, n) {
						t.Errorf("verdict asserts the bounce: %q", verdict)
					}
				}
			} else {
				for _, n := range hedges {
					if strings.Contains(all, n) {
						t.Errorf("proven ftp-bounce hedges with %q:\n%s", n, all)
					}
				}
			}
			if tc.verdict == "" {
				if strings.Contains(verdict, "bounce") {
					t.Errorf("verdict %q names a bounce the server refused", verdict)
				}
			} else if !strings.Contains(verdict, tc.verdict) {
				t.Errorf("verdict %q, want it to contain %q", verdict, tc.verdict)
			}
		})
	}
}

// TestServicePort guards the line between a service's port, which proves
// a bounce target is not where a client listens, and a possible client
// data port: the OS ephemeral ranges reach down to 1024 (Windows XP/2003
// 1025-5000, older Linux 1024-4999, FreeBSD 10000 up), so only the system
// ports and well-known service ports above them are services' (every
// port below 32768 was once a service's, and FreeBSD and Windows XP
// clients were "bounces"; before that, 5000, 3000, 2379, 10250 … were
// "ordinary client ports").
func TestServicePort(t *testing.T) {
	for _, tc := range []struct {
		port uint16
		want bool
	}{
		{0, true}, {21, true}, {25, true}, {445, true}, {1023, true},
		{1433, true}, {2379, true}, {3000, true}, {3306, true}, {3389, true}, {5000, true}, {5432, true}, {6379, true},
		{6443, true}, {8080, true}, {8443, true}, {9200, true}, {10250, true}, {27017, true},
		{1024, false}, {1031, false}, {4999, false}, {14001, false}, {32767, false},
		{32768, false}, {50000, false}, {60999, false}, {65535, false},
	} {
		if got := servicePort(tc.port); got != tc.want {
			t.Errorf("servicePort(%d) = %v, want %v", tc.port, got, tc.want)
		}
	}
	for i := 1; i < len(wellKnownServices); i++ {
		if wellKnownServices[i-1] >= wellKnownServices[i] {
			t.Fatalf("wellKnownServices not sorted at %d: the binary search misses ports", wellKnownServices[i])
		}
	}
}

// TestScanSigns guards what makes a few PORTs to possible client ports
// of one host a scan rather than a client behind a NAT retrying active
// mode: many ports, ports out of a rising
// sequence, or an accepted PORT followed by no transfer command.
func TestScanSigns(t *testing.T) {
	build := func(ports []uint16, next string) (*track.Session, []bounceRec) {
		s := sess("198.51.100.20:50000", "192.168.1.10:21")
		var recs []bounceRec
		for i, p := range ports {
			num := uint64(10 + 8*i)
			c := cmd(s, num, "PORT", fmt.Sprintf("192,168,1,50,%d,%d", p>>8, p&0xff), 200, "PORT command successful.")
			recs = append(recs, bounceRec{cmd: c, target: netip.AddrPortFrom(netip.MustParseAddr("192.168.1.50"), p)})
			for j, verb := range strings.Fields(next) {
				cmd(s, num+1+uint64(j), verb, "", 200, "OK.")
			}
		}
		return s, recs
	}
	for _, tc := range []struct {
		name  string
		ports []uint16
		next  string
		want  bool
	}{
		{"rising ports, each followed by LIST", []uint16{50101, 50102, 50103}, "LIST", false},
		{"rising ports, each followed by RETR", []uint16{14001, 14005, 14009}, "RETR", false},
		// Linux and FreeBSD draw data ports at random from 10000 up.
		{"random high ports, as Linux draws them", []uint16{50101, 38211, 57002}, "LIST", false},
		{"random ports from 10000 up, as FreeBSD draws them", []uint16{14001, 61234, 10007}, "RETR", false},
		{"Windows XP's sequential low ports", []uint16{1031, 1032, 1033}, "LIST", false},
		{"low ports jumping back", []uint16{4100, 4101, 1500}, "LIST", true},
		{"low ports jumping far", []uint16{1100, 1101, 7000}, "LIST", true},
		{"a port repeated", []uint16{50101, 50101, 50102}, "LIST", true},
		{"accepted PORTs followed by no transfer", []uint16{50101, 50102, 50103}, "NOOP", true},
		{"accepted PORTs, TYPE and REST before the transfer", []uint16{50101, 50102, 50103}, "TYPE REST RETR", false},
		{"accepted PORTs, TYPE and no transfer", []uint16{50101, 50102, 50103}, "TYPE", true},
		{"ten rising ports", []uint16{50101, 50102, 50103, 50104, 50105, 50106, 50107, 50108, 50109, 50110}, "LIST", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, recs := build(tc.ports, tc.next)
			n := map[uint16]bool{}
			for _, p := range tc.ports {
				n[p] = true
			}
			if got := scanSigns(s, recs, len(n)); got != tc.want {
				t.Errorf("scanSigns = %v, want %v", got, tc.want)
			}
		})
	}
}
