package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

const inetutilsGreeting = "localhost FTP server (GNU inetutils 2.4) ready."

// settingsNamed are the words of the passive range and address settings
// of the families in settingsTable, and the generic list's: advice for a
// server that has none of them names none.
var settingsNamed = []string{"pasv_min_port", "PassivePorts", "PassivePortRange", "Data Channel Port Range", "custom port range",
	"passive_ports", "passive ports 0.0.0.0", "passive address (ftpaccess)", "pasv_address", "MasqueradeAddress", "ForcePassiveIP", "masquerade_address",
	"External IP Address", "Use the following host", genericRange, genericAddr}

// allAdviceText is every finding's and the summaries' text.
func allAdviceText(c *collect, d *Diagnoser) string {
	var b strings.Builder
	for _, f := range c.fs {
		b.WriteString(f.Message + "\n" + f.Advice + "\n")
	}
	for _, s := range d.Summaries() {
		b.WriteString(s.Verdict + "\n" + strings.Join(s.Rules, "\n") + "\n")
	}
	return b.String()
}

// TestNoPassiveSettingsServerAdvice guards the advice for a server whose
// greeting names GNU inetutils ftpd, which has no passive port range or
// passive address option (ftpd(8), ftpd --help): its passive ports are the
// kernel's ephemeral ports and its 227 names the address the client
// reached. Advice names the kernel's range (host-wide), the FTP helper and
// EPSV, never a setting the server lacks; a greeting naming no family
// (Twisted) keeps the generic list.
func TestNoPassiveSettingsServerAdvice(t *testing.T) {
	outside := func(greeting string) *track.Session {
		s := greeted(sess("10.220.7.1:33842", "10.220.7.2:21"), greeting)
		dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.220.7.2:46323", 229, "Entering Extended Passive Mode (|||46323|)")
		syn(dc, "10.220.7.1:54374", "10.220.7.2:46323", 12, 4, 3*time.Second)
		dc.Outcome = track.OutcomeUnanswered
		return s
	}
	nat := func(greeting string) *track.Session {
		s := greeted(sess("203.0.113.5:50000", "198.51.100.7:21"), greeting)
		dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:46323", 227, "Entering Passive Mode (10,0,0,1,180,243)")
		syn(dc, "203.0.113.5:40001", "10.0.0.1:46323", 12, 3, 2*time.Second)
		dc.Outcome = track.OutcomeUnanswered
		return s
	}
	for _, tc := range []struct {
		name string
		p    policy.Policy
		s    func(string) *track.Session
		want []string
	}{
		{"passive port outside the firewall's range", rangePolicy(t, "50000-50010"), outside,
			[]string{"GNU inetutils ftpd, which has no passive port range setting", "ip_local_port_range", "host-wide", "FTP conntrack helper"}},
		{"passive address of its private network", policy.Policy{}, nat,
			[]string{"GNU inetutils ftpd, which has no passive address setting", "EPSV"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, d := feed(tc.p, tc.s(inetutilsGreeting))
			text := allAdviceText(c, d)
			for _, bad := range settingsNamed {
				if strings.Contains(text, bad) {
					t.Errorf("advice names %q, a setting GNU inetutils ftpd lacks:\n%s", bad, text)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("advice lacks %q:\n%s", w, text)
				}
			}
			// Twisted names no family and has a passive range setting of
			// its own, but no address setting (TestTwistedAdviceNamesNoAddressSetting):
			// never inetutils' kernel range.
			c, d = feed(tc.p, tc.s("Twisted 22.4.0 FTP Server"))
			if text := allAdviceText(c, d); strings.Contains(text, "inetutils") || strings.Contains(text, "ip_local_port_range") {
				t.Errorf("Twisted's advice names inetutils' kernel range:\n%s", text)
			}
		})
	}
}

// TestNoPassiveSettingsServerNeverExhausted guards passive-range-exhausted
// for a server whose ports are the kernel's: when they are all taken its
// bind of port 0 fails (a 425), it does not leave a range for another.
func TestNoPassiveSettingsServerNeverExhausted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     policy.Policy
		ports []uint16
	}{
		{"--pasv-range, every port held", rangePolicy(t, "50000-50001"), []uint16{50000, 50001}},
		{"no range, a block of 4 held", policy.Policy{}, []uint16{50000, 50001, 50002, 50003}},
	} {
		c, _ := feed(tc.p, pasvHeld(inetutilsGreeting, tc.ports, 20, 43417)...)
		if f := c.find(CodeRangeExhausted); f != nil {
			t.Errorf("%s: passive-range-exhausted for a server without a passive range: %s", tc.name, f.Message)
		}
	}
}

// TestKindVoteNoPassive guards the merge of greetings with one naming a
// server without passive settings: it votes as a family of its own, so a
// greeting naming a family contradicts it, and a silent one does not.
func TestKindVoteNoPassive(t *testing.T) {
	inet := policy.FamilyFromGreeting(inetutilsGreeting)
	for _, tc := range []struct {
		name      string
		votes     []voter
		kind      policy.ServerKind
		noPassive bool
	}{
		{"inetutils alone", []voter{inet}, policy.ServerUnknown, true},
		{"inetutils and a silent one", []voter{policy.ServerUnknown, inet, policy.ServerUnknown}, policy.ServerUnknown, true},
		{"inetutils then vsftpd", []voter{inet, policy.ServerVsftpd}, policy.ServerUnknown, false},
		{"vsftpd then inetutils", []voter{policy.ServerVsftpd, inet, inet}, policy.ServerUnknown, false},
	} {
		var v kindVote
		for _, x := range tc.votes {
			v.add(x)
		}
		if v.kind != tc.kind || v.noPassive != tc.noPassive {
			t.Errorf("%s: kind %v noPassive %v, want %v %v", tc.name, v.kind, v.noPassive, tc.kind, tc.noPassive)
		}
	}
}
