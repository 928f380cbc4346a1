package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// TestExtractRacingSessionsNameTheirOwnFiles guards two sessions of one
// client given the same passive endpoint at once: the first connection
// (before either RETR) is the session's announced first, whose 226 comes
// right after it; the second is the other's. Each file is its own
// session's, under its own name, whole. Before, the first connection
// went to the session announced last (its bytes written as two.bin),
// its closing ACK was picked up for the other announcement (one.bin
// empty), and the second connection, 5000 bytes, was in no file and no
// record.
func TestExtractRacingSessionsNameTheirOwnFiles(t *testing.T) {
	for _, sized := range []bool{true, false} {
		t.Run(fmt.Sprintf("sizes announced %v", sized), func(t *testing.T) {
			c, path := newWireCap(t)
			cliA, srvA := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
			open := func(port uint16) *wireSession {
				s := &wireSession{ctl: wireConn{c: c, a: netip.AddrPortFrom(cliA, port), b: netip.AddrPortFrom(srvA, 21), aseq: 1000, bseq: 5000}}
				s.ctl.handshake()
				s.reply("220 (vsFTPd 3.0.5)")
				s.cmd("USER alice")
				s.reply("331 Please specify the password.")
				s.cmd("PASS secret")
				s.reply("230 Login successful.")
				s.cmd("TYPE I")
				s.reply("200 Switching to Binary mode.")
				return s
			}
			ep := netip.AddrPortFrom(srvA, 40000)
			s1, s2 := open(50000), open(50010)
			s1.cmd("PASV")
			s1.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
			s2.cmd("PASV")
			s2.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
			d1 := &wireConn{c: c, a: netip.AddrPortFrom(cliA, 45001), b: ep, aseq: 70000, bseq: 90000}
			d2 := &wireConn{c: c, a: netip.AddrPortFrom(cliA, 45002), b: ep, aseq: 30000, bseq: 60000}
			one, two := wireBody(10000), bytes.Repeat([]byte("two "), 1250)
			d1.handshake()
			s1.cmd("RETR one.bin")
			s2.cmd("RETR two.bin")
			size := func(n int) string {
				if !sized {
					return ""
				}
				return fmt.Sprintf(" (%d bytes)", n)
			}
			s1.reply("150 Opening BINARY mode data connection for one.bin" + size(len(one)) + ".")
			s2.reply("150 Opening BINARY mode data connection for two.bin" + size(len(two)) + ".")
			d1.segments(one, nil)
			d1.closeFromB()
			s1.reply("226 Transfer complete.")
			d2.handshake()
			d2.segments(two, nil)
			d2.closeFromB()
			s2.reply("226 Transfer complete.")
			s1.quit()
			s2.quit()

			files, data, _, dir := fileRecordsStats(t, path)
			if len(data) != 2 {
				t.Errorf("%d data records, want 2", len(data))
			}
			want := map[string][]byte{"one.bin": one, "two.bin": two}
			session := map[string]int{"one.bin": 1, "two.bin": 2}
			for _, f := range files {
				got, err := os.ReadFile(filepath.Join(dir, f.File))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want[f.Path]) || !f.Complete || f.Session != session[f.Path] {
					t.Errorf("%s: session %d, %d bytes, complete %v; want session %d, the %d bytes sent, complete",
						f.Path, f.Session, len(got), f.Complete, session[f.Path], len(want[f.Path]))
				}
				delete(want, f.Path)
			}
			for p := range want {
				t.Errorf("no file for %s", p)
			}
		})
	}
}
