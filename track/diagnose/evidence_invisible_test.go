package diagnose

import "testing"

// TestCleanHidesInvisible: evidence quotes no code point that renders as
// nothing (Unicode's Default_Ignorable_Code_Point set beyond the format
// characters: variation selectors, U+034F, the Hangul fillers,
// U+17B4/U+17B5) nor U+2800 braille blank: "USER root\ufe0f" must not read
// as root. Visible non-ASCII text is kept. rev-output: invisible.pcap.
func TestCleanHidesInvisible(t *testing.T) {
	for _, r := range []rune{0xfe00, 0xfe0f, 0xe0100, 0xe01ef, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0,
		0x2800, 0x17b4, 0x17b5, 0x180b, 0x2065, 0xe0000, 0x200b, 0x202e} {
		if got := clean("root" + string(r)); got != "root." {
			t.Errorf("clean(root+%U) = %q, want root.", r, got)
		}
	}
	for _, s := range []string{"café", "r\u0336oot", "日本語", "한글"} {
		if got := clean(s); got != s {
			t.Errorf("clean(%q) = %q, want it unchanged", s, got)
		}
	}
}
