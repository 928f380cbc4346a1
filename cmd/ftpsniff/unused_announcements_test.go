package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// TestUnusedAnnouncementsSummaryCounts guards the summary list of a
// session whose announcements nothing used the tracker let go past its
// first few (track's maxUnusedKept): the list counts them with the data
// connections it does not name, as when the session kept them all, and
// the note says the bound was hit.
func TestUnusedAnnouncementsSummaryCounts(t *testing.T) {
	const n = 60
	c, path := newWireCap(t)
	s := &wireSession{ctl: wireConn{c: c, a: netip.MustParseAddrPort("12.0.0.5:30000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}}
	s.ctl.handshake()
	s.reply("220 x")
	s.cmd("USER bob")
	s.reply("331 p")
	s.cmd("PASS x")
	s.reply("230 ok")
	for k := range n {
		p := 40000 + k
		s.cmd("PASV")
		s.reply(fmt.Sprintf("227 Entering Passive Mode (10,0,0,1,%d,%d)", p>>8, p&255))
	}
	s.quit()
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, w := range []string{
		fmt.Sprintf("… %d more such data connections", n-listedDataPerSession),
		"announcements nothing used, superseded by later ones, past the first 16 of their session",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, out.String())
		}
	}
}
