package vantage

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// randomiseISN is a tap's miss hook for the points past a box that
// randomises the client's initial sequence numbers (a Cisco ASA, pf's
// modulate state): every client sequence number there, and the server's
// acknowledgment of it, is shifted.
func randomiseISN(f *frame) bool {
	const shift = 0x5a5a1234
	if f.fromClient {
		f.seq += shift
	} else if f.ackf {
		f.ack += shift
	}
	return false
}

// TestHalvesEitherSideOfISNRandomiserJoin guards a box that randomises
// ISNs with two points on each side: each side's two views paired by
// their sequence numbers, and the two halves were never joined (payload
// pairing offered a session only connections no session held), so the
// client's half read the SYN-ACK dropped at the router as a SYN lost, the
// server's half as delivered. Whatever the inner points' clocks, the
// four views are one session and the SYN-ACK's loss is placed.
func TestHalvesEitherSideOfISNRandomiserJoin(t *testing.T) {
	for _, skew := range []time.Duration{0, 200 * time.Second} {
		l := newLab(t, "client", "r1pub", "r1priv", "server")
		l.natAt = 2
		for _, i := range []int{2, 3} {
			l.taps[i].miss = randomiseISN
			l.taps[i].skew = func(time.Time) time.Duration { return skew }
		}
		c := l.control(40000, 1000, 9000)
		c.pasv(40086)
		c.data(50000, 40086, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
		c.quit()
		r := l.merge()
		if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1 {
			t.Fatalf("skew %v: want one session, got %s", skew, describe(r))
		}
		for i, v := range r.Sessions[0].Views {
			if v == nil {
				t.Fatalf("skew %v: point %d not in the session: %s", skew, i, describe(r))
			}
		}
		if p := r.Sessions[0].Data[0]; p.Where != LostSYNACK || p.After != 2 || p.Before != 1 {
			t.Fatalf("skew %v: where %v after %d before %d (%s); want syn-ack-lost between r1priv and r1pub", skew, p.Where, p.After, p.Before, p.Verdict)
		}
	}
}

// TestUnknownClockIsNotCapturing guards a point none of whose
// connections paired (its clock offset unknown): its span was set
// against the session as if its clock agreed with the reference (an
// offset of 0), so a SYN it could not be shown to have missed read as
// lost before it, or, its clock far off, as "not capturing" with a
// capture start stated as fact. Whether it was capturing is not known.
func TestUnknownClockIsNotCapturing(t *testing.T) {
	l := newLab(t, "client", "router", "server")
	// The server's point holds other traffic only.
	l.taps[2].miss = func(f *frame) bool { return f.sport != 443 }
	bg := l.fork(0, 0)
	for k := range 40 {
		bg.send(frame{cport: 30000 + uint16(k), sport: 443, seq: 1, syn: true, ackf: true}, 0)
		bg.tick(100 * time.Millisecond)
	}
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 1, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	p := onlyPath(t, r)
	if r.Offsets[2].Samples != 0 {
		t.Fatalf("server's offset measured: %+v", r.Offsets[2])
	}
	if p.Where != NotCaptured || !strings.Contains(p.Verdict, `whether "server" was capturing then is not known`) {
		t.Fatalf("where %v (%s); want not-captured, the server's clock not known", p.Where, p.Verdict)
	}
}

// TestRefusalBeforeCaptureEndIsInBetween guards a reset or ICMP error
// from a box between two points, the sender giving up at once (curl
// closes its session on the refusal, so that close is the last packet
// everywhere): the point past the box, capturing until after the refusal
// came back (plus the round trip between the points), would have seen
// the SYN; it read "not-captured" because its capture did not go on for
// a second after the SYN, and an ICMP error in the receiver's name (a
// DNAT router's own address) was not placed at all. A capture whose last
// packet came before the refusal could return still tells nothing. The
// server's point holds another data connection of the session: it
// captures data connections (TestControlOnlyCaptureNotPastRefusal).
func TestRefusalBeforeCaptureEndIsInBetween(t *testing.T) {
	public := netip.MustParseAddr("198.51.100.1")
	rst := func(d *Data) { d.RST, d.RSTFrom, d.RSTFromDst = t0.Add(100300*time.Microsecond), public, true }
	icmp := func(d *Data) {
		d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode = t0.Add(100300*time.Microsecond), public, 3, 13
	}
	for _, tc := range []struct {
		name    string
		refuse  func(*Data)
		lastMs  int // the server's last packet, on the true clock
		want    Where
		wantSay string
	}{
		{"reset, capture past it", rst, 115, RSTInBetween, "does not forward"},
		{"icmp in the receiver's name, capture past it", icmp, 115, ICMPInBetween, "ICMP error (type 3 code 13)"},
		{"reset, capture ended before it could return", rst, 104, NotCaptured, "its last packet came"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Src: ap("10.0.0.2:50000"), Dst: netip.AddrPortFrom(public, 40001), ISN: 77, SYNs: 1}
			tc.refuse(d)
			srv := point("server", 3*time.Second, 5, "10.1.0.2", nil)
			srv.files[0].last = t0.Add(3*time.Second + time.Duration(tc.lastMs)*time.Millisecond)
			holdEarlierData(srv, 3*time.Second+5*time.Millisecond)
			cli := point("client", 0, 0, public.String(), d)
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			p := clientPath(t, r)
			if p.Where != tc.want || !strings.Contains(p.Verdict, tc.wantSay) {
				t.Fatalf("where %v (%s); want %v saying %q", p.Where, p.Verdict, tc.want, tc.wantSay)
			}
		})
	}
}

// TestOtherSessionSameHostOtherPortsNotPaired guards pairing by lines
// when one point missed its session's handshake (no ISN known there): a
// later session of the same client host, with the same lines, at the
// other point differed on two markers only (the client's port, the 227's
// port), under three, and paired within the 5 minutes a pairing by lines
// alone may span: a false rewrite of the 227, and the path reversed. The
// client's port changed where its address did not, and a 227 naming the
// same address with another port, are what no box makes of one session.
func TestOtherSessionSameHostOtherPortsNotPaired(t *testing.T) {
	l := newLab(t, "client", "server")
	l.natAt = 2 // no NAT: the 227 names the same address at both points
	// The client's point started after its session's handshake and saw
	// nothing of the other; the server's saw only the other.
	l.taps[0].miss = func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 || f.syn && f.sport == 21 }
	l.taps[1].miss = func(f *frame) bool { return f.cport == 40000 || f.cport == 50000 }
	b := l.fork(3*time.Minute, 0)
	a := l.control(40000, 1000, 9000)
	a.pasv(40086)
	a.command("LIST")
	a.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	a.reply("150 Here comes the data.")
	a.reply("226 Transfer complete.")
	a.quit()
	o := b.control(41000, 2000, 19000)
	o.pasv(40017)
	o.command("LIST")
	o.data(51000, 40017, 17000, 18000, dataOpts{synReach: -1, synACKReach: -1}, 0)
	o.reply("150 Here comes the data.")
	o.reply("226 Transfer complete.")
	o.quit()
	r := l.merge()
	if len(r.Sessions) != 0 || r.Unpaired[0] != 1 || r.Unpaired[1] != 1 || r.Refused[0] != 1 {
		t.Fatalf("want both unpaired, refused: got %s, refused %v", describe(r), r.Refused)
	}
}

// TestFurtherPointJudgesWhenNextNotCapturing guards a SYN lost between
// two points with a third between them whose capture had ended: only the
// next point toward the receiver was asked, so the verdict was
// "not-captured" though the server's point, capturing, saw nothing. The
// loss lies between the last point that saw the SYN and the first
// capturing one past it, the point between noted as not capturing.
func TestFurtherPointJudgesWhenNextNotCapturing(t *testing.T) {
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	l.unfiltered(3)
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	l.taps[2].until = l.now
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 1, synTries: 3}, 0)
	c.reply("425 Failed to establish connection.")
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != LostSYN || p.After != 1 || p.Before != 3 {
		t.Fatalf("where %v after %d before %d (%s); want syn-lost between r1pub and server", p.Where, p.After, p.Before, p.Verdict)
	}
	if len(p.Gaps) != 1 || !strings.Contains(p.Gaps[0], `"r1priv" was not capturing then`) {
		t.Fatalf("gaps %q; want r1priv noted as not capturing", p.Gaps)
	}
}

// TestUnpairedViewNotedWhateverItsClock guards a point that captured the
// data connections only (a capture filter without the control port): no
// connection of it paired, so its clock is unknown, and its view of the
// connection, which it holds unpaired, was hidden behind "not capturing
// then" reckoned with an offset of 0. Holding it says it was capturing:
// the "could not be paired" note is what to say.
func TestUnpairedViewNotedWhateverItsClock(t *testing.T) {
	l := newLab(t, "client", "r1pub", "fw-inside", "server")
	l.taps[2].miss = func(f *frame) bool { return f.sport == 21 }
	l.taps[2].skew = func(time.Time) time.Duration { return time.Hour }
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
	c.quit()
	p := onlyPath(t, l.merge())
	found := false
	for _, g := range p.Gaps {
		found = found || strings.Contains(g, `"fw-inside" captured it`) && strings.Contains(g, "could not be paired")
	}
	if !found {
		t.Fatalf("gaps %q (%v: %s); want fw-inside's unpaired view noted", p.Gaps, p.Where, p.Verdict)
	}
}

// TestCopiesOfOneCaptureAreNoAnswerNowhere guards one capture given
// twice: its SYN unanswered read "no-answer" (the SYN reached every
// point), which blames the receiver, while one capture shows only that
// the SYN left it and nothing came back there.
func TestCopiesOfOneCaptureAreNoAnswerNowhere(t *testing.T) {
	l := newLab(t, "a", "b")
	l.natAt, l.noTransit = 2, true
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 1, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	if len(r.Identical) != 1 {
		t.Fatalf("identical %v; want the two points as one capture", r.Identical)
	}
	if p := onlyPath(t, r); p.Where != NotCaptured {
		t.Fatalf("where %v (%s); want not-captured", p.Where, p.Verdict)
	}
}

// TestAnnouncementCutBySnapLengthSaysSo guards an announcement a point
// could not read because its snap length cut the segment: it was said
// to have been missed there ("did not capture it, though it passed
// there"), which sends the admin after lost frames instead of the snap
// length.
func TestAnnouncementCutBySnapLengthSaysSo(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[1].snap = 96
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Announcements) != 1 {
		t.Fatalf("%s", describe(r))
	}
	if a := r.Sessions[0].Announcements[0]; !strings.Contains(a.Verdict, "snap length") {
		t.Fatalf("verdict %q; want the snap length named", a.Verdict)
	}
}
