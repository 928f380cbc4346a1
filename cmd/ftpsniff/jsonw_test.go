package main

import (
	"bytes"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// referenceJSON is what the record encoder writes for a string:
// encoding/json without HTML escaping, then appendInertJSON.
func referenceJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return appendInertJSON(nil, bytes.TrimRight(buf.Bytes(), "\n"))
}

// TestJSONStringMatchesEncoder: the field-by-field writer's strings are
// byte for byte the record encoder's, for every byte, every control and
// format rune, invalid UTF-8 and runes above U+FFFF.
func TestJSONStringMatchesEncoder(t *testing.T) {
	var cases []string
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	for _, r := range []rune{0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xad, 0x200b, 0x200e, 0x202a, 0x202e, 0x2066, 0x2069, 0x2028, 0x2029,
		0xfeff, 0xfffd, 0xe000, 0x1f600, 0xe0001, 0x10ffff, 0x061c, 'é', '<', '&'} {
		cases = append(cases, string(r), "x"+string(r)+"y")
	}
	cases = append(cases, "", "plain", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", strings.Repeat("\x1b[2J", 3),
		"\"quoted\\\"", "tab\tnl\ncr\rbs\bff\f")
	for _, s := range cases {
		got := appendJSONString(nil, s)
		want := referenceJSON(t, s)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func FuzzJSONStringMatchesEncoder(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00\x7f\u202e\xff", "\U0001f600\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		if want := referenceJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		if !utf8.Valid(got) {
			t.Fatalf("%q: output not UTF-8", s)
		}
	})
}

// TestJSONFloatMatchesEncoder: the float writer writes what encoding/json
// does, except that a whole number keeps ".0" (TestJSONMillisKeepsAFraction).
func TestJSONFloatMatchesEncoder(t *testing.T) {
	for _, f := range []float64{0.001, 1, 4.751, 57.339, 1234567.891, 1e-7, 1e21, 123e30, math.SmallestNonzeroFloat64} {
		got := appendJSONFloat(nil, f)
		want := referenceJSON(t, f)
		if !bytes.ContainsAny(want, ".e") {
			want = append(want, ".0"...)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

// TestPlainWordExact guards the word-at-a-time test of the JSON string
// writer: it is true exactly when all 8 bytes are printable ASCII other
// than '"' and '\\', for every byte value at every position and for
// neighbours that borrow or carry (0x00, 0x7f, 0x80, 0xff).
func TestPlainWordExact(t *testing.T) {
	plain := func(w []byte) bool {
		for _, c := range w {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	for _, fill := range []byte{'a', ' ', '~', 0x00, 0x1f, 0x7f, 0x80, 0xff} {
		for pos := range 8 {
			for b := range 256 {
				w := bytes.Repeat([]byte{fill}, 8)
				w[pos] = byte(b)
				if got, want := plainWord(string(w)), plain(w); got != want {
					t.Fatalf("plainWord(% x) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func FuzzPlainWordExact(f *testing.F) {
	f.Add([]byte("abc\x7fdefg"))
	f.Fuzz(func(t *testing.T, w []byte) {
		if len(w) < 8 {
			return
		}
		w = w[:8]
		want := true
		for _, c := range w {
			want = want && c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
		}
		if got := plainWord(string(w)); got != want {
			t.Fatalf("plainWord(% x) = %v, want %v", w, got, want)
		}
	})
}

// TestJSONMillisMatchesFloat guards the integer path of latencies in
// milliseconds: its text is the float writer's for float64(us)/1000, with
// and without fraction digits, trailing zeros trimmed, around 1e15 µs
// where it hands over to the float writer.
func TestJSONMillisMatchesFloat(t *testing.T) {
	for _, us := range []int64{0, 1, 10, 100, 999, 1000, 1001, 1010, 1100, 4751, 57339, 123456789, 1e15 - 1, 1e15, 1e15 + 7, math.MaxInt64, -1} {
		if got, want := appendMillis(nil, us), appendJSONFloat(nil, float64(us)/1000); !bytes.Equal(got, want) {
			t.Errorf("appendMillis(%d) = %s, want %s", us, got, want)
		}
	}
}

// TestJSONMillisKeepsAFraction guards the type of the latency fields a
// shipper's index maps from the first value it sees: a whole number of
// milliseconds is written 3.0, not 3, or Elasticsearch's dynamic mapping
// makes the field an integer and truncates every later fraction.
func TestJSONMillisKeepsAFraction(t *testing.T) {
	for us, want := range map[int64]string{0: "0.0", 3000: "3.0", 3100: "3.1", 1e15: "1000000000000.0", 2e18: "2000000000000000.0"} {
		if got := string(appendMillis(nil, us)); got != want {
			t.Errorf("appendMillis(%d) = %s, want %s", us, got, want)
		}
	}
	// The summary's fields, written by encoding/json (overlap_ms).
	if b, err := json.Marshal(struct {
		X jsonMillis `json:"overlap_ms"`
	}{189000}); err != nil || string(b) != `{"overlap_ms":189.0}` {
		t.Errorf("jsonMillis: %s, %v", b, err)
	}
}

func FuzzJSONMillisMatchesFloat(f *testing.F) {
	f.Add(int64(57339))
	f.Fuzz(func(t *testing.T, us int64) {
		if got, want := appendMillis(nil, us), appendJSONFloat(nil, float64(us)/1000); !bytes.Equal(got, want) {
			t.Fatalf("appendMillis(%d) = %s, want %s", us, got, want)
		}
	})
}

// TestJSONTimeMatchesRFC3339Nano guards the per-second cache of the
// timestamp writer: every time, in any order, is written exactly as
// time.RFC3339Nano in UTC, including when the second repeats with other
// nanoseconds, goes backwards, or the zone is not UTC.
func TestJSONTimeMatchesRFC3339Nano(t *testing.T) {
	base := time.Date(2026, 12, 2, 21, 57, 51, 0, time.UTC)
	east := time.FixedZone("east", 5*3600+1800)
	times := []time.Time{
		base,
		base.Add(123 * time.Millisecond),
		base.Add(100 * time.Nanosecond),
		base.Add(999999999),
		base.Add(time.Second + 1),
		base, // back to an earlier second
		base.In(east),
		base.Add(time.Second + 500*time.Microsecond).In(east),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 10, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 5, time.UTC),
		time.Unix(0, 0),
		// Whole microseconds (a classic pcap's), zeros at the end and
		// inside.
		base.Add(time.Microsecond),
		base.Add(10 * time.Microsecond),
		base.Add(500 * time.Microsecond),
		base.Add(100 * time.Millisecond),
		base.Add(123456 * time.Microsecond),
		base.Add(999999 * time.Microsecond),
		base.Add(100001 * time.Microsecond),
		base.Add(1001 * time.Nanosecond),
	}
	var w jsonWriter
	for _, tm := range times {
		got := string(w.appendTime(nil, tm))
		want := tm.UTC().Format(time.RFC3339Nano)
		if got != want {
			t.Errorf("appendTime(%v) = %q, want %q", tm, got, want)
		}
	}
}

func FuzzJSONTimeMatchesRFC3339Nano(f *testing.F) {
	f.Add(int64(1764712671), int64(0), int64(1764712671), int64(123000000))
	f.Fuzz(func(t *testing.T, s1, n1, s2, n2 int64) {
		var w jsonWriter
		for _, tm := range []time.Time{time.Unix(s1, n1), time.Unix(s2, n2), time.Unix(s1, n2)} {
			if got, want := string(w.appendTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
				t.Fatalf("appendTime(%d.%09d) = %q, want %q", tm.Unix(), tm.Nanosecond(), got, want)
			}
		}
	})
}

// TestJSONAddrMatchesAddrString: an address written in place is byte for
// byte the quoted addrString the records wrote before, for IPv4, IPv6,
// an IPv4-mapped IPv6 address, a zone and the zero value.
func TestJSONAddrMatchesAddrString(t *testing.T) {
	for _, ap := range []netip.AddrPort{
		{},
		netip.MustParseAddrPort("192.0.2.10:21"),
		netip.MustParseAddrPort("[2001:db8::1]:40000"),
		netip.MustParseAddrPort("[::ffff:192.0.2.1]:20"),
		netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone("eth\"0\n"), 21),
	} {
		var w jsonWriter
		w.begin()
		w.addr("a", ap)
		want := `{"a":` + string(appendJSONString(nil, addrString(ap)))
		if got := string(w.b); got != want {
			t.Errorf("%v: %s, want %s", ap, got, want)
		}
	}
}

// BenchmarkJSONTime writes the timestamps of a session's records: most in
// the second of the one before.
func BenchmarkJSONTime(b *testing.B) {
	base := time.Date(2026, 12, 2, 21, 57, 51, 123456000, time.UTC)
	var w jsonWriter
	buf := make([]byte, 0, 64)
	for i := range b.N {
		buf = w.appendTime(buf[:0], base.Add(time.Duration(i%4096)*time.Millisecond))
	}
}
