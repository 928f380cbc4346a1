package decode

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// sum16Words is the ones' complement sum word by word, the definition
// sum16's grouping must match.
func sum16Words(s uint32, b []byte) uint16 {
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		s = s&0xffff + s>>16
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
		s = s&0xffff + s>>16
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// TestSum16MatchesWordSum guards the grouped checksum sum against the word
// by word one, for every length up to 100 bytes and long segments of all
// ones (the most carries), with starting sums of up to 17 bits.
func TestSum16MatchesWordSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(s uint32, b []byte) {
		t.Helper()
		got := onesSum(s, b)
		if want := sum16Words(s, b); got != want {
			t.Fatalf("len %d start %#x: %#x, want %#x", len(b), s, got, want)
		}
	}
	for n := 0; n <= 100; n++ {
		b := make([]byte, n)
		for range 20 {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			check(r.Uint32()&0x1ffff, b)
		}
	}
	ones := make([]byte, 65535)
	for i := range ones {
		ones[i] = 0xff
	}
	check(0x1fffe, ones)
	check(0, ones[:65534])
}

// TestPseudoSumMatchesWordSum guards the pseudo-header's sum, added as
// words of 32 bits, against the word by word sum of the pseudo-header
// (addresses, protocol, length) as RFC 9293 3.1 and RFC 8200 8.1 lay it
// out, with and without a segment after it, for IPv4 and IPv6 addresses
// of random and all-ones bytes (the most carries).
func TestPseudoSumMatchesWordSum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	check := func(src, dst netip.Addr, seg []byte) {
		t.Helper()
		var hdr []byte
		hdr = append(hdr, src.AsSlice()...)
		hdr = append(hdr, dst.AsSlice()...)
		hdr = append(hdr, 0, 6)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(seg)))
		want := sum16Words(0, append(hdr, seg...))
		if got := onesSum(pseudoSum(src, dst, len(seg)), seg); got != want {
			t.Fatalf("%v > %v, %d bytes: %#x, want %#x", src, dst, len(seg), got, want)
		}
	}
	var ones4 [4]byte
	var ones16 [16]byte
	for i := range ones16 {
		ones16[i] = 0xff
	}
	copy(ones4[:], ones16[:])
	check(netip.AddrFrom4(ones4), netip.AddrFrom4(ones4), nil)
	check(netip.AddrFrom16(ones16), netip.AddrFrom16(ones16), ones16[:])
	for n := range 200 {
		seg := make([]byte, n%61)
		for i := range seg {
			seg[i] = byte(r.Uint32())
		}
		var a4, b4 [4]byte
		var a16, b16 [16]byte
		binary.BigEndian.PutUint32(a4[:], r.Uint32())
		binary.BigEndian.PutUint32(b4[:], r.Uint32())
		binary.BigEndian.PutUint64(a16[:], r.Uint64())
		binary.BigEndian.PutUint64(a16[8:], r.Uint64())
		binary.BigEndian.PutUint64(b16[:], r.Uint64())
		binary.BigEndian.PutUint64(b16[8:], r.Uint64())
		check(netip.AddrFrom4(a4), netip.AddrFrom4(b4), seg)
		check(netip.AddrFrom16(a16), netip.AddrFrom16(b16), seg)
	}
}

// BenchmarkPseudoSum is a control segment's pseudo-header sum, IPv4 and
// IPv6.
func BenchmarkPseudoSum(b *testing.B) {
	v4a, v4b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7")
	v6a, v6b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:ffff::abcd")
	var s uint32
	for b.Loop() {
		s += pseudoSum(v4a, v4b, 40) + pseudoSum(v6a, v6b, 40)
	}
	_ = s
}

func BenchmarkSum16(b *testing.B) {
	seg := make([]byte, 1460)
	for i := range seg {
		seg[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(seg)))
	for b.Loop() {
		_ = onesSum(0, seg)
	}
}
