package main

import (
	"strings"
	"testing"
)

// TestConflictMappedEndpointIsTheSame: two copies of an EPRT that differ
// only in how they write the client's address, one IPv4-mapped
// (|2|::ffff:10.0.0.2|), the other plain (|1|10.0.0.2|), announce the
// same endpoint: the data connection goes over IPv4 to 10.0.0.2 either
// way. The conflict is said (the bytes differ), but nothing about the
// endpoint is in doubt: the failed connection back is an error, not a
// warning hedged as "two different copies ... may be a forger's".
// Before, lineConflict compared the other copy's endpoint with the
// taken one's without unmapping them (Session.armedEndpoint), and read
// the two as different, whichever came first.
func TestConflictMappedEndpointIsTheSame(t *testing.T) {
	for _, tc := range []struct{ name, first, second string }{
		{"mapped taken", "EPRT |2|::ffff:10.0.0.2|50001|", "EPRT |1|10.0.0.2|50001|"},
		{"mapped other", "EPRT |1|10.0.0.2|50001|", "EPRT |2|::ffff:10.0.0.2|50001|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := openWireSession(c)
			s.reply("220 (vsFTPd 3.0.5)")
			s.cmd("USER alice")
			s.reply("331 Please specify the password.")
			s.cmd("PASS secret")
			s.reply("230 Login successful.")
			// Two copies of the same bytes, padded to one length.
			n := max(len(tc.first), len(tc.second))
			first := tc.first + strings.Repeat(" ", n-len(tc.first)) + "\r\n"
			second := tc.second + strings.Repeat(" ", n-len(tc.second)) + "\r\n"
			k := &s.ctl
			c.pkt(k.a, k.b, k.aseq, k.bseq, "PA", []byte(first))
			k.fromA([]byte(second))
			s.reply("200 EPRT command successful. Consider using EPSV.")
			s.cmd("LIST")
			s.reply("425 Failed to establish connection.") // no SYN back
			s.quit()
			c.w = nil
			out, errs, code := readText(t, "-v", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			out = strings.Join(strings.Fields(out), " ") // (sentences are wrapped)
			for _, w := range []string{"!! conflict: the capture holds two versions of the client's bytes", "error active-blocked: The server could not connect back to 10.0.0.2:50001"} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range []string{"Two different copies of this command were captured", "the announcement may be a forger's"} {
				if strings.Contains(out, n) {
					t.Errorf("output has %q: the same endpoint read as two:\n%s", n, out)
				}
			}
		})
	}
}
