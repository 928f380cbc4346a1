package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestReplyAfterNextCommandSaysWhoseItIs guards rv-real2's
// pget-vsftpd.pcap: a RETR's 426 that came after the client's ABOR is
// printed in the RETR's block, above the ABOR, so the transcript's
// times ran back ("+2.577 --> 426" over "+2.551 <-- ABOR") with nothing
// to say why. The 426 now says it answers the RETR and came after the
// ABOR was sent; the ABOR's own 226, and replies that came before the
// next command, say nothing.
func TestReplyAfterNextCommandSaysWhoseItIs(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("RETR big.iso")
	s.reply("150 Opening BINARY mode data connection for big.iso (10485760 bytes).")
	k.fromB(wireBody(3000))
	c.wait(time.Second)
	s.cmd("ABOR")
	c.wait(25 * time.Millisecond)
	s.reply("426 Failure writing network stream.")
	c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
	s.reply("226 ABOR successful.")
	s.quit()
	out, errs, code := readText(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	const note = "(answers the RETR above; it came after the ABOR below was sent)"
	lines := strings.Split(out, "\n")
	found := 0
	for i, l := range lines {
		if !strings.Contains(l, note) {
			continue
		}
		found++
		if i == 0 || !strings.Contains(lines[i-1], "--> 426 Failure writing network stream.") {
			t.Errorf("note not under the 426:\n%s", out)
		}
	}
	if found != 1 {
		t.Errorf("note %q %d times, want once:\n%s", note, found, out)
	}
	if n := strings.Count(out, "(answers the"); n != 1 {
		t.Errorf("%d replies marked, want 1:\n%s", n, out)
	}
}

// TestClosedLateBytesNoteSaysWhatItCosts guards the note rv-real2 found
// hard to follow ("closed control connections (FIN, RST) that carried
// new bytes after the close: not read"): it says which bytes these
// usually are (a server's last reply after the client's RST), what a
// reader sees of it (a command left with "no reply seen") and whether
// it matters.
func TestClosedLateBytesNoteSaysWhatItCosts(t *testing.T) {
	notes := strings.Join(readingNotes(totals{Decode: decode.Stats{ClosedLateBytes: 3}}, true, 0), "\n")
	for _, w := range []string{"3 control connections sent new bytes after one side closed them", "the server's last reply after the client's RST", `"no reply seen"`, "harmless unless"} {
		if !strings.Contains(notes, w) {
			t.Errorf("note lacks %q: %s", w, notes)
		}
	}
}
