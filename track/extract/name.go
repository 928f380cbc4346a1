package extract

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name bounds.
const (
	// MaxBaseBytes bounds the base name taken from the wire, in bytes; the
	// file name adds the "s<session>-d<data>-" prefix and perhaps a
	// counter suffix, and stays far below NAME_MAX (255).
	MaxBaseBytes = 100
	// maxExtBytes: a trailing ".xyz" up to this long (dot included) is an
	// extension and survives cutting.
	maxExtBytes = 16
	// fallbackBase replaces a name with nothing safe left in it.
	fallbackBase = "file"
	// ownerUnknownBase is the base of a file whose transfer is unknown
	// (Transfer.OwnerUnknown).
	ownerUnknownBase = "owner-unknown"
)

// reservedNames are the Windows device names. Windows reserves them with
// any extension and with trailing spaces before it ("CON .txt"), in any
// case; COM0/LPT0 and the superscript digits are reserved on current
// Windows too.
var reservedNames = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"CONIN$": true, "CONOUT$": true, "CLOCK$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true,
	"COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true,
	"LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"LPT¹": true, "LPT²": true, "LPT³": true,
}

// isReserved reports whether name is a Windows device name.
func isReserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.TrimRight(stem, " ")
	if len(stem) < 3 || len(stem) > 7 {
		return false
	}
	return reservedNames[strings.ToUpper(stem)]
}

// safeRune maps one rune of a wire name to itself or to '_'. Kept: the
// graphic runes (letters, marks, numbers, punctuation, symbols) and the
// ASCII space. Replaced: C0, DEL, C1, format characters (bidi controls
// U+202A–U+202E and U+2066–U+2069, zero-width characters, the BOM), line
// and paragraph separators, private-use and unassigned code points,
// spaces other than ASCII's, the characters Windows refuses in names, and
// slash look-alikes that Windows best-fit conversion or a human reader
// would take for a separator.
func safeRune(r rune) rune {
	switch r {
	case ' ':
		return r
	case '<', '>', ':', '"', '|', '?', '*', '/', '\\',
		'\uFF0F', '\uFF3C', '\u2215', '\u2216', '\u2044', '\u29F8', '\u29F9', '\uFE68':
		return '_'
	}
	if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsGraphic(r) {
		return '_'
	}
	return r
}

// lastComponent is what follows the last '/' or '\' of a path, trailing
// separators ignored. Both are ASCII, so a byte search is right even in
// invalid UTF-8.
func lastComponent(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// clean makes a base name from a path given on the wire, or returns ""
// when nothing safe is left. See SafeName.
func clean(p string) string {
	// Mapping the whole component is bounded by the decoder's line limit.
	s := strings.Map(safeRune, lastComponent(p))
	s = strings.TrimLeft(s, ". -") // hidden files, options, leading blanks
	s = strings.TrimRight(s, ". ") // Windows strips them: "a." opens "a"
	if s == "" {
		return ""
	}
	// Cutting can end a name without extension on a dot or a space.
	s = strings.TrimRight(cut(s, MaxBaseBytes), ". ")
	if isReserved(s) {
		s = strings.TrimRight(cut("_"+s, MaxBaseBytes), ". ")
	}
	return s
}

// SafeName returns the base name of a path given on the wire (a command's
// argument, a name in a reply): its last component, '/' and '\' both
// counting as separators, with every unsafe rune replaced by '_' (control
// and format characters, invalid UTF-8, characters Windows refuses),
// leading dots, dashes and spaces and trailing dots and spaces removed,
// cut to MaxBaseBytes on a rune boundary keeping an extension of up to 16
// bytes, and "_" put before a Windows device name. A name with nothing
// left becomes "file". The result is valid UTF-8, never empty, ".", ".."
// or a device name, and holds no separator or control character.
func SafeName(p string) string {
	if s := clean(p); s != "" {
		return s
	}
	return fallbackBase
}

// extension returns the trailing ".xyz" of name when it is short enough
// to be an extension and is not the whole name.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i > maxExtBytes || len(name)-i < 2 {
		return ""
	}
	return name[i:]
}

// cut bounds s to n bytes on a rune boundary, keeping its extension.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	ext := extension(s)
	stem := s[:len(s)-len(ext)]
	stem = cutBytes(stem, n-len(ext))
	if stem == "" { // cannot happen while n > maxExtBytes; stay safe anyway
		return cutBytes(s, n)
	}
	return stem + ext
}

// cutBytes bounds s to n bytes without splitting a rune.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// isListing reports whether verb transfers a directory listing.
func isListing(verb string) bool {
	switch verb {
	case "LIST", "NLST", "MLSD":
		return true
	}
	return false
}

// listTarget drops the ls-style options ("-la") some clients send before a
// listing's path.
func listTarget(arg string) string {
	for strings.HasPrefix(arg, "-") {
		i := strings.IndexByte(arg, ' ')
		if i < 0 {
			return ""
		}
		arg = strings.TrimLeft(arg[i:], " ")
	}
	return arg
}

// stouName finds the name a server gave to an STOU upload in a reply's
// text: "FILE: name" (RFC 1123 4.1.2.9, on 125/150) or "(unique file
// name:name)" (wu-ftpd style, on 250).
func stouName(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if len(line) >= 5 && strings.EqualFold(line[:5], "FILE:") {
		return strings.TrimSpace(line[5:])
	}
	const marker = "unique file name:"
	if i := indexFold(line, marker); i >= 0 {
		rest := line[i+len(marker):]
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			rest = rest[:j]
		}
		return strings.TrimSpace(rest)
	}
	return ""
}

// indexFold is a case-insensitive strings.Index for an ASCII needle.
func indexFold(s, ascii string) int {
	for i := 0; i+len(ascii) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(ascii)], ascii) {
			return i
		}
	}
	return -1
}

// remotePath is the path a transfer names on the wire: the argument, or
// for STOU without one the name the server's reply gave.
func remotePath(t Transfer) string {
	if strings.EqualFold(t.Verb, "STOU") && strings.TrimSpace(t.Arg) == "" {
		for _, r := range t.Replies {
			if n := stouName(r); n != "" {
				return n
			}
		}
	}
	return t.Arg
}

// baseName is the safe base of t's local file name, before the session
// and data prefix: the file's name for transfers, "list-<dir>.txt" (with
// the verb in lower case) for listings, "owner-unknown" for a file no
// transfer names (OwnerUnknown).
func baseName(t Transfer) string {
	if t.OwnerUnknown {
		return ownerUnknownBase
	}
	verb := strings.ToUpper(t.Verb)
	if isListing(verb) {
		target := listTarget(strings.TrimSpace(t.Arg))
		if target == "" {
			target = t.Cwd
		}
		base := strings.ToLower(verb)
		if dir := clean(target); dir != "" {
			base += "-" + dir
		}
		return SafeName(base + ".txt")
	}
	return SafeName(remotePath(t))
}

// fileName is the local name for try number n (0 first): the prefix, the
// base, and from the second try on a counter before the extension.
func fileName(session, data int, base string, n int) string {
	prefix := "s" + strconv.Itoa(session) + "-d" + strconv.Itoa(data) + "-"
	if n == 0 {
		return prefix + base
	}
	ext := extension(base)
	return prefix + base[:len(base)-len(ext)] + "-" + strconv.Itoa(n+1) + ext
}
