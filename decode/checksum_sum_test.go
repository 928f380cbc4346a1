package decode

import (
	"encoding/binary"
	"math/rand/v2"
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
