package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestInjectedRSTProvedByReceiver: an RST with a TTL unlike its
// sender's was injected on the path (a firewall resetting the client in
// the server's name during a download); the server's endpoint never saw
// it and goes on either way (its 226 once the data is done), so only the
// side it was addressed to going on shows it was not taken. A client that
// took it and answers the 226 with an RST of its own ended the session at
// the injected RST (it was read "not taken, injected" and the session
// went on); a client that goes on (its QUIT) did not take it. An RST at
// its sender's TTL is still shown not taken by its sender going on.
func TestInjectedRSTProvedByReceiver(t *testing.T) {
	dataCli := netip.AddrPortFrom(convClient.Addr(), 40001)
	dataSrv := netip.AddrPortFrom(convServer.Addr(), 40000)
	cases := []struct {
		name      string
		ttl       uint8 // the RST's, in the server's name (every other segment's is 64)
		clientRST bool  // the client answers the 226 with an RST (it took the reset)
		wantEnd   CloseReason
		notTaken  uint64
		byTTL     uint64
	}{
		{"injected, the client took it", 50, true, CloseRST, 0, 0},
		{"injected, the client goes on", 50, false, CloseCaptureEnd, 1, 1},
		{"at the server's TTL, the server goes on", 64, true, CloseRST, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.cli("PASV\r\n")
			v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
			v.cli("RETR big.iso\r\n")
			v.srv("150 Opening BINARY mode data connection\r\n")
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(tc.ttl))
			rstAt := d.num
			seq := uint32(70001)
			for range 20 { // 10 s of data, the control connection silent
				v.ts = v.ts.Add(500 * time.Millisecond)
				v.send(dataSrv, dataCli, seq, 9001, FlagACK, strings.Repeat("z", 1000))
				seq += 1000
			}
			v.srv("226 Transfer complete\r\n")
			var clientRSTAt uint64
			if tc.clientRST {
				v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
				clientRSTAt = d.num
			} else {
				v.cli("QUIT\r\n")
				v.srv("221 bye\r\n")
			}
			d.Finish()
			var first *ControlEvent
			for i := range rec.control {
				if rec.control[i].Kind == ControlClose {
					first = &rec.control[i]
					break
				}
			}
			// (The server's RST was held and never shown not taken: the
			// end, at its packet. The client's own, in answer to the
			// 226, when the first was taken for not taken.)
			if first == nil || first.Closed != tc.wantEnd || tc.wantEnd == CloseRST && first.Num != rstAt && first.Num != clientRSTAt {
				dumpEvents(t, rec)
				t.Fatalf("first close %+v, want %v", first, tc.wantEnd)
			}
			if tc.wantEnd == CloseRST && tc.notTaken == 0 && (first.Num != rstAt || first.ClientClosed) {
				t.Errorf("closed at packet %d (client's %v), want the injected RST's, %d, the server's", first.Num, first.ClientClosed, rstAt)
			}
			if st := d.Stats(); st.RSTNotTaken != tc.notTaken || st.RSTNotTakenTTL != tc.byTTL {
				t.Errorf("RSTNotTaken %d (by TTL %d), want %d (%d)", st.RSTNotTaken, st.RSTNotTakenTTL, tc.notTaken, tc.byTTL)
			}
		})
	}
}

// TestClosedNotTakenResumes: a close by FINs, or by an RST whose hold
// ran out in silence, that later bytes show was not taken (they go on in
// sequence exactly where the stream stood, from a side that proves it:
// the FIN's own sender, which cannot send past its FIN; an RST's sender
// or receiver, only its receiver when it was injected) picks the
// connection up again from its tombstone, so the 425 and the data that
// followed are read (they were dropped: "closed control connections that
// carried new bytes", nothing after the close shown). Bytes of an
// injected RST's sender pick it up too, shown once its receiver goes on
// as well (the PASV before the 227 was dropped, the session picked up at
// the 227); alone, the receiver silent or resetting, they show nothing,
// nor does a new connection on the 4-tuple after a true close.
func TestClosedNotTakenResumes(t *testing.T) {
	type after func(v *conv, d *Decoder)
	rest := func(v *conv, _ *Decoder) {
		v.cli("PASV\r\n")
		v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
		v.cli("RETR f\r\n")
		v.srv("425 Cannot open data connection\r\n")
	}
	pause := func(v *conv, d *Decoder) {
		// Silent past the RST's hold, no data between the hosts.
		v.ts = v.ts.Add(30 * time.Second)
		d.Tick(v.ts)
	}
	trueFINs := func(lastACK bool) after {
		return func(v *conv, _ *Decoder) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.s, v.c, v.sseq, v.cseq+1, FlagFIN|FlagACK, "")
			if lastACK {
				v.send(v.c, v.s, v.cseq+1, v.sseq+1, FlagACK, "")
			}
		}
	}
	injectAt := func(ackFIN uint32) after {
		return func(v *conv, d *Decoder) {
			v.ts = v.ts.Add(20 * time.Second)
			d.Tick(v.ts)
			v.sendMangled(v.s, v.c, v.sseq, v.cseq+ackFIN, FlagPSH|FlagACK, "227 Entering Passive Mode (192,0,2,10,156,64).\r\n", setTTL(3))
		}
	}
	cases := []struct {
		name  string
		close after // what ends it, past what was read
		then  after
		// wantCmds: the commands read; opens: ControlOpens; midstream:
		// the second is a pick-up (not a SYN's connection).
		wantCmds  string
		opens     int
		midstream bool
		resumed   uint64 // Stats.ClosedResumed
		late      uint64 // Stats.ClosedLateBytes
		notTaken  uint64
		byTTL     uint64
	}{
		{"both FINs forged at TTL 3", func(v *conv, _ *Decoder) {
			v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "", setTTL(3))
			v.sendMangled(v.s, v.c, v.sseq, v.cseq+1, FlagFIN|FlagACK, "", setTTL(3))
		}, rest, "USER PASV RETR", 2, true, 1, 0, 0, 0},
		{"client RST at TTL 3, then silence, then both go on", func(v *conv, d *Decoder) {
			v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "", setTTL(3))
			pause(v, d)
		}, rest, "USER PASV RETR", 2, true, 1, 0, 1, 1}, // (the PASV, its sender's first, read once the 227 showed the RST not taken: it was dropped)
		{"client RST at its TTL, then silence, then the client goes on", func(v *conv, d *Decoder) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
			pause(v, d)
		}, rest, "USER PASV RETR", 2, true, 1, 0, 1, 0},
		// The server's bytes past the hold (no reply owed) are shown
		// as a pick-up of their own (what the server said after the
		// reset: a 250 there says the command was carried out), the
		// client's RST ending it; counted in ResetSenderWentOn, not as
		// late bytes. (Sooner, they are the session's: afterreset.go.)
		{"server RST at TTL 3 the client took, the server goes on past the hold", func(v *conv, d *Decoder) {
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(3))
			for _, wait := range []time.Duration{rstHold, rstHoldOwed} { // (the hold, then more than its longest)
				v.ts = v.ts.Add(wait + time.Second)
				d.Tick(v.ts)
			}
		}, func(v *conv, _ *Decoder) {
			v.srv("421 Timeout.\r\n")
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
		}, "USER", 2, true, 0, 0, 0, 0},
		// True FINs, then bytes at the server's FIN 20 s later in its
		// name (injected on the path): never a pick-up. Each rule alone:
		// the server's FIN its peer acknowledged (the client's last
		// ACK), and bytes that acknowledge the client's FIN.
		{"true FINs both acknowledged, then bytes injected at the server's FIN acknowledging the client's", trueFINs(true), injectAt(1), "USER", 1, false, 0, 1, 0, 0},
		{"true FINs both acknowledged, then bytes injected at the server's FIN", trueFINs(true), injectAt(0), "USER", 1, false, 0, 1, 0, 0},
		{"true FINs, the last ACK not seen, then bytes injected acknowledging the client's FIN", trueFINs(false), injectAt(1), "USER", 1, false, 0, 1, 0, 0},
		{"true FINs, then a new connection", func(v *conv, _ *Decoder) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.s, v.c, v.sseq, v.cseq+1, FlagFIN|FlagACK, "")
			v.send(v.c, v.s, v.cseq+1, v.sseq+1, FlagACK, "")
		}, func(v *conv, _ *Decoder) {
			// The 4-tuple's next connection, its first bytes each way
			// exactly where the old streams stood: a SYN, never a
			// pick-up.
			v.cseq--
			v.sseq--
			v.handshake()
			v.srv("220 hi again\r\n")
			v.cli("USER bob\r\n")
		}, "USER USER", 2, false, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			tc.close(v, d)
			if n := convClientount(rec, ControlClose); n != 1 {
				dumpEvents(t, rec)
				t.Fatalf("%d closes before the later bytes, want 1", n)
			}
			tc.then(v, d)
			d.Finish()
			if got := strings.Join(rec.commands(), " "); got != tc.wantCmds {
				dumpEvents(t, rec)
				t.Errorf("commands %q, want %q", got, tc.wantCmds)
			}
			var opens []ControlEvent
			for _, e := range rec.control {
				if e.Kind == ControlOpen {
					opens = append(opens, e)
				}
			}
			if len(opens) != tc.opens || tc.opens == 2 && opens[1].Midstream != tc.midstream {
				dumpEvents(t, rec)
				t.Errorf("opens %+v, want %d (the second mid-stream: %v)", opens, tc.opens, tc.midstream)
			}
			st := d.Stats()
			if st.ClosedResumed != tc.resumed || st.ClosedLateBytes != tc.late || st.RSTNotTaken != tc.notTaken || st.RSTNotTakenTTL != tc.byTTL {
				t.Errorf("ClosedResumed %d, ClosedLateBytes %d, RSTNotTaken %d (by TTL %d); want %d, %d, %d (%d)",
					st.ClosedResumed, st.ClosedLateBytes, st.RSTNotTaken, st.RSTNotTakenTTL, tc.resumed, tc.late, tc.notTaken, tc.byTTL)
			}
			// A pick-up after an RST at its sender's own TTL: it may have
			// been sent and lost on the way (the note says so).
			if want := min(tc.resumed, tc.notTaken-tc.byTTL); st.ClosedResumedOwnTTL != want {
				t.Errorf("ClosedResumedOwnTTL %d, want %d", st.ClosedResumedOwnTTL, want)
			}
		})
	}
}
