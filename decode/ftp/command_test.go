package ftp

import (
	"strings"
	"testing"
	"unsafe"
)

var commandTests = []struct {
	line string
	want Command
	err  error
}{
	{"USER anonymous", Command{Verb: "USER", Arg: "anonymous"}, nil},
	{"PASV", Command{Verb: "PASV"}, nil},
	{"PASV\r\n", Command{Verb: "PASV"}, nil},
	{"LIST\n", Command{Verb: "LIST"}, nil},
	{"port 192,0,2,10,160,40", Command{Verb: "PORT", Arg: "192,0,2,10,160,40", Anomaly: CmdVerbLowerCase}, nil},
	{"Retr x", Command{Verb: "RETR", Arg: "x", Anomaly: CmdVerbLowerCase}, nil},
	{"STOR  two  spaces ", Command{Verb: "STOR", Arg: " two  spaces "}, nil},
	{"CWD ", Command{Verb: "CWD"}, nil},
	{"  NOOP", Command{Verb: "NOOP", Anomaly: CmdLeadingSpace}, nil},
	{"\tNOOP", Command{Verb: "NOOP", Anomaly: CmdLeadingSpace}, nil},
	{"XSHA256 file", Command{Verb: "XSHA256", Arg: "file"}, nil},
	{"xcrc f", Command{Verb: "XCRC", Arg: "f", Anomaly: CmdVerbLowerCase}, nil},
	{"SITE CHMOD 644 f", Command{Verb: "SITE", Arg: "CHMOD 644 f"}, nil},
	{"", Command{}, ErrEmptyLine},
	{"\r\n", Command{}, ErrEmptyLine},
	{"   ", Command{Anomaly: CmdLeadingSpace}, ErrEmptyLine},
	{"HI there", Command{Verb: "HI", Arg: "there", Anomaly: CmdVerbTooShort}, ErrBadVerb},
	{"a", Command{Verb: "A", Anomaly: CmdVerbTooShort | CmdVerbLowerCase}, ErrBadVerb},
	{"ABCDEFGHIJKLMNOPQ x", Command{Verb: "ABCDEFGHIJKLMNOPQ", Arg: "x", Anomaly: CmdVerbTooLong}, ErrBadVerb},
	{"ABCDEFGHIJKLMNOP x", Command{Verb: "ABCDEFGHIJKLMNOP", Arg: "x"}, nil},
	{"US\x00ER x", Command{Verb: "US\x00ER", Arg: "x", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	// A TAB ending PORT, EPRT or LPRT separates it from its argument, as
	// ProFTPD reads the line (CmdTabSeparator); after any other word,
	// known verbs included, it stays in the word, as vsftpd and Pure-FTPd
	// read it: "PASS\tsecret" is junk, no PASS.
	{"PORT\t192,0,2,10,160,40", Command{Verb: "PORT", Arg: "192,0,2,10,160,40", Anomaly: CmdTabSeparator}, nil},
	{"EPRT\t|1|192.0.2.10|41000|\r\n", Command{Verb: "EPRT", Arg: "|1|192.0.2.10|41000|", Anomaly: CmdTabSeparator}, nil},
	{"LPRT\t4,4,192,0,2,10,2,160,40", Command{Verb: "LPRT", Arg: "4,4,192,0,2,10,2,160,40", Anomaly: CmdTabSeparator}, nil},
	{"port\t\t192,0,2,10,160,40", Command{Verb: "PORT", Arg: "\t192,0,2,10,160,40", Anomaly: CmdTabSeparator | CmdVerbLowerCase}, nil},
	{"\tEpRt\t|1|192.0.2.10|41000|", Command{Verb: "EPRT", Arg: "|1|192.0.2.10|41000|", Anomaly: CmdLeadingSpace | CmdTabSeparator | CmdVerbLowerCase}, nil},
	{"PORT \t1,2,3,4,5,6", Command{Verb: "PORT", Arg: "\t1,2,3,4,5,6"}, nil},
	{"CWD a\tb", Command{Verb: "CWD", Arg: "a\tb"}, nil},
	{"USER\tx", Command{Verb: "USER\tX", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
	{"PASS\tsecret", Command{Verb: "PASS\tSECRET", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
	{"AUTH\tTLS", Command{Verb: "AUTH\tTLS", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	{"SITE\tPSWD a b", Command{Verb: "SITE\tPSWD", Arg: "a b", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	{"RETR\ta b.txt", Command{Verb: "RETR\tA", Arg: "b.txt", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
	{"PASV\t", Command{Verb: "PASV\t", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	{"PORTS\tx", Command{Verb: "PORTS\tX", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
	{"HELLO\tx", Command{Verb: "HELLO\tX", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
	{"US\tER x", Command{Verb: "US\tER", Arg: "x", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	{"\x16\x03\x01\x02", Command{Verb: "\x16\x03\x01\x02", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
	{"ü\xffX y", Command{Verb: "ü\xffX", Arg: "y", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
}

func TestParseCommand(t *testing.T) {
	for _, tt := range commandTests {
		got, err := ParseCommand([]byte(tt.line))
		if got != tt.want || err != tt.err {
			t.Errorf("ParseCommand(%q) = %#v, %v; want %#v, %v", tt.line, got, err, tt.want, tt.err)
		}
	}
}

// Wireshark compares PORT/EPRT case-sensitively, so "port ..." is invisible
// to it; the verb must be folded and the case recorded.
func TestLowerCaseVerb_WiresharkMisses(t *testing.T) {
	for _, line := range []string{"port 192,0,2,10,160,40", "Eprt |1|192.0.2.10|41000|", "epsv"} {
		c, err := ParseCommand([]byte(line))
		if err != nil || !IsKnownVerb(c.Verb) || c.Anomaly&CmdVerbLowerCase == 0 {
			t.Errorf("ParseCommand(%q) = %#v, %v", line, c, err)
		}
	}
}

func TestParseCommandInternsKnownVerbs(t *testing.T) {
	a, _ := ParseCommand([]byte("retr a"))
	b, _ := ParseCommand([]byte("RETR b"))
	if unsafe.StringData(a.Verb) != unsafe.StringData(b.Verb) {
		t.Error("known verb not shared between lines")
	}
	line := []byte("PASV")
	if n := testing.AllocsPerRun(100, func() { ParseCommand(line) }); n != 0 {
		t.Errorf("ParseCommand(PASV) allocates %v times, want 0", n)
	}
	line = []byte("cwd /pub")
	if n := testing.AllocsPerRun(100, func() { ParseCommand(line) }); n != 1 {
		t.Errorf("ParseCommand(cwd /pub) allocates %v times, want 1 (the argument)", n)
	}
}

func TestVerbSets(t *testing.T) {
	for _, tt := range []struct {
		verb                    string
		known, transfer, listen bool
	}{
		{"RETR", true, true, false},
		{"STOR", true, true, false},
		{"STOU", true, true, false},
		{"APPE", true, true, false},
		{"LIST", true, true, true},
		{"NLST", true, true, true},
		{"MLSD", true, true, true},
		{"MLST", true, false, false},
		{"PASV", true, false, false},
		{"CLNT", true, false, false},
		{"HOST", true, false, false},
		{"XPWD", true, false, false},
		{"ENC", true, false, false},
		{"XSHA256", true, false, false}, // checksum extensions are known
		{"MFMT", true, false, false},
		{"XFOO", false, false, false},
		{"retr", false, false, false}, // callers pass Command.Verb, already upper case
		{"", false, false, false},
	} {
		if got := IsKnownVerb(tt.verb); got != tt.known {
			t.Errorf("IsKnownVerb(%q) = %v", tt.verb, got)
		}
		if got := IsTransfer(tt.verb); got != tt.transfer {
			t.Errorf("IsTransfer(%q) = %v", tt.verb, got)
		}
		if got := IsListing(tt.verb); got != tt.listen {
			t.Errorf("IsListing(%q) = %v", tt.verb, got)
		}
	}
	for _, v := range []string{"PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT"} {
		if !IsAnnounce(v) {
			t.Errorf("IsAnnounce(%q) = false", v)
		}
	}
	for _, v := range []string{"RETR", "SIZE", "TYPE", "pasv", ""} {
		if IsAnnounce(v) {
			t.Errorf("IsAnnounce(%q) = true", v)
		}
	}
	if len(knownVerbs) != len(knownVerbList) {
		t.Errorf("duplicate in knownVerbList: %d unique of %d", len(knownVerbs), len(knownVerbList))
	}
}

func TestCommandAnomalyString(t *testing.T) {
	if got := (CmdLeadingSpace | CmdVerbLowerCase).String(); got != "leading-space|verb-lower-case" {
		t.Errorf("got %q", got)
	}
	if got := CmdTabSeparator.String(); got != "tab-separator" {
		t.Errorf("got %q", got)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, tt := range commandTests {
		f.Add(tt.line)
	}
	f.Add("QUIT\x00")
	f.Add("retr\x01 a")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand([]byte(line))
		if strings.ContainsAny(c.Verb, "abcdefghijklmnopqrstuvwxyz ") {
			t.Fatalf("verb %q not upper case or holds SP", c.Verb)
		}
		if !strings.HasSuffix(trimEnd(line), c.Arg) {
			t.Fatalf("arg %q is not the end of %q", c.Arg, line)
		}
		if c.Anomaly&CmdTabSeparator != 0 && (err != nil || c.Verb != "PORT" && c.Verb != "EPRT" && c.Verb != "LPRT") {
			t.Fatalf("tab-separator on %q: verb %q, %v", line, c.Verb, err)
		}
		if c.Anomaly&CmdControlSeparator != 0 && (err != nil || c.Arg == "" || c.Arg[0] >= ' ' && c.Arg[0] != 0x7f ||
			!strings.EqualFold(strings.TrimLeft(trimEnd(line), " \t"), c.Verb+c.Arg)) {
			// (Nothing of the line dropped: the verb, then the rest.)
			t.Fatalf("control-separator on %q: verb %q, arg %q, %v", line, c.Verb, c.Arg, err)
		}
		switch err {
		case nil:
			if n := len(c.Verb); n < MinVerbLen || n > MaxVerbLen {
				t.Fatalf("verb %q accepted with length %d", c.Verb, n)
			}
			if !strings.Contains(strings.ToUpper(line), c.Verb) {
				t.Fatalf("verb %q not in %q", c.Verb, line)
			}
			if strings.Contains(c.Verb, "\t") {
				t.Fatalf("verb %q accepted with a TAB", c.Verb)
			}
		case ErrEmptyLine:
			if strings.Trim(trimEnd(line), " \t") != "" {
				t.Fatalf("ErrEmptyLine for %q", line)
			}
		case ErrBadVerb:
			if c.Anomaly&(CmdVerbTooShort|CmdVerbTooLong|CmdVerbNonPrintable) == 0 {
				t.Fatalf("ErrBadVerb without a reason for %q", line)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func trimEnd(s string) string { return string(trimLineEnd([]byte(s))) }
