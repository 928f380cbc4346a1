package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// realAdviceText is every finding's advice and every summary's verdict
// and change lines of a capture in pcaps/real.
func realAdviceText(t *testing.T, name string) (advice, verdict string, rules []string) {
	t.Helper()
	rec, diag := run(t, "../../pcaps/real/"+name, policy.Policy{})
	var b strings.Builder
	for _, f := range rec.findings {
		b.WriteString(f.Advice + "\n")
	}
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%s: %d server summaries, want 1", name, len(sums))
	}
	return b.String(), sums[0].Verdict, sums[0].Rules
}

// TestKernelRangeRulesForServerWithoutPassiveRange guards the rules for
// GNU inetutils ftpd, whose passive ports are the kernel's ephemeral ones
// (pcaps/real/inetutils-ftpd-pasv-drop.pcap: 54407, 60503, 32777): the
// rules open that range, 32768-60999, never an example range the server
// does not use, and narrowing the kernel's range is said to need no
// restart.
func TestKernelRangeRulesForServerWithoutPassiveRange(t *testing.T) {
	advice, verdict, rules := realAdviceText(t, "inetutils-ftpd-pasv-drop.pcap")
	open := false
	for _, l := range rules {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.Contains(l, "40000") {
			t.Errorf("change line opens a range the server never uses: %s", l)
		}
		open = open || strings.Contains(l, "dport 32768-60999")
	}
	if !open {
		t.Errorf("no change line opens 32768-60999:\n%s", strings.Join(rules, "\n"))
	}
	if !strings.Contains(verdict, "32768-60999") || strings.Contains(verdict, "set one") {
		t.Errorf("verdict: %s", verdict)
	}
	if strings.Contains(advice, "restart the server") || !strings.Contains(advice, "dport 32768-60999") {
		t.Errorf("advice:\n%s", advice)
	}
}

// TestHelperOnlyBehindNATForServerWithoutPassiveAddress guards the
// verdict for GNU inetutils ftpd behind a NAT announcing its private
// address (pcaps/real/inetutils-ftpd-nat.pcap): it has no address to set,
// so the fix is the NAT's FTP helper, not a static forward of a passive
// range it does not have.
func TestHelperOnlyBehindNATForServerWithoutPassiveAddress(t *testing.T) {
	_, verdict, rules := realAdviceText(t, "inetutils-ftpd-nat.pcap")
	if !strings.Contains(verdict, "attach the FTP helper") || strings.Contains(verdict, "DNAT") || strings.Contains(verdict, "passive range") {
		t.Errorf("verdict: %s", verdict)
	}
	helper := false
	for _, l := range rules {
		if !strings.HasPrefix(l, "#") && (strings.Contains(l, "dnat") || strings.Contains(l, "DNAT") || strings.Contains(l, "40000")) {
			t.Errorf("change line forwards a range statically: %s", l)
		}
		helper = helper || strings.Contains(l, "--helper ftp")
	}
	if !helper {
		t.Errorf("no helper line:\n%s", strings.Join(rules, "\n"))
	}
}

// TestTwistedAdviceNamesNoAddressSetting guards Twisted behind a NAT
// (pcaps/real/twisted-nat.pcap): Twisted announces its own address of the
// control connection and has no setting for it, no EPSV and no TLS, so
// neither the generic address settings nor another server's FTPS
// settings are named.
func TestTwistedAdviceNamesNoAddressSetting(t *testing.T) {
	advice, verdict, rules := realAdviceText(t, "twisted-nat.pcap")
	all := advice + verdict + strings.Join(rules, "\n")
	for _, bad := range []string{"pasv_address", "MasqueradeAddress", "ForcePassiveIP", genericAddr, "ssl_enable", "have clients use EPSV"} {
		if strings.Contains(all, bad) {
			t.Errorf("advice names %q:\n%s", bad, all)
		}
	}
	for _, w := range []string{"Twisted's FTP server, which has no passive address setting", "Twisted's FTP server has no TLS"} {
		if !strings.Contains(all, w) {
			t.Errorf("advice lacks %q:\n%s", w, all)
		}
	}
}

// TestGridFTPAdviceNamesItsOwnSettings guards GridFTP announcing
// 127.0.0.1, as it does when its host name resolves to loopback (the
// review's grid-loopback capture): its address setting is
// -data-interface, and its logins are protected by GSI, not by another
// server's FTPS settings.
func TestGridFTPAdviceNamesItsOwnSettings(t *testing.T) {
	s := greeted(sess("10.99.0.2:43768", "10.99.0.1:21"), "vm GridFTP Server 13.24 (gcc64, 1653033972-1) [Grid Community Toolkit 6.2] ready.")
	cmd(s, 6, "USER", "anonymous", 331, "Please specify the password.")
	cmd(s, 8, "PASS", "a@b", 230, "User anonymous logged in.")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "127.0.0.1:40091", 227, "Entering Passive Mode (127,0,0,1,156,155)")
	syn(dc, "10.99.0.2:35162", "127.0.0.1:40091", 12, 3, 2*time.Second)
	dc.Outcome = track.OutcomeUnanswered
	c, d := feed(policy.Policy{}, s)
	text := allAdviceText(c, d)
	for _, bad := range []string{"pasv_address", "MasqueradeAddress", genericAddr, "ssl_enable"} {
		if strings.Contains(text, bad) {
			t.Errorf("advice names %q:\n%s", bad, text)
		}
	}
	for _, w := range []string{"-data-interface 10.99.0.1", "GSI"} {
		if !strings.Contains(text, w) {
			t.Errorf("advice lacks %q:\n%s", w, text)
		}
	}
}

// TestLinuxFtpdAdviceNamesKernelRange guards Linux-ftpd (OpenBSD's ftpd
// on Linux, ftpd-ssl's greeting too), which like GNU inetutils ftpd has
// no passive range or address setting: its advice names the kernel's
// range, never a family's setting, and its TLS as ftpd-ssl's.
func TestLinuxFtpdAdviceNamesKernelRange(t *testing.T) {
	s := greeted(sess("10.99.0.2:50000", "10.99.0.1:21"), "vm FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready.")
	cmd(s, 6, "USER", "alice", 331, "Password required for alice.")
	cmd(s, 8, "PASS", "secret", 230, "User alice logged in.")
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.99.0.1:34441", 229, "Entering Extended Passive Mode (|||34441|)")
	syn(dc, "10.99.0.2:40001", "10.99.0.1:34441", 12, 3, 2*time.Second)
	dc.Outcome = track.OutcomeUnanswered
	c, d := feed(policy.Policy{}, s)
	text := allAdviceText(c, d)
	for _, bad := range append(settingsNamed, "ssl_enable", "40000-40100") {
		if strings.Contains(text, bad) {
			t.Errorf("advice names %q:\n%s", bad, text)
		}
	}
	for _, w := range []string{"Linux-ftpd, which has no passive port range setting", "32768-60999", "ftpd-ssl"} {
		if !strings.Contains(text, w) {
			t.Errorf("advice lacks %q:\n%s", w, text)
		}
	}
}
