package track

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestStrayNamesOnlyThePeerAsTheDataConnection guards the text of the
// data-stray events of a SYN flood on an announced port: each stranger's
// SYN, matched by the port alone, sets the one before it aside, and its
// event said "not the data connection, which <the next stranger> opened",
// naming a flooder as the data connection. Only the session's peer's own
// SYN is named as the data connection's.
func TestStrayNamesOnlyThePeerAsTheDataConnection(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	flood := []netip.AddrPort{
		netip.MustParseAddrPort("203.0.113.9:1024"),
		netip.MustParseAddrPort("203.0.113.10:1025"),
		netip.MustParseAddrPort("203.0.113.11:1026"),
	}
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	for i, f := range flood {
		s.segAck(f, dsrv, decode.FlagSYN, 777+uint32(i), 0, 0)
	}
	s.cmd("RETR", "f")
	s.handshakeTransfer(dcli, dsrv, 2000)
	s.reply(226, "Transfer complete.")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	var strays []string
	for _, e := range s.rec.events {
		if e.Kind == EventDataStray {
			strays = append(strays, e.Text)
		}
	}
	if len(strays) != len(flood) {
		t.Fatalf("%d stray events, want %d: %q", len(strays), len(flood), strays)
	}
	for i, text := range strays {
		if !strings.Contains(text, "connection from "+flood[i].String()) {
			t.Errorf("stray event %d %q does not tell of %v", i, text, flood[i])
		}
		last := i == len(flood)-1
		if names := strings.Contains(text, "not the data connection, which "+dcli.String()+" opened"); names != last {
			t.Errorf("stray event %d %q: names the client's connection %v, want %v", i, text, names, last)
		}
		for _, f := range flood {
			if strings.Contains(text, "which "+f.String()+" opened") {
				t.Errorf("stray event %d %q names the flooder %v as the data connection", i, text, f)
			}
		}
	}
	if len(s.rec.data) != 1 || s.rec.data[0].Client != dcli || s.rec.data[0].Outcome != OutcomeTransferred {
		t.Errorf("data records %d, want the client's transfer", len(s.rec.data))
	}
}
