package diagnose

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// realOrSkip is the path of a real capture, or skips when it is absent.
func realOrSkip(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(realDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent", path)
	}
	return path
}

func onlySummary(t *testing.T, diag *Diagnoser) ServerSummary {
	t.Helper()
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	return sums[0]
}

// TestConfigRangeOutsideIsNotUnknown guards the verdict of a server that
// answers outside the range its --server-config sets: the range is known
// (the file's), so the verdict names the file and says the server that
// answered does not run it, and the rules never tell to set what the file
// sets or open a range that does not hold the dropped port.
func TestConfigRangeOutsideIsNotUnknown(t *testing.T) {
	vsftpd, err := policy.ParseServerConfig("/etc/vsftpd.conf", []byte("listen=YES\npasv_min_port=40000\npasv_max_port=40100\n"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PassivePortRange"), []byte("40000 40050\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pure, err := policy.LoadServerConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		capture string
		sc      *policy.ServerConfig
		rng     string
	}{
		{"pasv-outside-range.pcap", vsftpd, "40000-40100"},
		{"pureftpd-pasv-drop.pcap", pure, "40000-40050"},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, diag := run(t, realOrSkip(t, tc.capture), policy.Policy{Server: tc.sc})
			s := onlySummary(t, diag)
			for _, w := range []string{"outside the range " + tc.rng + " that " + tc.sc.Path + " sets", "does not run that configuration"} {
				if !strings.Contains(s.Verdict, w) {
					t.Errorf("verdict lacks %q: %s", w, s.Verdict)
				}
			}
			if strings.Contains(s.Verdict, "not known here") {
				t.Errorf("verdict calls the configured range unknown: %s", s.Verdict)
			}
			for _, r := range s.Rules {
				for _, bad := range []string{"pasv_min_port", "PassivePortRange", "dport", "passive range is not known"} {
					if strings.Contains(r, bad) {
						t.Errorf("rule %q says %q\n%s", r, bad, render(rec, diag))
					}
				}
			}
		})
	}
}

// TestFirewallRangeIsNotTheServersRange guards against a false
// passive-range-exhausted from --pasv-range, which is the firewall's
// range: two announcements 3 s apart on vsftpd (which never leaves its
// range) are no exhausted range.
func TestFirewallRangeIsNotTheServersRange(t *testing.T) {
	rec, _ := run(t, realOrSkip(t, "pasv-drop.pcap"), rangePolicy(t, "40011"))
	if ex := findingsOf(rec, CodeRangeExhausted); len(ex) > 0 {
		t.Errorf("passive-range-exhausted from the firewall's range: %s", ex[0].Message)
	}
	for _, f := range rec.findings {
		if strings.Contains(f.Advice, "Widen the range") {
			t.Errorf("%s advises widening: %s", f.Code, f.Advice)
		}
	}
}

// pasvCycle is a session of a server greeting as greeting that announces
// the ports in turn, 500 ms apart, then a last one whose connection is
// dropped.
func pasvCycle(greeting string, ports []uint16, last uint16) *track.Session {
	s := greeted(sess("10.0.0.2:50000", "10.0.0.1:21"), greeting)
	num := uint64(10)
	for _, p := range append(append([]uint16(nil), ports...), last) {
		ann := "10.0.0.1:" + strconv.Itoa(int(p))
		dc := announce(s, num, "PASV", ftp.ViaPASV, ann, 227, "Entering Passive Mode.")
		syn(dc, "10.0.0.2:40001", ann, num+2, 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
		dc.SynAckTS, dc.Bytes = at(int(num)+3), [2]int64{0, 100}
		if p == last {
			dc.SYNs, dc.LastSYN = 3, dc.FirstSYN.Add(2*time.Second)
			dc.Outcome, dc.SynAckTS, dc.Bytes = track.OutcomeUnanswered, time.Time{}, [2]int64{}
		}
		num += 500
	}
	return s
}

// TestRangeExhaustionNeedsTheServersOwnCycledRange guards the
// exhaustion check: the range is the server configuration's (or the
// firewall's), vsftpd is never exhausted, and only
// ProFTPD (or a server not known) is said to fall back to a kernel port.
func TestRangeExhaustionNeedsTheServersOwnCycledRange(t *testing.T) {
	four := []uint16{40000, 40001, 40002, 40003}
	cfg := func(k policy.ServerKind, lo, hi uint16) policy.Policy {
		return policy.Policy{Server: &policy.ServerConfig{Path: "server.conf", Kind: k, PassiveRange: policy.Ranges{{Lo: lo, Hi: hi}}}}
	}
	for _, tc := range []struct {
		name     string
		p        policy.Policy
		greeting string
		ports    []uint16
		want     bool
		kernel   bool // says the kernel chose the port (ProFTPD's way)
	}{
		{"ProFTPD, its 4 ports cycled", cfg(policy.ServerProFTPD, 40000, 40003), "ProFTPD Server (Debian)", four, true, true},
		{"Pure-FTPd never leaves its range", cfg(policy.ServerPureFTPd, 40000, 40003), "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", four, false, false},
		{"vsftpd never leaves its range", cfg(policy.ServerVsftpd, 40000, 40003), "(vsFTPd 3.0.5)", four, false, false},
		{"vsftpd by greeting, range inferred", policy.Policy{}, "(vsFTPd 3.0.5)", four, false, false},
		// ProFTPD with PassivePorts 50000 50001, both held, fell back to
		// a kernel port (its log: "unable to find open port in
		// PassivePorts range"; rev-newsrv's real capture): a known range
		// of 2 is exhausted too, the configuration's or the firewall's
		// (then called inferred).
		{"a known range of 2 ports, both in use", cfg(policy.ServerProFTPD, 40000, 40001), "ProFTPD Server (Debian)", four[:2], true, true},
		{"--pasv-range of 2 ports, both in use", rangePolicy(t, "40000-40001"), "ProFTPD Server (Debian)", four[:2], true, true},
		{"--pasv-range only part of its range", rangePolicy(t, "40000-40001"), "ProFTPD Server (Debian)", four, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(tc.p, pasvCycle(tc.greeting, tc.ports, 47129))
			f := c.find(CodeRangeExhausted)
			if (f != nil) != tc.want {
				t.Fatalf("passive-range-exhausted: %v, want %v (%v)", f != nil, tc.want, f)
			}
			if f != nil && strings.Contains(f.Message, "the kernel chose") != tc.kernel {
				t.Errorf("says the kernel chose: %v, want %v: %s", !tc.kernel, tc.kernel, f.Message)
			}
		})
	}
}

// TestChangeBlockEitherOrOnlyForTheServersOwnRange guards the change
// block of a server dropped inside the firewall's range that also strays
// outside it: opening the firewall's range is no alternative to keeping
// the server inside it.
func TestChangeBlockEitherOrOnlyForTheServersOwnRange(t *testing.T) {
	_, diag := run(t, realOrSkip(t, "pasv-drop.pcap"), rangePolicy(t, "40000-40020"))
	rules := onlySummary(t, diag).Rules
	joined := strings.Join(rules, "\n")
	if strings.Contains(joined, "either") || strings.Contains(joined, "server's own passive range") {
		t.Errorf("either/or for the firewall's own range:\n%s", joined)
	}
	head := index(rules, "# port 40011 inside the allowed range 40000-40020 was dropped: make sure it is open:")
	keep := index(rules, "# and keep the server inside it:")
	if head < 0 || keep < head || index(rules, "pasv_min_port=40000") < keep {
		t.Errorf("change block out of order:\n%s", joined)
	}
}

// TestIdleAdviceNamesNoDisconnectingSetting guards against "lftp: set
// net:idle" as a keepalive: it disconnects after idle time.
func TestIdleAdviceNamesNoDisconnectingSetting(t *testing.T) {
	if a := idleAdvice(11*time.Second, family{kind: policy.ServerVsftpd}); strings.Contains(a, "net:idle") {
		t.Errorf("idle advice names lftp's net:idle: %s", a)
	}
}

// TestSecondPublicAddressReached guards a server announcing a public
// address other than the control address that the client reached as
// announced: a note, not a NAT fault; a failed connection to it keeps the
// warning.
func TestSecondPublicAddressReached(t *testing.T) {
	multihomed := func(out track.Outcome) *track.Session {
		s := sess("192.0.2.50:51303", "198.51.100.7:21")
		dc := announce(s, 10, "PASV", ftp.ViaPASV, "198.51.100.9:5121", 227, "Entering Passive Mode (198,51,100,9,20,1).")
		syn(dc, "192.0.2.50:40001", "198.51.100.9:5121", 12, 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, out
		if out == track.OutcomeTransferred {
			dc.SynAckTS, dc.Bytes = at(13), [2]int64{0, 900}
		} else {
			dc.SYNs, dc.LastSYN = 3, dc.FirstSYN.Add(2*time.Second)
		}
		return s
	}
	c, diag := feed(policy.Policy{}, multihomed(track.OutcomeTransferred))
	f := c.find(CodeNATMismatch)
	if f == nil || f.Severity != SeverityInfo {
		t.Fatalf("nat-mismatch of a reached public address: %v, want info", f)
	}
	for _, w := range []string{"a public address other than the control address 198.51.100.7", "this client reached it there", "curl since 7.74", "ftplib"} {
		if !strings.Contains(f.Message, w) {
			t.Errorf("message lacks %q: %s", w, f.Message)
		}
	}
	if v := onlySummary(t, diag).Verdict; strings.Contains(v, "only works on its own network") || strings.Contains(v, "198.51.100.9") {
		t.Errorf("verdict makes a NAT fault of it: %s", v)
	}
	c, _ = feed(policy.Policy{}, multihomed(track.OutcomeUnanswered))
	f = c.find(CodeNATMismatch)
	if f == nil || f.Severity < SeverityWarning {
		t.Fatalf("nat-mismatch of an unreached public address: %v, want a warning", f)
	}
	if strings.Contains(f.Message, "a wrong the") {
		t.Errorf("garbled setting name: %s", f.Message)
	}
}
