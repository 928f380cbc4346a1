package decode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// lineRec is what a splitter emitted: every field of each line, and the
// flush at the end.
type lineRec []string

func (r *lineRec) emit(l ftp.Line) {
	*r = append(*r, fmt.Sprintf("%q drop=%d telnet=%d unterm=%v bare=%v skip=%d", l.Text, l.Dropped, l.Telnet, l.Unterminated, l.BareLF, l.Skipped))
}

// splitParked splits chunks as the session parser does: after a write
// that ends at rest (a line emitted, endsLine, nothing pending) the
// splitter is replaced by a fresh one, as parkSplitter and takeSplitter
// do. resyncAt lists the chunks before which Resync is called, as after
// a gap.
func splitParked(chunks [][]byte, resyncAt map[int]bool, park bool) lineRec {
	var rec lineRec
	var ended bool
	emit := func(l ftp.Line) { ended = true; rec.emit(l) }
	s := ftp.LineSplitter{MaxLine: 64}
	for i, c := range chunks {
		if resyncAt[i] {
			s.Resync()
		}
		ended = false
		s.Write(c, emit)
		if park && ended && endsLine(c) && s.Pending() == 0 {
			s = ftp.LineSplitter{MaxLine: 64}
		}
	}
	s.Flush(emit)
	return rec
}

// TestParkedSplitterIsFresh: a splitter taken as at rest is in the state
// of a fresh one, so handing it back between lines changes no line. The
// cases are those where a line end is not the end of everything: Telnet
// state (an option byte that is a LF, a LF after IAC inside SB), a Resync
// skip that ends at the last byte (its count goes to the next line), a
// CR alone at the end.
func TestParkedSplitterIsFresh(t *testing.T) {
	const iac, will, sb, se = 0xFF, 0xFB, 0xFA, 0xF0
	cases := []struct {
		name     string
		chunks   []string
		resyncAt map[int]bool
	}{
		{"plain lines", []string{"USER a\r\n", "PASS b\r\n"}, nil},
		{"line split over writes", []string{"US", "ER a\r", "\n", "PASS b\r\n"}, nil},
		{"option byte is a LF", []string{"NOOP\r\n" + string([]byte{iac, will}), "\n", "X\r\n"}, nil},
		{"option byte is a LF, same write", []string{"NOOP\r\n" + string([]byte{iac, will, '\n'}), "X\r\n"}, nil},
		{"LF after IAC inside SB", []string{"A\r\n" + string([]byte{iac, sb, 'x', iac, '\n'}), "y" + string([]byte{iac, se}) + "B\r\n"}, nil},
		{"LF ends SB and the line", []string{"A" + string([]byte{iac, sb}) + "xy\n", "B\r\n"}, nil},
		{"resync skip ends the write", []string{"partial", "rest of it\n", "NEXT\r\n"}, map[int]bool{1: true}},
		{"CR at the end", []string{"A\r\n\r", "\nB\r\n"}, nil},
		{"over-long line", []string{string(bytes.Repeat([]byte("x"), 100)) + "\r\n", "B\r\n"}, nil},
	}
	for _, tc := range cases {
		chunks := make([][]byte, len(tc.chunks))
		for i, c := range tc.chunks {
			chunks[i] = []byte(c)
		}
		want := splitParked(chunks, tc.resyncAt, false)
		if got := splitParked(chunks, tc.resyncAt, true); !slices.Equal(got, want) {
			t.Errorf("%s:\nparked     %q\ncontinuous %q", tc.name, got, want)
		}
	}
	// The criterion is needed whole: a LF that is a Telnet option byte
	// leaves a flag for the next line.
	if endsLine([]byte{'A', iac, will, '\n'}) {
		t.Error("endsLine takes the option byte of IAC WILL for a line end")
	}
}

// TestParkedSplitterRandom compares, over random streams rich in line
// ends and Telnet bytes cut at random places, the lines of a splitter
// handed back whenever it is at rest with those of one that never is.
func TestParkedSplitterRandom(t *testing.T) {
	alphabet := []byte{'A', 'b', ' ', '\r', '\n', '\n', 0, 0xFF, 0xFF, 0xFB, 0xFD, 0xFA, 0xF0, 0xF4, 0xF2, 0x41}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var chunks [][]byte
		resync := map[int]bool{}
		for range 1 + r.IntN(8) {
			c := make([]byte, 1+r.IntN(12))
			for i := range c {
				c[i] = alphabet[r.IntN(len(alphabet))]
			}
			if r.IntN(3) == 0 {
				c = append(c, "\r\n"...)
			}
			if r.IntN(10) == 0 {
				resync[len(chunks)] = true
			}
			chunks = append(chunks, c)
		}
		want := splitParked(chunks, resync, false)
		if got := splitParked(chunks, resync, true); !slices.Equal(got, want) {
			t.Fatalf("chunks %q resync %v:\nparked     %q\ncontinuous %q", chunks, resync, got, want)
		}
	}
}

// FuzzParkedSplitter: for any stream and any cut, handing the splitter
// back when it is at rest changes no line.
func FuzzParkedSplitter(f *testing.F) {
	f.Add([]byte("USER a\r\nPASS b\r\n"), []byte{3, 5})
	f.Add([]byte{'A', '\r', '\n', 0xFF, 0xFB, '\n', 'B', '\n'}, []byte{5})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		var chunks [][]byte
		resync := map[int]bool{}
		for _, c := range cuts {
			if len(data) == 0 {
				break
			}
			n := min(int(c&0x3F)+1, len(data))
			if c&0x80 != 0 {
				resync[len(chunks)] = true
			}
			chunks, data = append(chunks, data[:n]), data[n:]
		}
		if len(data) > 0 {
			chunks = append(chunks, data)
		}
		want := splitParked(chunks, resync, false)
		if got := splitParked(chunks, resync, true); !slices.Equal(got, want) {
			t.Fatalf("parked %q\ncontinuous %q", got, want)
		}
	})
}

// TestIdleConnectionHoldsNoLineBuffer: between lines a control
// connection's splitters hold no buffer (they went back to the pool);
// in the middle of a line the direction keeps its own.
func TestIdleConnectionHoldsNoLineBuffer(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	v.srv("220 (vsFTPd 3.0.3)\r\n")
	v.cli("USER anonymous\r\n")
	v.srv("331 Please specify the password.\r\n")
	cs := d.ctl.live.front() // the one connection carrying bytes
	if cs == nil || cs.key != MakeConnKey(convClient, convServer) {
		t.Fatal("no control connection")
	}
	if !cs.parser.parked[dirClient] || !cs.parser.parked[dirServer] {
		t.Errorf("between lines: parked %v, want both", cs.parser.parked)
	}
	v.cli("PASS gu")
	if cs.parser.parked[dirClient] || cs.parser.split[dirClient].Pending() != len("PASS gu") {
		t.Errorf("mid-line: parked %v, %d bytes pending", cs.parser.parked, cs.parser.split[dirClient].Pending())
	}
	v.cli("est\r\n")
	v.srv("230 Login successful.\r\n")
	if !cs.parser.parked[dirClient] || !cs.parser.parked[dirServer] {
		t.Errorf("after the line: parked %v, want both", cs.parser.parked)
	}
	var args []string
	for _, e := range rec.control {
		if e.Kind == ControlCommand {
			args = append(args, e.Command.Verb+" "+e.Command.Arg)
		}
	}
	if want := []string{"USER anonymous", "PASS guest"}; !slices.Equal(args, want) {
		t.Errorf("commands %q, want %q", args, want)
	}
}

// TestConnIndexCollision: two keys under one hash are both found, each
// as itself, and either can leave first.
func TestConnIndexCollision(t *testing.T) {
	type v struct{ k ConnKey }
	x := NewConnIndex(func(p *v, k ConnKey) bool { return p.k == k })
	k1 := MakeConnKey(netip.MustParseAddrPort("10.0.0.1:1000"), netip.MustParseAddrPort("10.0.0.2:21"))
	k2 := MakeConnKey(netip.MustParseAddrPort("10.0.0.3:1000"), netip.MustParseAddrPort("10.0.0.2:21"))
	a, b := &v{k1}, &v{k2}
	x.Put(k1, a)
	// k2 as Put places it when its hash is taken: a chance collision.
	x.collided = map[ConnKey]*v{k2: b}
	if x.Get(k1) != a || x.Get(k2) != b || x.Len() != 2 {
		t.Fatalf("get %p %p len %d", x.Get(k1), x.Get(k2), x.Len())
	}
	// A third key whose hash slot holds another key is not a match.
	k3 := MakeConnKey(netip.MustParseAddrPort("10.0.0.4:1000"), netip.MustParseAddrPort("10.0.0.2:21"))
	x.byHash[x.hasher.hash(k3)] = a
	if x.Get(k3) != nil {
		t.Error("a key found under a hash that holds another key")
	}
	delete(x.byHash, x.hasher.hash(k3))
	x.Delete(k1)
	if x.Get(k1) != nil || x.Get(k2) != b || x.Len() != 1 {
		t.Errorf("after deleting k1: %p %p len %d", x.Get(k1), x.Get(k2), x.Len())
	}
	x.Put(k1, a) // k1's hash is free again
	x.Delete(k2)
	if x.Get(k2) != nil || x.Get(k1) != a || x.Len() != 1 || len(x.collided) != 0 {
		t.Errorf("after deleting k2: %p %p len %d", x.Get(k1), x.Get(k2), x.Len())
	}
}

// TestTombstoneHashNotAMatch: a tombstone index slot reached by another
// key's hash is not taken for that key.
func TestTombstoneHashNotAMatch(t *testing.T) {
	var ts tombstones
	ts.init(4)
	k1 := MakeConnKey(netip.MustParseAddrPort("10.0.0.1:1000"), netip.MustParseAddrPort("10.0.0.2:21"))
	k2 := MakeConnKey(netip.MustParseAddrPort("10.0.0.3:1000"), netip.MustParseAddrPort("10.0.0.2:21"))
	ts.add(k1, convT0)
	ts.index[ts.hash(k2)] = ts.index[ts.hash(k1)] // as if k2 shared k1's hash
	if ts.find(k2, convT0) != nil {
		t.Error("k2 found in k1's tombstone")
	}
	if ts.find(k1, convT0) == nil {
		t.Error("k1 lost")
	}
}

// TestConnIndexGetPairEitherOrder: a value put under its key is found
// from the connection's two endpoints in either order (a segment's source
// and destination, as they come), the same as Get finds it; the pair's
// hash is the key's either way round; a value under a hash it shares with
// another pair is no match; one kept apart by a collision is found too.
func TestConnIndexGetPairEitherOrder(t *testing.T) {
	type v struct{ k ConnKey }
	x := NewConnIndex(func(p *v, k ConnKey) bool { return p.k == k })
	eps := []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.1:1000"), netip.MustParseAddrPort("10.0.0.2:21"),
		netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[2001:db8::2]:21"),
		netip.MustParseAddrPort("[fe80::1%eth0]:21"), netip.MustParseAddrPort("10.0.0.2:1000"),
	}
	for i, a := range eps {
		for _, b := range eps[i+1:] {
			k := MakeConnKey(a, b)
			if h, ab, ba := x.hasher.hash(k), x.hasher.pair(a, b), x.hasher.pair(b, a); h != ab || h != ba {
				t.Fatalf("%v %v: hash %x, pair %x and %x", a, b, h, ab, ba)
			}
			p := &v{k}
			x.Put(k, p)
			if x.GetPair(a, b) != p || x.GetPair(b, a) != p || x.Get(k) != p {
				t.Errorf("%v %v: not found as put", a, b)
			}
			x.Delete(k)
			if x.GetPair(a, b) != nil || x.GetPair(b, a) != nil {
				t.Errorf("%v %v: found after its delete", a, b)
			}
		}
	}
	// Another pair under the same hash: not a match.
	a, b, c := eps[0], eps[1], eps[5]
	p := &v{MakeConnKey(a, b)}
	x.Put(p.k, p)
	x.byHash[x.hasher.pair(a, c)] = p
	if x.GetPair(a, c) != nil || x.GetPair(c, a) != nil {
		t.Error("a pair found under a hash that holds another key")
	}
	delete(x.byHash, x.hasher.pair(a, c))
	// A chance collision keeps the second apart.
	q := &v{MakeConnKey(a, c)}
	x.collided = map[ConnKey]*v{q.k: q}
	if x.GetPair(c, a) != q || x.GetPair(a, c) != q || x.GetPair(b, a) != p {
		t.Error("a pair kept apart by a collision not found")
	}
}

// BenchmarkConnIndexLookup: finding a segment's connection from its two
// endpoints, with GetPair (as they come) and with Get (the key made in
// its order first, MakeConnKey).
func BenchmarkConnIndexLookup(b *testing.B) {
	type v struct{ k ConnKey }
	x := NewConnIndex(func(p *v, k ConnKey) bool { return p.k == k })
	var srcs, dsts []netip.AddrPort
	for i := range 64 {
		s := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 9}), uint16(40000+i))
		d := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, 1}), 21)
		if i%2 == 1 {
			s, d = d, s // the server's segments
		}
		srcs, dsts = append(srcs, s), append(dsts, d)
		k := MakeConnKey(s, d)
		x.Put(k, &v{k})
	}
	b.Run("GetPair", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if x.GetPair(srcs[i%64], dsts[i%64]) == nil {
				b.Fatal("not found")
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if x.Get(MakeConnKey(srcs[i%64], dsts[i%64])) == nil {
				b.Fatal("not found")
			}
		}
	})
}
