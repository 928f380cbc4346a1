package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAppendUintMatchesStrconv: appendUint writes what strconv.AppendUint
// does, for every value below 200,000, each power of ten and its
// neighbours up to the largest uint64, and random values, appended to a
// slice with room and to one without.
func TestAppendUintMatchesStrconv(t *testing.T) {
	check := func(v uint64) {
		t.Helper()
		for _, b := range [][]byte{nil, []byte("x"), make([]byte, 3, 64)} {
			want := strconv.AppendUint(append([]byte(nil), b...), v, 10)
			if got := appendUint(append([]byte(nil), b...), v); string(got) != string(want) {
				t.Fatalf("%d after %q: %q, want %q", v, b, got, want)
			}
		}
		room := make([]byte, 2, 40)
		if got, want := appendUint(room, v), strconv.AppendUint(make([]byte, 2, 40), v, 10); string(got) != string(want) {
			t.Fatalf("%d with room: %q, want %q", v, got, want)
		}
	}
	for v := range uint64(200000) {
		check(v)
	}
	for p := uint64(1); ; p *= 10 {
		check(p - 1)
		check(p)
		check(p + 1)
		if p > math.MaxUint64/10 {
			break
		}
	}
	check(math.MaxUint64)
	r := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		check(r.Uint64() >> (r.Uint32() % 64))
	}
}

// BenchmarkJSONInts is the JSON writer's integer fields, of the sizes a
// record holds (a port, a packet number, a byte count, a small count).
func BenchmarkJSONInts(b *testing.B) {
	var w jsonWriter
	for b.Loop() {
		w.begin()
		w.int("port", 52113)
		w.int("num", 412345)
		w.uint("bytes", 32768)
		w.int("n", 3)
	}
}
