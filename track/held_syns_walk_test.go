package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestHeldSYNsAnsweredLooksOnlyOnItsPorts: with the ring full, a segment
// that may be on a held SYN's 4-tuple (its bit in heldSYNs.tuples set)
// has answered compare it in full with the SYNs held on its ports alone:
// none when no SYN is held on them (another pair of ports with the same
// bit), not all of the ring. A busy host whose SYNs the capture lacks
// has every segment of its connections on a held 4-tuple (a SYN-ACK held
// as its lost SYN, holdUnseen). What answered does to the SYN on the
// 4-tuple is unchanged: its answer is kept beside it.
func TestHeldSYNsAnsweredLooksOnlyOnItsPorts(t *testing.T) {
	client, server := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	stranger := netip.MustParseAddr("10.0.0.3")
	at := func(a netip.Addr, p uint16) netip.AddrPort { return netip.AddrPortFrom(a, p) }
	// Slot i: client port 40000+i to server port 50000 (each its own
	// bit), slot 15 to 50256: the bit of slot 0's ports, other ports.
	held := func() *Tracker {
		trk := &Tracker{}
		for i := range maxHeldSYNs {
			src, dst := at(client, 40000+uint16(i)), at(server, 50000)
			if i == maxHeldSYNs-1 {
				src, dst = at(client, 40000), at(server, 50256)
			}
			syn := decode.Segment{Num: uint64(i + 1), TS: t0.Add(time.Duration(i) * time.Millisecond),
				Src: src, Dst: dst, Seq: 1000, Flags: decode.FlagSYN}
			trk.holdSYN(&syn, countedNone)
		}
		return trk
	}
	for _, tc := range []struct {
		name     string
		src, dst netip.AddrPort
		compared int
		answers  int // slot whose answer s becomes (-1: none)
	}{
		{"the SYN-ACK of a SYN held", at(server, 50000), at(client, 40003), 1, 3},
		{"another pair of ports with a held SYN's bit", at(server, 50000), at(client, 40000^256), 0, -1},
		{"a held SYN's ports between other hosts", at(server, 50000), at(stranger, 40003), 1, -1},
		{"two SYNs held with the bit, on the second's 4-tuple", at(server, 50256), at(client, 40000), 1, maxHeldSYNs - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trk := held()
			h := trk.syns
			if h.live != maxHeldSYNs {
				t.Fatalf("%d SYNs held, want %d", h.live, maxHeldSYNs)
			}
			s := decode.Segment{Num: 100, TS: t0.Add(20 * time.Millisecond), Src: tc.src, Dst: tc.dst,
				Seq: 5000, Ack: 1001, Flags: decode.FlagSYN | decode.FlagACK}
			if !h.mayHold(s.Src.Port(), s.Dst.Port()) || decode.PacketSub(s.TS, h.oldest) > synHoldWindow {
				t.Fatal("answered would pass over the segment: the case tests nothing")
			}
			h.answered(&s)
			if h.compared != tc.compared {
				t.Errorf("%d SYNs held compared in full with the segment, want %d", h.compared, tc.compared)
			}
			for i := range maxHeldSYNs {
				if got, want := h.answers[i].Num != 0, i == tc.answers; got != want {
					t.Errorf("slot %d: answered %v, want %v", i, got, want)
				}
			}
			if h.live != maxHeldSYNs {
				t.Errorf("%d SYNs held after, want %d", h.live, maxHeldSYNs)
			}
		})
	}
}

// TestHeldSYNPastWindowNotReplayed: a SYN held before the announcement of
// its port is replayed when the announcement comes within synHoldWindow
// of it, and not when packet time jumped further than that with nothing
// between (no segment whose pass ages it out, no tick): it is still in
// the ring then, and its age where it is used keeps it out.
func TestHeldSYNPastWindowNotReplayed(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name string
		jump time.Duration
		syns int
	}{
		{"announced 500 ms after the SYN", 500 * time.Millisecond, 1},
		{"announced 1.5 s after the SYN", 1500 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			if h := s.trk.syns; h == nil || h.live != 1 {
				t.Fatal("the SYN is not held: the case tests nothing")
			}
			s.tick(tc.jump)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			if tc.syns == 0 && s.trk.syns.live != 1 {
				t.Fatal("the SYN left the ring before the 227: the case tests nothing")
			}
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.SYNs != tc.syns {
				t.Errorf("%d SYNs, want %d", d.SYNs, tc.syns)
			}
		})
	}
}
