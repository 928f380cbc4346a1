package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// safe makes text from the wire fit to print on a terminal: control
// characters (C0, DEL, C1), format characters such as the bidi overrides,
// and invalid UTF-8 are written as Go escapes, so a hostile server cannot
// move the cursor, retitle the window or reorder what the admin reads.
func safe(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case r == '\\':
			b.WriteString(`\\`)
		case r == ' ' || (unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r)):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// maxShown bounds how much of one wire string the text output prints; the
// JSON output keeps it whole.
const maxShown = 240

// shown is safe, cut to maxShown bytes with a note of what was left out.
func shown(s string) string {
	if len(s) <= maxShown {
		return safe(s)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return safe(s[:cut]) + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}
