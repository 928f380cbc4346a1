package diagnose

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

const synthDir = "../../pcaps/synthetic"

// TestFamilySettings: each family's settings for the passive range and the
// announced address, as its documentation spells them; an unknown server's
// advice names the setting generically with the common families' names.
func TestFamilySettings(t *testing.T) {
	r := policy.PortRange{Lo: 40000, Hi: 40100}
	const a = "203.0.113.10"
	tests := []struct {
		kind                policy.ServerKind
		rangeLines          []string
		addrLines           []string
		rangeName, addrName string
	}{
		{policy.ServerVsftpd, []string{"pasv_min_port=40000", "pasv_max_port=40100"}, []string{"pasv_address=203.0.113.10"}, "pasv_min_port/pasv_max_port", "pasv_address"},
		{policy.ServerProFTPD, []string{"PassivePorts 40000 40100"}, []string{"MasqueradeAddress 203.0.113.10"}, "PassivePorts", "MasqueradeAddress"},
		// The packaged daemon reads flags (Debian's wrapper makes them of
		// /etc/pure-ftpd/conf), not pure-ftpd.conf: every spelling.
		{policy.ServerPureFTPd,
			[]string{"PassivePortRange 40000 40100", "# or on the command line: pure-ftpd -p 40000:40100",
				"# or, with Debian's wrapper: echo '40000 40100' > /etc/pure-ftpd/conf/PassivePortRange"},
			[]string{"ForcePassiveIP 203.0.113.10", "# or on the command line: pure-ftpd -P 203.0.113.10",
				"# or, with Debian's wrapper: echo 203.0.113.10 > /etc/pure-ftpd/conf/ForcePassiveIP"},
			"PassivePortRange or -p", "ForcePassiveIP or -P"},
		{policy.ServerIIS, []string{"FTP Firewall Support (server level in IIS Manager): Data Channel Port Range 40000-40100"},
			[]string{"FTP Firewall Support (the FTP site in IIS Manager): External IP Address of Firewall 203.0.113.10"},
			"the Data Channel Port Range of FTP Firewall Support", "the External IP Address of Firewall in FTP Firewall Support"},
		{policy.ServerFileZilla, []string{"Passive mode: Use custom port range 40000-40100"}, []string{"Passive mode: Use the following host 203.0.113.10"},
			"the passive mode's custom port range", "the passive mode's public host (\"Use the following host\")"},
		// range() excludes its end: 40101 makes 40100 the last port.
		{policy.ServerPyftpdlib, []string{"FTPHandler.passive_ports = range(40000, 40101)"}, []string{`FTPHandler.masquerade_address = "203.0.113.10"`},
			"FTPHandler.passive_ports", "FTPHandler.masquerade_address"},
		{policy.ServerWuFTPd, []string{"passive ports 0.0.0.0/0 40000 40100"}, []string{"passive address 203.0.113.10 0.0.0.0/0"},
			"passive ports (ftpaccess)", "passive address (ftpaccess)"},
	}
	for _, tt := range tests {
		f := family{kind: tt.kind}
		if !f.known() {
			t.Errorf("%s: not in the settings table", tt.kind)
			continue
		}
		if got := f.rangeLines(r); !slices.Equal(got, tt.rangeLines) {
			t.Errorf("%s range lines %q, want %q", tt.kind, got, tt.rangeLines)
		}
		if got := f.addrLines(a); !slices.Equal(got, tt.addrLines) {
			t.Errorf("%s address lines %q, want %q", tt.kind, got, tt.addrLines)
		}
		// In prose: the settings (the lines that are not comments),
		// followed by the other spellings where the family has them.
		settings := slices.DeleteFunc(slices.Clone(tt.rangeLines), func(l string) bool { return strings.HasPrefix(l, "#") })
		if got := f.rangeSet(r); !strings.HasPrefix(got, strings.Join(settings, " and ")) || len(settings) == len(tt.rangeLines) && got != strings.Join(settings, " and ") {
			t.Errorf("%s range in prose %q", tt.kind, got)
		}
		if f.rangeName() != tt.rangeName || f.addrName() != tt.addrName || f.briefly().addrName() != tt.addrName {
			t.Errorf("%s names %q, %q", tt.kind, f.rangeName(), f.addrName())
		}
		// From the configuration: no remark. From the greeting: where
		// the family came from, except for vsftpd's unchanged advice.
		if f.note() != "" {
			t.Errorf("%s from --server-config has a note %q", tt.kind, f.note())
		}
		g := family{kind: tt.kind, byGreeting: true}
		if wantNote := tt.kind != policy.ServerVsftpd; (g.note() != "") != wantNote || wantNote && !strings.Contains(g.note(), tt.kind.Product()+"'s settings, from its greeting") {
			t.Errorf("%s from the greeting: note %q", tt.kind, g.note())
		}
	}

	// Unknown: never one family's setting as if it were known; every
	// common family's name for it in one parenthesis.
	u := family{byGreeting: true}
	if u.known() || u.note() != "" {
		t.Errorf("unknown family: known %v, note %q", u.known(), u.note())
	}
	for _, s := range []string{u.rangeName(), u.rangeSet(r), u.rangeLines(r)[0], u.addrName(), u.addrSet(a), u.addrLines(a)[0]} {
		if !strings.Contains(s, "the server's passive") {
			t.Errorf("unknown family's setting not named generically: %q", s)
		}
	}
	for _, name := range []string{"vsftpd pasv_min_port/pasv_max_port", "ProFTPD PassivePorts", "Pure-FTPd PassivePortRange", "IIS FTP Firewall Support's Data Channel Port Range", "FileZilla Server's passive mode custom port range"} {
		if !strings.Contains(u.rangeName(), name) || !strings.Contains(u.rangeLines(r)[0], name) {
			t.Errorf("unknown family's range setting lacks %q: %q", name, u.rangeName())
		}
	}
	for _, name := range []string{"vsftpd pasv_address", "ProFTPD MasqueradeAddress", "Pure-FTPd ForcePassiveIP", "IIS FTP Firewall Support's External IP Address of Firewall", "FileZilla Server's passive mode"} {
		if !strings.Contains(u.addrSet(a), name) || !strings.Contains(u.addrLines(a)[0], name) {
			t.Errorf("unknown family's address setting lacks %q: %q", name, u.addrSet(a))
		}
	}
	if got := u.rangeLines(r); len(got) != 1 || !strings.HasPrefix(got[0], "# set the server's passive port range setting to 40000-40100 (") {
		t.Errorf("unknown family's range line %q: a comment, not a setting of one family", got)
	}
	if got := u.briefly().addrSet(a); got != "203.0.113.10 in the server's passive address setting" {
		t.Errorf("brief %q", got)
	}
	for _, s := range []string{u.rangeNameIn(), u.rangeSetIn(r), u.addrNameIn(), u.addrSetIn(a), u.rangeExample(r)} {
		if strings.ContainsAny(s, "()") {
			t.Errorf("a form meant for inside parentheses opens one: %q", s)
		}
	}
}

// vsftpdSettings are the setting names that must not reach a server that
// is not (known to be) vsftpd.
var vsftpdSettings = []string{"pasv_address", "pasv_min_port", "pasv_max_port"}

// adviceText is every finding's advice and every summary's verdict and
// rules.
func adviceText(rec *recorder, diag *Diagnoser) []string {
	var out []string
	for _, f := range rec.findings {
		out = append(out, f.Advice)
	}
	for _, s := range diag.Summaries() {
		out = append(out, s.Verdict)
		out = append(out, s.Rules...)
	}
	return out
}

// TestAdviceNamesTheServersOwnSettings guards against advice naming
// vsftpd's settings for every server: without --server-config a ProFTPD
// server (its greeting "220 ProFTPD Server (Debian)") got pasv_address
// and pasv_min_port/pasv_max_port. The family is the configuration's when
// one is given, else the greeting's, said to come from there; a greeting
// that names none gets the setting named generically.
func TestAdviceNamesTheServersOwnSettings(t *testing.T) {
	// ftps-elsewhere: a ProFTPD server behind NAT announces its private
	// address inside TLS; range-exhausted: a ProFTPD server runs out of
	// its passive range.
	for _, tc := range []struct {
		capture string
		want    []string // in some advice, verdict or rule
	}{
		{"ftps-elsewhere.pcap", []string{"MasqueradeAddress 203.0.113.20", "PassivePorts", "set MasqueradeAddress 203.0.113.20 (ProFTPD's settings, from its greeting)"}},
		{"range-exhausted.pcap", []string{"PassivePorts 40000 40129", "(ProFTPD's settings, from its greeting.)"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, diag := run(t, filepath.Join(synthDir, tc.capture), policy.Policy{})
			all := strings.Join(adviceText(rec, diag), "\n")
			for _, bad := range vsftpdSettings {
				if strings.Contains(all, bad) {
					t.Errorf("vsftpd's %s in the advice for a ProFTPD server:\n%s", bad, render(rec, diag))
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("advice lacks %q:\n%s", w, render(rec, diag))
				}
			}
		})
	}

	// A configuration of another family than the greeting names is not
	// that server's: the greeting's family is advised, and the note says
	// why the configuration was not applied (rev18 rev-config 2).
	vsftpdConf, err := policy.ParseVsftpd("vsftpd.conf", []byte("pasv_enable=YES\n"))
	if err != nil {
		t.Fatal(err)
	}
	rec, diag := run(t, filepath.Join(synthDir, "ftps-elsewhere.pcap"), policy.Policy{Server: vsftpdConf})
	all := strings.Join(adviceText(rec, diag), "\n")
	if !strings.Contains(all, "MasqueradeAddress 203.0.113.20") || strings.Contains(all, "pasv_address") || !strings.Contains(all, "vsftpd.conf is not applied to this server: its greeting names ProFTPD, not vsftpd") {
		t.Errorf("--server-config vsftpd.conf was applied to a ProFTPD server:\n%s", render(rec, diag))
	}

	// epsv-forms: its second server greets "220 FTP server ready.", which
	// names no family, and refuses EPSV as unknown (500): the advice names
	// no setting at all, no range to open (nothing on the path refused
	// it), never vsftpd's alone.
	rec, diag = run(t, filepath.Join(synthDir, "epsv-forms.pcap"), policy.Policy{})
	var fallback *Finding
	for _, f := range rec.findings {
		if f.Code == CodeModeFallback {
			fallback = f
		}
	}
	if fallback == nil || !strings.Contains(fallback.Advice, "does not implement EPSV") ||
		strings.Contains(fallback.Advice, "pasv_min_port") || strings.Contains(fallback.Advice, "from its greeting") {
		t.Errorf("an unknown server's epsv-pasv-fallback advice:\n%s", render(rec, diag))
	}
}

// TestGreetingFamilyPerSessionAndServer: the family of other servers'
// greetings (IIS, FileZilla Server) reaches the findings and the summary;
// a server whose sessions name different families, or none, gets the
// setting named generically.
func TestGreetingFamilyPerSessionAndServer(t *testing.T) {
	natSession := func(id int, greeting string) *track.Session {
		s := sess("192.168.1.5:50000", "198.51.100.1:21")
		s.ID = id
		s.Greeting = nil
		if greeting != "" {
			s.Greeting = []track.Reply{{Code: 220, Text: greeting, TS: t0, Num: 4}}
		}
		cmd(s, 8, "USER", "anonymous", 331, "Please specify the password.")
		dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40100", 227, "Entering Passive Mode (10,1,1,10,156,196).")
		syn(dc, "192.168.1.5:50001", "10.1.1.10:40100", 12, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	feedAll := func(ss ...*track.Session) (*collect, *Diagnoser) {
		c := &collect{}
		d := New(policy.Policy{}, nil, c)
		for _, s := range ss {
			d.SessionStart(s)
			for _, x := range s.Commands {
				d.Command(s, x)
			}
			for _, dc := range s.Data {
				dc.Done = true
				d.Data(s, dc)
			}
			d.SessionEnd(s)
		}
		return c, d
	}
	tests := []struct {
		name      string
		greetings []string
		advice    string // in the nat-mismatch advice of the last session
		verdict   string // in the server's verdict
		rule      string // the server's address rule
	}{
		{"IIS", []string{"Microsoft FTP Service"},
			"FTP Firewall Support (the FTP site in IIS Manager): External IP Address of Firewall 198.51.100.1 (restart the server)",
			"(IIS's settings, from its greeting)", "FTP Firewall Support (the FTP site in IIS Manager): External IP Address of Firewall 198.51.100.1"},
		{"FileZilla Server", []string{"FileZilla Server 1.8.0\nPlease visit https://filezilla-project.org/"},
			"Passive mode: Use the following host 198.51.100.1",
			"(FileZilla Server's settings, from its greeting)", "Passive mode: Use the following host 198.51.100.1"},
		{"vsftpd", []string{"(vsFTPd 3.0.3)"}, "pasv_address=198.51.100.1 (restart the server)", "set pasv_address=198.51.100.1", "pasv_address=198.51.100.1"},
		{"no greeting", []string{""}, "198.51.100.1 in the server's passive address setting (vsftpd pasv_address, ProFTPD MasqueradeAddress",
			"set 198.51.100.1 in the server's passive address setting", "# set the server's passive address setting to 198.51.100.1 (vsftpd pasv_address"},
		{"custom banner", []string{"Welcome to Example Corp"}, "in the server's passive address setting (vsftpd pasv_address", "in the server's passive address setting", "# set the server's passive address setting"},
		// One server, two families: its summary cannot name either.
		{"mixed", []string{"ProFTPD Server (Debian)", "Microsoft FTP Service"},
			"External IP Address of Firewall 198.51.100.1", "set 198.51.100.1 in the server's passive address setting", "# set the server's passive address setting"},
		// A session that names none does not contradict one that does.
		{"one silent", []string{"ProFTPD Server (Debian)", ""},
			"in the server's passive address setting (vsftpd", "set MasqueradeAddress 198.51.100.1 (ProFTPD's settings, from its greeting)", "MasqueradeAddress 198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ss []*track.Session
			for i, g := range tt.greetings {
				ss = append(ss, natSession(i+1, g))
			}
			c, d := feedAll(ss...)
			var last *Finding
			for _, f := range c.fs {
				if f.Code == CodeNATMismatch {
					last = f
				}
			}
			if last == nil || !strings.Contains(last.Advice, tt.advice) {
				dumpFindings(t, c)
				t.Fatalf("nat-mismatch advice lacks %q", tt.advice)
			}
			sums := d.Summaries()
			if len(sums) != 1 || !strings.Contains(sums[0].Verdict, tt.verdict) || !strings.Contains(strings.Join(sums[0].Rules, "\n"), tt.rule) {
				t.Fatalf("summary %q %q, want verdict with %q and rule %q", sums[0].Verdict, sums[0].Rules, tt.verdict, tt.rule)
			}
			if tt.name != "IIS" && tt.name != "FileZilla Server" && tt.name != "one silent" && strings.Contains(sums[0].Verdict, "from its greeting") {
				t.Errorf("verdict %q claims a family", sums[0].Verdict)
			}
		})
	}
}

// TestKindVoteMerges guards the one merge greetingKind and a server's
// summary share: a greeting naming no family does not contradict, the
// first named wins, and a conflict leaves the family unknown for good.
func TestKindVoteMerges(t *testing.T) {
	const (
		u = policy.ServerUnknown
		v = policy.ServerVsftpd
		p = policy.ServerProFTPD
	)
	for _, tc := range []struct {
		votes []policy.ServerKind
		want  policy.ServerKind
	}{
		{nil, u},
		{[]policy.ServerKind{u, u}, u},
		{[]policy.ServerKind{u, v, u, v}, v},
		{[]policy.ServerKind{v, p}, u},
		{[]policy.ServerKind{v, p, v}, u},
		{[]policy.ServerKind{v, p, u, p}, u},
	} {
		var k kindVote
		for _, x := range tc.votes {
			k.add(x)
		}
		if k.kind != tc.want {
			t.Errorf("votes %v: %v, want %v", tc.votes, k.kind, tc.want)
		}
	}
}

// TestDataSettingsSetTogether guards ownDataSettings, which asks one of
// the data connection settings for all four: a family names its own for
// all of them or for none.
func TestDataSettingsSetTogether(t *testing.T) {
	for _, row := range settingsTable {
		s := row.s
		set := 0
		for _, v := range []string{s.sourceCheckOff, s.idleTimeout, s.refusePrivileged, s.refuseForeign} {
			if v != "" {
				set++
			}
		}
		if set != 0 && set != 4 {
			t.Errorf("%s names %d of its 4 data connection settings", row.kind, set)
		}
		if (set == 4) != (family{kind: row.kind}).ownDataSettings() {
			t.Errorf("%s: ownDataSettings %v with %d settings", row.kind, !(set == 4), set)
		}
	}
}
