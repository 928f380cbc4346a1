package main

import (
	"strings"
	"testing"
)

// A greeting that refuses the session with a 4xx or 5xx other than 421
// got no finding (rv-dialects' greeting-530-oops.pcap): IIS's or
// wu-ftpd's "530 Connection refused, unknown IP address.", Serv-U's
// "530 Not logged in, unauthorized IP address." (decode hides a 530
// before any client line: the finding reads the code and its place, not
// the words), and vsftpd's "500 OOPS: …" greeting, which is the
// server-config-error a 500 OOPS after a command already gets. A 220
// followed by an idle 421 is no refusal.
func TestGreetingRefusalIsReported(t *testing.T) {
	for _, tc := range []struct {
		name     string
		greeting []string
		client   bool // the client sends QUIT after the greeting
		want     []string
		never    []string
	}{
		{"IIS IP restriction 530", []string{"530 Connection refused, unknown IP address."}, false,
			[]string{"warning session-refused", "in its greeting (530", "before the client sent anything", "allow its address", "IP restrictions", "FTP IP Address and Domain Restrictions",
				"every session was refused in the server's greeting"},
			[]string{"with 421"}},
		{"Serv-U IP rule 530, the client's QUIT after it", []string{"530 Not logged in, unauthorized IP address."}, true,
			[]string{"warning session-refused", "in its greeting (530", "Serv-U's IP Access rules"},
			[]string{"with 421"}},
		{"vsftpd OOPS greeting", []string{"500 OOPS: cannot read user list file:/etc/vsftpd.user_list"}, false,
			[]string{"error server-config-error", "in its greeting (\"500 OOPS: cannot read user list file:/etc/vsftpd.user_list\")", "Fix the vsftpd.conf setting"},
			[]string{"session-refused"}},
		{"a 220, then an idle 421", []string{"220 ok", "421 Timeout."}, false,
			nil,
			[]string{"session-refused", "server-config-error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := openWireSession(c)
			for _, g := range tc.greeting {
				s.reply(g)
			}
			if tc.client {
				s.cmd("QUIT")
			}
			s.ctl.closeFromB()
			out, _, code := readText(t, path)
			if code != 0 && code != 1 && code != 2 {
				t.Fatalf("exit %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(strings.Join(strings.Fields(out), " "), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}
