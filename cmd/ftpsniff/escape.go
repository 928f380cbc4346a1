package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// safe makes text from the wire fit to print on a terminal: control
// characters (C0, DEL, C1), format characters such as the bidi overrides,
// the other code points that render as nothing (invisible) and invalid
// UTF-8 are written as Go escapes, so a hostile server cannot move the
// cursor, retitle the window or reorder what the admin reads, nor a
// client pass "root\ufe0f" off as root.
func safe(s string) string { return escapeText(s, true) }

// sentence is safe for ftpsniff's own sentences (a finding's message,
// evidence and fix, a verdict, a rule to copy): the wire text in them
// went through diagnose's clean (no control character is left) and is
// mostly quoted with %q, whose backslashes are escapes already, and the
// fixes hold shell quoting (a backslash before a quote inside a quoted
// word). A backslash is kept: safe doubled the quoting's, and the
// evidence of a 425 quoting its path read `transfer of \\"/\\"`.
// Everything else safe escapes, it escapes.
func sentence(s string) string { return escapeText(s, false) }

// escapeText is safe, and sentence when backslash is false.
func escapeText(s string, backslash bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' && backslash {
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
		case r == '\\' && backslash:
			b.WriteString(`\\`)
		case r == ' ' || (unicode.IsGraphic(r) && !invisible(r)):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// invisible tells whether a rune renders as nothing, or as a blank that
// is no space: Unicode's Default_Ignorable_Code_Point set (the format
// characters, Cf, such as the bidi controls, zero width characters and
// tag characters; the variation selectors, U+180B-U+180F, U+FE00-U+FE0F
// and U+E0100-U+E01EF; and the other default ignorables: U+034F
// combining grapheme joiner, the Hangul fillers U+115F, U+1160, U+3164
// and U+FFA0, U+17B4 and U+17B5, the reserved U+2065, U+FFF0-U+FFF8 and
// U+E0000-U+E0FFF), and U+2800 braille pattern blank. Cf's few visible
// members (U+FFF9-U+FFFB, the prepended concatenation marks) are taken
// too, as they were.
func invisible(r rune) bool {
	return r >= 0x80 && (r == '\u2800' || unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point))
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

// needsJSONEscape tells whether a rune that encoding/json writes raw must
// be written as a \u escape instead: DEL, the C1 controls, the runes that
// render as nothing (invisible: format characters such as the bidi
// embeddings, overrides, isolates and marks, zero width characters, the
// BOM, tag characters; variation selectors, Hangul fillers and the other
// default ignorables), and anything else that is not graphic
// (unassigned, private use). encoding/json itself escapes the C0
// controls, '"', '\\', U+2028 and U+2029.
func needsJSONEscape(r rune) bool {
	if r < 0x7f {
		return false
	}
	return r == 0x7f || !unicode.IsGraphic(r) || invisible(r)
}

// appendInertJSON appends the JSON text src (valid JSON as encoding/json
// writes it) to dst with every rune needsJSONEscape selects written as a
// \u escape (a surrogate pair above U+FFFF). Such runes can only occur
// inside strings, so the rewrite does not need to parse the JSON; the
// decoded value is unchanged. Invalid UTF-8 (which encoding/json never
// writes) becomes \ufffd.
func appendInertJSON(dst, src []byte) []byte {
	i := 0
	for i < len(src) && src[i] < 0x7f {
		i++
	}
	if i == len(src) {
		return append(dst, src...)
	}
	dst = append(dst, src[:i]...)
	for i < len(src) {
		c := src[i]
		if c < 0x7f {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			dst = append(dst, `\ufffd`...)
		case needsJSONEscape(r):
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				dst = appendU4(dst, hi)
				dst = appendU4(dst, lo)
			} else {
				dst = appendU4(dst, r)
			}
		default:
			dst = append(dst, src[i:i+size]...)
		}
		i += size
	}
	return dst
}

func appendU4(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// rawOf is the value of a `<field>_raw` sibling: the string's bytes (the
// JSON encoder writes them as base64) when it is not valid UTF-8, so that
// what encoding/json turns into U+FFFD stays recoverable; nil otherwise,
// and the sibling is omitted.
func rawOf(s string) []byte {
	if utf8.ValidString(s) {
		return nil
	}
	return []byte(s)
}
