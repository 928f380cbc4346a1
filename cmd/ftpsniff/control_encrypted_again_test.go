package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// reauthCapture writes a session that turns to TLS (AUTH TLS, 234, TLS
// records), back to FTP text (CCC: close_notify alerts, then a PASV in
// clear), then to TLS again with a second AUTH TLS, and in it opens a
// data connection whose announcement is hidden. With cccAgain it
// returns to FTP text a second time before it quits; else it ends
// encrypted.
func reauthCapture(t *testing.T, cccAgain bool) string {
	t.Helper()
	c, path := newWireCap(t)
	ctl := &wireConn{c: c, a: netip.MustParseAddrPort("192.0.2.50:40000"), b: netip.MustParseAddrPort("198.51.100.10:21"), aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB([]byte("220 ready\r\n"))
	auth := func() {
		ctl.fromA([]byte("AUTH TLS\r\n"))
		ctl.fromB([]byte("234 Proceed with negotiation.\r\n"))
		ctl.fromA(tlsRecord(22, 40))
		ctl.fromB(tlsRecord(22, 60))
		for range 4 {
			ctl.fromA(tlsRecord(23, 30))
			ctl.fromB(tlsRecord(23, 40))
		}
	}
	ccc := func(p byte) {
		ctl.fromA(tlsRecord(23, 30)) // CCC
		ctl.fromB(tlsRecord(23, 40)) // 200
		ctl.fromA(tlsRecord(21, 26))
		ctl.fromB(tlsRecord(21, 26))
		ctl.fromA([]byte("PWD\r\n"))
		ctl.fromB([]byte("257 \"/\" is the current directory\r\n"))
		ctl.fromA([]byte("PASV\r\n"))
		ctl.fromB(fmt.Appendf(nil, "227 Entering Passive Mode (198,51,100,10,156,%d).\r\n", p))
	}
	auth()
	ccc(70)
	auth()
	d := &wireConn{c: c, a: netip.MustParseAddrPort("192.0.2.50:50001"), b: netip.MustParseAddrPort("198.51.100.10:40001"), aseq: 70000, bseq: 90000}
	d.handshake()
	d.fromA(tlsRecord(22, 80))
	d.fromB(tlsRecord(22, 90))
	d.closeFromB()
	ctl.fromB(tlsRecord(23, 40))
	if cccAgain {
		ccc(80)
		ctl.fromA([]byte("QUIT\r\n"))
		ctl.fromB([]byte("221 Goodbye.\r\n"))
	} else {
		ctl.fromA(tlsRecord(23, 30))
		ctl.fromB(tlsRecord(23, 40))
	}
	ctl.closeFromB()
	return path
}

// TestControlEncryptedSpansAfterSecondAUTH guards control-encrypted in a
// session that does AUTH TLS, CCC, then AUTH TLS again: the span it names
// is the latest one, from the second 234, with the earlier one beside
// it. Before, the latest AUTH was paired with the first return to FTP
// text: "encrypted from packet 48 until packet 38", an end before its
// start, and "announcements after that are visible" for a session that
// ended encrypted, its data connection's announcement hidden.
func TestControlEncryptedSpansAfterSecondAUTH(t *testing.T) {
	span := regexp.MustCompile(`encrypted from packet (\d+) \(AUTH accepted again\)(?: until packet (\d+))?`)
	for _, tc := range []struct {
		name     string
		cccAgain bool
	}{{"ends encrypted", false}, {"clear again", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var msg string
			for _, f := range jsonFindings(t, reauthCapture(t, tc.cccAgain)) {
				if f.Code == diagnose.CodeControlEncrypted {
					msg = f.Message
				}
			}
			m := span.FindStringSubmatch(msg)
			if m == nil {
				t.Fatalf("control-encrypted %q: want the span from the second AUTH's 234", msg)
			}
			from, _ := strconv.Atoi(m[1])
			switch {
			case !tc.cccAgain && m[2] != "":
				t.Errorf("%q: the channel stayed encrypted to the end, want no \"until\"", msg)
			case tc.cccAgain && m[2] == "":
				t.Errorf("%q: want the span's end, the second return to FTP text", msg)
			case tc.cccAgain:
				if until, _ := strconv.Atoi(m[2]); until <= from {
					t.Errorf("%q: the span ends at packet %d, before its start %d", msg, until, from)
				}
			}
			if !strings.Contains(msg, "from packet 8 until packet 38") {
				t.Errorf("%q: want the first span (packet 8 until packet 38) named too", msg)
			}
		})
	}
}
