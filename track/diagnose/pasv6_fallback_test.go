package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestPASVOverIPv6FallbackIsNoFailure guards a warning for a client that
// did what it should (rev37 rv-corners pasv6-fallback.pcap): PASV over
// an IPv6 control connection answered "227 (0,0,0,0,...)", then at once
// EPSV, and the transfer through it worked. The 227's endpoint was a
// warning data-not-attempted with router/DNAT advice, and the verdict
// "never used"; the IPv4 equivalent (abandon-pasv.pcap) rightly says
// "it fell back". Now the same info; a 227 the client then used for a
// transfer command (no fallback) is judged as before.
func TestPASVOverIPv6FallbackIsNoFailure(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fallback bool
		want     Severity
		words    string
	}{
		{"EPSV at once after the 227", true, SeverityInfo, "it fell back"},
		{"a transfer command on the 227", false, SeverityWarning, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[2001:db8:1::100]:40001", "[2001:db8:2::10]:21")
			anonLogin(w)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (0,0,0,0,156,65).")
			if tc.fallback {
				w.cmd("EPSV")
				e := netip.AddrPortFrom(w.srv.Addr(), 40002)
				w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40002|)"},
					Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: e}})
				w.cmd("RETR c")
				w.reply(150, "ok")
				w.helloConn(netip.AddrPortFrom(w.cli.Addr(), 41001), e, []byte("x"), []byte(strings.Repeat("d", 100)))
				w.reply(226, "ok")
			} else {
				w.cmd("RETR c")
				w.wait(3 * time.Second)
				w.reply(425, "Failed to establish connection.")
			}
			w.end()
			f := w.c.find(CodeDataNotAttempted)
			if f == nil || f.Severity != tc.want || !strings.Contains(f.Message, tc.words) {
				dumpFindings(t, w.c)
				t.Fatalf("data-not-attempted %v, want %s saying %q", f, tc.want, tc.words)
			}
		})
	}
}
