package main

import (
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
func safe(s string) string { return escapeText(s, true, false) }

// sentence is safe for ftpsniff's own sentences (a finding's message,
// evidence and fix, a verdict, a rule to copy): the wire text in them
// went through diagnose's clean (no control character is left) and is
// mostly quoted with %q, whose backslashes are escapes already, and the
// fixes hold shell quoting (a backslash before a quote inside a quoted
// word). A backslash is kept: safe doubled the quoting's, and the
// evidence of a 425 quoting its path read `transfer of \\"/\\"`.
// Everything else safe escapes, it escapes, and the right-to-left
// letters too (rightToLeft: U+05D0 is written \u05d0): a sentence mixes
// wire text, quoted or not (a user name), with ftpsniff's packet
// numbers and endpoints, and is wrapped over lines, so no isolate can
// hold the wire's part apart; a Hebrew letter in a quoted 227 would
// pull the "(packet 10); 3" after it into its right-to-left run in a
// bidi terminal. The transcript line shows the letter as sent.
func sentence(s string) string { return escapeText(s, false, true) }

// escapeText is safe, and sentence when backslash is false and rtl
// true (right-to-left letters escaped).
func escapeText(s string, backslash, rtl bool) string {
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
		case r == ' ' || (unicode.IsGraphic(r) && !invisible(r) && !(rtl && rightToLeft(r))):
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
func shown(s string) string { return shownAs(s, safe) }

// shownAs is shown with esc for safe: the note of what was left out
// stays outside what esc returns (isolated's guard).
func shownAs(s string, esc func(string) string) string {
	if len(s) <= maxShown {
		return esc(s)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return esc(s[:cut]) + "… (" + counted(int64(len(s)-cut), "more byte{s}") + ")"
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

// rightToLeft tells whether r is, or may be, a strong right-to-left
// character: the blocks the Unicode bidi algorithm gives class R or AL
// by default (Hebrew, Arabic, Syriac, Thaana, NKo and their neighbours,
// the presentation forms, and the right-to-left ranges of the
// supplementary planes). A few of their members are weak or neutral
// (Arabic-Indic digits, points): a superset, as it only decides whether
// a line is guarded. The explicit marks and controls (U+200F, U+202B,
// U+202E, U+2067) are format characters, escaped already.
func rightToLeft(r rune) bool {
	switch {
	case r < 0x0590:
		return false
	case r <= 0x08ff:
		return true
	case r < 0xfb1d:
		return false
	case r <= 0xfdff, r >= 0xfe70 && r <= 0xfeff:
		return true
	}
	return r >= 0x10800 && r <= 0x10fff || r >= 0x1e800 && r <= 0x1efff
}

// hasRightToLeft tells whether s holds a rightToLeft character.
func hasRightToLeft(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xd6 { // (U+0590 is D6 90: no lower lead byte starts one)
			for _, r := range s[i:] {
				if rightToLeft(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

// Left-to-right isolate and pop directional isolate: what ftpsniff
// itself puts around a piece of wire text (isolated).
const (
	lri = "\u2066"
	pdi = "\u2069"
)

// isolated guards wire text, escaped already (safe, shown), that holds a
// right-to-left letter before ftpsniff's own words on a text line: it is
// put between U+2066 LRI and U+2069 PDI, a left-to-right isolate. In a
// terminal that applies the Unicode bidi algorithm (VTE, mlterm, Konsole)
// a Hebrew or Arabic letter otherwise pulls the digits and neutrals after
// it, ftpsniff's "  = 10.0.0.1:40000" included, into its right-to-left
// run, and `227 … (10,0,0,1,156,64) א 203.0.113.7:22  = 10.0.0.1:40000`
// reads "10.0.0.1:40000 = 203.0.113.7:22 א": the decoded endpoint seems
// to be the one the text names. The isolate ends the wire text's reach
// at the PDI, and makes the paragraph's direction ftpsniff's (what is
// inside an isolate does not set it). These two are the only format
// characters the text output writes raw; the wire's own are escaped
// (safe), so the wire cannot close the isolate early. Text without such
// a letter is left as it is: most lines, grep and copy-paste unchanged.
func isolated(s string) string {
	if !hasRightToLeft(s) {
		return s
	}
	return lri + s + pdi
}

// shownIsolated is shown with the wire text isolated, the note of what
// was left out after the isolate: wire text on a line of the text
// output.
func shownIsolated(s string) string { return shownAs(s, safeIsolated) }

// safeIsolated is safe, isolated.
func safeIsolated(s string) string { return isolated(safe(s)) }
