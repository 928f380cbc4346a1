package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestMisfitKeptOutOfPassivePortsSeen: an FTPS failure hedged as the
// client's connection to another service (misfitOf: port 3306, the
// session's working ones on 40000-40050 or an 8443 beside them) is no
// passive port of the server's. The summary's "passive ports seen"
// counted it ("8 different, lowest 3306"), and the example range made
// from those ports would have reached down to it. Nor is the answered
// 8443 far from the session's other working ones (serviceAside).
func TestMisfitKeptOutOfPassivePortsSeen(t *testing.T) {
	for file, want := range map[string]int{"tls8443_ok_fail3306.pcap": 6, "ftps_to_3306.pcap": 7, "ftps_first_to_3306.pcap": 7, "ftps_first_to_172.16.5.5_3306.pcap": 7} {
		t.Run(file, func(t *testing.T) {
			rec, diag := run(t, "../../pcaps/hostile/attack/"+file, policy.Policy{})
			if fs := findingsOf(rec, CodeDataUnanswered); len(fs) != 1 || !strings.Contains(fs[0].Advice, "Open nothing for port 3306") {
				t.Fatalf("the 3306 failure is not hedged: %v", fs)
			}
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d server summaries, want 1", len(sums))
			}
			ps := sums[0].PortsAnnounced
			if ps.Min < 40000 || ps.Count != want || ps.Distinct != want {
				t.Errorf("passive ports seen %+v (%s): a port of another service counted, want the %d of the range that worked", ps, ps, want)
			}
			if r := diag.servers[sums[0].Server].exampleRange(false); r.Contains(3306) || r.Contains(8443) {
				t.Errorf("example range %s holds 3306 or 8443", r)
			}
		})
	}
}

// TestLoneFTPSServicePortHedged: an FTPS session whose only data attempt,
// inferred by peers and time, went unanswered to port 3306 (nothing
// worked to compare it with) got pasv_min_port=3300 and a rule for
// 3300-3400; now a hedged warning with no rule, the port out of the
// ports seen. A lone ordinary high port (40024) is what a blocked FTPS
// passive range shows, and keeps its error and rule; so does a service's
// port among SYNs to ordinary ports near it (5000 with 5042 and 5077: a
// blocked range 5000-5100). A lone port outside the range the server's
// configuration sets is hedged too.
func TestLoneFTPSServicePortHedged(t *testing.T) {
	const dir = "../../pcaps/hostile/attack/"
	outside := policy.Policy{Server: &policy.ServerConfig{Kind: policy.ServerVsftpd, Path: "vsftpd.conf", PassiveEnabled: true, PassiveRange: policy.Ranges{{Lo: 50000, Hi: 50100}}}}
	for _, tc := range []struct {
		name, file string
		pol        policy.Policy
		hedged     bool
		says       string // in the hedged finding's message
		rule       string // in the output when not hedged
		notAny     []string
	}{
		{"service port", "ftps_lone_3306.pcap", policy.Policy{}, true, "port 3306 is a well-known service's port", "", []string{"3300", "dport 3306", "pasv_min_port=3306"}},
		{"ordinary port", "ftps_lone_40024.pcap", policy.Policy{}, false, "", "tcp dport 40000-40100", nil},
		// A web application's port where passive ranges start too: a
		// lone failed transfer there keeps its rule.
		{"web application port", "ftps_lone_9000.pcap", policy.Policy{}, false, "", "tcp dport 9000-9100", nil},
		// An admin console's port (Cockpit) stays hedged.
		{"admin console port", "ftps_lone_9090.pcap", policy.Policy{}, true, "port 9090 is a well-known service's port", "", []string{"dport 9000-9100", "dport 9090"}},
		{"service port among ordinary ones", "ftps_blocked_5000.pcap", policy.Policy{}, false, "", "tcp dport 5000-5100", nil},
		{"outside the configured range", "ftps_lone_40024.pcap", outside, true, "port 40024 is outside the passive range vsftpd.conf sets (50000-50100)", "", []string{"dport 40000-40100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := run(t, dir+tc.file, tc.pol)
			fs := findingsOf(rec, CodeDataUnanswered)
			if len(fs) == 0 {
				t.Fatal("no data-unanswered finding")
			}
			out := render(rec, diag)
			for _, f := range fs {
				hedged := f.Severity == SeverityWarning && strings.Contains(f.Advice, "Open nothing")
				if hedged != tc.hedged {
					t.Errorf("hedged %v, want %v: %v %s %s", hedged, tc.hedged, f.Severity, f.Message, f.Advice)
				}
				if tc.hedged && !strings.Contains(f.Message, tc.says) {
					t.Errorf("message does not say %q: %s", tc.says, f.Message)
				}
			}
			if tc.rule != "" && !strings.Contains(out, tc.rule) {
				t.Errorf("output lacks the rule %q:\n%s", tc.rule, out)
			}
			for _, s := range tc.notAny {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q:\n%s", s, out)
				}
			}
			if ps := diag.Summaries()[0].PortsAnnounced; tc.hedged && ps.Count != 0 {
				t.Errorf("passive ports seen %+v: the hedged port counted", ps)
			}
		})
	}
}

// TestAnsweredAnnouncedAddressNotBlamedForReset: the server announces
// 10.2.0.77, another address on its network, and the client's data
// connections to it on 40001 and 40002 work; the third, to 40003, is
// reset by 10.2.0.77. The address answered: the port is refused. It was
// blamed (resetByAnnounced: "the 227 names another host", "set
// pasv_address to 10.2.0.9"), and once not, a NAT was read from the
// address (a DNAT of the range from 10.2.0.9 to it) that the client
// reached directly.
func TestAnsweredAnnouncedAddressNotBlamedForReset(t *testing.T) {
	rec, diag := run(t, "../../pcaps/hostile/attack/announced_answered_rst.pcap", policy.Policy{})
	for _, f := range findingsOf(rec, CodeNATMismatch) {
		if f.Severity > SeverityInfo {
			t.Errorf("the announced address is blamed: %v %s", f.Severity, f.Message)
		}
	}
	if fs := findingsOf(rec, CodeDataRefused); len(fs) != 1 || strings.Contains(fs[0].Advice, "Fix the announced address") {
		t.Errorf("data-refused wrong or missing: %v", fs)
	}
	out := render(rec, diag)
	for _, s := range []string{"pasv_address=10.2.0.9", "names another host", "dnat to 10.2.0.77", "DNAT --to-destination 10.2.0.77"} {
		if strings.Contains(out, s) {
			t.Errorf("output holds %q:\n%s", s, out)
		}
	}
}
