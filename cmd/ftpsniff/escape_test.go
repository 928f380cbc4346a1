package main

import "testing"

func TestSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"220 (vsFTPd 3.0.3)", "220 (vsFTPd 3.0.3)"},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`},
		{"\x1b]0;title\a", `\x1b]0;title\a`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"c1\u009bx", `c1\u009bx`},
		{`back\slash`, `back\\slash`},
		{"héllo wörld", "héllo wörld"},
		{"tab\there", `tab\there`},
		{"del\x7f", `del\x7f`},
	}
	for _, tt := range tests {
		if got := safe(tt.in); got != tt.want {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSafe checks that nothing safe returns can reach a terminal as a
// control sequence.
func FuzzSafe(f *testing.F) {
	f.Add("220 \x1b[31mred")
	f.Add("\u202e\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		out := safe(s)
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x202e || r == 0x202d || r == 0x2066 || r == 0x2067 || r == 0x2068 || r == 0x2069 {
				t.Fatalf("safe(%q) = %q keeps control rune %U", s, out, r)
			}
		}
	})
}
