package diagnose

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// cleanEveryRune is clean without its plain-text shortcut (plainShort):
// the rune-by-rune rewrite it skips.
func cleanEveryRune(s string) string {
	var b strings.Builder
	n := 0
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if n >= maxEvidenceText {
			b.WriteString("...")
			break
		}
		if r == '\n' {
			b.WriteByte(' ')
		} else if r == utf8.RuneError && size == 1 || !unicode.IsPrint(r) && r != ' ' || invisible(r) {
			b.WriteByte('.')
		} else {
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// TestCleanShortcutKeepsEvidence: clean's shortcut for short printable
// ASCII gives what the rune-by-rune rewrite gives, at the length bound,
// around it, and for every byte that is not plain.
func TestCleanShortcutKeepsEvidence(t *testing.T) {
	in := []string{"", "alice", "anonymous", "a b", "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
		strings.Repeat("x", maxEvidenceText-1), strings.Repeat("x", maxEvidenceText),
		strings.Repeat("x", maxEvidenceText+1), strings.Repeat("é", 10), "r\u00f6ot", "root\ufe0f",
		"a\nb", "\xff", "tab\there"}
	for c := 0; c < 256; c++ {
		in = append(in, "ab"+string([]byte{byte(c)})+"cd")
	}
	for _, s := range in {
		if got, want := clean(s), cleanEveryRune(s); got != want {
			t.Errorf("clean(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestCleartextEvidenceMatchesSprintf: the appended evidence of a
// cleartext login is byte for byte the fmt.Sprintf it replaced, quotes,
// escapes and invalid UTF-8 included.
func TestCleartextEvidenceMatchesSprintf(t *testing.T) {
	for _, c := range []struct {
		user, line string
		num        uint64
	}{
		{"alice", "PASS ****", 9},
		{"", "PASS ****", 0},
		{"bob", hiddenLine, 18446744073709551615},
		{`we"ird`, "SITE PSWD ****", 123456},
		{"ü", "PASS \"x\"\\\n\t\x00\xff\u2028", 1},
	} {
		want := fmt.Sprintf("USER %s, then %q (packet %d) on an unencrypted control connection", c.user, c.line, c.num)
		if got := userThenLine(c.user, c.line, c.num); got != want {
			t.Errorf("userThenLine(%q, %q, %d) = %q, want %q", c.user, c.line, c.num, got, want)
		}
	}
}

// lookEveryPair is spreadSeen.look without the check that both kinds are
// there.
func lookEveryPair(sp *spreadSeen) {
	for _, m := range sp.recent {
		var lo, hi spreadConn
		for _, x := range sp.recent {
			if x.refused == m.refused {
				continue
			}
			if x.port < m.port && (lo.at.IsZero() || x.port > lo.port) {
				lo = x
			}
			if x.port > m.port && (hi.at.IsZero() || x.port < hi.port) {
				hi = x
			}
		}
		if lo.at.IsZero() || hi.at.IsZero() {
			continue
		}
		first, last := m.at, m.at
		for _, t := range []time.Time{lo.at, hi.at} {
			if t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
		sp.found, sp.mid, sp.lo, sp.hi, sp.span = true, m, lo.port, hi.port, last.Sub(first)
		sp.recent = nil
		return
	}
}

// TestSpreadLookShortcutFindsTheSame: look's check that both kinds are
// there (worked and refused) finds what every pair does, on random sets
// of one kind and of both.
func TestSpreadLookShortcutFindsTheSame(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for i := range 20000 {
		n := r.IntN(8)
		recent := make([]spreadConn, n)
		for j := range recent {
			recent[j] = spreadConn{port: uint16(40000 + r.IntN(20)), refused: i%3 != 0 && r.IntN(4) == 0,
				at: base.Add(time.Duration(r.IntN(60000)) * time.Millisecond)}
		}
		a, b := &spreadSeen{recent: slices.Clone(recent)}, &spreadSeen{recent: slices.Clone(recent)}
		a.look()
		lookEveryPair(b)
		if a.found != b.found || a.mid != b.mid || a.lo != b.lo || a.hi != b.hi || a.span != b.span || !slices.Equal(a.recent, b.recent) {
			t.Fatalf("%+v: look %+v, every pair %+v", recent, a, b)
		}
	}
}

// TestSpreadWindowBoundsMatchSub: the window note keeps by (bounds, not a
// Sub per connection) is Sub's: strictly within spreadWindow either side,
// the zero time far outside.
func TestSpreadWindowBoundsMatchSub(t *testing.T) {
	c := time.Date(2026, 12, 4, 10, 0, 0, 500, time.UTC)
	from, to := c.Add(-spreadWindow), c.Add(spreadWindow)
	for _, x := range []time.Time{c, {}, c.Add(spreadWindow), c.Add(-spreadWindow), c.Add(spreadWindow - 1),
		c.Add(-spreadWindow + 1), c.Add(spreadWindow + 1), c.Add(-spreadWindow - 1), c.AddDate(300, 0, 0), c.AddDate(-300, 0, 0)} {
		d := c.Sub(x)
		if want, got := d < spreadWindow && d > -spreadWindow, x.After(from) && x.Before(to); got != want {
			t.Errorf("%v: in window %v, Sub says %v", x, got, want)
		}
	}
}

// TestCleanPlainTextAllocatesNothing: a user name or reply that needs no
// rewriting (most evidence) is returned as it is, not copied.
func TestCleanPlainTextAllocatesNothing(t *testing.T) {
	for _, s := range []string{"alice", "230 Login successful.", strings.Repeat("y", maxEvidenceText)} {
		if n := testing.AllocsPerRun(100, func() { _ = clean(s) }); n != 0 {
			t.Errorf("clean(%q): %v allocations, want 0", s, n)
		}
	}
}
