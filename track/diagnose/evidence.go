package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// maxEvidenceText bounds one quoted reply or command in evidence.
const maxEvidenceText = 160

// clean makes capture text safe for a one-line evidence field: the line
// breaks of a multi-line reply become spaces (its lines read as one
// sentence, as "227-Entering Passive Mode" / "227 (10,99,2,2,156,66)"
// do), other control characters, format characters, the other code
// points that render as nothing (invisible) and invalid UTF-8 become
// '.', and long text is cut.
func clean(s string) string {
	if plainShort(s) {
		return s // the common case: nothing to change
	}
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

// bareName is clean for a name evidence shows without quotes (a USER's):
// a backslash is doubled, as the transcript and a %q quote write it, so
// that a Windows domain user reads CONTOSO\\alice in both, and no
// backslash in a name can pass for an escape.
func bareName(s string) string {
	return strings.ReplaceAll(clean(s), `\`, `\\`)
}

// plainShort tells whether clean leaves s as it is: printable ASCII, no
// longer than maxEvidenceText.
func plainShort(s string) bool {
	if len(s) > maxEvidenceText {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// invisible tells whether a rune renders as nothing, or as a blank that
// is no space, though unicode.IsPrint takes it: Unicode's
// Default_Ignorable_Code_Point set beyond the format characters (which
// IsPrint refuses): the variation selectors (U+180B-U+180F,
// U+FE00-U+FE0F, U+E0100-U+E01EF), U+034F combining grapheme joiner,
// the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, U+17B4, U+17B5,
// and the reserved ones; and U+2800 braille pattern blank. "root\ufe0f"
// reads as root. (cmd/ftpsniff's safe escapes the same set.)
func invisible(r rune) bool {
	return r >= 0x80 && (r == '\u2800' || unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point))
}

// replyText quotes a reply for evidence as sent, as commandText quotes
// a command: its lines with their codes (a multi-line reply's
// terminator keeps its own, "534-..." / "534 End", "250-..." / "200
// ..."), a code the server did not follow with a space
// ("227Entering Passive Mode", ftp.ReplyNoSpace) without one; one that
// repeats a line taken for a password (track.Reply.Secret) is hidden.
func replyText(r *track.Reply) string {
	if r.Secret {
		return fmt.Sprintf("%d ****", r.Code)
	}
	switch len(r.Lines) {
	case 0: // (a reply made up by the tracker or a test: its text alone)
		return fmt.Sprintf("%d %s", r.Code, clean(r.Text))
	case 1:
		return clean(r.Lines[0])
	}
	// The lines, as clean joins them, up to what it keeps.
	var b strings.Builder
	for i, l := range r.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		if b.Len() > maxEvidenceText*utf8.UTFMax {
			break
		}
	}
	return clean(b.String())
}

// commandText quotes a command for evidence, its password masked: a PASS
// or ACCT keeps its verb, any other line decode took for a password (the
// tail of a PASS whose first bytes a gap took, a bare line after a 331)
// is hidden whole, since its verb may be part of the secret.
func commandText(c *track.Command) string {
	// The separator as sent: a TAB (ftp.CmdTabSeparator) is what some
	// servers and the Linux FTP helper do not read; quoted with %q, it
	// shows as \t.
	sep := " "
	if c.Anomaly&ftp.CmdTabSeparator != 0 {
		sep = "\t"
	}
	switch {
	case c.Verb == "PASS" || c.Secret && c.Verb == "ACCT":
		return c.Verb + sep + "****"
	case c.Secret:
		return hiddenLine
	case c.Arg == "" && sep == " ":
		return c.Verb
	case c.SecretArg:
		// SITE PSWD old new: the words after the first are passwords.
		w := strings.TrimLeft(c.Arg, " ")
		if i := strings.IndexByte(w, ' '); i >= 0 {
			w = w[:i]
		}
		return c.Verb + sep + clean(w) + " ****"
	}
	return c.Verb + sep + clean(c.Arg)
}

// hiddenLine stands in evidence and messages for a client line that may
// hold a password.
const hiddenLine = "**** (a line that may hold a password)"

// verbText names c's verb in a message: hidden for a line taken for a
// password that is not a PASS or ACCT (see commandText).
func verbText(c *track.Command) string {
	if c.Secret && c.Verb != "PASS" && c.Verb != "ACCT" {
		return hiddenLine
	}
	return c.Verb
}

// announcement quotes what armed a data connection: the 227/228/229 reply,
// or the PORT/EPRT/LPRT command and its 200.
func announcement(dc *track.DataConn) (string, []uint64) {
	c := dc.Announce
	if c == nil {
		return endpointText(dc), nil
	}
	if dc.Passive {
		if r := c.Final(); r != nil && c.Unsolicited() {
			return fmt.Sprintf("%q (packet %d), which answered no command seen", replyText(r), r.Num), []uint64{r.Num}
		} else if r != nil {
			return fmt.Sprintf("%s -> %q (packet %d)", commandText(c), replyText(r), r.Num), []uint64{r.Num}
		}
	}
	s := fmt.Sprintf("%q (packet %d)", commandText(c), c.Num)
	pk := []uint64{c.Num}
	if r := c.Final(); r != nil {
		s += fmt.Sprintf(" -> %q", replyText(r))
		if r.Num != c.Num {
			pk = append(pk, r.Num)
		}
	}
	return s, pk
}

// endpointText names a data connection's endpoint without printing unset
// fields: an inferred connection (no visible announcement) has neither a
// form nor an announced address.
func endpointText(dc *track.DataConn) string {
	switch {
	case dc.Via == 0 && dc.Server.IsValid():
		return fmt.Sprintf("no visible announcement (connection to %s matched by peers and time)", dc.Server)
	case dc.Via == 0:
		return "no visible announcement"
	case !dc.Announced.IsValid():
		return dc.Via.String() + " (no endpoint parsed)"
	case dc.Match == track.MatchAnnounceLost && dc.Announce != nil:
		// Announced is where its SYN went: the reply that said it is
		// lost or cut short (as text's and the report's heading say).
		what, how := "reply", "lost"
		if !dc.Passive {
			what = "command"
		}
		if dc.AnnouncementCut() {
			how = "cut short"
		}
		return fmt.Sprintf("%s (%s %s) inferred %s", dc.Via, what, how, dc.Announced)
	}
	return fmt.Sprintf("%s %s", dc.Via, dc.Announced)
}

// transfer quotes the transfer command that used a data connection and its
// final reply, or "" when there was none.
func transfer(dc *track.DataConn) (string, []uint64) {
	c := dc.Command
	if c == nil {
		return "", nil
	}
	s := fmt.Sprintf("%q (packet %d)", commandText(c), c.Num)
	pk := []uint64{c.Num}
	if r := c.Final(); r != nil {
		s += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
		pk = append(pk, r.Num)
	} else if c.Status != track.StatusPending && c.Status != track.StatusAnswered {
		s += " -> no reply (" + c.Status.String() + ")"
	}
	return s, pk
}

// dur prints a duration rounded for people: 2.055s, 0.000s.
// dur is a span between two packets; a capture clock stepped back (NTP,
// timestamps of two NIC queues) makes some negative: they show as none.
func dur(d time.Duration) string { return Seconds(d) }

// Seconds writes a span for text: in seconds to the millisecond below an
// hour ("480.672s"), in days, hours, minutes and seconds to the tenth
// from an hour on ("14d 0h00m10.9s", "2h05m03.0s"), which a count of
// seconds hides. Negative spans (a clock stepped back) are 0.
func Seconds(d time.Duration) string {
	d = max(d, 0)
	if d < time.Hour {
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	t := (d + 50*time.Millisecond) / (100 * time.Millisecond) // tenths, rounded
	tenth, sec := t%10, t/10
	s, m, h := sec%60, sec/60%60, sec/3600
	if h >= 24 {
		return fmt.Sprintf("%dd %dh%02dm%02d.%ds", h/24, h%24, m, s, tenth)
	}
	return fmt.Sprintf("%dh%02dm%02d.%ds", h, m, s, tenth)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// wasWere is the verb for n things.
// containsAny tells whether text holds any of words.
func containsAny(text string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// joinEvidence joins non-empty parts with "; ".
func joinEvidence(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

// packets collects evidence packet numbers: non-zero, ascending, once each.
func packets(lists ...[]uint64) []uint64 {
	var out []uint64
	seen := map[uint64]bool{}
	for _, l := range lists {
		for _, n := range l {
			if n != 0 && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}
