package diagnose

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The advice ftpsniff gave the ProFTPD 1.3.8 and Pure-FTPd 1.0.50 lab
// captures (pcaps/real/proftpd-*, pureftpd-*): each server's own settings,
// in the forms its packaged daemon reads, and no guess stated as a fact.

// realRun runs capture from pcaps/real under p, skipping when it is absent.
func realRun(t *testing.T, capture string, p policy.Policy) (*recorder, *Diagnoser) {
	t.Helper()
	path := filepath.Join(realDir, capture)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent", path)
	}
	return run(t, path, p)
}

// TestAnonLoginTLSAdviceNamesTheFamilysSetting guards cleartext-login for
// an anonymous login: a ProFTPD or Pure-FTPd admin was told to set
// vsftpd's ssl_enable=YES. Each family gets its own way to offer TLS, an
// unknown one every Unix family's.
func TestAnonLoginTLSAdviceNamesTheFamilysSetting(t *testing.T) {
	for _, tc := range []struct {
		capture     string
		want, never []string
	}{
		{"proftpd-pasv-drop.pcap",
			[]string{"FTPS (ProFTPD: mod_tls's TLSEngine on, with TLSRSACertificateFile", "(ProFTPD's settings, from its greeting.)"},
			[]string{"ssl_enable", "vsftpd", "Pure-FTPd", "TLSRequired on"}},
		{"pureftpd-pasv-drop.pcap",
			[]string{"-Y 1 or --tls=1 on its command line", "TLS 1 in pure-ftpd.conf", "echo 1 > /etc/pure-ftpd/conf/TLS on Debian",
				"/etc/ssl/private/pure-ftpd.pem", "(Pure-FTPd's settings, from its greeting.)"},
			[]string{"ssl_enable", "vsftpd", "ProFTPD", "TLS 2"}},
		{"pasv-drop.pcap", []string{"FTPS (vsftpd: ssl_enable=YES) or SFTP."}, []string{"ProFTPD", "Pure-FTPd", "from its greeting"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, _ := realRun(t, tc.capture, policy.Policy{})
			fs := findingsOf(rec, CodeCleartextLogin)
			if len(fs) == 0 {
				t.Fatal("no cleartext-login finding")
			}
			for _, f := range fs {
				for _, w := range tc.want {
					if !strings.Contains(f.Advice, w) {
						t.Errorf("advice lacks %q: %s", w, f.Advice)
					}
				}
				for _, n := range tc.never {
					if strings.Contains(f.Advice, n) {
						t.Errorf("advice names %q: %s", n, f.Advice)
					}
				}
			}
		})
	}

	// The family table itself: unknown names all three (in the form that
	// stands in a parenthesis), each known Unix family only its own.
	for _, tc := range []struct {
		kind        policy.ServerKind
		want, never []string
	}{
		{policy.ServerUnknown, []string{"vsftpd: ssl_enable=YES", "ProFTPD: TLSEngine on", "Pure-FTPd: -Y 1", "pure-ftpd.conf TLS 1"}, nil},
		{policy.ServerVsftpd, []string{"vsftpd: ssl_enable=YES"}, []string{"ProFTPD", "Pure-FTPd"}},
		{policy.ServerProFTPD, []string{"TLSEngine on"}, []string{"vsftpd", "Pure-FTPd"}},
		{policy.ServerPureFTPd, []string{"-Y 1", "--tls=1", "TLS 1", "/etc/pure-ftpd/conf/TLS", "/etc/ssl/private/pure-ftpd.pem"}, []string{"vsftpd", "ProFTPD"}},
	} {
		got := family{kind: tc.kind}.anonTLS()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: anonTLS %q lacks %q", tc.kind, got, w)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(got, n) {
				t.Errorf("%s: anonTLS %q names %q", tc.kind, got, n)
			}
		}
		if strings.ContainsAny(got, "()") {
			t.Errorf("%s: anonTLS %q stands in a parenthesis and opens one", tc.kind, got)
		}
	}
	// Requiring TLS (a user's login): the same, at the level that refuses
	// clear-text sessions.
	for _, tc := range []struct {
		kind        policy.ServerKind
		want, never []string
	}{
		{policy.ServerProFTPD, []string{"TLSEngine on and TLSRequired on"}, []string{"vsftpd", "Pure-FTPd"}},
		{policy.ServerPureFTPd, []string{"-Y 2 or --tls=2", "TLS 2 in pure-ftpd.conf", "echo 2 > /etc/pure-ftpd/conf/TLS"}, []string{"vsftpd", "ProFTPD"}},
		{policy.ServerUnknown, []string{"ssl_enable=YES", "TLSRequired on", "Pure-FTPd: -Y 2"}, nil},
	} {
		got := family{kind: tc.kind}.requireTLS()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: requireTLS %q lacks %q", tc.kind, got, w)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(got, n) {
				t.Errorf("%s: requireTLS %q names %q", tc.kind, got, n)
			}
		}
		if strings.ContainsAny(got, "()") {
			t.Errorf("%s: requireTLS %q stands in a parenthesis and opens one", tc.kind, got)
		}
	}
}

// The forms Debian's pure-ftpd-wrapper accepts in /etc/pure-ftpd/conf
// (parse_number_2: two numbers separated by white space; ForcePassiveIP
// a string without spaces) and pure-ftpd(8)'s flags (-p first:last,
// -P address).
var (
	debianRangeLine = regexp.MustCompile(`^# or, with Debian's wrapper: echo '(\d+)\s+(\d+)' > /etc/pure-ftpd/conf/PassivePortRange$`)
	debianAddrLine  = regexp.MustCompile(`^# or, with Debian's wrapper: echo (\S+) > /etc/pure-ftpd/conf/ForcePassiveIP$`)
	flagRangeLine   = regexp.MustCompile(`^# or on the command line: pure-ftpd -p (\d+):(\d+)$`)
	flagAddrLine    = regexp.MustCompile(`^# or on the command line: pure-ftpd -P (\S+)$`)
)

// TestPureFTPdFixesGiveTheFlagForms guards Pure-FTPd's fixes: the packaged
// daemon is configured by flags (Debian: one file per option in
// /etc/pure-ftpd/conf), and the fixes named only pure-ftpd.conf keywords.
// The change block gives each form on a line of its own, and the findings'
// advice names them too.
func TestPureFTPdFixesGiveTheFlagForms(t *testing.T) {
	t.Run("pasv-drop", func(t *testing.T) {
		rec, diag := realRun(t, "pureftpd-pasv-drop.pcap", policy.Policy{})
		rules := summaryRules(t, diag)
		i := index(rules, "PassivePortRange 40000 40100")
		if i < 0 || i+2 >= len(rules) {
			t.Fatalf("no PassivePortRange line followed by its other forms: %q", rules)
		}
		if m := flagRangeLine.FindStringSubmatch(rules[i+1]); m == nil || m[1] != "40000" || m[2] != "40100" {
			t.Errorf("flag line %q", rules[i+1])
		}
		if m := debianRangeLine.FindStringSubmatch(rules[i+2]); m == nil || m[1] != "40000" || m[2] != "40100" {
			t.Errorf("Debian line %q", rules[i+2])
		}
		fs := findingsOf(rec, CodeDataUnanswered)
		if len(fs) != 1 || !strings.Contains(fs[0].Advice, "-p 40000:40100 on pure-ftpd's command line") ||
			!strings.Contains(fs[0].Advice, "40000 40100 in Debian's /etc/pure-ftpd/conf/PassivePortRange") {
			t.Errorf("data-unanswered: %v", fs)
		}
	})
	t.Run("nat-no-forced-ip", func(t *testing.T) {
		rec, diag := realRun(t, "pureftpd-nat-no-forced-ip-client.pcap", policy.Policy{})
		rules := summaryRules(t, diag)
		i := index(rules, "ForcePassiveIP 10.99.1.1")
		if i < 0 || i+2 >= len(rules) {
			t.Fatalf("no ForcePassiveIP line followed by its other forms: %q", rules)
		}
		if m := flagAddrLine.FindStringSubmatch(rules[i+1]); m == nil || m[1] != "10.99.1.1" {
			t.Errorf("flag line %q", rules[i+1])
		}
		if m := debianAddrLine.FindStringSubmatch(rules[i+2]); m == nil || m[1] != "10.99.1.1" {
			t.Errorf("Debian line %q", rules[i+2])
		}
		fs := findingsOf(rec, CodeNATMismatch)
		if len(fs) == 0 || !strings.Contains(fs[0].Advice, "-P 10.99.1.1 on pure-ftpd's command line") {
			t.Errorf("nat-mismatch: %v", fs)
		}
	})
	// A placeholder is quoted for the shell: unquoted, "> " would redirect.
	if got := (family{kind: policy.ServerPureFTPd}).addrLines("<public address>"); len(got) != 3 ||
		got[2] != "# or, with Debian's wrapper: echo '<public address>' > /etc/pure-ftpd/conf/ForcePassiveIP" {
		t.Errorf("placeholder lines %q", got)
	}
	// The prose that stands in parentheses opens none; brief (verdicts)
	// gives the flag beside the keyword.
	f := family{kind: policy.ServerPureFTPd}
	r := policy.PortRange{Lo: 40000, Hi: 40100}
	for _, s := range []string{f.rangeNameIn(), f.rangeSetIn(r), f.addrNameIn(), f.addrSetIn("203.0.113.10"), f.rangeExample(r)} {
		if strings.ContainsAny(s, "()") {
			t.Errorf("a form meant for inside parentheses opens one: %q", s)
		}
	}
	if got := f.briefly().addrSet("203.0.113.10"); got != "ForcePassiveIP 203.0.113.10 or -P 203.0.113.10" {
		t.Errorf("brief %q", got)
	}
}

// TestUnknownRangeIsNotStatedAsFact guards the advice for passive
// connections dropped when no passive range is given: both lab servers
// had 40000-40100 set, and the verdict said the port was one "the server
// picked itself (no fixed passive range known)". Without --pasv-range or
// --server-config, ftpsniff says it does not know, and what to do in
// either case; a configuration that sets no range does say the server has
// none; one that sets it gets the rule for it.
func TestUnknownRangeIsNotStatedAsFact(t *testing.T) {
	unknownVerdict := []string{"the server's passive range is not known here (give --server-config or --pasv-range)",
		"if it has a fixed passive range, open that range; if it has none, set one ("}
	unknownAdvice := []string{"The server's passive range is not known here (give --server-config or --pasv-range)",
		"if the server has a fixed passive range, open that range; if it has none, set one ("}
	unknownHead := "# the server's passive range is not known here: if it has a fixed range, open that;"
	guesses := []string{"picked itself", "no fixed passive range known", "and a port the server picks itself changes every session: set"}
	noRange := &policy.ServerConfig{Path: "/etc/proftpd/proftpd.conf", Kind: policy.ServerProFTPD}
	for _, tc := range []struct {
		name, capture string
		p             policy.Policy
		verdict       []string // substrings of the verdict
		advice        []string // of data-unanswered's advice
		head          string   // the change block's first line, "" for none
		never         []string // in neither
	}{
		{"ProFTPD, nothing given", "proftpd-pasv-drop.pcap", policy.Policy{}, append(unknownVerdict, "(PassivePorts)"), unknownAdvice, unknownHead, guesses},
		{"Pure-FTPd, nothing given", "pureftpd-pasv-drop.pcap", policy.Policy{}, append(unknownVerdict, "(PassivePortRange or -p)"), unknownAdvice, unknownHead, guesses},
		{"vsftpd, nothing given", "pasv-drop.pcap", policy.Policy{}, append(unknownVerdict, "(pasv_min_port/pasv_max_port)"), unknownAdvice, unknownHead, guesses},
		{"ProFTPD, its configuration", "proftpd-pasv-drop.pcap", confPolicy(t, "proftpd-anon.conf"),
			[]string{"dropped between client and server on port 40056; open it"},
			[]string{"inside the passive range 40000-40100 meant to be open"}, "", append(guesses, "not known")},
		{"ProFTPD, a configuration without a range", "proftpd-pasv-drop.pcap", policy.Policy{Server: noRange},
			[]string{"which the server picked itself: /etc/proftpd/proftpd.conf sets no passive range; set one (PassivePorts) and open it"},
			[]string{"/etc/proftpd/proftpd.conf sets no passive range"}, "# /etc/proftpd/proftpd.conf sets no passive range", []string{"not known"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := realRun(t, tc.capture, tc.p)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			fs := findingsOf(rec, CodeDataUnanswered)
			if len(fs) != 1 {
				t.Fatalf("%d data-unanswered findings", len(fs))
			}
			v, a := sums[0].Verdict, fs[0].Advice
			for _, w := range tc.verdict {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q: %s", w, v)
				}
			}
			for _, w := range tc.advice {
				if !strings.Contains(a, w) {
					t.Errorf("advice lacks %q: %s", w, a)
				}
			}
			if rules := sums[0].Rules; tc.head != "" && (len(rules) == 0 || !strings.HasPrefix(rules[0], tc.head)) {
				t.Errorf("change block %q, want it to open with %q", rules, tc.head)
			}
			for _, n := range tc.never {
				for _, s := range append([]string{v, a}, sums[0].Rules...) {
					if strings.Contains(s, n) {
						t.Errorf("says %q: %s", n, s)
					}
				}
			}
		})
	}
}

func summaryRules(t *testing.T, diag *Diagnoser) []string {
	t.Helper()
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	return sums[0].Rules
}

func index(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// TestUnknownRangeCommentFitsWidth guards the change block's comment for
// a passive range ftpsniff does not know: one line of 169 columns under
// "change:" (the text output never wraps a change line). Now two comment
// lines, each within the default width of 100 with its indent of 4.
func TestUnknownRangeCommentFitsWidth(t *testing.T) {
	const width = 100 - 4
	for _, capture := range []string{"pasv-drop.pcap", "proftpd-pasv-drop.pcap", "pureftpd-pasv-drop.pcap"} {
		t.Run(capture, func(t *testing.T) {
			_, diag := realRun(t, capture, policy.Policy{})
			rules := summaryRules(t, diag)
			i := slices.IndexFunc(rules, func(r string) bool { return strings.HasPrefix(r, "# the server's passive range is not known here") })
			if i < 0 || i+1 >= len(rules) {
				t.Fatalf("no comment for the unknown range in %q", rules)
			}
			for _, r := range rules[i : i+2] {
				if n := utf8.RuneCountInString(r); n > width {
					t.Errorf("a comment of %d columns, over %d: %q", n, width, r)
				}
			}
			if !strings.HasSuffix(rules[i+1], "and open it, e.g.:") {
				t.Errorf("the comment does not go on in the next line: %q", rules[i:i+2])
			}
		})
	}
}
