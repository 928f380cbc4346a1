package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// active-blocked's client-side fix named only iptables and nftables, and
// began "Use passive mode on the client", for Windows's ftp.exe (it sends
// XPWD for pwd, and has no passive mode): now a client the session shows
// to be Windows's gets Windows Defender Firewall's rule, ftp.exe gets no
// "use passive mode", and a client whose system the session does not
// show gets both systems' rules, each named.
func TestActiveBlockedAdviceForTheClientsSystem(t *testing.T) {
	for _, tc := range []struct {
		name     string
		verbs    []string // commands before the PORT
		want     []string
		not      []string
		verdict  []string
		rulesHas []string
	}{
		{"Windows ftp.exe: XPWD, PORT only", []string{"XPWD"},
			[]string{"most likely Windows's ftp.exe (it sends XPWD", "no passive mode", `program="%SystemRoot%\System32\ftp.exe"`, "Windows Defender Firewall",
				"if the client is not a Windows host (scripts and some Unix clients send XPWD too): let the connection in on the client: attach the FTP conntrack helper"},
			[]string{"Use passive mode on the client"},
			[]string{"Windows's ftp.exe", "has none"},
			[]string{"netsh advfirewall firewall add rule"}},
		{"a Windows client that also asked for PASV: passive mode stays", []string{"XPWD", "PASV"},
			[]string{"Use passive mode on the client", "Windows Defender Firewall (most likely a Windows client: it sends XPWD)", `program="C:\path\to\client.exe"`, "if the client is not a Windows host"},
			[]string{"ftp.exe"},
			[]string{"use passive mode"},
			[]string{"netsh advfirewall firewall add rule"}},
		{"a client whose system cannot be told: both", []string{"PWD"},
			[]string{"Use passive mode on the client", "-t raw -A OUTPUT", "on a Windows client, in Windows Defender Firewall instead: netsh advfirewall"},
			[]string{"ftp.exe"},
			[]string{"use passive mode"},
			[]string{"-t raw -A OUTPUT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			s.Greeting = []track.Reply{{Code: 220, Text: "Microsoft FTP Service", TS: t0, Num: 4}}
			num := uint64(6)
			for _, v := range tc.verbs {
				switch v {
				case "PASV":
					cmd(s, num, v, "", 227, "Entering Passive Mode (10,0,0,1,156,65).")
				default:
					cmd(s, num, v, "", 257, `"/" is current directory.`)
				}
				num += 2
			}
			dc := announce(s, 10, "PORT", ftp.ViaPORT, "10.0.0.2:34109", 200, "PORT command successful.")
			syn(dc, "10.0.0.1:20", "10.0.0.2:34109", 14, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			x := cmd(s, 12, "RETR", "f", 425, "Can't open data connection.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				t.Fatal("no active-blocked")
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q: %s", w, f.Advice)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(f.Advice, w) {
					t.Errorf("advice has %q: %s", w, f.Advice)
				}
			}
			sum := serverSummary(t, d, "10.0.0.1:21")
			for _, w := range tc.verdict {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q: %s", w, sum.Verdict)
				}
			}
			rules := strings.Join(sum.Rules, "\n")
			for _, w := range tc.rulesHas {
				if !strings.Contains(rules, w) {
					t.Errorf("change lines lack %q:\n%s", w, rules)
				}
			}
		})
	}
}
