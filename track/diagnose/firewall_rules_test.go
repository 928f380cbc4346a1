package diagnose

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The rules advice prints are commands an admin pastes: they must be for
// the session's address family, fit iptables' limits and load as printed.

// ipv4Command finds an iptables command (not ip6tables) in text.
var ipv4Command = regexp.MustCompile(`(^|[^6])iptables -`)

// everyText is every finding's advice and every summary's verdict and
// rules.
func everyText(fs []*Finding, diag *Diagnoser) []string {
	var l []string
	for _, f := range fs {
		l = append(l, f.Code+": "+f.Advice)
	}
	for _, s := range diag.Summaries() {
		l = append(l, "verdict: "+s.Verdict)
		l = append(l, s.Rules...)
	}
	return l
}

// v6ActiveBlocked is an IPv6 active-mode session whose EPRT connection
// the client's side drops.
func v6ActiveBlocked(encrypted bool) *track.Session {
	s := sess("[2001:db8::2]:50000", "[2001:db8::1]:21")
	s.Encrypted = encrypted
	dc := announce(s, 10, "EPRT", ftp.ViaEPRT, "[2001:db8::2]:34109", 200, "EPRT command successful.")
	syn(dc, "[2001:db8::1]:20", "[2001:db8::2]:34109", 14, 3, 2*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	x := cmd(s, 12, "RETR", "f", 425, "Failed to establish connection.")
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	return s
}

// TestIPv6AdviceUsesIp6tables guards against IPv4-only iptables rules for
// IPv6 sessions: the helper rules, the RELATED accepts, the summary's
// active-blocked lines, the host check and the open rules.
func TestIPv6AdviceUsesIp6tables(t *testing.T) {
	c, diag := feed(policy.Policy{}, v6ActiveBlocked(false))
	texts := everyText(c.fs, diag)
	path := filepath.Join(realDir, "pasv-reject-icmp6.pcap")
	if _, err := os.Stat(path); err == nil {
		for _, p := range []policy.Policy{{}, rangePolicy(t, "1024-65535")} {
			rec, d := run(t, path, p)
			texts = append(texts, everyText(rec.findings, d)...)
		}
	}
	sawV6 := false
	for _, s := range texts {
		if ipv4Command.MatchString(s) {
			t.Errorf("IPv4 iptables command for an IPv6 session: %s", s)
		}
		sawV6 = sawV6 || strings.Contains(s, "ip6tables -t raw -A")
	}
	if !sawV6 {
		t.Errorf("no ip6tables helper rule given:\n%s", strings.Join(texts, "\n"))
	}
}

// TestEncryptedActiveBlockedHasNoHelperRules guards against conntrack
// helper rules for active-mode clients whose PORT travels inside TLS.
func TestEncryptedActiveBlockedHasNoHelperRules(t *testing.T) {
	natted := func() *track.Session {
		s := sess("203.0.113.7:50000", "198.51.100.1:21")
		s.Encrypted = true
		dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.168.1.5:34109", 200, "PORT command successful.")
		syn(dc, "198.51.100.1:20", "192.168.1.5:34109", 14, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	for name, s := range map[string]*track.Session{"client firewall": v6ActiveBlocked(true), "client NAT": natted()} {
		t.Run(name, func(t *testing.T) {
			_, diag := feed(policy.Policy{}, s)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			rules := strings.Join(sums[0].Rules, "\n")
			for _, bad := range []string{"ct helper", "--helper ftp"} {
				if strings.Contains(rules, bad) {
					t.Errorf("rules of an encrypted session attach the helper (%q):\n%s", bad, rules)
				}
			}
			if !strings.Contains(rules, "encrypted control: no helper can see the PORT; use passive mode, or open the client's listening ports statically") {
				t.Errorf("rules do not say what to do instead:\n%s", rules)
			}
		})
	}
	// A clear-text session keeps its helper lines.
	_, diag := feed(policy.Policy{}, v6ActiveBlocked(false))
	if rules := strings.Join(diag.Summaries()[0].Rules, "\n"); !strings.Contains(rules, "ct helper set") {
		t.Errorf("clear-text active-blocked lost its helper rules:\n%s", rules)
	}
}

// ruleSlots counts the port slots of a rule's --dport or --dports list
// (a range two), and whether it is a multiport match.
func ruleSlots(rule string) (n int, multi bool) {
	f := strings.Fields(rule)
	for i, w := range f[:len(f)-1] {
		if w != "--dport" && w != "--dports" {
			continue
		}
		for _, p := range strings.Split(f[i+1], ",") {
			n++
			if strings.Contains(p, ":") {
				n++
			}
		}
		return n, w == "--dports"
	}
	return 0, false
}

// TestMultiportRulesFitIptables guards against one multiport rule with
// more than 15 port slots, which iptables refuses.
//
// iptables' own limit is written here, not the constant under test, and
// the rules are loaded only after every spec was checked: loading skips
// the test where iptables-restore or root is missing, and inside the loop
// that skip ended it after the first spec.
func TestMultiportRulesFitIptables(t *testing.T) {
	const iptablesMultiportMax = 15
	var sets [][]string
	for _, spec := range []string{
		"40011,40020,40030,40040,40050,40060,40070,40080,40090,40100-40110,40200-40210,40300-40310,40400-40410,40500-40510",
		"1025,1027,1029,1031,1033,1035,1037,1039,1041,1043,1045,1047,1049,1051,1053,1055,1057",
		"40000-40001,40003-40004,40006-40007,40009-40010,40012-40013,40015-40016,40018-40019,40021-40022",
		"40000-40100",
	} {
		var p policy.Policy
		if err := p.AddRanges(spec); err != nil {
			t.Fatal(err)
		}
		for _, rules := range [][]string{iptablesRules(p.Ranges, false), iptablesForwardRules(p.Ranges, true, netipAddr("2001:db8::1"))} {
			covered := 0
			for _, r := range rules {
				n, multi := ruleSlots(r)
				if n > iptablesMultiportMax || multi && n < 2 {
					t.Errorf("%s: %d slots in %s", spec, n, r)
				}
				covered += n
			}
			want := 0
			for _, r := range p.Ranges {
				want += 1 + btoi(r.Lo != r.Hi)
			}
			if covered != want {
				t.Errorf("%s: rules cover %d slots, want %d: %q", spec, covered, want, rules)
			}
			sets = append(sets, rules)
		}
	}
	for _, rules := range sets {
		iptablesLoads(t, rules)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rootWith skips unless the test runs as root with the command installed:
// loading rules needs both (CI has them).
func rootWith(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	if os.Geteuid() != 0 {
		t.Skipf("%s -c/--test needs root", name)
	}
	return path
}

// iptablesRuleText finds the iptables and ip6tables commands in prose or
// change lines.
var iptablesRuleText = regexp.MustCompile(`(ip6?tables) ((?:-t raw )?-[AI] .*?-j (?:ACCEPT|CT --helper ftp))`)

// iptablesLoads checks the iptables/ip6tables commands in texts with
// iptables-restore --test, each table's rules in its own section (root
// and the command needed, else skipped).
func iptablesLoads(t *testing.T, texts []string) {
	t.Helper()
	for _, fam := range []string{"iptables", "ip6tables"} {
		tables := map[string][]string{}
		for _, s := range texts {
			for _, m := range iptablesRuleText.FindAllStringSubmatch(s, -1) {
				if m[1] != fam {
					continue
				}
				table, rest := "filter", m[2]
				if r, ok := strings.CutPrefix(rest, "-t raw "); ok {
					table, rest = "raw", r
				}
				tables[table] = append(tables[table], rest)
			}
		}
		if len(tables) == 0 {
			continue
		}
		restore := rootWith(t, fam+"-restore")
		var in strings.Builder
		for _, table := range []string{"raw", "filter"} {
			if len(tables[table]) == 0 {
				continue
			}
			in.WriteString("*" + table + "\n" + strings.Join(tables[table], "\n") + "\nCOMMIT\n")
		}
		cmd := exec.Command(restore, "--test")
		cmd.Stdin = strings.NewReader(in.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s --test refuses the rules (%v): %s\n%s", fam+"-restore", err, out, in.String())
		}
	}
}

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// nftCommands are the nft commands in texts (prose or change lines), as
// lines of an nft -f file.
func nftCommands(texts []string) []string {
	var out []string
	one := regexp.MustCompile(`nft '([^']*)'|nft (insert rule [^;()]*accept)`)
	for _, s := range texts {
		for _, m := range one.FindAllStringSubmatch(s, -1) {
			if m[1] != "" {
				out = append(out, m[1])
			} else {
				out = append(out, m[2])
			}
		}
	}
	return out
}

// helperTexts are the texts that attach the FTP helper: findings of
// active and passive failures, IPv4 and IPv6, and the summaries' lines.
func helperTexts(t *testing.T) []string {
	t.Helper()
	v4 := func() *track.Session {
		s := sess("10.0.0.2:50000", "10.0.0.1:2121")
		dc := announce(s, 10, "PORT", ftp.ViaPORT, "10.0.0.2:34109", 200, "PORT command successful.")
		syn(dc, "10.0.0.1:20", "10.0.0.2:34109", 14, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	natted := func() *track.Session {
		s := sess("203.0.113.7:50000", "198.51.100.1:21")
		dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.168.1.5:34109", 200, "PORT command successful.")
		syn(dc, "198.51.100.1:20", "192.168.1.5:34109", 14, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	passive := func() *track.Session {
		s := sess("10.0.0.2:50000", "10.0.0.1:21")
		dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
		syn(dc, "10.0.0.2:40001", "10.0.0.1:40036", 12, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	var texts []string
	for _, s := range []*track.Session{v4(), natted(), passive(), v6ActiveBlocked(false)} {
		c, diag := feed(policy.Policy{}, s)
		texts = append(texts, everyText(c.fs, diag)...)
	}
	return append(texts, NFTHelperTable(21), IptablesHelperRule(21, false), IptablesHelperRule(21, true))
}

// TestNftHelperRulesDefineTheirObject guards against "ct helper set" rules
// printed without the ct helper object they name, or in a chain whose
// priority comes before conntrack's lookup: neither loads or works.
func TestNftHelperRulesDefineTheirObject(t *testing.T) {
	texts := helperTexts(t)
	set := regexp.MustCompile(`ct helper set "([^"]+)"`)
	n := 0
	for _, s := range texts {
		for _, m := range set.FindAllStringSubmatchIndex(s, -1) {
			n++
			name := s[m[2]:m[3]]
			// The object and the chain come in the same command.
			start := strings.LastIndex(s[:m[0]], "nft '")
			if start < 0 || !strings.Contains(s[start:m[0]], "ct helper "+name+" { type \"ftp\" protocol tcp; }") {
				t.Errorf("ct helper set %q without its object in the same command: %s", name, s)
				continue
			}
			chain := s[start:m[0]]
			if !regexp.MustCompile(`type filter hook (prerouting|output) priority filter;`).MatchString(chain) {
				t.Errorf("helper chain not at prerouting/output with priority filter: %s", chain)
			}
		}
	}
	if n == 0 {
		t.Fatalf("no helper rule in the advice:\n%s", strings.Join(texts, "\n"))
	}
}

// TestEmittedNftRulesLoad loads every nft command the helper and open
// advice prints with nft -c (root and nft needed, else skipped), after a
// base table of the inet filter chains the rules insert into.
func TestEmittedNftRulesLoad(t *testing.T) {
	texts := helperTexts(t)
	for _, rs := range []string{"40000-40100", "40011,40020,40100-40110"} {
		var p policy.Policy
		if err := p.AddRanges(rs); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, nftRule(p.Ranges), nftForwardRule(p.Ranges, netipAddr("10.1.1.10")), nftForwardRule(p.Ranges, netipAddr("2001:db8::1")))
	}
	cmds := nftCommands(texts)
	if len(cmds) == 0 {
		t.Fatal("no nft command found")
	}
	nft := rootWith(t, "nft")
	file := filepath.Join(t.TempDir(), "rules.nft")
	base := "table inet filter {\n chain input { type filter hook input priority 0; policy accept; }\n chain forward { type filter hook forward priority 0; policy accept; }\n chain output { type filter hook output priority 0; policy accept; }\n}\n"
	if err := os.WriteFile(file, []byte(base+strings.Join(cmds, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", file).CombinedOutput(); err != nil {
		t.Errorf("nft -c refuses the emitted rules (%v): %s\n%s", err, out, strings.Join(cmds, "\n"))
	}
	// And the iptables twins.
	iptablesLoads(t, texts)
}
