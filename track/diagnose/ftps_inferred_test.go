package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFTPSOtherServicesNotTakenForData guards against the wrong rule a
// real recording raised (pcaps/real/ftps-other-services-vsftpd.pcap): lftp
// over FTPS lists on 40089 while the same client reaches the server's
// 8080 (dropped), 8000 (a web server) and 5432 (refused). Only 40089
// followed the control records that announce a data connection: no
// finding, range or firewall rule may come from the other three, with or
// without the passive range known.
func TestFTPSOtherServicesNotTakenForData(t *testing.T) {
	rs, _ := policy.ParsePortRanges("40000-40100")
	for _, pol := range []policy.Policy{{}, {Ranges: rs}} {
		rec, diag := run(t, "../../pcaps/real/ftps-other-services-vsftpd.pcap", pol)
		for _, f := range rec.findings {
			switch f.Code {
			case CodeControlEncrypted:
			default:
				t.Errorf("range %v: %s %s", pol.Ranges, f.Code, f.Message)
			}
		}
		sums := diag.Summaries()
		if len(sums) != 1 {
			t.Fatalf("%d server summaries, want 1", len(sums))
		}
		if s := sums[0]; s.PortsAnnounced.Distinct != 1 || s.PortsAnnounced.Min != 40089 {
			t.Errorf("range %v: data ports %+v, rules %q, want 40089 only\n%s", pol.Ranges, s.PortsAnnounced, s.Rules, render(rec, diag))
		}
		for _, r := range sums[0].Rules {
			for _, p := range []string{"5400", "5432", "8000", "8080"} {
				if strings.Contains(r, p) {
					t.Errorf("range %v: rule %q for another service's port", pol.Ranges, r)
				}
			}
		}
	}
}

// TestTLSRequiredHedgedAndNotAdvisedWhereClearIsAccepted: a data
// connection the client left silent until the server's TLS alert
// (pcaps/real/ftps-active-curl-gave-up.pcap: curl --ssl-reqd in active
// mode, closing it itself 9.3 s later) looks on the wire as a server
// refusing data in clear (ftps-prot-refused-proftpd.pcap): the finding
// gives both readings instead of "it likely sent PROT C", and, where the
// configuration given accepts data in clear already, does not advise
// accepting it.
func TestTLSRequiredHedgedAndNotAdvisedWhereClearIsAccepted(t *testing.T) {
	clearOK, err := policy.ParseServerConfig("clear.conf", []byte("listen=YES\nssl_enable=YES\nforce_local_data_ssl=NO\nforce_anon_data_ssl=NO\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !clearOK.ClearDataOK || clearOK.ClearDataLine != "line 3: force_local_data_ssl=NO, line 4: force_anon_data_ssl=NO" {
		t.Fatalf("ClearDataOK %v %q", clearOK.ClearDataOK, clearOK.ClearDataLine)
	}
	for _, tc := range []struct {
		name    string
		pol     policy.Policy
		advises bool // to let the server accept data in clear
	}{
		{"no configuration", policy.Policy{}, true},
		{"data in clear accepted", policy.Policy{Server: clearOK}, false},
	} {
		rec, diag := run(t, "../../pcaps/real/ftps-active-curl-gave-up.pcap", tc.pol)
		n := 0
		for _, f := range rec.findings {
			if f.Code != CodeTLSRequired {
				continue
			}
			n++
			if strings.Contains(f.Message, "likely sent PROT C") || !strings.Contains(f.Message, "gave up") {
				t.Errorf("%s: not hedged: %s", tc.name, f.Message)
			}
			if got := strings.Contains(f.Advice, "force_local_data_ssl=NO, force_anon_data_ssl=NO for anonymous"); got != tc.advises {
				t.Errorf("%s: advises accepting clear data %v, want %v: %s", tc.name, got, tc.advises, f.Advice)
			}
		}
		if n == 0 {
			t.Errorf("%s: no data-tls-required\n%s", tc.name, render(rec, diag))
		}
	}
}
