package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestExtractPassivePortTheftFile guards the file of a transfer another
// host took: 10.9.9.9 connects to the PASV port first, the server refuses
// the client's own SYN with RST, and after RETR and 150 sends the file to
// 10.9.9.9. The file is written as the transfer's (what the other host
// received), not complete, with a reason naming that host, and counted
// once. Before, no file was written, and the transfer was counted twice:
// as bytes before their command and as not reassembled. Both orders of
// the stolen connection's close and the 226.
func TestExtractPassivePortTheftFile(t *testing.T) {
	for _, tc := range []struct {
		name        string
		finAfter226 bool
	}{
		{"close before 226", false},
		{"226 before close", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			st := &wireConn{c: c, a: netip.MustParseAddrPort("10.9.9.9:33333"), b: s.data.b, aseq: 11111, bseq: 22222}
			st.handshake()
			k := &s.data
			c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
			c.pkt(k.b, k.a, 0, k.aseq+1, "RA", nil)
			s.cmd("RETR secret.bin")
			s.reply("150 Opening BINARY mode data connection for secret.bin (5400 bytes).")
			body := wireBody(5400)
			st.segments(body, nil)
			if !tc.finAfter226 {
				st.closeFromB()
			}
			s.reply("226 Transfer complete.")
			if tc.finAfter226 {
				st.closeFromB()
			}
			s.quit()
			rec, got, ex := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.Complete || rec.Path != "secret.bin" {
				t.Errorf("file %q %d bytes (equal %v), complete %v; want secret.bin, the 5400 bytes sent, not complete",
					rec.Path, len(got), bytes.Equal(got, body), rec.Complete)
			}
			named := false
			for _, r := range rec.Reasons {
				named = named || strings.Contains(r, "sent to 10.9.9.9, not to the session's client 10.0.0.2")
			}
			if !named {
				t.Errorf("reasons %q; want one naming 10.9.9.9", rec.Reasons)
			}
			if ex.NoCommand != 0 || ex.NotReassembled != 0 {
				t.Errorf("no_command %d, not_reassembled %d; want 0 (the file is written)", ex.NoCommand, ex.NotReassembled)
			}
		})
	}
}
