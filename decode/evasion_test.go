package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Insertion and evasion on control connections (review rev-evade): a
// segment the receiver never took (a wrong checksum, a TTL that expires
// before it) must not rewrite the session, end it, or unmask a password.

// Byte offsets in a convFrame: Ethernet, then a 20-byte IPv4 header.
const (
	evIPSum  = 14 + 10
	evTCPSum = 14 + 20 + 16
)

// sendMangled sends a segment whose frame mangle changes before decoding.
func (v *conv) sendMangled(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p string, mangle func([]byte)) {
	v.ts = v.ts.Add(10 * time.Millisecond)
	f := convFrame(v.t, src, dst, seq, ack, fl, []byte(p))
	if mangle != nil {
		mangle(f)
	}
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

func badTCPSum(f []byte) { f[evTCPSum] ^= 0x5a }
func badIPSum(f []byte)  { f[evIPSum] ^= 0x5a }

func replies(r *recorder) []string {
	var out []string
	for _, e := range r.control {
		if e.Kind == ControlReply {
			out = append(out, e.Reply.Text)
		}
	}
	return out
}

func lastClose(r *recorder) (ControlEvent, bool) {
	for i := len(r.control) - 1; i >= 0; i-- {
		if r.control[i].Kind == ControlClose {
			return r.control[i], true
		}
	}
	return ControlEvent{}, false
}

// TestControlBadChecksumNotTaken: a forged reply, RST, FIN or SYN with a
// wrong TCP or IPv4 header checksum, in a direction whose other segments
// have right ones, is dropped and counted; the real bytes after it are
// the session's.
func TestControlBadChecksumNotTaken(t *testing.T) {
	tests := []struct {
		name   string
		mangle func([]byte)
		forge  func(v *conv, m func([]byte))
	}{
		{"230 over 530, bad TCP checksum", badTCPSum, func(v *conv, m func([]byte)) {
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "230 Login successful.\r\n", m)
		}},
		{"230 over 530, bad IP checksum", badIPSum, func(v *conv, m func([]byte)) {
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "230 Login successful.\r\n", m)
		}},
		{"RST", badTCPSum, func(v *conv, m func([]byte)) {
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", m)
		}},
		{"FIN both ways", badTCPSum, func(v *conv, m func([]byte)) {
			v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "", m)
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "", m)
		}},
		{"SYN", badTCPSum, func(v *conv, m func([]byte)) {
			v.sendMangled(v.c, v.s, 777777, 0, FlagSYN, "", m)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("331 pw\r\n")
			v.cli("PASS x\r\n")
			tt.forge(v, tt.mangle)
			v.srv("530 Login incorrect.\r\n")
			v.cli("DELE important.db\r\n")
			v.srv("530 Please login.\r\n")
			d.Finish()
			want := "hi|pw|Login incorrect.|Please login."
			if got := strings.Join(replies(rec), "|"); got != want {
				dumpEvents(t, rec)
				t.Errorf("replies %q, want %q", got, want)
			}
			if got := strings.Join(rec.commands(), " "); got != "USER PASS DELE" {
				t.Errorf("commands %q, want USER PASS DELE", got)
			}
			if e, ok := lastClose(rec); !ok || e.Closed != CloseCaptureEnd {
				t.Errorf("closed %v (%v), want capture-end", e.Closed, ok)
			}
			if n := convClientount(rec, ControlOpen); n != 1 {
				t.Errorf("%d opens, want 1", n)
			}
			if st := d.Stats(); st.ControlBadChecksum == 0 {
				t.Errorf("ControlBadChecksum 0, want the forged segments counted")
			}
		})
	}
}

// TestControlBadChecksumOffload: a direction whose segments all have
// wrong checksums (the capture host's own, checksum offload) is taken
// whole.
func TestControlBadChecksumOffload(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	cli := func(fl TCPFlags, p string) {
		v.sendMangled(v.c, v.s, v.cseq, v.sseq, fl, p, badTCPSum)
		v.cseq += uint32(len(p))
		if fl.Has(FlagSYN) {
			v.cseq++
		}
	}
	cli(FlagSYN, "")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
	v.sseq++
	cli(FlagACK, "")
	v.srv("220 hi\r\n")
	cli(FlagACK|FlagPSH, "USER alice\r\n")
	v.srv("331 pw\r\n")
	cli(FlagACK|FlagPSH, "PASS x\r\n")
	v.srv("230 ok\r\n")
	cli(FlagACK|FlagPSH, "QUIT\r\n")
	v.srv("221 bye\r\n")
	d.Finish()
	if got := strings.Join(rec.commands(), " "); got != "USER PASS QUIT" {
		dumpEvents(t, rec)
		t.Errorf("commands %q, want USER PASS QUIT", got)
	}
	if st := d.Stats(); st.ControlBadChecksum != 0 {
		t.Errorf("ControlBadChecksum %d, want 0", st.ControlBadChecksum)
	}
}

// TestControlConflictReported: a forged copy with a right checksum taken
// first ("230" over the real "530") is reported when the real copy of the
// same bytes comes: ControlConflict, counted.
func TestControlConflictReported(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS x\r\n")
	forgedAt := v.d.num + 1
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "230 Login successful.\r\n")
	v.srv("530 Login incorrect.\r\n")
	realAt := v.d.num
	d.Finish()
	var got []ControlEvent
	for _, e := range rec.control {
		if e.Kind == ControlConflict {
			got = append(got, e)
		}
	}
	if len(got) != 1 || got[0].FromClient || got[0].ConflictWith != forgedAt || got[0].Num != realAt {
		dumpEvents(t, rec)
		t.Fatalf("conflicts %+v, want one of the server's, packet %d against %d", got, realAt, forgedAt)
	}
	if st := d.Stats(); st.ControlConflicts != 1 {
		t.Errorf("ControlConflicts %d, want 1", st.ControlConflicts)
	}
}

// TestConflictMasksPassTail: a forged "NOOP\r\n" (right checksum) over
// the first bytes of "PASS Unmask98\r\n" must not make the password's
// tail a command shown in clear.
func TestConflictMasksPassTail(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("331 Password required\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "NOOP\r\n")
	v.cli("PASS Unmask98\r\n")
	v.srv("230 ok\r\n")
	v.cli("QUIT\r\n")
	v.srv("221 bye\r\n")
	d.Finish()
	for _, e := range rec.control {
		var text string
		switch e.Kind {
		case ControlCommand:
			text = e.Command.Verb + " " + e.Command.Arg
		case ControlJunk:
			text = e.Line
		default:
			continue
		}
		if strings.Contains(strings.ToLower(text), "nmask98") && !e.Secret {
			dumpEvents(t, rec)
			t.Errorf("the password's tail shown: %q (kind %d) not Secret", text, e.Kind)
		}
	}
	if got := rec.commands(); len(got) == 0 || got[len(got)-1] != "QUIT" {
		t.Errorf("commands %v, want QUIT last", got)
	}
}

// TestRSTNotTaken: an RST at the exact sequence number (right checksum)
// after which the connection's bytes go on in sequence was taken by no
// endpoint: counted, and the session goes on. One nothing follows ends
// it, reported at the RST.
func TestRSTNotTaken(t *testing.T) {
	t.Run("bytes go on", func(t *testing.T) {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.srv("230 ok\r\n")
		v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
		v.cli("DELE important.db\r\n")
		v.srv("250 Deleted\r\n")
		d.Finish()
		if got := strings.Join(rec.commands(), " "); got != "USER DELE" {
			dumpEvents(t, rec)
			t.Errorf("commands %q, want USER DELE", got)
		}
		if e, _ := lastClose(rec); e.Closed != CloseCaptureEnd {
			t.Errorf("closed %v, want capture-end", e.Closed)
		}
		if st := d.Stats(); st.RSTNotTaken != 1 {
			t.Errorf("RSTNotTaken %d, want 1", st.RSTNotTaken)
		}
	})
	t.Run("a reply crossing the client's RST", func(t *testing.T) {
		// The server's 226 was on its way when the client reset: it
		// arrives after the RST and proves nothing.
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.srv("230 ok\r\n")
		v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
		rstAt := v.d.num
		v.srv("226 Transfer complete.\r\n")
		d.Finish()
		if e, ok := lastClose(rec); !ok || e.Closed != CloseRST || e.Num != rstAt {
			dumpEvents(t, rec)
			t.Errorf("close %v at %d, want rst at %d", e.Closed, e.Num, rstAt)
		}
		if st := d.Stats(); st.RSTNotTaken != 0 {
			t.Errorf("RSTNotTaken %d, want 0", st.RSTNotTaken)
		}
	})
	t.Run("the end", func(t *testing.T) {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.srv("230 ok\r\n")
		v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
		rstAt, rstTS := v.d.num, v.ts
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "") // a late ACK: no bytes
		d.Finish()
		e, ok := lastClose(rec)
		if !ok || e.Closed != CloseRST || !e.ClientClosed || e.Num != rstAt || !e.TS.Equal(rstTS) {
			dumpEvents(t, rec)
			t.Errorf("close %v client %v at %d %v, want rst by the client at %d %v", e.Closed, e.ClientClosed, e.Num, e.TS, rstAt, rstTS)
		}
		if st := d.Stats(); st.RSTNotTaken != 0 {
			t.Errorf("RSTNotTaken %d, want 0", st.RSTNotTaken)
		}
	})
}

// TestSynMidSession: a SYN with another ISN on an established control
// connection that no SYN-ACK answers ends nothing (RFC 5961 4); one a
// SYN-ACK answers starts the 4-tuple's next connection.
func TestSynMidSession(t *testing.T) {
	t.Run("unanswered", func(t *testing.T) {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.srv("230 ok\r\n")
		v.send(v.c, v.s, 777777, 0, FlagSYN, "")
		v.cli("DELE important.db\r\n")
		v.srv("250 Deleted\r\n")
		d.Finish()
		if got := strings.Join(rec.commands(), " "); got != "USER DELE" || convClientount(rec, ControlOpen) != 1 {
			dumpEvents(t, rec)
			t.Errorf("commands %q, %d opens; want USER DELE, 1 open", got, convClientount(rec, ControlOpen))
		}
		if st := d.Stats(); st.SynMidSession != 1 {
			t.Errorf("SynMidSession %d, want 1", st.SynMidSession)
		}
	})
	t.Run("the client goes on from it", func(t *testing.T) {
		// A capture of the client's direction only: the SYN-ACK is out
		// of sight, the client's next segments start after the new SYN.
		rec := &recorder{}
		d := New(rec, Options{})
		v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
		v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
		v.cseq++
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK, "")
		v.cli("USER alice\r\n")
		v.cli("PASS x\r\n")
		v2 := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 900000, sseq: 7000000, ts: v.ts}
		v2.send(v2.c, v2.s, v2.cseq, 0, FlagSYN, "")
		v2.cseq++
		v2.send(v2.c, v2.s, v2.cseq, v2.sseq+1, FlagACK, "")
		v2.cli("USER bob\r\n")
		d.Finish()
		if n := convClientount(rec, ControlOpen); n != 2 {
			dumpEvents(t, rec)
			t.Errorf("%d opens, want 2", n)
		}
	})
	t.Run("answered", func(t *testing.T) {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.srv("230 ok\r\n")
		v2 := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 900000, sseq: 7000000, ts: v.ts}
		v2.handshake()
		v2.srv("220 again\r\n")
		v2.cli("USER bob\r\n")
		v2.srv("331 pw\r\n")
		d.Finish()
		if got := strings.Join(rec.commands(), " "); got != "USER USER" || convClientount(rec, ControlOpen) != 2 {
			dumpEvents(t, rec)
			t.Errorf("commands %q, %d opens; want USER USER, 2 opens", got, convClientount(rec, ControlOpen))
		}
		reused := false
		for _, e := range rec.control {
			reused = reused || e.Kind == ControlClose && e.Closed == CloseReused
		}
		if !reused {
			t.Errorf("the first session not closed as reused")
		}
	})
}

// TestClockOutlierNoIdleClose: one packet between two other hosts
// stamped 10 hours ahead, then the clock returns: no session idles out.
func TestClockOutlierNoIdleClose(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("230 ok\r\n")
	back := v.ts
	o := &conv{t: t, d: d, c: netip.MustParseAddrPort("198.51.100.7:5000"), s: netip.MustParseAddrPort("198.51.100.8:6000"), cseq: 1, sseq: 1, ts: v.ts.Add(10 * time.Hour)}
	o.cli("x")
	v.ts = back
	for range 3 {
		v.cli("NOOP\r\n")
		v.srv("200 ok\r\n")
	}
	d.Finish()
	if e, _ := lastClose(rec); e.Closed != CloseCaptureEnd || convClientount(rec, ControlOpen) != 1 {
		dumpEvents(t, rec)
		t.Errorf("closed %v, %d opens; want capture-end, 1 open", e.Closed, convClientount(rec, ControlOpen))
	}
	if st := d.Stats(); st.ClockOutliers != 1 {
		t.Errorf("ClockOutliers %d, want 1", st.ClockOutliers)
	}
}
