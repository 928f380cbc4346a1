package diagnose

import (
	"strings"
	"testing"
)

// TestBounceProvenByRSTOrServicePortNotNAT guards the bounce of an
// internal host against the NAT reading (nat-mismatch "cannot arrive",
// helper rules for a NAT router in front of the client, active-blocked):
// a public client's PORT to a service's port of a private host that
// answered the server's SYN with an RST (the SYN reached a host on the
// server's side: the client's own network is out of its reach); a client
// seen at a private address of the server's own network naming a
// service's port of a private host of another network, answered or not
// (no client listens for its data there, and the server may reach that
// host). Each is one ftp-bounce; none says "from behind a NAT".
func TestBounceProvenByRSTOrServicePortNotNAT(t *testing.T) {
	for _, tc := range []struct {
		name, cli string
		target    portTarget
		want      []string // in the ftp-bounce's message
	}{
		{"public client, port 22 of an internal host answered by RST", "198.51.100.7:51000", portTarget{"10.9.5.5:22", answerRST},
			[]string{"names port 22 of 10.9.5.5", "answered the server's connection with an RST", "198.51.100.7, a public address"}},
		{"public client, port 3306 of an internal host answered by RST", "198.51.100.7:51000", portTarget{"10.9.5.5:3306", answerRST},
			[]string{"names port 3306 of 10.9.5.5", "with an RST"}},
		{"LAN client, port 6379 of another network's host answered by RST", "10.9.1.101:50501", portTarget{"10.9.5.5:6379", answerRST},
			[]string{"answered the server's connection to its port 6379 with an RST", "refusing the connection itself"}},
		{"LAN client, port 3306 of another network's host unanswered", "10.9.1.101:50501", portTarget{"10.9.5.5:3306", answerNone},
			[]string{"names port 3306 of 10.9.5.5, a service's port", "10.9.1.101, a private address"}},
		{"LAN client, port 22 of another network's host unanswered", "10.9.1.101:50501", portTarget{"10.9.5.5:22", answerNone},
			[]string{"names port 22 of 10.9.5.5, a service's port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, verdict := portWire(t, tc.cli, "10.9.1.10:21", vsftpdGreeting, []portTarget{tc.target})
			codes := codesOf(c)
			if codes[CodeFTPBounce] != 1 || codes[CodeNATMismatch] != 0 || codes[CodeActiveBlocked] != 0 || codes[CodeServerDataError] != 0 {
				dumpFindings(t, c)
				t.Fatalf("ftp-bounce %d, nat-mismatch %d, active-blocked %d, server-data-error %d; want 1, 0, 0, 0",
					codes[CodeFTPBounce], codes[CodeNATMismatch], codes[CodeActiveBlocked], codes[CodeServerDataError])
			}
			f := c.find(CodeFTPBounce)
			if f.Severity != SeverityWarning {
				t.Errorf("ftp-bounce %s, want warning: %s", f.Severity, f.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("ftp-bounce lacks %q:\n%s", w, f.Message)
				}
			}
			for _, x := range c.fs {
				all := x.Message + " | " + x.Advice
				for _, bad := range []string{"cannot arrive", "behind a NAT (see nat-mismatch)", "NAT router in front of the client"} {
					if strings.Contains(all, bad) {
						t.Errorf("%s %s says %q: %s", x.Severity, x.Code, bad, all)
					}
				}
			}
			if !strings.Contains(f.Advice, "port_promiscuous=NO") {
				t.Errorf("advice lacks port_promiscuous=NO: %s", f.Advice)
			}
			if !strings.Contains(verdict, "FTP bounce") {
				t.Errorf("verdict %q, want the bounce's", verdict)
			}
		})
	}
}

// TestLANClientOtherNetworkPORTIsHedged guards a client seen at a private
// address of the server's own network that announces an ordinary port of
// a private address of another network: nothing on the wire shows a NAT
// between them (a router of that network with the client behind it) nor
// that the address is another host's, so nat-mismatch says both readings
// ("if a NAT sits between them"), a warning, never an error, with no
// helper rules for a NAT router in front of the client. When the
// connection arrived, an info says so, as before.
func TestLANClientOtherNetworkPORTIsHedged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target portTarget
		sev    Severity
		want   []string
	}{
		{"unanswered", portTarget{"10.9.5.5:50000", answerNone}, SeverityWarning,
			[]string{"if a NAT sits between them", "cannot arrive", "if no NAT sits between them, 10.9.5.5 is another host than the client"}},
		{"refused by RST", portTarget{"10.9.5.5:50000", answerRST}, SeverityWarning,
			[]string{"if a NAT sits between them"}},
		{"refused PORT", portTarget{"10.9.5.5:50000", answerRefuse}, SeverityWarning,
			[]string{"if a NAT sits between them", "never tried to connect"}},
		{"arrived", portTarget{"10.9.5.5:50000", answerSYNACK}, SeverityInfo,
			[]string{"does not rewrite PORT", "arrived anyway"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := portWire(t, "10.9.1.101:50501", "10.9.1.10:21", vsftpdGreeting, []portTarget{tc.target})
			codes := codesOf(c)
			if codes[CodeNATMismatch] != 1 || codes[CodeFTPBounce] != 0 {
				dumpFindings(t, c)
				t.Fatalf("nat-mismatch %d, ftp-bounce %d; want 1, 0", codes[CodeNATMismatch], codes[CodeFTPBounce])
			}
			f := c.find(CodeNATMismatch)
			if f.Severity != tc.sev {
				t.Errorf("nat-mismatch %s, want %s: %s", f.Severity, tc.sev, f.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("nat-mismatch lacks %q:\n%s", w, f.Message)
				}
			}
			if !strings.Contains(f.Advice, "Find out whether 10.9.5.5 is the client's own address") {
				t.Errorf("nat-mismatch advice: %s", f.Advice)
			}
			if strings.Contains(f.Message+f.Advice, "NAT router in front of the client") || strings.Contains(f.Message, "a NAT in front of the client") {
				t.Errorf("nat-mismatch names a NAT in front of the client as a fact: %s | %s", f.Message, f.Advice)
			}
		})
	}
}

// TestBounceBroadcastNotPublic guards the words for a PORT naming an
// address no host has that Classify counts as public: the limited
// broadcast address is not "a public address".
func TestBounceBroadcastNotPublic(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"255.255.255.255:3306", "255.255.255.255 (the limited broadcast address)"},
		{"224.0.0.1:3306", "224.0.0.1 (a multicast address)"},
		// (240.0.0.0/4 is a NAT's inside like RFC 1918, not a bounce
		// target: TestPortNamingSpecialRangeIsClientNATNotBounce.)
		{"192.0.2.50:3306", "192.0.2.50 (a public address)"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			c, _ := portWire(t, "198.51.100.8:51000", "10.9.1.10:21", vsftpdGreeting, []portTarget{{tc.target, answerNone}})
			f := c.find(CodeFTPBounce)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no ftp-bounce")
			}
			if !strings.Contains(f.Message, tc.want) {
				t.Errorf("ftp-bounce lacks %q: %s", tc.want, f.Message)
			}
		})
	}
}
