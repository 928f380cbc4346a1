package main

import (
	"crypto/sha1"
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// zeekUIDByBigInt is zeekUID as it was written first (String, a hasher,
// math/big): the uid every earlier run wrote, which zeekUID must keep.
func zeekUIDByBigInt(observer string, s *track.Session) string {
	h := sha1.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(s.Start.UnixNano()))
	h.Write(b[:])
	h.Write([]byte(s.Client.String() + " " + s.Server.String() + " " + observer))
	sum := h.Sum(nil)
	return "C" + new(big.Int).SetBytes(sum[:12]).Text(62)
}

func TestZeekUIDMatchesBigText(t *testing.T) {
	addrs := []netip.AddrPort{
		{}, // not valid: String's "invalid AddrPort"
		netip.MustParseAddrPort("192.0.2.1:21"),
		netip.MustParseAddrPort("10.0.0.255:65535"),
		netip.MustParseAddrPort("[2001:db8::1]:21"),
		netip.MustParseAddrPort("[::ffff:192.0.2.9]:40000"),
		netip.MustParseAddrPort("[fe80::1%eth0]:0"),
		netip.AddrPortFrom(netip.MustParseAddr("fe80::2").WithZone(strings.Repeat("z", 200)), 2121),
	}
	observers := []string{"", "tap-1", strings.Repeat("obs", 60), "caf\xe9"}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for _, c := range addrs {
		for _, sv := range addrs {
			for _, obs := range observers {
				for range 20 {
					s := &track.Session{Client: c, Server: sv, Start: time.Unix(0, rng.Int64()-rng.Int64()/2)}
					if got, want := zeekUID(obs, s), zeekUIDByBigInt(obs, s); got != want {
						t.Fatalf("zeekUID(%q, %v %v %v) = %q, math/big gives %q", obs, c, sv, s.Start, got, want)
					}
					n++
				}
			}
		}
	}
	// The zero time too (a session whose start is not known).
	s := &track.Session{Client: addrs[1], Server: addrs[3]}
	if got, want := zeekUID("", s), zeekUIDByBigInt("", s); got != want {
		t.Fatalf("zero start: %q, want %q", got, want)
	}
}

// TestAppendBase62MatchesBigText covers the digits' edges: zero, one
// digit, leading zero bytes, all 96 bits set.
func TestAppendBase62MatchesBigText(t *testing.T) {
	cases := [][12]byte{{}, {11: 1}, {11: 61}, {11: 62}, {3: 1}, {4: 1}}
	var all [12]byte
	for i := range all {
		all[i] = 0xff
	}
	cases = append(cases, all)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var x [12]byte
		for i := range x {
			if rng.IntN(3) > 0 {
				x[i] = byte(rng.Uint32())
			}
		}
		cases = append(cases, x)
	}
	for _, x := range cases {
		if got, want := string(appendBase62(nil, x[:])), new(big.Int).SetBytes(x[:]).Text(62); got != want {
			t.Fatalf("appendBase62(%x) = %q, want %q", x, got, want)
		}
	}
}

// TestZeekUIDAllocatesOnce: the uid's string, nothing else, for each
// session of a JSON run.
func TestZeekUIDAllocatesOnce(t *testing.T) {
	s := &track.Session{Client: netip.MustParseAddrPort("[2001:db8::1]:40001"), Server: netip.MustParseAddrPort("[2001:db8::2]:21"), Start: time.Unix(1700000000, 123456000)}
	if n := testing.AllocsPerRun(100, func() { _ = zeekUID("observer", s) }); n != 1 {
		t.Fatalf("zeekUID: %v allocations, want 1", n)
	}
}
