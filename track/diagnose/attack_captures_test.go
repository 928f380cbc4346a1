package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestAttackCapturesNoWrongRule: the reviewer's captures of
// pcaps/hostile/attack (generators and contents in its README) each led to
// a wrong rule or a false statement:
//   - ftps_first_to_*: an FTPS session's first data connection replaced
//     by an unanswered SYN to port 3306 (of the server, of another private
//     host), the session's later ones working on 40000-40050: inferred by
//     peers and time, its failure gave pasv_min_port=3300 and rules (a
//     forward and a DNAT to 172.16.5.5) for 3300-3400. Now a hedged
//     warning (inferredMisfit) with no rule, and no NAT read from it;
//   - ftps_to_3306: the same after the working ones: taken still (a port
//     of the server's range the firewall leaves shut must not vanish),
//     hedged the same way;
//   - oh_priv: a 227 naming the server, SYNs to 10.9.9.9: "the client used
//     the announced address 10.9.9.9" (wrongAddr compared the dialled
//     address with the control one, not the announced one) and a forward
//     rule toward 10.9.9.9; now the other-backend finding;
//   - srv_third_host: a 227 naming 10.2.0.77:22, whose RST the client got:
//     "an address clients cannot reach" and a DNAT of 40000-40100 to it;
//     now the reset is named (resetThere) and no range is forwarded.
func TestAttackCapturesNoWrongRule(t *testing.T) {
	const dir = "../../pcaps/hostile/attack/"
	for _, tc := range []struct {
		file string
		// want: in some finding's message of code; notAnywhere: in no
		// finding's message or advice, nor verdict or rule.
		code, want  string
		notAnywhere []string
		noError     string // a code that must not be an error
	}{
		{"ftps_first_to_3306.pcap", CodeDataUnanswered, "it may be the client's connection to another service",
			[]string{"3300", "3400"}, CodeDataUnanswered},
		{"ftps_first_to_172.16.5.5_3306.pcap", CodeDataUnanswered, "it may be the client's connection to another service",
			[]string{"3300", "daddr 172.16.5.5", "dnat to 172.16.5.5", "-d 172.16.5.5"}, CodeDataUnanswered},
		{"ftps_to_3306.pcap", CodeDataUnanswered, "it may be the client's connection to another service",
			[]string{"3300", "dport 3306", "pasv_min_port=3306"}, ""},
		{"tls8443_ok_fail3306.pcap", CodeDataUnanswered, "it may be the client's connection to another service",
			[]string{"3300", "dport 3306", "pasv_min_port=3306"}, CodeDataUnanswered},
		{"oh_priv.pcap", CodeDataUnanswered, "which never announced the port",
			[]string{"used the announced address", "daddr 10.9.9.9", "-d 10.9.9.9"}, ""},
		{"srv_third_host.pcap", CodeNATMismatch, "to port 22 there was answered by a reset from 10.2.0.77",
			[]string{"an address clients cannot reach", "not on", "dnat to", "DNAT", "daddr 10.2.0.77"}, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rec, diag := run(t, dir+tc.file, policy.Policy{})
			found := false
			for _, f := range findingsOf(rec, tc.code) {
				found = found || strings.Contains(f.Message, tc.want)
			}
			if !found {
				t.Errorf("no %s finding says %q", tc.code, tc.want)
			}
			for _, f := range rec.findings {
				if tc.noError != "" && f.Code == tc.noError && f.Severity == SeverityError {
					t.Errorf("%s is an error: %s", f.Code, f.Message)
				}
			}
			out := render(rec, diag)
			for _, s := range tc.notAnywhere {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestInferredInsideGivenRangeIsNoMisfit: an inferred connection's port
// far from those that worked but inside the passive range the admin gave
// is the server's (a range partly open: vsftpd picks at random in it), so
// its failure keeps the error and the rule; inferredMisfit's hedge ("open
// nothing ... give --pasv-range") named a flag already given.
func TestInferredInsideGivenRangeIsNoMisfit(t *testing.T) {
	var pol policy.Policy
	if err := pol.AddRanges("3000-41000"); err != nil {
		t.Fatal(err)
	}
	rec, _ := run(t, "../../pcaps/hostile/attack/ftps_first_to_3306.pcap", pol)
	fs := findingsOf(rec, CodeDataUnanswered)
	if len(fs) == 0 {
		t.Fatal("no data-unanswered finding")
	}
	for _, f := range fs {
		if f.Severity != SeverityError || strings.Contains(f.Advice, "Open nothing") {
			t.Errorf("hedged as a misfit inside the given range: %v %s", f.Severity, f.Advice)
		}
	}
}
