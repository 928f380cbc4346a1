package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestEncryptedOwnerSettledOnlyByFirstRecordAfterEnd: a server record
// settles a data connection's session only when it is the first its
// server sent since the connection's end and the one before came while
// the connection was open (the 226 after the 150). Session a announces
// an upload (PASV, 227, STOR, 150) and its client FINs the data
// connection; b's client then sends QUIT, and b's server its 221 and a
// TLS close_notify (quit), or b's client a FEAT whose reply comes in two
// segments (multi); a's 226 follows 60 ms later. Before, the
// close_notify, or the reply's second segment, moved the connection to
// b and dropped its hedge. Without a's 226 (the capture ends), it stays
// a's, still hedged.
func TestEncryptedOwnerSettledOnlyByFirstRecordAfterEnd(t *testing.T) {
	a := netip.AddrPortFrom(cli.Addr(), 40684)
	b := netip.AddrPortFrom(cli.Addr(), 40692)
	d := [2]netip.AddrPort{netip.AddrPortFrom(cli.Addr(), 38394), netip.AddrPortFrom(srv.Addr(), 40027)}
	rec := func(kind string, ctl netip.AddrPort, n int) settleStep { return settleStep{kind: kind, ctl: ctl, n: n} }
	data := func(kind string, n int) settleStep { return settleStep{kind: kind, data: d, n: n} }
	for _, tc := range []struct {
		name      string
		after     []settleStep // b's records after the client's FIN
		final     bool         // a's 226 comes
		wantAmong uint8
	}{
		{"quit", []settleStep{rec("c", b, 28), rec("s", b, 36), rec("s", b, 31)}, true, 0},
		{"multi", []settleStep{rec("c", b, 28), rec("s", b, 40), rec("s", b, 120)}, true, 0},
		{"quit-no-226", []settleStep{rec("c", b, 28), rec("s", b, 36), rec("s", b, 31)}, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTLSPeers(t)
			p.open(a)
			p.open(b)
			p.replay([]settleStep{
				rec("c", a, 28), rec("s", a, 70), // PASV, 227
				data("open", 0),
				rec("c", a, 30), rec("s", a, 61), // STOR, 150
				data("bytes", 37),
				data("fin", 0), // the client's FIN
			})
			p.replay(tc.after)
			p.replay([]settleStep{data("fin", 1)})
			if len(p.rec.data) != 0 {
				t.Fatalf("reported before a's 226 could come")
			}
			p.tick(60 * time.Millisecond)
			if tc.final {
				p.replay([]settleStep{rec("s", a, 46)}) // a's 226
			}
			p.finish(a, b)
			if len(p.rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(p.rec.data))
			}
			if dc := p.rec.data[0]; dc.Session.Client != a || dc.AmongEncrypted != tc.wantAmong {
				t.Errorf("reported for %v among %d, want %v among %d", dc.Session.Client, dc.AmongEncrypted, a, tc.wantAmong)
			}
		})
	}
}

// TestEncryptedOwnerMoveAtTieKeepsHedge: a record whose server spoke
// before it at the very instant of the data connection's end (the order
// of the two is not known) may still move the connection to its
// session, but the connection stays a guess (AmongEncrypted): only a
// record whose server spoke strictly before the end, or one that
// confirms the session taken, clears it.
func TestEncryptedOwnerMoveAtTieKeepsHedge(t *testing.T) {
	a := netip.AddrPortFrom(cli.Addr(), 40684)
	b := netip.AddrPortFrom(cli.Addr(), 40692)
	d := [2]netip.AddrPort{netip.AddrPortFrom(cli.Addr(), 38394), netip.AddrPortFrom(srv.Addr(), 40027)}
	p := newTLSPeers(t)
	p.open(a)
	p.open(b)
	p.replay([]settleStep{
		{kind: "c", ctl: b, n: 28}, {kind: "s", ctl: b, n: 70}, // b's PASV, 227
		{kind: "c", ctl: a, n: 28}, {kind: "s", ctl: a, n: 70}, // a's: the SYN is taken for a
		{kind: "open", data: d},
		{kind: "c", ctl: b, n: 30},
	})
	p.record(b, false, 61) // b's 150, at the instant of the client's FIN
	p.seg(d[0], d[1], decode.FlagFIN|decode.FlagACK, 101, 0, false)
	p.replay([]settleStep{{kind: "fin", data: d, n: 1}, {kind: "s", ctl: b, n: 46}}) // b's 226
	p.finish(a, b)
	if len(p.rec.data) != 1 {
		t.Fatalf("%d data connections reported, want 1", len(p.rec.data))
	}
	if dc := p.rec.data[0]; dc.Session.Client != b || dc.AmongEncrypted != 2 {
		t.Errorf("reported for %v among %d, want %v among 2 (moved, still a guess)", dc.Session.Client, dc.AmongEncrypted, b)
	}
}
