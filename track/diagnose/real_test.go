package diagnose

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

const (
	realDir = "../../pcaps/real"
	confDir = "../../pcaps/record/conf"
)

func confPolicy(t *testing.T, name string) policy.Policy {
	t.Helper()
	sc, err := policy.LoadServerConfig(filepath.Join(confDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return policy.Policy{Server: sc}
}

func rangePolicy(t *testing.T, r string) policy.Policy {
	t.Helper()
	var p policy.Policy
	if err := p.AddRanges(r); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRealCaptures runs the real pipeline over the lab captures and checks
// the findings each must produce, code and severity, in order.
func TestRealCaptures(t *testing.T) {
	anon := confPolicy(t, "anon.conf")
	login := "cleartext-login:info"
	tests := []struct {
		capture string
		policy  string
		p       policy.Policy
		want    []string
	}{
		{"passive-curl.pcap", "anon.conf", anon, []string{login}},
		{"passive-ftplib-pasv.pcap", "anon.conf", anon, []string{login}},
		{"passive-lftp.pcap", "anon.conf", anon, []string{login}},
		{"upload-stor.pcap", "anon.conf", anon, []string{login}},
		{"active-curl-eprt.pcap", "anon.conf", anon, []string{login}},
		{"active-ftplib-port.pcap", "anon.conf", anon, []string{login}},
		{"ipv6-epsv.pcap", "anon-ipv6.conf", confPolicy(t, "anon-ipv6.conf"), []string{login, login, login}},
		// Passive: 0-byte connection then 550; active: 550, no connection needed.
		{"missing-file.pcap", "anon.conf", anon, []string{login, login}},
		{"pasv-drop.pcap", "anon.conf", anon, []string{login, "data-unanswered:error", "data-not-attempted:warning"}},
		{"pasv-drop.pcap", "none", policy.Policy{}, []string{login, "data-unanswered:error", "data-not-attempted:warning"}},
		{"pasv-reject-rst.pcap", "anon.conf", anon, []string{login, "data-refused:error", "data-refused:error"}},
		{"pasv-reject-icmp.pcap", "anon.conf", anon, []string{login, "data-unreachable:error", "data-unreachable:error"}},
		{"pasv-reject-icmp6.pcap", "anon-ipv6.conf", confPolicy(t, "anon-ipv6.conf"), []string{login, "data-unreachable:error"}},
		// The firewall opens 40000-40100; the server's own config hands out
		// 50000-50100, so only the firewall range shows the mismatch.
		{"pasv-outside-range.pcap", "--pasv-range 40000-40100", rangePolicy(t, "40000-40100"),
			[]string{login, "port-outside-range:error", "data-unanswered:error", "port-outside-range:error", "data-not-attempted:warning"}},
		{"pasv-outside-range.pcap", "pasv-outside-range.conf", confPolicy(t, "pasv-outside-range.conf"),
			[]string{login, "data-unanswered:error", "data-not-attempted:warning"}},
		// Client side: curl ignored the private 227 address.
		{"nat-no-pasv-address-default-client.pcap", "anon.conf", anon, []string{login, "nat-mismatch:warning"}},
		// Server side: the same fault, seen from behind the NAT, where it
		// looks like a routed network: the client (10.99.1.2, another
		// private network) connected to the announced address, which is
		// the control address it reached, so nothing is a mismatch.
		{"nat-no-pasv-address-default-server.pcap", "anon.conf", anon, []string{login, "nat-mismatch:info"}},
		// curl --no-ftp-skip-pasv-ip went to the private address.
		{"nat-no-pasv-address-trusting-client.pcap", "anon.conf", anon, []string{login, "nat-mismatch:error", "data-unanswered:error"}},
		{"nat-no-pasv-address-trusting-server.pcap", "anon.conf", anon, []string{login, "nat-mismatch:warning", "data-not-attempted:warning"}}, // from this side alone "if a NAT sits between them": hedged
		{"nat-pasv-address-client.pcap", "nat-pasv-address.conf", confPolicy(t, "nat-pasv-address.conf"), []string{login}},
		{"nat-pasv-address-server.pcap", "nat-pasv-address.conf", confPolicy(t, "nat-pasv-address.conf"), []string{login, "nat-translated:info"}},
		{"nat-pasv-address-server.pcap", "none", policy.Policy{}, []string{login, "nat-translated:info"}},
		{"active-client-firewall.pcap", "active-client-firewall.conf", confPolicy(t, "active-client-firewall.conf"),
			[]string{login, "active-blocked:error", "server-data-error:warning"}},
		{"ftps-explicit.pcap", "ftps.conf", confPolicy(t, "ftps.conf"), []string{"control-encrypted:warning"}},
		// Synthetic: every outcome, and a refused cross-family EPRT. The
		// first session's last PASV, nothing connected to it when the
		// client quit, is never taken by a connection after the close (a
		// 221 answered the QUIT), but waits past it to tell of one
		// (track/afterend.go): its finding comes when the capture ends.
		{"../synthetic/outcomes.pcap", "none", policy.Policy{}, []string{login, "data-unanswered:error", "data-refused:error",
			"data-unreachable:error", login, "ftp-bounce:info", login, "data-unreachable:error", "data-not-attempted:warning"}},
		// The second server answers EPSV with 500 and PASV works.
		// The failure stories (issue 9), real captures.
		// curl --no-sessionid twice (TLS 1.3, then 1.2: refused), then curl
		// resuming (accepted).
		{"ftps-reuse-required.pcap", "none", policy.Policy{}, []string{"data-tls-not-resumed:warning", "control-encrypted:warning", "data-tls-not-resumed:warning", "control-encrypted:warning", "control-encrypted:warning"}},
		{"data-source-nat.pcap", "anon.conf", anon, []string{login, "data-source-nat:error"}},
		{"pasv-address-invalid.pcap", "none", policy.Policy{}, []string{login, "server-config-error:error"}},
		{"login-brute-force.pcap", "none", policy.Policy{}, []string{login, login, login, login, login, "login-brute-force:warning", login, login, login, login}},
		{"control-idle-nat-client.pcap", "upload.conf", confPolicy(t, "upload.conf"), []string{login, "nat-mismatch:warning", "control-idle-timeout:error"}},
		{"control-idle-nat-server.pcap", "upload.conf", confPolicy(t, "upload.conf"), []string{login, "nat-mismatch:info", "control-idle-timeout:warning"}},
		// The router answers the 226 itself with an RST without ACK.
		{"control-cut-download-server.pcap", "none", policy.Policy{}, []string{login, "control-idle-timeout:warning"}},
		// Synthetic stories.
		{"../synthetic/bounce-scan.pcap", "none", policy.Policy{}, []string{login, "ftp-bounce:error", login, "ftp-bounce:info", "ftp-bounce:warning"}},
		{"../synthetic/final-reply-250.pcap", "none", policy.Policy{}, []string{login, login, "unusual-final-reply:warning"}},
		{"../synthetic/epsv-filtered.pcap", "none", policy.Policy{}, []string{login, "data-unanswered:error", "epsv-pasv-fallback:warning"}},
		{"../synthetic/range-exhausted.pcap", "none", policy.Policy{}, []string{login, login, login, login, login, "data-unanswered:error", "passive-range-exhausted:error"}},
		{"../synthetic/range-exhausted.pcap", "--pasv-range 40000-40003", rangePolicy(t, "40000-40003"),
			[]string{login, login, login, login, login, "port-outside-range:error", "data-unanswered:error", "passive-range-exhausted:error"}},
		{"../synthetic/epsv-forms.pcap", "none", policy.Policy{}, []string{login, "ftp-bounce:info", login, "epsv-pasv-fallback:info"}},
	}
	for _, tc := range tests {
		t.Run(tc.capture+"/"+tc.policy, func(t *testing.T) {
			path := filepath.Join(realDir, tc.capture)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", path)
			}
			rec, diag := run(t, path, tc.p)
			var got []string
			for _, f := range rec.findings {
				got = append(got, f.Code+":"+f.Severity.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings\n got %q\nwant %q\n%s", got, tc.want, render(rec, diag))
			}
			checkFindings(t, rec)
			rec2, diag2 := run(t, path, tc.p)
			if a, b := render(rec, diag), render(rec2, diag2); a != b {
				t.Errorf("two runs differ:\n%s\n---\n%s", a, b)
			}
		})
	}
}

// checkFindings checks what every finding must have, and that each is
// reported before the Data or SessionEnd call it belongs to.
func checkFindings(t *testing.T, rec *recorder) {
	t.Helper()
	for _, f := range rec.findings {
		if !slices.Contains(Codes, f.Code) {
			t.Errorf("unknown code %q", f.Code)
		}
		if f.Session == nil || f.Message == "" || f.Advice == "" || f.TS.IsZero() {
			t.Errorf("%s: incomplete finding %+v", f.Code, f)
		}
		if strings.ContainsAny(f.Evidence, "\r\n") {
			t.Errorf("%s: evidence is not one line: %q", f.Code, f.Evidence)
		}
		if !slices.IsSorted(f.Packets) {
			t.Errorf("%s: packets not sorted: %v", f.Code, f.Packets)
		}
	}
	// Findings between a data connection's Data call and an earlier point
	// must not name it after its Data call; but a server-data-error (the
	// 425/426 after it), a data-not-attempted that blamed the vantage,
	// held for a seen data connection or the session's end (holdBlind),
	// and a pmtu-blackhole or transfer-stalled held for the receiver or
	// the client to show itself (releaseMTU, stallFindings).
	reported := map[string]bool{}
	for _, l := range rec.log {
		if strings.HasPrefix(l, "data ") {
			reported["data="+strings.TrimPrefix(l, "data ")] = true
		}
		if strings.HasPrefix(l, "finding ") && !strings.HasPrefix(l, "finding server-data-error") && !strings.HasPrefix(l, "finding data-not-attempted") &&
			!strings.HasPrefix(l, "finding pmtu-blackhole") && !strings.HasPrefix(l, "finding transfer-stalled") {
			if i := strings.Index(l, "data="); i >= 0 && l[i:] != "data=0" && reported[l[i:]] {
				t.Errorf("%q reported after its Data call", l)
			}
		}
	}
}

// TestSummaryVerdicts checks the per-server verdicts and rules on real
// captures.
func TestSummaryVerdicts(t *testing.T) {
	tests := []struct {
		capture string
		p       policy.Policy
		verdict []string // substrings
		rules   []string // substrings, in order
	}{
		{"pasv-drop.pcap", confPolicy(t, "anon.conf"), []string{"passive data connections are dropped between client and server on port 40011", "open it"},
			// The configuration sets the range already: no server lines.
			[]string{"nft insert rule inet filter input tcp dport 40000-40100 ct state new accept", "iptables -I INPUT -p tcp --dport 40000:40100"}},
		{"pasv-outside-range.pcap", rangePolicy(t, "40000-40100"), []string{"dropped", "outside the range 40000-40100 the firewall allows", "set pasv_min_port/pasv_max_port to 40000-40100"},
			// The server's own range is not given, so the only fix is to move
			// it into the firewall's: no rule for a port it picked itself
			// (regression: "# or open the ports it uses:" was followed by the
			// firewall's own range).
			[]string{"pasv_min_port=40000", "pasv_max_port=40100"}},
		// The server's own range given too: opening it is the alternative.
		{"pasv-outside-range.pcap", func() policy.Policy {
			p := confPolicy(t, "pasv-outside-range.conf")
			p.Ranges = rangePolicy(t, "40000-40100").Ranges
			return p
		}(), []string{"dropped", "set pasv_min_port/pasv_max_port to 40000-40100"},
			[]string{"# either keep the server inside", "pasv_min_port=40000", "pasv_max_port=40100", "# or open the server's own passive range", "tcp dport 50000-50100", "iptables"}},
		{"nat-no-pasv-address-default-client.pcap", confPolicy(t, "anon.conf"), []string{"works only because clients ignore the address 10.99.2.2", "pasv_address=10.99.1.1"},
			[]string{"pasv_address=10.99.1.1"}},
		// Both routes through the NAT router, each whole: the address and
		// a static forward of the range (its DNAT included), or the
		// router's FTP helper with the address left as it is.
		{"nat-no-pasv-address-trusting-client.pcap", confPolicy(t, "anon.conf"), []string{"announces 10.99.2.2, an address clients cannot reach", "either attach the FTP helper on the NAT router", "pasv_address=10.99.1.1"},
			[]string{"# either announce the public address", "pasv_address=10.99.1.1",
				"# on the NAT router in front of the server", "nft insert rule inet filter forward ip daddr 10.99.2.2 tcp dport 40000-40100 ct state new accept", "iptables -I FORWARD -d 10.99.2.2",
				"# and its forward (DNAT) of the range", "nft add rule ip nat prerouting ip daddr 10.99.1.1 tcp dport 40000-40100 dnat to 10.99.2.2", "iptables -t nat -A PREROUTING -d 10.99.1.1",
				"# on the server's own firewall, if it has one", "nft insert rule inet filter input tcp dport 40000-40100", "iptables -I INPUT",
				"# or, instead, leave the address unset and attach the FTP helper", "ct helper ftp-std", "ct state related accept", "iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp", "iptables -I FORWARD -m conntrack --ctstate RELATED"}},
		{"active-client-firewall.pcap", policy.Policy{}, []string{"active data connections", "client"}, []string{"# on the client: attach the FTP helper", "nft 'table inet ftphelper { ct helper ftp-std { type \"ftp\" protocol tcp; }; chain out { type filter hook output priority filter;", "nft 'table inet ftphelper { chain input { type filter hook input priority filter; policy accept; ct state related accept comment", "iptables -t raw -A OUTPUT -p tcp --dport 21 -j CT --helper ftp", "iptables -I INPUT -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT"}},
		{"ftps-explicit.pcap", confPolicy(t, "ftps.conf"), []string{"encrypted"},
			[]string{"nft insert rule inet filter input tcp dport 40000-40100", "iptables -I INPUT -p tcp --dport 40000:40100"}},
		{"passive-curl.pcap", policy.Policy{}, []string{"2 data connections worked"}, nil},
		// Seen at the server: every SYN answered, the SYN-ACKs lost on
		// the way back. No range to open, nothing on the server.
		{"router-drop-data-synack-server.pcap", policy.Policy{}, []string{"SYN-ACKs never reach the client", "nothing on the server needs to change"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.capture, func(t *testing.T) {
			path := filepath.Join(realDir, tc.capture)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", path)
			}
			rec, diag := run(t, path, tc.p)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries, want 1", len(sums))
			}
			s := sums[0]
			for _, v := range tc.verdict {
				if !strings.Contains(s.Verdict, v) {
					t.Errorf("verdict %q lacks %q\n%s", s.Verdict, v, render(rec, diag))
				}
			}
			if len(s.Rules) != len(tc.rules) {
				t.Fatalf("rules %q, want %d like %q", s.Rules, len(tc.rules), tc.rules)
			}
			for i, r := range tc.rules {
				if !strings.Contains(s.Rules[i], r) {
					t.Errorf("rule %d %q lacks %q", i, s.Rules[i], r)
				}
			}
			n := 0
			for _, c := range s.Outcomes {
				n += c
			}
			if n == 0 && tc.capture != "ftps-explicit.pcap" {
				t.Errorf("no outcomes counted")
			}
		})
	}
}

// TestCorpus runs the shared corpus (captures from other projects) through
// the diagnoser: no panic, and the same output twice.
func TestCorpus(t *testing.T) {
	root := "../../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("shared corpus absent")
	}
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".trace")) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no captures in the corpus")
	}
	pols := []policy.Policy{{}, rangePolicy(t, "40000-40100")}
	total := map[string]int{}
	for _, f := range files {
		for i, p := range pols {
			t.Run(fmt.Sprintf("%s/%d", strings.TrimPrefix(f, root+"/"), i), func(t *testing.T) {
				rec, diag := run(t, f, p)
				checkFindings(t, rec)
				rec2, diag2 := run(t, f, p)
				if a, b := render(rec, diag), render(rec2, diag2); a != b {
					t.Errorf("two runs differ")
				}
				for _, x := range rec.findings {
					total[x.Code]++
				}
			})
		}
	}
	t.Logf("findings over the corpus: %v", total)
}
