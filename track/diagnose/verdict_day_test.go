package diagnose

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestVerdictTellsFailedPortsInsideTheRangeFromOutside guards a server
// whose dropped passive ports lie both inside the firewall's range and
// outside it (pasv-drop.pcap's 40011 and pasv-outside-range.pcap's 50067
// under --pasv-range 40000-40100): the span of the failed ports,
// 40011-50067, is not inside the range, and the verdict called both
// "outside the range the firewall allows", with only the lines that keep
// the server inside it. An admin applying them still has 40011 dropped.
// The verdict tells them apart, and the change lines open the range too.
func TestVerdictTellsFailedPortsInsideTheRangeFromOutside(t *testing.T) {
	rec, diag := runMixture(t, rangePolicy(t, "40000-40100"),
		part{file: "pasv-drop.pcap"}, part{file: "pasv-outside-range.pcap", after: 10 * time.Minute})
	s := summaryOf(t, diag, "10.99.0.1:21")
	checkVerdict(t, s.Verdict, []string{
		"dropped between client and server on port 40011, inside the range 40000-40100 meant to be open (check that its accept rule is loaded",
		"and on port 50067, outside the range 40000-40100 the firewall allows; keep the server inside the range the firewall allows: set pasv_min_port/pasv_max_port to 40000-40100",
	}, []string{"ports 40011 and 50067"})
	want := []string{
		"# port 40011 inside the allowed range 40000-40100 was dropped: make sure it is open:",
		"nft insert rule inet filter input tcp dport 40000-40100 ct state new accept",
		"# and keep the server inside it:",
		"pasv_min_port=40000",
	}
	for _, w := range want {
		if !slices.Contains(s.Rules, w) {
			t.Errorf("rules lack %q:\n%s", w, render(rec, diag))
		}
	}
}

// TestAlsoClauseTellsFailedPortsInsideTheRangeFromOutside is the same for
// the also-clause: RSTs on a port inside the range and one outside it,
// beside drops that lead.
func TestAlsoClauseTellsFailedPortsInsideTheRangeFromOutside(t *testing.T) {
	pol := rangePolicy(t, "40000-40100")
	d := New(pol, nil, nil)
	a := newServerAcc(netip.MustParseAddrPort("10.99.0.1:21"))
	a.shared = d.capture
	a.sessions = 3
	a.outcomes[track.OutcomeUnanswered], a.outcomes[track.OutcomeRefused] = 1, 2
	a.findings[CodeDataUnanswered], a.findings[CodeDataRefused] = 1, 2
	tally := func(code string, p uint16) {
		tallyPort(&a.failPorts, code, p)
		tallyPort(&a.ctlFail, code, p)
		if pol.Ranges.Contains(p) {
			tallyPort(&a.failIn, code, p)
		} else {
			tallyPort(&a.failOut, code, p)
		}
	}
	tally(CodeDataUnanswered, 40020)
	tally(CodeDataRefused, 40030)
	tally(CodeDataRefused, 50070)
	a.outside.add(50070)
	v, rules := d.verdict(a, pol)
	checkVerdict(t, v, []string{
		"dropped between client and server on port 40020; open it with the rest of the passive range 40000-40100",
		"; also: passive data connections are refused with RST on ports 40030 and 50070 (a firewall rejects them or nothing listens); of these, port 40030, inside the range 40000-40100 meant to be open",
		"and port 50070, outside the range 40000-40100 the firewall allows: see data-refused",
	}, nil)
	// (No family known: the range setting is a comment naming each.)
	for _, w := range []string{"# port 40020 inside the allowed range 40000-40100 was dropped: make sure it is open:",
		"nft insert rule inet filter input tcp dport 40000-40100 ct state new accept", "# and keep the server inside it:"} {
		if !slices.Contains(rules, w) {
			t.Errorf("rules lack %q: %q", w, rules)
		}
	}
}

// TestControlIdleSaysWhatItsAddressLineServes guards the idle-timeout
// verdict's change block: it held pasv_address=… alone, with no word of
// the nat-mismatch it comes from, and an admin would set it to cure the
// hang. The verdict names the address, and a comment heads its lines.
func TestControlIdleSaysWhatItsAddressLineServes(t *testing.T) {
	for _, tc := range []struct {
		pcap, srv, want string
	}{
		{"control-idle-nat-client.pcap", "10.99.1.1:21", "; besides, the server announces 10.99.2.2, an address clients that trust the 227 cannot reach (see nat-mismatch): set pasv_address=10.99.1.1"},
		{"control-idle-nat-server.pcap", "10.99.2.2:21", "; besides, the server announces its own address 10.99.2.2 to clients from other networks: see nat-mismatch for whether to set pasv_address"},
	} {
		t.Run(tc.pcap, func(t *testing.T) {
			rec, diag := run(t, filepath.Join(realDir, tc.pcap), policy.Policy{})
			s := summaryOf(t, diag, tc.srv)
			checkVerdict(t, s.Verdict, []string{"see control-idle-timeout", tc.want}, nil)
			if len(s.Rules) == 0 || s.Rules[0] != "# for nat-mismatch (the address the server announces), not for the idle timeout:" {
				t.Errorf("rules %q\n%s", s.Rules, render(rec, diag))
			}
		})
	}
}

// TestVerdictNamesRefusedTransfersAndGuessing guards a server whose
// verdict is a dropped data connection, and whose FTPS transfers were
// refused for want of TLS resumption and whose accounts were sprayed
// (warnings): "other errors" named error findings only, and these went
// unsaid. The verdict names the warning kinds that mean a transfer lost
// or an attack; warnings of other kinds (control-encrypted, a client's
// fallback after the drop) stay out.
func TestVerdictNamesRefusedTransfersAndGuessing(t *testing.T) {
	_, diag := runMixture(t, policy.Policy{},
		part{file: "pasv-drop.pcap"}, part{file: "ftps-reuse-required.pcap", after: 10 * time.Minute},
		part{file: "login-brute-force.pcap", after: 20 * time.Minute})
	s := summaryOf(t, diag, "10.99.0.1:21")
	checkVerdict(t, s.Verdict, []string{
		"passive data connections are dropped between client and server on port 40011",
		"; other problems: data-tls-not-resumed (2 findings), login-brute-force (1): see those findings",
	}, []string{"control-encrypted", "data-not-attempted (", "other errors"})
}

// TestOtherProblemsClause guards the clause's choice: only the kinds of
// problemWarnings, none the verdict accounts for, none otherErrors names.
func TestOtherProblemsClause(t *testing.T) {
	a := &serverAcc{errs: map[string]int{CodeControlIdle: 1},
		problems: map[string]int{CodeControlIdle: 2, CodeTransferAborted: 3, CodeLoginAttack: 1, CodeDataForeignSource: 1}}
	got := a.otherProblems(map[string]bool{CodeDataForeignSource: true})
	want := "; other problems: transfer-aborted (3 findings), login-brute-force (1): see those findings"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, c := range []string{CodeModeFallback, CodeControlEncrypted, CodeDataNotAttempted, CodeServerDataError, CodeNATMismatch, CodeSessionRefused} {
		if problemWarnings[c] {
			t.Errorf("%s named among the problems: it says how a transfer got through, or follows another failure", c)
		}
	}
}

// TestServerSummaryCountsFailedLogins guards login-brute-force's "later
// failures from this address are counted in the server summary": no
// summary counted them. It counts every refused login, and the client
// addresses up to a bound.
func TestServerSummaryCountsFailedLogins(t *testing.T) {
	_, diag := run(t, filepath.Join(realDir, "login-brute-force.pcap"), policy.Policy{})
	s := summaryOf(t, diag, "10.99.0.1:21")
	if s.LoginFailures != 8 || s.LoginFailureClients != 1 || s.LoginFailureClientsMore {
		t.Errorf("login failures %d from %d clients (more %v), want 8 from 1", s.LoginFailures, s.LoginFailureClients, s.LoginFailureClientsMore)
	}
	a := newServerAcc(netip.MustParseAddrPort("192.0.2.1:21"))
	for i := range MaxLoginFailureClients + 6 {
		cli := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		a.noteLoginFailed(cli)
		a.noteLoginFailed(cli)
	}
	d := New(policy.Policy{}, nil, nil)
	a.shared = d.capture
	sum := d.summarize(a)
	if sum.LoginFailures != 2*(MaxLoginFailureClients+6) || sum.LoginFailureClients != MaxLoginFailureClients || !sum.LoginFailureClientsMore {
		t.Errorf("bounded: %d failures from %d clients (more %v)", sum.LoginFailures, sum.LoginFailureClients, sum.LoginFailureClientsMore)
	}
}

// TestVerdictSaysPassiveFallbackWorked guards failure story 4 (EPSV
// filtered where PASV works): the verdict said the EPSV port was dropped,
// not that PASV then worked, nor what clients can do meanwhile, which
// only the epsv-pasv-fallback warning said.
func TestVerdictSaysPassiveFallbackWorked(t *testing.T) {
	_, diag := run(t, filepath.Join(synthDir, "epsv-filtered.pcap"), policy.Policy{})
	s := summaryOf(t, diag, "203.0.113.40:21")
	checkVerdict(t, s.Verdict, []string{
		"passive data connections are dropped between client and server on port 40031",
		"; PASV worked where EPSV's data connection failed, in 1 session, and no PASV data connection failed (see epsv-pasv-fallback): until EPSV's ports are open on every hop, clients can use PASV (curl --disable-epsv",
	}, nil)
	// PASV failed too, in other sessions (a load balancer sending data
	// connections to the wrong backend): no way out to advise.
	_, diag = run(t, filepath.Join(realDir, "lb-split-client.pcap"), policy.Policy{})
	s = summaryOf(t, diag, "10.99.1.1:21")
	checkVerdict(t, s.Verdict, []string{"refused with RST"}, []string{"clients can use PASV"})
}

// TestReachedAsAnnouncedVerdict pins the verdict of a server seen from
// its side announcing its own private address to clients from other
// networks whose data connections arrived as announced: as a note alone,
// and when another nat-mismatch of it was worse than a note (no capture
// reaches either).
func TestReachedAsAnnouncedVerdict(t *testing.T) {
	const text = "the server announces its own address 10.0.0.5 to clients from other networks, and their data connections arrived as announced: a NAT in between forwards them. From this side it cannot be seen whether that NAT's FTP helper rewrites the 227 (then change nothing: the server's passive address setting would stop the helper) or the clients ignore it (then clients that trust it fail: set 203.0.113.5 in the server's passive address setting); compare with a capture on the client's side (read --vantage)"
	const rulesWant = "# only if clients receive the 227 unchanged (no FTP helper rewrites it); with a helper, change nothing:\n" +
		"# set the server's passive address setting to 203.0.113.5 (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd ForcePassiveIP or -P, IIS FTP Firewall Support's External IP Address of Firewall, FileZilla Server's passive mode \"Use the following host\")"
	for _, tc := range []struct {
		name    string
		serious int
	}{
		{"a note alone", 0},
		{"a warning beside it", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(policy.Policy{}, nil, nil)
			a := newServerAcc(netip.MustParseAddrPort("10.0.0.5:21"))
			a.shared = d.capture
			a.sessions = 2
			a.outcomes[track.OutcomeTransferred] = 2
			a.findings[CodeNATMismatch] = 2
			a.natAddr, a.natFix, a.natReached, a.natSerious = netip.MustParseAddr("10.0.0.5"), "203.0.113.5", 2, tc.serious
			v, rules := d.verdict(a, policy.Policy{})
			if v != text {
				t.Errorf("verdict\n got  %q\n want %q", v, text)
			}
			if got := strings.Join(rules, "\n"); got != rulesWant {
				t.Errorf("rules\n got  %q\n want %q", got, rulesWant)
			}
		})
	}
}
