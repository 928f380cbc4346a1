package diagnose

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// addrSettings are the server settings that set the announced address:
// a verdict or a rule naming one says the address is wrong.
var addrSettings = []string{"pasv_address", "MasqueradeAddress", "ForcePassiveIP", "masquerade_address"}

func namesAddrSetting(s ServerSummary) string {
	for _, w := range addrSettings {
		if strings.Contains(s.Verdict, w) {
			return w
		}
		for _, r := range s.Rules {
			if strings.Contains(r, w) {
				return w
			}
		}
	}
	return ""
}

// TestRoutedClientFirewallFailureIsNotNAT: a client on another private network (10.99.6.8, a routed
// corporate LAN) whose data connections a firewall stopped turned the
// server's verdict into "set pasv_address" although the server announced
// the very address the client reached (10.99.0.1) and the client's SYNs
// went to it. The real lab captures, the client renamed: no nat-mismatch,
// and the firewall verdict the same capture gets from a client of the
// server's own /24, never an address setting.
func TestRoutedClientFirewallFailureIsNotNAT(t *testing.T) {
	tests := []struct {
		file    string
		verdict string // the verdict begins so
	}{
		{"pasv-reject-icmp.pcap", "passive data connections are rejected with ICMP unreachable on ports 40012 and 40062"},
		{"pasv-drop.pcap", "passive data connections are dropped between client and server on port 40011"},
		{"pasv-outside-range.pcap", "passive data connections are dropped between client and server on port 50067"},
		{"pasv-reject-rst.pcap", "passive data connections are refused with RST on ports 40004 and 40066"},
		{"proftpd-pasv-drop.pcap", "passive data connections are dropped between client and server on port 40056"},
		{"pureftpd-pasv-drop.pcap", "passive data connections are dropped between client and server on port 40059"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			for _, client := range []string{labClient, "10.99.6.8"} {
				rec, diag := runMixture(t, policy.Policy{}, part{file: tc.file, rename: routed(client)})
				for _, f := range findingsOf(rec, CodeNATMismatch) {
					t.Errorf("client %s: %s nat-mismatch: %s", client, f.Severity, f.Message)
				}
				for _, f := range findingsOf(rec, CodeDataNotAttempted) {
					if strings.Contains(f.Message, "trusted the announced address") {
						t.Errorf("client %s: data-not-attempted blames the address: %s", client, f.Message)
					}
				}
				s := summaryOf(t, diag, "10.99.0.1:21")
				if !strings.HasPrefix(s.Verdict, tc.verdict) {
					t.Errorf("client %s: verdict %q, want it to begin %q", client, s.Verdict, tc.verdict)
				}
				if w := namesAddrSetting(s); w != "" {
					t.Errorf("client %s: verdict or rules name %s: %q %q", client, w, s.Verdict, s.Rules)
				}
			}
		})
	}
}

// TestRoutedClientReachingControlAddressIsNotNAT: a
// client on another private network whose data connections reached the
// announced address, which is the control address it connected to, got
// info nat-mismatch and a verdict claiming "a NAT in between forwards
// them" with a pasv_address change (healthy-routed), and in a busy day
// (mix1) 26 healthy sessions from 12 clients carried it. Nothing there is
// a mismatch: no finding, no change.
func TestRoutedClientReachingControlAddressIsNotNAT(t *testing.T) {
	tests := []struct {
		name  string
		parts []part
	}{
		{"healthy-routed", []part{{file: "passive-ftplib-pasv.pcap", rename: routed("10.99.6.8")}}},
		{"file commands routed", []part{{file: "filecmds-vsftpd.pcap", rename: routed("10.99.6.1")}}},
		{"busy day", []part{
			{file: "passive-curl.pcap", rename: routed("10.99.5.1")},
			{file: "passive-ftplib-pasv.pcap", after: 500 * time.Millisecond, rename: routed("10.99.5.2")},
			{file: "passive-lftp.pcap", after: 1200 * time.Millisecond, rename: routed("10.99.5.3")},
			{file: "vsftpd-wget.pcap", after: 6 * time.Second, rename: routed("10.99.5.7")},
			{file: "client-tnftp.pcap.gz", after: 60 * time.Second, rename: routed("10.99.6.2")},
			{file: "missing-file.pcap", after: 210 * time.Second, rename: routed("10.99.6.7")},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A working connection
			// of such a client gets an info that says both readings,
			// routed or a DNAT (behind a DNAT, clients that trust the
			// 227 fail), and a verdict that offers pasv_address only on
			// that condition; never a warning, never the address
			// outright.
			rec, diag := runMixture(t, policy.Policy{}, tc.parts...)
			for _, f := range findingsOf(rec, CodeNATMismatch) {
				if f.Severity != SeverityInfo || !strings.Contains(f.Message, "routed to the server's") {
					t.Errorf("%s nat-mismatch: %s", f.Severity, f.Message)
				}
			}
			for _, s := range diag.Summaries() {
				if w := namesAddrSetting(s); w != "" && (len(s.Rules) == 0 || !strings.HasPrefix(s.Rules[0], "# only if a NAT forwards these clients")) ||
					strings.Contains(s.Verdict, "NAT") && !strings.Contains(s.Verdict, "routed to the server's") {
					t.Errorf("%s: verdict %q, rules %q", s.Server, s.Verdict, s.Rules)
				}
			}
		})
	}
}

// TestRoutedClientAmongLocalOnes: a busy day's mixture: six clients of the server's /24 made passive
// transfers to 10.99.0.1 as announced, and one client on 10.99.6.8 got
// ICMP administratively prohibited from 10.99.0.1 itself. The verdict was
// "the server announces 10.99.0.1, an address clients cannot reach: set
// pasv_address"; the other clients' transfers through the same ports
// prove the range open and the address reachable, so the verdict names
// the client and the server's own firewall rule for it, and asks to set
// nothing server-wide. (Since the sixth review: the other clients are
// all of the server's own network, so their success does not prove the
// range open to this one; see below.)
func TestRoutedClientAmongLocalOnes(t *testing.T) {
	rec, diag := runMixture(t, policy.Policy{},
		part{file: "passive-curl.pcap", rename: routed("10.99.0.4")},
		part{file: "passive-ftplib-pasv.pcap", after: 500 * time.Millisecond, rename: routed("10.99.0.5")},
		part{file: "passive-lftp.pcap", after: 1200 * time.Millisecond, rename: routed("10.99.0.6")},
		part{file: "mirror-vsftpd.pcap.gz", after: 7 * time.Second, rename: routed("10.99.0.7")},
		part{file: "resume-vsftpd.pcap.gz", after: 20 * time.Second, rename: routed("10.99.0.8")},
		part{file: "client-tnftp.pcap.gz", after: 60 * time.Second, rename: routed("10.99.0.9")},
		part{file: "pasv-reject-icmp.pcap", after: 220 * time.Second, rename: routed("10.99.6.8")},
	)
	if ms := findingsOf(rec, CodeNATMismatch); len(ms) != 0 {
		t.Errorf("nat-mismatch: %s", ms[0].Message)
	}
	// The clients that got through are all on the server's own network,
	// and this one is not: a firewall that accepts its own network and
	// opens fewer ports to others looks the same, so their success does
	// not clear the server's range; the
	// verdict is the rejection, hedged with the client's name, and
	// never the address.
	s := summaryOf(t, diag, "10.99.0.1:21")
	for _, w := range []string{"passive data connections are rejected with ICMP unreachable on ports 40012 and 40062",
		"(only client 10.99.6.8 met these failures, while ",
		"of 6 other clients to this server worked through ports between 40001 and 40096",
		"none of them from another private network, as these are"} {
		if !strings.Contains(s.Verdict, w) {
			t.Errorf("verdict lacks %q:\n%s", w, s.Verdict)
		}
	}
	if w := namesAddrSetting(s); w != "" || strings.Contains(s.Verdict, "NAT") {
		t.Errorf("verdict %q, rules %q", s.Verdict, s.Rules)
	}
}

// TestFailureAtControlAddressIsTheFirewalls: a firewall failure at the
// control address, on a committed capture: router-drop-data-syn-client.pcap, where the server announces
// 10.99.2.2 but curl sent its SYNs to the control address 10.99.1.1,
// where a router dropped them. The verdict was "set pasv_address" alone;
// it is the drop, with the address named besides, and the nat-mismatch a
// warning that says the address is not why this connection failed.
func TestFailureAtControlAddressIsTheFirewalls(t *testing.T) {
	for _, file := range []string{"router-drop-data-syn-client.pcap", "router-drop-data-synack-client.pcap"} {
		t.Run(file, func(t *testing.T) {
			rec, diag := run(t, filepath.Join(realDir, file), policy.Policy{})
			ms := findingsOf(rec, CodeNATMismatch)
			if len(ms) != 1 || ms[0].Severity != SeverityWarning || !strings.Contains(ms[0].Message, "the address is not why that connection failed") {
				t.Fatalf("nat-mismatch:\n%s", render(rec, diag))
			}
			s := summaryOf(t, diag, "10.99.1.1:21")
			if !strings.HasPrefix(s.Verdict, "passive data connections are dropped between client and server on port") ||
				!strings.Contains(s.Verdict, "besides, the server announces 10.99.2.2, which clients that trust the 227 cannot reach") {
				t.Errorf("verdict %q", s.Verdict)
			}
			if len(s.Rules) == 0 || s.Rules[0] != "pasv_address=10.99.1.1" || len(s.Rules) < 3 {
				t.Errorf("rules %q: want pasv_address=10.99.1.1 and the range's", s.Rules)
			}
		})
	}
	// The client that trusted the 227 went to 10.99.2.2: the address is
	// the fault, and the verdict.
	rec, diag := run(t, filepath.Join(realDir, "nat-no-pasv-address-trusting-client.pcap"), policy.Policy{})
	if s := summaryOf(t, diag, "10.99.1.1:21"); !strings.HasPrefix(s.Verdict, "the server announces 10.99.2.2, an address clients cannot reach") {
		t.Errorf("trusting client: verdict %q\n%s", s.Verdict, render(rec, diag))
	}
}

// TestNATVerdictNeedsTheAddressToCauseAFailure: synthetic sessions of
// the cases the announced address decides, from the server's side.
func TestNATVerdictNeedsTheAddressToCauseAFailure(t *testing.T) {
	const srv = "10.1.1.10:21"
	tests := []struct {
		name    string
		client  string
		build   func(s *track.Session)
		noNAT   bool     // no nat-mismatch at all
		nat     Severity // else its severity
		verdict string   // substring
	}{
		// A public client whose SYN arrived at the private address the
		// server announces: a NAT is proven, but it forwarded the SYN, so
		// a drop after it is the firewall's.
		{"public client, SYN arrived, dropped", "203.0.113.7:50000", func(s *track.Session) {
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40010", 227, "Entering Passive Mode (10,1,1,10,156,74).")
			syn(dc, "203.0.113.7:40001", "10.1.1.10:40010", 12, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		}, false, SeverityInfo, "passive data connections are dropped"},
		// A public client that never connected: from the server's side,
		// the address is what it could not use.
		{"public client, nothing arrived", "203.0.113.7:50000", func(s *track.Session) {
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40010", 227, "Entering Passive Mode (10,1,1,10,156,74).")
			dc.Outcome = track.OutcomeNotAttempted
		}, false, SeverityError, "an address clients cannot reach"},
		// A routed private client that gave up on PASV after its EPSV's
		// SYNs to the same address were dropped.
		{"routed client gave up after EPSV", "10.20.5.30:50000", func(s *track.Session) {
			e := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.1.1.10:40011", 229, "Entering Extended Passive Mode (|||40011|)")
			syn(e, "10.20.5.30:40001", "10.1.1.10:40011", 12, 3, 2*time.Second)
			e.Match, e.Outcome = track.MatchExact, track.OutcomeUnanswered
			p := announce(s, 3000, "PASV", ftp.ViaPASV, "10.1.1.10:40035", 227, "Entering Passive Mode (10,1,1,10,156,99).")
			p.Outcome = track.OutcomeNotAttempted
		}, true, 0, "passive data connections are dropped between client and server on port 40011"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.client, srv)
			tc.build(s)
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeNATMismatch)
			switch {
			case tc.noNAT && f != nil:
				t.Errorf("nat-mismatch %s: %s", f.Severity, f.Message)
			case !tc.noNAT && (f == nil || f.Severity != tc.nat):
				dumpFindings(t, c)
				t.Errorf("nat-mismatch, want %s", tc.nat)
			}
			if v := summaryOf(t, d, srv).Verdict; !strings.Contains(v, tc.verdict) {
				t.Errorf("verdict %q lacks %q", v, tc.verdict)
			}
		})
	}
}

// TestInfoNeverDisplacesAWarningsVerdict: in
// cut231 (a busy day cut at +231 s), a password spray (warning
// login-brute-force) lost the verdict to one info nat-mismatch of a
// routed client's healthy transfer. A note is below every warning.
func TestInfoNeverDisplacesAWarningsVerdict(t *testing.T) {
	// The busy day's own shape: a routed client's healthy transfer and
	// the spray from another network.
	rec, diag := runMixture(t, policy.Policy{},
		part{file: "passive-curl.pcap", rename: routed("10.99.5.1")},
		part{file: "login-brute-force.pcap", after: 5 * time.Second, rename: routed("10.99.7.1")},
	)
	if v := summaryOf(t, diag, "10.99.0.1:21").Verdict; !strings.HasPrefix(v, "a client is guessing passwords") {
		t.Errorf("verdict %q\n%s", v, render(rec, diag))
	}

	// A note that does remain (a public client reaching the server's
	// private address as announced, seen from the server's side) does not
	// displace the spray either.
	const srv = "10.1.1.10:21"
	ok := sess("203.0.113.7:50000", srv)
	dc := announce(ok, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40010", 227, "Entering Passive Mode (10,1,1,10,156,74).")
	syn(dc, "203.0.113.7:40001", "10.1.1.10:40010", 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	spray := sess("198.51.100.66:50000", srv)
	spray.ID = 2
	for i, u := range []string{"admin", "root", "oracle", "test", "backup"} {
		spray.User = u
		cmd(spray, uint64(100+4*i), "USER", u, 331, "Please specify the password.")
		cmd(spray, uint64(102+4*i), "PASS", "Summer2026", 530, "Login incorrect.")
	}
	c, d := feed(policy.Policy{}, ok, spray)
	if f := c.find(CodeNATMismatch); f == nil || f.Severity != SeverityInfo {
		dumpFindings(t, c)
		t.Fatal("the public client's note is gone: the test no longer shows an info beside the warning")
	}
	if v := summaryOf(t, d, srv).Verdict; !strings.HasPrefix(v, "a client is guessing passwords") {
		t.Errorf("verdict %q", v)
	}
}
