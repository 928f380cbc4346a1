package ftp

import (
	"bytes"
	"errors"
	"strings"
)

// Verb length bounds. Every verb in RFC 959 and its extensions has 3 or 4
// letters, and non-standard ones (XSHA256, ...) stay under 8. Zeek ignores
// verbs under 3 characters; anything past MaxVerbLen is not a command word.
const (
	MinVerbLen = 3
	MaxVerbLen = 16
)

var (
	ErrEmptyLine = errors.New("ftp: empty command line")
	ErrBadVerb   = errors.New("ftp: malformed command verb")
)

// CommandAnomaly records what was odd about a command line.
type CommandAnomaly uint8

const (
	CmdLeadingSpace     CommandAnomaly = 1 << iota // SP/TAB before the verb, skipped
	CmdVerbTooShort                                // verb shorter than MinVerbLen
	CmdVerbTooLong                                 // verb longer than MaxVerbLen
	CmdVerbNonPrintable                            // verb holds a byte outside 0x21..0x7E
	CmdVerbLowerCase                               // verb not upper case: legal (RFC 959 §5.3), but case-sensitive parsers (Wireshark) miss it
	// CmdTabSeparator: a TAB, not a SP, ends an active announcement's verb
	// ("PORT\t1,2,...": PORT, EPRT or LPRT). ProFTPD splits words at any
	// white space and connects to the endpoint; vsftpd and Pure-FTPd do
	// not (a 500; vsftpd before login a 530), and nf_conntrack_ftp, which
	// needs a SP after PORT and EPRT, drops the segment.
	CmdTabSeparator
	// CmdControlSeparator: a control byte other than TAB (a NUL, as
	// embedded clients send "QUIT\x00") ends the verb, and Arg begins
	// with it: a server written in C reads the line up to its NUL, and so
	// takes the verb; no SP was sent between the two.
	CmdControlSeparator
	// CmdUnterminated: the line had no line end: the stream ended (a FIN,
	// an RST, the capture's end) with it under way. A server does not
	// act on it (it awaits the line end), and a firewall that inspects
	// FTP may refuse it (Cisco ASA's strict: a command not ended by CRLF).
	CmdUnterminated
)

var commandAnomalyNames = [...]string{"leading-space", "verb-too-short", "verb-too-long", "verb-non-printable", "verb-lower-case", "tab-separator", "control-separator", "unterminated"}

func (a CommandAnomaly) String() string { return flagString(uint(a), commandAnomalyNames[:]) }

// Command is one parsed command line.
type Command struct {
	Verb    string // upper-cased; for known verbs a shared constant string
	Arg     string // everything after the SP (or TAB: CmdTabSeparator) that ends the verb, raw
	Anomaly CommandAnomaly
}

// ParseCommand parses one client line (as emitted by LineSplitter; a
// trailing CR LF or LF is also removed). The verb is the first SP-delimited
// word after optional leading SP/TAB, or PORT, EPRT or LPRT ended by a TAB,
// as ProFTPD reads it (CmdTabSeparator: the endpoint it connects to must be
// known), or a verb-shaped word (MinVerbLen to MaxVerbLen printable bytes)
// ended by a control byte other than TAB (CmdControlSeparator: "QUIT\x00"
// is QUIT, its Arg "\x00", nothing of the line dropped); the argument is
// the rest of the line after that SP or TAB (from the control byte on),
// untrimmed, because later spaces belong to path names (RFC 2640). After
// any other word a TAB stays in the word, which makes it junk, as vsftpd
// and Pure-FTPd read it: their 530 or 500 to "PASS\tsecret" is no
// password checked, and the line is hidden whole as one that may hold a
// password.
//
// ErrEmptyLine is returned for a line with no verb. ErrBadVerb is returned
// for a verb that is too short, too long or holds non-printable bytes; the
// Command is still filled in (Anomaly says why) because servers answer such
// lines too (500), so a caller pairing replies should still count it.
func ParseCommand(line []byte) (Command, error) {
	var c Command
	line = trimLineEnd(line)
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i > 0 {
		c.Anomaly |= CmdLeadingSpace
	}
	line = line[i:]
	if len(line) == 0 {
		return c, ErrEmptyLine
	}
	word, arg := line, line[len(line):]
	for j, b := range line {
		if b == ' ' {
			word, arg = line[:j], line[j+1:]
			break
		}
		if b == '\t' && isActiveAnnouncementFold(line[:j]) {
			word, arg = line[:j], line[j+1:]
			c.Anomaly |= CmdTabSeparator
			break
		}
		if (b < ' ' && b != '\t' || b == 0x7f) && verbShaped(line[:j]) {
			word, arg = line[:j], line[j:] // (the control byte kept, in Arg)
			c.Anomaly |= CmdControlSeparator
			break
		}
	}
	if len(arg) > 0 {
		c.Arg = string(arg)
	}

	var tmp [MaxVerbLen]byte
	up := tmp[:0]
	if len(word) > MaxVerbLen {
		up = make([]byte, 0, len(word))
	}
	lower := false
	for _, b := range word {
		switch {
		case 'a' <= b && b <= 'z':
			lower = true
			b -= 'a' - 'A'
		case b < 0x21 || b > 0x7e:
			c.Anomaly |= CmdVerbNonPrintable
		}
		up = append(up, b)
	}
	if lower {
		c.Anomaly |= CmdVerbLowerCase
	}
	if v, ok := knownVerbs[string(up)]; ok { // no allocation: map index by converted bytes
		c.Verb = v
	} else {
		c.Verb = string(up)
	}
	switch {
	case len(word) < MinVerbLen:
		c.Anomaly |= CmdVerbTooShort
	case len(word) > MaxVerbLen:
		c.Anomaly |= CmdVerbTooLong
	}
	if c.Anomaly&(CmdVerbTooShort|CmdVerbTooLong|CmdVerbNonPrintable) != 0 {
		return c, ErrBadVerb
	}
	return c, nil
}

// trimLineEnd removes one trailing CR LF, LF or CR.
func trimLineEnd(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// knownVerbList is the verb set of the field notes §1.1.
var knownVerbList = [...]string{
	// RFC 959
	"USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE", "STRU", "MODE",
	"RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD", "MKD", "PWD",
	"LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
	// RFC 775 / RFC 1123
	"XCWD", "XCUP", "XMKD", "XPWD", "XRMD",
	// RFC 1639
	"LPRT", "LPSV",
	// RFC 2228 / RFC 4217
	"AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC",
	// RFC 2389
	"FEAT", "OPTS",
	// RFC 2428
	"EPRT", "EPSV",
	// RFC 2640
	"LANG",
	// RFC 3659
	"MDTM", "SIZE", "MLST", "MLSD",
	// RFC 7151
	"HOST",
	// non-standard, common
	"CLNT",
	// draft-somers-ftp-mfxx (FileZilla after uploads); checksums
	// (draft-bryan-ftp-hash, and the X* verbs of FileZilla Server,
	// Serv-U and others); draft-peterson-streamlined-ftp-command-extensions
	"MFMT", "MFCT", "MFF", "HASH", "XCRC", "XMD5", "XSHA1", "XSHA256", "XSHA512", "AVBL",
}

// knownVerbs maps each known verb to itself so ParseCommand can hand out
// the shared string instead of allocating one per line.
var knownVerbs = func() map[string]string {
	m := make(map[string]string, len(knownVerbList))
	for _, v := range knownVerbList {
		m[v] = v
	}
	return m
}()

// verbShaped reports whether word could be a verb: MinVerbLen to
// MaxVerbLen bytes, each printable (0x21..0x7E).
func verbShaped(word []byte) bool {
	if len(word) < MinVerbLen || len(word) > MaxVerbLen {
		return false
	}
	for _, b := range word {
		if b < 0x21 || b > 0x7e {
			return false
		}
	}
	return true
}

// isActiveAnnouncementFold reports whether word, in any case, is PORT,
// EPRT or LPRT: the verbs a TAB may end (CmdTabSeparator).
func isActiveAnnouncementFold(word []byte) bool {
	return len(word) == 4 && (bytes.EqualFold(word, []byte("PORT")) || bytes.EqualFold(word, []byte("EPRT")) || bytes.EqualFold(word, []byte("LPRT")))
}

// IsKnownVerb reports whether verb (upper case, as in Command.Verb) is one of
// the standard verbs listed in the package documentation.
func IsKnownVerb(verb string) bool {
	_, ok := knownVerbs[verb]
	return ok
}

// IsTransfer reports whether verb uses a data connection:
// RETR STOR STOU APPE LIST NLST MLSD.
func IsTransfer(verb string) bool {
	switch verb {
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD":
		return true
	}
	return false
}

// IsDownload reports whether verb's data connection carries a file or a
// listing from the server to the client: RETR and the listings
// (IsListing).
func IsDownload(verb string) bool { return verb == "RETR" || IsListing(verb) }

// IsUpload reports whether verb's data connection carries a file from the
// client to the server: STOR STOU APPE.
func IsUpload(verb string) bool {
	switch verb {
	case "STOR", "STOU", "APPE":
		return true
	}
	return false
}

// IsAnnounce reports whether verb sets up a data connection: PASV EPSV
// LPSV PORT EPRT LPRT.
func IsAnnounce(verb string) bool {
	switch verb {
	case "PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT":
		return true
	}
	return false
}

// IsListing reports whether verb's data connection carries a directory
// listing rather than a file: LIST NLST MLSD.
func IsListing(verb string) bool {
	switch verb {
	case "LIST", "NLST", "MLSD":
		return true
	}
	return false
}

// flagString names the set bits of f, joined by "|".
func flagString(f uint, names []string) string {
	if f == 0 {
		return "none"
	}
	var b strings.Builder
	for i, name := range names {
		if f&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(name)
	}
	if rest := f &^ (1<<len(names) - 1); rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("unknown")
	}
	return b.String()
}
