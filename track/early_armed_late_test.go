package track_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// dataSink keeps the data connections reported, in order.
type dataSink struct{ data []*track.DataConn }

func (d *dataSink) SessionStart(*track.Session)               {}
func (d *dataSink) Command(*track.Session, *track.Command)    {}
func (d *dataSink) Event(*track.Session, *track.Event)        {}
func (d *dataSink) SessionEnd(*track.Session)                 {}
func (d *dataSink) Data(_ *track.Session, dc *track.DataConn) { d.data = append(d.data, dc) }

// TestEarlyConnectionToAnAnnouncementArmedLate guards the data connection
// of a session decode confirms late (picked up mid-stream on a port other
// than 21, confirmed after two exchanges): its announcement is armed only
// then, after the connection's SYN passed and was held in the capture's
// first minutes. A SYN held to exactly the announced endpoint, from the
// peer that connects, sent after the announcement, is its connection, with
// all it carried: transferred, as on port 21 (not "not attempted: no SYN
// to it", and a verdict that the capture does not see the data path). A
// SYN sent before the announcement, to another port or from another host
// is not taken.
func TestEarlyConnectionToAnAnnouncementArmedLate(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.9:2121")
	dataCli, announced := netip.MustParseAddrPort("10.0.0.5:40001"), netip.MustParseAddrPort("10.0.0.9:40000")
	other := netip.MustParseAddrPort("10.0.0.9:40001")
	const pasv = "rectory changed.\r\n227 Entering Passive Mode (10,0,0,9,156,64).\r\n"
	stranger := netip.MustParseAddrPort("10.0.0.7:40001")
	// transfer: the data connection from dataCli to to (its SYN sent
	// before already unless sendSYN), the handshake before the 150 and
	// "hello" after it, as vsftpd sends them.
	transfer := func(c *conv, dataCli, to netip.AddrPort, sendSYN bool) {
		w := c.w
		if sendSYN {
			w.send(dataCli, to, 7000, 0, syn, "")
		}
		w.send(to, dataCli, 8000, 7001, syn|ack, "")
		w.send(dataCli, to, 7001, 8001, ack, "")
		c.server("150 Opening.\r\n")
		w.send(to, dataCli, 8001, 7001, psh|ack, "hello")
		w.send(to, dataCli, 8006, 7001, fin|ack, "")
		w.send(dataCli, to, 7001, 8007, fin|ack, "")
		c.server("226 Done.\r\n")
		c.client("QUIT\r\n")
		c.server("221 Bye.\r\n")
	}
	for _, tc := range []struct {
		name string
		// otherSession: a session on port 21 is open meanwhile, so the
		// SYN is also held for a reordering capture (heldSYNs): counted
		// once all the same.
		otherSession bool
		synBefore    bool // the SYN 1 ms before the 227
		from, to     netip.AddrPort
		want         track.Outcome
	}{
		{"the SYN after the announcement", false, false, dataCli, announced, track.OutcomeTransferred},
		{"the SYN after it, another session open", true, false, dataCli, announced, track.OutcomeTransferred},
		{"the SYN before the announcement", false, true, dataCli, announced, track.OutcomeNotAttempted},
		{"the SYN to another port", false, false, dataCli, other, track.OutcomeNotAttempted},
		{"the SYN from another host", false, false, stranger, announced, track.OutcomeNotAttempted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &dataSink{}
			trk := track.New(sink, track.Options{})
			w := &wire{now: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), buf: make([]byte, 0, 256)}
			w.d = decode.New(trk, decode.Options{})
			if tc.otherSession {
				o := w.open(netip.MustParseAddrPort("10.0.0.6:50000"), netip.MustParseAddrPort("10.0.0.9:21"))
				o.server("220 (vsFTPd 3.0.3)\r\n")
			}
			// Picked up mid-stream: no handshake, a first segment cut
			// mid-line.
			c := &conv{w: w, cli: cli, srv: srv, cseq: 1000, sseq: 5000}
			if tc.synBefore {
				w.send(tc.from, tc.to, 7000, 0, syn, "")
			}
			c.server(pasv)
			c.client("RETR a.txt\r\n")
			transfer(c, tc.from, tc.to, !tc.synBefore)
			w.d.Finish()
			var got []*track.DataConn
			for _, dc := range sink.data {
				if dc.Session.Server == srv {
					got = append(got, dc)
				}
			}
			if len(got) != 1 {
				t.Fatalf("%d data connections of the session, want 1 (the announcement's)", len(got))
			}
			dc := got[0]
			if dc.Announced != announced || dc.Outcome != tc.want {
				t.Fatalf("announced %v outcome %v, want %v %v", dc.Announced, dc.Outcome, announced, tc.want)
			}
			if tc.want != track.OutcomeTransferred {
				if dc.Seen() {
					t.Errorf("matched %v -> %v, want nothing taken", dc.Client, dc.Server)
				}
				return
			}
			if dc.Client != dataCli || dc.Server != announced || dc.Match != track.MatchExact || dc.SYNs != 1 ||
				dc.TotalBytes() != 5 || dc.EndReason != track.EndFIN {
				t.Errorf("%v -> %v match %v SYNs %d bytes %d end %v; want %v -> %v exact, 1 SYN, 5 bytes, ended by FIN",
					dc.Client, dc.Server, dc.Match, dc.SYNs, dc.TotalBytes(), dc.EndReason, dataCli, announced)
			}
			if l := trk.Limits(); l.DataEndpointTaken != 0 || l.DataAfterExpiry != 0 {
				t.Errorf("DataEndpointTaken %d DataAfterExpiry %d, want 0", l.DataEndpointTaken, l.DataAfterExpiry)
			}
		})
	}
}

// TestEarlyConnectionToAnActiveAnnouncementArmedLate: the same for an
// active announcement (PORT): the server's SYN from port 20 to the
// client's port, held before the session was confirmed, is its
// connection; its bytes came after. With another session open the SYN is
// also held for a reordering capture (heldSYNs), and the connection is
// still under way when the announcement is armed: that copy is not
// replayed again (one SYN, not one seen twice, which reads as a capture
// holding each packet twice).
func TestEarlyConnectionToAnActiveAnnouncementArmedLate(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.9:2121")
	port20, listen := netip.MustParseAddrPort("10.0.0.9:20"), netip.MustParseAddrPort("10.0.0.5:40001")
	for _, otherSession := range []bool{false, true} {
		sink := &dataSink{}
		trk := track.New(sink, track.Options{})
		w := &wire{now: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), buf: make([]byte, 0, 256)}
		w.d = decode.New(trk, decode.Options{})
		if otherSession {
			o := w.open(netip.MustParseAddrPort("10.0.0.6:50000"), netip.MustParseAddrPort("10.0.0.9:21"))
			o.server("220 (vsFTPd 3.0.3)\r\n")
		}
		c := &conv{w: w, cli: cli, srv: srv, cseq: 1000, sseq: 5000}
		c.client("PORT 10,0,0,5,156,65\r\n")
		c.server("200 PORT command successful.\r\n")
		c.client("RETR a.txt\r\n")
		w.send(port20, listen, 8000, 0, syn, "")
		w.send(listen, port20, 7000, 8001, syn|ack, "")
		w.send(port20, listen, 8001, 7001, ack, "")
		c.server("150 Opening.\r\n") // (confirmed here: two exchanges)
		w.send(port20, listen, 8001, 7001, psh|ack, "hello")
		w.send(port20, listen, 8006, 7001, fin|ack, "")
		w.send(listen, port20, 7001, 8007, fin|ack, "")
		c.server("226 Done.\r\n")
		w.d.Finish()
		var got []*track.DataConn
		for _, dc := range sink.data {
			if dc.Session.Server == srv {
				got = append(got, dc)
			}
		}
		if len(got) != 1 {
			t.Fatalf("other session %v: %d data connections, want 1", otherSession, len(got))
		}
		dc := got[0]
		if dc.Outcome != track.OutcomeTransferred || dc.Client != port20 || dc.Server != listen || dc.SYNs != 1 || dc.SYNSeenTwice() || dc.TotalBytes() != 5 {
			t.Errorf("other session %v: outcome %v %v -> %v SYNs %d (seen twice %v) bytes %d; want transferred %v -> %v, 1 SYN seen once, 5 bytes",
				otherSession, dc.Outcome, dc.Client, dc.Server, dc.SYNs, dc.SYNSeenTwice(), dc.TotalBytes(), port20, listen)
		}
	}
}
