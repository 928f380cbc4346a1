package main

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestHelperAdviceHidesPasswordLines: --helper linux's words about a
// session quote its replies as the findings' evidence does, never a
// line taken for a password nor a reply that repeats one. Here "PASS
// \rEPSV hunter2" after a 331 (the line after the bare CR is the
// password, crPassword) is refused with a 500 that echoes it, on an
// IPv6 control connection whose 227 the helper cannot use: the advice
// to use EPSV quoted that 500 ("500 'EPSV hunter2': command not
// understood.") as "the server refused EPSV here", and the transcript's
// note under the masked line named its verb ("(EPSV refused: ...)").
// Neither is said now: the masked line is no EPSV the server refused.
func TestHelperAdviceHidesPasswordLines(t *testing.T) {
	c, path := newWireCap(t)
	cli, srv := netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
	s := &wireSession{ctl: wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000}}
	s.ctl.handshake()
	s.reply("220 (vsFTPd 3.0.5)")
	s.cmd("USER alice")
	s.reply("331 Please specify the password.")
	s.cmd("PASS \rEPSV hunter2")
	s.reply("331 Please specify the password.")
	s.reply("500 'EPSV hunter2': command not understood.")
	s.cmd("PASS secret")
	s.reply("230 Login successful.")
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (0,0,0,0,156,64).")
	s.cmd("LIST")
	s.reply("425 Failed to establish connection.")
	s.quit()
	c.w = nil
	for _, format := range []string{"text", "json"} {
		out, errs, code := readText(t, "--helper", "linux", "-v", "--format", format, path)
		if code != 0 && code != 1 {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		flat := strings.Join(strings.Fields(out), " ")
		if !strings.Contains(flat, "have the client use EPSV (RFC 2428)") {
			t.Errorf("%s: no EPSV advice (the shape under test):\n%s", format, out)
		}
		for _, n := range []string{"hunter2", "the server refused EPSV here", "(EPSV refused"} {
			if strings.Contains(flat, n) {
				t.Errorf("%s: output has %q:\n%s", format, n, out)
			}
		}
	}
	// A reply that repeats a password is quoted masked, as evidence is.
	if got := quoteReply(&track.Reply{Code: 530, Text: "Login incorrect for hunter2", Secret: true}); got != `"530 ****"` {
		t.Errorf("quoteReply of a masked reply: %s", got)
	}
}
