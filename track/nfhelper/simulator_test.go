package nfhelper

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

// wire feeds segments with consecutive sequence numbers per direction, the
// way a sender does; a dropped segment is not advanced past, so the next
// send with the same bytes is its retransmission.
type wire struct {
	t   *testing.T
	sim *Simulator
	seq [2]uint32
	now time.Time
}

func newWire(t *testing.T, conn Conn, cfg Config) *wire {
	t.Helper()
	s, err := New(conn, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &wire{t: t, sim: s, seq: [2]uint32{1000, 5000}, now: t0}
}

func (w *wire) send(dir Dir, text string) Result {
	r := w.sim.Feed(Segment{Dir: dir, Seq: w.seq[dir], Payload: []byte(text), Time: w.now})
	if !r.Dropped() {
		w.seq[dir] += uint32(len(text))
	}
	w.now = w.now.Add(10 * time.Millisecond)
	return r
}

// login plays the opening exchange so that both directions have a
// remembered line start.
func (w *wire) login() {
	w.send(ServerToClient, "220 ready\r\n")
	w.send(ClientToServer, "USER anonymous\r\n")
	w.send(ServerToClient, "331 password\r\n")
	w.send(ClientToServer, "PASS x\r\n")
	w.send(ServerToClient, "230 ok\r\n")
}

var plain4 = Conn{Client: ap("198.51.100.7:50000"), Server: ap("192.0.2.10:21")}

func TestFirstSegmentOfEachDirectionIsNotSearched(t *testing.T) {
	w := newWire(t, plain4, Config{})
	r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	if r.Action != NotAtLineStart || r.NMissed != 1 || r.Missed[0] != (Missed{0, KindPASV, MissFirstSegment}) {
		t.Fatalf("first server segment: %v %v", r.Action, r.MissedLines())
	}
	r = w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	if r.Action != Expected {
		t.Fatalf("second server segment: %v, want expected", r.Action)
	}
	// PickUp (NF_CT_FTP_SEQ_PICKUP) searches the first segment too.
	w = newWire(t, plain4, Config{PickUp: true})
	if r := w.send(ClientToServer, "PORT 198,51,100,7,160,40\r\n"); r.Action != Expected {
		t.Fatalf("PickUp first client segment: %v, want expected", r.Action)
	}
}

func TestPassiveExpectation(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	w.send(ClientToServer, "PASV\r\n")
	r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66).\r\n")
	want := Expectation{Kind: KindPASV, Family: IPv4, Proto: ProtoTCP, Src: ip("198.51.100.7"), Dst: ip("192.0.2.10"),
		DstPort: 40002, Dir: ClientToServer, Created: r.Expect.Created, Expires: r.Expect.Created.Add(ExpectTimeout)}
	if r.Action != Expected || r.Expect != want || r.Rewrite.Done || r.Announced != ap("192.0.2.10:40002") {
		t.Fatalf("227: %+v", r)
	}
	syn := DataSYN{Proto: ProtoTCP, Src: ap("198.51.100.7:50100"), Dst: ap("192.0.2.10:40002"), Time: w.now}
	if m := w.sim.DataSYN(syn); m != MatchOK {
		t.Fatalf("data SYN: %v", m)
	}
	if m := w.sim.DataSYN(syn); m != MismatchNoExpectation {
		t.Fatalf("second data SYN: %v, want the expectation consumed", m)
	}
}

// find_pattern only looks at the start of a segment: a 227 after another
// reply line in the same segment is not seen.
func TestTwoLinesInOneSegment(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	w.send(ClientToServer, "PASV\r\n")
	r := w.send(ServerToClient, "150 here it comes\r\n227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	if r.Action != NoPattern || r.NMissed != 1 || r.Missed[0] != (Missed{19, KindPASV, MissMidSegment}) {
		t.Fatalf("227 second in segment: %v %v", r.Action, r.MissedLines())
	}
	if _, ok := w.sim.Expectation(w.now); ok {
		t.Fatal("an expectation exists")
	}
	// First line is the 227: found; the line after it is irrelevant.
	r = w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n150 ok\r\n")
	if r.Action != Expected || r.NMissed != 0 {
		t.Fatalf("227 first in segment: %v %v", r.Action, r.MissedLines())
	}
	// Two 227s: only the first is acted on, the second is reported.
	r = w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n227 Entering Passive Mode (192,0,2,10,156,67)\r\n")
	if r.Action != Expected || r.Expect.DstPort != 40002 || r.NMissed != 1 || r.Missed[0].Off != 47 {
		t.Fatalf("two 227s: %v port %d %v", r.Action, r.Expect.DstPort, r.MissedLines())
	}
}

// A 227 split across two segments: the first part fails try_rfc959, so it
// is a partial match and dropped; the remembered line start stays, so the
// retransmission is searched again.
func TestSplit227IsDroppedUntilRetransmittedWhole(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	w.send(ClientToServer, "PASV\r\n")
	head := "227 Entering Passive Mode (192,0,2,10,15"
	r := w.send(ServerToClient, head)
	if !r.Dropped() || r.Partial != PartialParse || r.Kind != KindPASV {
		t.Fatalf("first half: %v %v %v", r.Action, r.Partial, r.Kind)
	}
	if got := r.KernelLog(); got != "nf_ct_ftp: dropping packet: partial matching of `227 '" {
		t.Errorf("KernelLog = %q", got)
	}
	// The same split retransmitted: dropped again (the wedge seen with
	// senders that resend the same boundaries).
	if r := w.send(ServerToClient, head); !r.Dropped() {
		t.Fatalf("retransmitted half: %v, want dropped", r.Action)
	}
	// Had the router let it through, the second half would start at a seq
	// the helper never remembered.
	tail := w.sim.Feed(Segment{Dir: ServerToClient, Seq: w.seq[ServerToClient] + uint32(len(head)), Payload: []byte("6,66)\r\n")})
	if tail.Action != NotAtLineStart {
		t.Fatalf("second half: %v, want not-at-line-start", tail.Action)
	}
	// A coalesced retransmission carries the whole line and matches.
	if r := w.send(ServerToClient, head+"6,66)\r\n"); r.Action != Expected || r.Expect.DstPort != 40002 {
		t.Fatalf("whole line: %v %d", r.Action, r.Expect.DstPort)
	}
	if st := w.sim.Stats(); st.Drops != 2 || st.Expectations != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A segment that does not end in '\n' gives no line start: the next
// segment is not searched even when it begins a line.
func TestSegmentWithoutNewlineLosesTheNextLine(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	w.send(ServerToClient, "211-Features:\r\n EPSV\r")
	r := w.send(ServerToClient, "\n211 End\r\n")
	if r.Action != NotAtLineStart {
		t.Fatalf("continuation: %v", r.Action)
	}
	r = w.send(ServerToClient, "229 Entering Extended Passive Mode (|||40002|)\r\n")
	if r.Action != Expected {
		t.Fatalf("229 after resync: %v (the previous segment ended in newline)", r.Action)
	}

	w.send(ServerToClient, "150 Opening")
	r = w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	if r.Action != NotAtLineStart || r.NMissed != 1 || r.Missed[0].Why != MissNotAfterNewline {
		t.Fatalf("227 after a segment without newline: %v %v", r.Action, r.MissedLines())
	}
}

// update_nl_seq keeps two values; once full it replaces the older one only
// with a newer value, so a stale retransmission does not disturb tracking.
func TestLineStartTracking(t *testing.T) {
	s, err := New(plain4, Config{})
	if err != nil {
		t.Fatal(err)
	}
	feed := func(seq uint32, text string) Result {
		return s.Feed(Segment{Dir: ServerToClient, Seq: seq, Payload: []byte(text)})
	}
	feed(100, "220 a\r\n") // remembers 107
	feed(107, "220 b\r\n") // remembers 114
	if got := s.LineStarts(ServerToClient); len(got) != 2 || got[0] != 107 || got[1] != 114 {
		t.Fatalf("line starts %v", got)
	}
	feed(114, "220 c\r\n") // 121 replaces the older 107
	if got := s.LineStarts(ServerToClient); got[0] != 121 || got[1] != 114 {
		t.Fatalf("line starts %v, want [121 114]", got)
	}
	feed(50, "x\r\n") // 53 is older than both: ignored
	if got := s.LineStarts(ServerToClient); got[0] != 121 || got[1] != 114 {
		t.Fatalf("line starts %v after a stale segment", got)
	}
	// 114 is still remembered: a retransmission from there is searched.
	if r := feed(114, "229 (|||40002|)\r\n"); r.Action != Expected {
		t.Fatalf("retransmission at a remembered start: %v", r.Action)
	}
	if got := s.LineStarts(ClientToServer); len(got) != 0 {
		t.Fatalf("client line starts %v", got)
	}
}

// loose=0: an address other than the sender's (as conntrack sees it)
// creates no expectation; loose=1 trusts it.
func TestAddressMismatchAndLoose(t *testing.T) {
	for _, loose := range []bool{false, true} {
		w := newWire(t, plain4, Config{Loose: loose})
		w.login()
		r := w.send(ClientToServer, "PORT 203,0,113,99,160,40\r\n")
		if r.Announced != ap("203.0.113.99:41000") || r.Sender != ip("198.51.100.7") {
			t.Fatalf("loose=%v: announced %v sender %v", loose, r.Announced, r.Sender)
		}
		if !loose {
			if r.Action != NotRecorded {
				t.Fatalf("loose=0: %v, want not-recorded", r.Action)
			}
			continue
		}
		if r.Action != Expected || r.Expect.Dst != ip("203.0.113.99") || r.Expect.Src != ip("192.0.2.10") || r.Expect.Dir != ServerToClient {
			t.Fatalf("loose=1: %v %v", r.Action, r.Expect)
		}
	}
	// The same for a passive reply naming a private address of a server
	// the router does not translate.
	w := newWire(t, plain4, Config{})
	w.login()
	if r := w.send(ServerToClient, "227 Entering Passive Mode (10,0,0,2,156,66)\r\n"); r.Action != NotRecorded {
		t.Fatalf("private 227 without DNAT: %v", r.Action)
	}
}

func TestEPRTAndEPSV(t *testing.T) {
	v6 := Conn{Client: ap("[2001:db8::7]:50000"), Server: ap("[2001:db8::10]:21")}
	w := newWire(t, v6, Config{})
	w.login()
	r := w.send(ClientToServer, "EPRT |2|2001:db8::7|41000|\r\n")
	if r.Action != Expected || r.Expect.Family != IPv6 || r.Expect.Src != ip("2001:db8::10") || r.Expect.Dst != ip("2001:db8::7") || r.Expect.DstPort != 41000 {
		t.Fatalf("EPRT |2|: %v %v", r.Action, r.Expect)
	}
	r = w.send(ServerToClient, "229 Entering Extended Passive Mode (|||40002|)\r\n")
	// 229 carries no address: the expectation goes to the address the
	// client used.
	if r.Action != Expected || r.Expect.Src != ip("2001:db8::7") || r.Expect.Dst != ip("2001:db8::10") || r.Announced != ap("[2001:db8::10]:40002") {
		t.Fatalf("229: %v %v %v", r.Action, r.Expect, r.Announced)
	}
	if !r.Evicted {
		t.Error("the 229 expectation did not evict the live EPRT one (max_expected = 1)")
	}
	// Cross-family EPRT is a partial match: dropped.
	w = newWire(t, plain4, Config{})
	w.login()
	if r := w.send(ClientToServer, "EPRT |2|2001:db8::7|41000|\r\n"); !r.Dropped() {
		t.Fatalf("EPRT |2| on IPv4: %v, want dropped", r.Action)
	}
	// PORT on IPv6 overwrites the first 32 bits of the address: never the
	// sender's, so not recorded without loose.
	w = newWire(t, v6, Config{})
	w.login()
	if r := w.send(ClientToServer, "PORT 192,0,2,7,160,40\r\n"); r.Action != NotRecorded || r.Announced.Addr() != ip("c000:207::7") {
		t.Fatalf("PORT on IPv6: %v %v", r.Action, r.Announced)
	}
}

// DNAT in front of the server: the 227 names the server's real (private)
// address, which is the sender's address as conntrack sees it, so it is
// recorded; nf_nat_ftp rewrites it to the public address and every later
// server->client byte moves by the length change.
func TestNATRewritePASV(t *testing.T) {
	conn := Conn{Client: ap("198.51.100.7:50000"), Server: ap("203.0.113.1:21"), ServerAt: ap("10.0.0.2:21")}
	w := newWire(t, conn, Config{})
	if !w.sim.NATed() {
		t.Fatal("connection not NATed")
	}
	w.login()
	w.send(ClientToServer, "PASV\r\n")
	text := "227 Entering Passive Mode (10,0,0,2,156,66).\r\n"
	seq227 := w.seq[ServerToClient]
	r := w.send(ServerToClient, text)
	if r.Action != Expected || !r.Rewrite.Done {
		t.Fatalf("227: %v rewrite=%v", r.Action, r.Rewrite.Done)
	}
	if got := r.Rewrite.Text(); got != "203,0,113,1,156,66" || r.Rewrite.OldLen != 15 || r.Rewrite.Delta() != 3 {
		t.Fatalf("rewrite %q old %d delta %d", got, r.Rewrite.OldLen, r.Rewrite.Delta())
	}
	if got := string(r.Rewritten(nil, []byte(text))); got != "227 Entering Passive Mode (203,0,113,1,156,66).\r\n" {
		t.Fatalf("rewritten %q", got)
	}
	e := r.Expect
	if e.Src != ip("198.51.100.7") || e.Dst != ip("203.0.113.1") || e.DstPort != 40002 || !e.NATed || e.NATDst != ap("10.0.0.2:40002") || e.NATSrc != ip("198.51.100.7") {
		t.Fatalf("expectation %v", e)
	}
	if r.SeqShift != 0 {
		t.Errorf("the rewritten segment itself shifted by %d", r.SeqShift)
	}
	// A retransmission of the rewritten segment is rewritten again without
	// moving the correction point.
	r = w.sim.Feed(Segment{Dir: ServerToClient, Seq: seq227, Payload: []byte(text)})
	if r.Action != Expected || r.SeqShift != 0 || w.sim.SeqOffset(ServerToClient, w.seq[ServerToClient]) != 3 {
		t.Fatalf("retransmitted 227: %v shift %d later %d", r.Action, r.SeqShift, w.sim.SeqOffset(ServerToClient, w.seq[ServerToClient]))
	}
	r = w.send(ServerToClient, "150 ok\r\n")
	if r.SeqShift != 3 {
		t.Errorf("next server segment shifted by %d, want 3", r.SeqShift)
	}
	if got := w.sim.AckOffset(ClientToServer, seq227+uint32(len(text))+3); got != 3 {
		t.Errorf("client ack offset %d, want 3", got)
	}
	if got := w.sim.SeqOffset(ClientToServer, w.seq[ClientToServer]); got != 0 {
		t.Errorf("client seq offset %d, want 0", got)
	}
	// Two server segments later the 227's start is no longer one of the two
	// remembered line starts: a late retransmission passes unsearched, so
	// unrewritten, with the private address in it.
	w.send(ServerToClient, "226 done\r\n")
	r = w.sim.Feed(Segment{Dir: ServerToClient, Seq: seq227, Payload: []byte(text)})
	if r.Action != NotAtLineStart || r.Rewrite.Done || r.NMissed != 1 || r.Missed[0].Why != MissNotAfterNewline {
		t.Fatalf("late retransmitted 227: %v rewrite=%v %v", r.Action, r.Rewrite.Done, r.MissedLines())
	}
	// Without nf_nat_ftp: the expectation, no rewrite.
	w = newWire(t, conn, Config{NoNATHelper: true})
	w.login()
	r = w.send(ServerToClient, text)
	if r.Action != Expected || r.Rewrite.Done || r.Expect.NATed || r.Expect.Dst != ip("203.0.113.1") {
		t.Fatalf("without nf_nat_ftp: %v %v %v", r.Action, r.Rewrite.Done, r.Expect)
	}
}

// SNAT/masquerade of the client: PORT names the private address, nf_nat_ftp
// writes the translated one.
func TestNATRewritePORTAndEPRT(t *testing.T) {
	conn := Conn{Client: ap("10.0.0.5:40000"), Server: ap("192.0.2.1:21"), ClientAs: ap("203.0.113.9:61000")}
	w := newWire(t, conn, Config{})
	w.login()
	r := w.send(ClientToServer, "PORT 10,0,0,5,200,10\r\n")
	if r.Rewrite.Text() != "203,0,113,9,200,10" || r.Rewrite.Delta() != 3 {
		t.Fatalf("PORT rewrite %q delta %d", r.Rewrite.Text(), r.Rewrite.Delta())
	}
	e := r.Expect
	if e.Src != ip("192.0.2.1") || e.Dst != ip("203.0.113.9") || e.DstPort != 51210 || e.Dir != ServerToClient || e.NATDst != ap("10.0.0.5:51210") {
		t.Fatalf("PORT expectation %v", e)
	}
	r = w.send(ClientToServer, "EPRT |1|10.0.0.5|51211|\r\n")
	if r.Rewrite.Text() != "|1|203.0.113.9|51211|" || r.Rewrite.Delta() != 3 {
		t.Fatalf("EPRT rewrite %q delta %d", r.Rewrite.Text(), r.Rewrite.Delta())
	}
	if got := w.sim.SeqOffset(ClientToServer, w.seq[ClientToServer]); got != 6 {
		t.Errorf("client seq offset after two rewrites: %d, want 6", got)
	}
	// The server's 229 on a NATed connection is rewritten too, in the
	// kernel's "|||port|" form.
	r = w.send(ServerToClient, "229 Entering Extended Passive Mode (!!!40002!)\r\n")
	if !r.Rewrite.Done || r.Rewrite.Text() != "|||40002|" || r.Rewrite.Delta() != 0 || r.Rewrite.Addr.IsValid() {
		t.Fatalf("229 rewrite %v %q", r.Rewrite.Done, r.Rewrite.Text())
	}

	v6 := Conn{Client: ap("[fd00::5]:40000"), Server: ap("[2001:db8::1]:21"), ClientAs: ap("[2001:db8:ffff::9]:61000")}
	w = newWire(t, v6, Config{})
	w.login()
	r = w.send(ClientToServer, "EPRT |2|fd00::5|41000|\r\n")
	if got := r.Rewrite.Text(); got != "|2|2001:0db8:ffff:0000:0000:0000:0000:0009|41000|" || r.Rewrite.Delta() != 49-17 {
		t.Fatalf("EPRT |2| rewrite %q delta %d", got, r.Rewrite.Delta())
	}
}

func TestTLSControlChannel(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.send(ServerToClient, "220 ready\r\n")
	w.send(ClientToServer, "AUTH TLS\r\n")
	w.send(ServerToClient, "234 AUTH TLS OK.\r\n")
	r := w.send(ClientToServer, "\x16\x03\x01\x00\x05hello")
	if !r.TLS || r.Action != NoPattern {
		t.Fatalf("ClientHello: tls=%v %v", r.TLS, r.Action)
	}
	r = w.send(ServerToClient, "\x17\x03\x03\x00\x30227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	if !r.TLS || r.Action == Expected {
		t.Fatalf("application data: tls=%v %v", r.TLS, r.Action)
	}
}

func TestUnsupportedAndOverflowMisses(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	r := w.send(ClientToServer, "LPRT 4,4,198,51,100,7,2,160,40\r\n")
	if r.Action != NoPattern || r.NMissed != 1 || r.Missed[0] != (Missed{0, KindLPRT, MissUnsupported}) {
		t.Fatalf("LPRT: %v %v", r.Action, r.MissedLines())
	}
	r = w.send(ServerToClient, "228 Entering Long Passive Mode (4,4,192,0,2,10,2,156,66)\r\n")
	if r.NMissed != 1 || r.Missed[0].Kind != KindLPSV {
		t.Fatalf("228: %v", r.MissedLines())
	}
	line := "227 Entering Passive Mode (192,0,2,10,156,66)\r\n"
	r = w.send(ServerToClient, "150 x\r\n"+line+line+line+line+line+line)
	if r.NMissed != MaxMissed || r.MissedDropped != 2 || w.sim.Stats().MissedDropped != 2 {
		t.Fatalf("six misses: kept %d dropped %d stats %d", r.NMissed, r.MissedDropped, w.sim.Stats().MissedDropped)
	}
}

func TestExpectationExpiresAndEvicts(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66)\r\n")
	created := r.Expect.Created
	if _, ok := w.sim.Expectation(created.Add(ExpectTimeout - time.Second)); !ok {
		t.Fatal("expectation gone before its timeout")
	}
	if _, ok := w.sim.Expectation(created.Add(ExpectTimeout)); ok {
		t.Fatal("expectation alive at its timeout")
	}
	late := DataSYN{Proto: ProtoTCP, Src: ap("198.51.100.7:1"), Dst: ap("192.0.2.10:40002"), Time: created.Add(6 * time.Minute)}
	if m := w.sim.DataSYN(late); m != MismatchExpired {
		t.Fatalf("late SYN: %v", m)
	}
	// A newer announcement replaces a live one.
	w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,67)\r\n")
	r = w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,68)\r\n")
	if !r.Evicted {
		t.Fatal("second live expectation did not evict the first")
	}
	old := DataSYN{Proto: ProtoTCP, Src: ap("198.51.100.7:1"), Dst: ap("192.0.2.10:40003"), Time: w.now}
	if m := w.sim.DataSYN(old); m != MismatchPort {
		t.Fatalf("SYN to the evicted port: %v", m)
	}
	// The same announcement again (a retransmission) replaces it without
	// counting as an eviction.
	w.seq[ServerToClient] -= uint32(len("227 Entering Passive Mode (192,0,2,10,156,68)\r\n"))
	if r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,68)\r\n"); r.Action != Expected || r.Evicted {
		t.Fatalf("retransmitted 227: %v evicted=%v", r.Action, r.Evicted)
	}
}

func TestMatch(t *testing.T) {
	exp := Expectation{Kind: KindPASV, Family: IPv4, Proto: ProtoTCP, Src: ip("198.51.100.7"), Dst: ip("192.0.2.10"), DstPort: 40002, Expires: t0}
	tests := []struct {
		syn  DataSYN
		want Mismatch
	}{
		{DataSYN{ProtoTCP, ap("198.51.100.7:1"), ap("192.0.2.10:40002"), t0.Add(-time.Second)}, MatchOK},
		{DataSYN{ProtoTCP, ap("198.51.100.7:65535"), ap("192.0.2.10:40002"), time.Time{}}, MatchOK},
		{DataSYN{ProtoTCP, ap("[::ffff:198.51.100.7]:1"), ap("[::ffff:192.0.2.10]:40002"), time.Time{}}, MatchOK},
		{DataSYN{17, ap("198.51.100.7:1"), ap("192.0.2.10:40002"), time.Time{}}, MismatchProto},
		{DataSYN{ProtoTCP, ap("[2001:db8::7]:1"), ap("192.0.2.10:40002"), time.Time{}}, MismatchFamily},
		{DataSYN{ProtoTCP, ap("198.51.100.8:1"), ap("192.0.2.10:40002"), time.Time{}}, MismatchSource},
		{DataSYN{ProtoTCP, ap("198.51.100.7:1"), ap("10.0.0.2:40002"), time.Time{}}, MismatchDestination},
		{DataSYN{ProtoTCP, ap("198.51.100.7:1"), ap("192.0.2.10:40003"), time.Time{}}, MismatchPort},
		{DataSYN{ProtoTCP, ap("198.51.100.7:1"), ap("192.0.2.10:40002"), t0}, MismatchExpired},
	}
	for _, tt := range tests {
		if got := Match(exp, tt.syn); got != tt.want {
			t.Errorf("Match(%v -> %v) = %v; want %v", tt.syn.Src, tt.syn.Dst, got, tt.want)
		}
		if Matches(exp, tt.syn) != (tt.want == MatchOK) {
			t.Errorf("Matches(%v -> %v) disagrees with Match", tt.syn.Src, tt.syn.Dst)
		}
	}
	if got := Match(Expectation{}, tests[0].syn); got != MismatchNoExpectation {
		t.Errorf("zero expectation: %v", got)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		conn Conn
		cfg  Config
		want error
	}{
		{Conn{}, Config{}, ErrConn},
		{Conn{Client: ap("198.51.100.7:1"), Server: ap("[2001:db8::1]:21")}, Config{}, ErrConn},
		{Conn{Client: ap("198.51.100.7:1"), Server: ap("192.0.2.1:21"), ClientAs: ap("[2001:db8::1]:1")}, Config{}, ErrNAT},
		{Conn{Client: ap("198.51.100.7:1"), Server: ap("192.0.2.1:21"), ServerAt: ap("[2001:db8::1]:1")}, Config{}, ErrNAT},
		{plain4, Config{Kernel: 9}, ErrKernel},
		{Conn{Client: ap("[::ffff:198.51.100.7]:1"), Server: ap("192.0.2.1:21")}, Config{}, nil},
	}
	for _, tt := range tests {
		if _, err := New(tt.conn, tt.cfg); !errors.Is(err, tt.want) {
			t.Errorf("New(%v, %+v) = %v; want %v", tt.conn, tt.cfg, err, tt.want)
		}
	}
	// A translation equal to the original address is not NAT.
	s, err := New(Conn{Client: ap("198.51.100.7:1"), Server: ap("192.0.2.1:21"), ServerAt: ap("192.0.2.1:21")}, Config{})
	if err != nil || s.NATed() {
		t.Errorf("identity translation: err=%v nated=%v", err, s.NATed())
	}
	// A port-only translation (masquerade remapping the source port) is.
	s, err = New(Conn{Client: ap("198.51.100.7:1"), Server: ap("192.0.2.1:21"), ClientAs: ap("198.51.100.7:2")}, Config{})
	if err != nil || !s.NATed() {
		t.Errorf("port-only translation: err=%v nated=%v", err, s.NATed())
	}
}

func TestPortsParameter(t *testing.T) {
	var cfg Config
	if !cfg.Attaches(21) || cfg.Attaches(2121) {
		t.Error("default ports= is not just 21")
	}
	p, err := ParsePorts("21, 2121")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Ports = p
	if !cfg.Attaches(2121) || !cfg.Attaches(21) || cfg.Attaches(990) {
		t.Errorf("ports=21,2121: %v", p)
	}
	cfg.Ports, _ = ParsePorts("2121")
	if cfg.Attaches(21) {
		t.Error("ports=2121 still attaches to 21")
	}
	for _, bad := range []struct {
		s    string
		want error
	}{{"1,2,3,4,5,6,7,8,9", ErrPorts}, {"21,x", ErrPort}, {"70000", ErrPort}, {"0", ErrPort}} {
		if _, err := ParsePorts(bad.s); !errors.Is(err, bad.want) {
			t.Errorf("ParsePorts(%q) = %v; want %v", bad.s, err, bad.want)
		}
	}
}

func TestResultIsComparableAndFeedDoesNotAllocate(t *testing.T) {
	conn := Conn{Client: ap("198.51.100.7:50000"), Server: ap("203.0.113.1:21"), ServerAt: ap("10.0.0.2:21")}
	s, _ := New(conn, Config{})
	seg := Segment{Dir: ServerToClient, Seq: 1, Payload: []byte("227 Entering Passive Mode (10,0,0,2,156,66).\r\n150 x\r\n227 (1,2,3,4,5,6)\r\n"), Time: t0}
	s.Feed(Segment{Dir: ServerToClient, Seq: 0, Payload: []byte("\n")})
	a := s.Feed(seg)
	b := s.Feed(seg)
	if a.Action != Expected || a != b {
		t.Fatalf("the same retransmitted segment gave different results:\n%+v\n%+v", a, b)
	}
	allocs := testing.AllocsPerRun(100, func() { s.Feed(seg) })
	if allocs != 0 {
		t.Errorf("Feed allocates %.1f times per segment", allocs)
	}
}

func TestStrings(t *testing.T) {
	if KindPASV.Pattern() != "227 " || KindEPRT.Pattern() != "EPRT" || KindLPRT.Pattern() != "" {
		t.Error("Pattern")
	}
	if Expected.String() != "expected" || PartialDrop.String() != "partial-drop" || Action(99).String() != "action(99)" {
		t.Error("Action.String")
	}
	e := Expectation{Kind: KindPASV, Src: ip("198.51.100.7"), Dst: ip("203.0.113.1"), DstPort: 40002, NATed: true, NATSrc: ip("198.51.100.7"), NATDst: ap("10.0.0.2:40002")}
	if got := e.String(); got != "tcp 198.51.100.7:any -> 203.0.113.1:40002 (nat to 198.51.100.7 -> 10.0.0.2:40002)" {
		t.Errorf("Expectation.String = %q", got)
	}
}
