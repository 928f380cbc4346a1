package diagnose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The captures in testdata were taken on a vsftpd server (10.20.0.5)
// behind a Linux DNAT router whose public address is 203.0.113.80, with
// curl as the client at 198.51.100.10:
//
//   - dnat-stale-pasvaddr-server.pcap: pasv_address=203.0.113.99 (a stale
//     address); session 1, curl's default (it ignores the 227's address),
//     transferred; session 2, --no-ftp-skip-pasv-ip, went to .99 and
//     timed out.
//   - dnat-wrongpasvaddr-server.pcap: the same wrong address, one session
//     that trusted it.
//   - dnat-nopasvaddr-server.pcap: no pasv_address and no FTP helper on
//     the router: session 1 trusted 10.20.0.5 and never came, session 2
//     ignored it and transferred.

// testdataRun runs the diagnoser over testdata/capture.
func testdataRun(t *testing.T, capture string) (*recorder, *Diagnoser) {
	t.Helper()
	return run(t, filepath.Join("testdata", capture), policy.Policy{})
}

// TestServerSideDoesNotVouchForAnnouncedPublicAddress guards a server
// behind a DNAT announcing a public address the capture on its side
// cannot check (a wrong or stale address in pasv_address): nat-translated said
// "this is the correct setup", "Nothing to change" for every session,
// even the one whose data connection never came, and data-not-attempted
// blamed the forward alone and gave a DNAT rule for the wrong address,
// though another session's data connection had come through the forward.
func TestServerSideDoesNotVouchForAnnouncedPublicAddress(t *testing.T) {
	for _, tc := range []struct {
		capture string
		// notAttempted: in the data-not-attempted finding.
		notAttempted []string
	}{
		{"dnat-stale-pasvaddr-server.pcap", []string{
			"arrived through the NAT in front (port 40079), so its forward works: most likely this client trusted the announced address, and 203.0.113.99 does not lead to this server (a wrong or stale address in pasv_address)",
			"First check that 203.0.113.99 is the address clients reach the server at",
			"set pasv_address=<public address>",
		}},
		{"dnat-wrongpasvaddr-server.pcap", []string{
			"either the firewall or DNAT in front does not pass port 40033, or 203.0.113.99 is not the address clients reach the server at (a wrong or stale address in pasv_address)",
			"Check that 203.0.113.99 is the address clients reach the server at",
		}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, _ := testdataRun(t, tc.capture)
			translated, unused := 0, 0
			for _, f := range rec.findings {
				text := f.Message + "\n" + f.Advice
				if strings.Contains(text, "ip daddr 203.0.113.99") || strings.Contains(text, "-d 203.0.113.99") {
					t.Errorf("%s names 203.0.113.99 in a rule, an address no client was seen to use:\n%s", f.Code, text)
				}
				switch f.Code {
				case CodeNATTranslated:
					translated++
					if strings.Contains(text, "correct setup") || strings.HasPrefix(f.Advice, "Nothing to change.") {
						t.Errorf("nat-translated vouches for the address:\n%s", text)
					}
					if !strings.Contains(text, "this capture on the server's side cannot check") {
						t.Errorf("nat-translated does not say the address cannot be checked:\n%s", text)
					}
					if f.Data.Seen() != strings.Contains(f.Message, "arrived here translated") {
						t.Errorf("nat-translated of a data connection seen=%v:\n%s", f.Data.Seen(), text)
					}
				case CodeDataNotAttempted:
					unused++
					for _, w := range tc.notAttempted {
						if !strings.Contains(text, w) {
							t.Errorf("data-not-attempted lacks %q:\n%s", w, text)
						}
					}
				}
			}
			if translated == 0 || unused == 0 {
				t.Fatalf("%d nat-translated, %d data-not-attempted", translated, unused)
			}
		})
	}
}

// TestReachedVerdictWeighsUnusedEndpointAgainstHelper guards the verdict
// of a server announcing its own private address, seen from its side,
// where one client's data connection arrived as announced and another
// endpoint at that address never saw one: it said whether an FTP helper
// rewrites the 227 "cannot be seen (then change nothing ...)", though a
// helper would have let the second client in as well.
func TestReachedVerdictWeighsUnusedEndpointAgainstHelper(t *testing.T) {
	_, d := testdataRun(t, "dnat-nopasvaddr-server.pcap")
	sum := serverSummary(t, d, "10.20.0.5:21")
	for _, w := range []string{"none came to 1 other endpoint it announced at that address", "most likely none rewrites it", "set pasv_address=<public address>"} {
		if !strings.Contains(sum.Verdict, w) {
			t.Errorf("verdict lacks %q:\n%s", w, sum.Verdict)
		}
	}
	if strings.Contains(sum.Verdict, "it cannot be seen whether") {
		t.Errorf("verdict still weighs a helper evenly:\n%s", sum.Verdict)
	}
	if len(sum.Rules) == 0 || !strings.HasPrefix(sum.Rules[0], "# most likely no FTP helper rewrites the 227") {
		t.Errorf("rules: %q", sum.Rules)
	}
}
