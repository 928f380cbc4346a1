package main

import (
	"strings"
	"testing"
)

// TestPortSmuggledPastLineLimitIsShown: a NOOP padded to 4,096 bytes with
// "PORT 10,9,9,9,0,25" after the pad in the same line (rev-attack3,
// pcaps/hostile/attack/g_long.py): vsftpd splits the line there and
// takes the PORT, answering "500" to the pad and "200 PORT command
// successful" to it. ftpsniff showed the 200 as a reply without a
// command, "data: none", and the 2,000-byte connection from the server's
// port 20 to 10.9.9.9:25 went unreported. Now the PORT is read from the
// line's kept tail, hedged as smuggled past a line limit, armed, and
// the bounce is reported.
func TestPortSmuggledPastLineLimitIsShown(t *testing.T) {
	out := readAttack(t, "long_port_third_hidden.pcap")
	for _, want := range []string{
		"<-- PORT 10,9,9,9,0,25 = 10.9.9.9:25 [smuggled past a line limit",
		"data #1 PORT 10.9.9.9:25 transferred: 2000 bytes",
		"warning ftp-bounce",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "reply without a command") || strings.Contains(out, "data: none") {
		t.Errorf("the smuggled PORT's 200 still stands alone:\n%s", out)
	}
	js := readAttack(t, "long_port_third_hidden.pcap", "--json")
	if !strings.Contains(js, `"command":"PORT","arg":"10,9,9,9,0,25"`) || !strings.Contains(js, `"smuggled":true`) {
		t.Errorf("no smuggled PORT record in the JSON:\n%s", js)
	}
	// To the client itself: the transfer is the session's own.
	if out := readAttack(t, "long_port_hidden.pcap"); !strings.Contains(out, "data #1 PORT 10.0.0.2:50000 transferred: 2000 bytes") {
		t.Errorf("the smuggled PORT's transfer is not shown:\n%s", out)
	}
}
