package ftp

import "testing"

// TestParseCommandControlAfterVerb: a verb ended by a NUL or another
// control byte (not TAB), as embedded clients send "QUIT\x00", is that
// verb, the rest of the line kept in Arg from the control byte on (an
// output escapes it), never dropped; it was junk ("not FTP"). A TAB keeps
// its own rule (junk but after PORT, EPRT and LPRT), and a control byte
// after fewer than MinVerbLen bytes, or before the verb, leaves the line
// junk as before.
func TestParseCommandControlAfterVerb(t *testing.T) {
	tests := []struct {
		line string
		want Command
		err  error
	}{
		{"QUIT\x00", Command{Verb: "QUIT", Arg: "\x00", Anomaly: CmdControlSeparator}, nil},
		{"QUIT\x00\r\n", Command{Verb: "QUIT", Arg: "\x00", Anomaly: CmdControlSeparator}, nil},
		{"quit\x00\x00", Command{Verb: "QUIT", Arg: "\x00\x00", Anomaly: CmdControlSeparator | CmdVerbLowerCase}, nil},
		{"NOOP\x01\x1b[2J", Command{Verb: "NOOP", Arg: "\x01\x1b[2J", Anomaly: CmdControlSeparator}, nil},
		{"QUIT\x7f", Command{Verb: "QUIT", Arg: "\x7f", Anomaly: CmdControlSeparator}, nil},
		{"RETR\x00a b.txt", Command{Verb: "RETR", Arg: "\x00a b.txt", Anomaly: CmdControlSeparator}, nil},
		{"PASS\x00secret", Command{Verb: "PASS", Arg: "\x00secret", Anomaly: CmdControlSeparator}, nil},
		{"XSHA256\x00f", Command{Verb: "XSHA256", Arg: "\x00f", Anomaly: CmdControlSeparator}, nil},
		{"FOOBAR\x00", Command{Verb: "FOOBAR", Arg: "\x00", Anomaly: CmdControlSeparator}, nil},
		{"USER x\x00y", Command{Verb: "USER", Arg: "x\x00y"}, nil},
		// Unchanged.
		{"PASS\tsecret", Command{Verb: "PASS\tSECRET", Anomaly: CmdVerbNonPrintable | CmdVerbLowerCase}, ErrBadVerb},
		{"\x00QUIT", Command{Verb: "\x00QUIT", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
		{"QU\x00IT", Command{Verb: "QU\x00IT", Anomaly: CmdVerbNonPrintable}, ErrBadVerb},
		{"ABCDEFGHIJKLMNOPQ\x00", Command{Verb: "ABCDEFGHIJKLMNOPQ\x00", Anomaly: CmdVerbNonPrintable | CmdVerbTooLong}, ErrBadVerb},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if got != tt.want || err != tt.err {
			t.Errorf("ParseCommand(%q) = %#v, %v; want %#v, %v", tt.line, got, err, tt.want, tt.err)
		}
	}
	if got := CmdControlSeparator.String(); got != "control-separator" {
		t.Errorf("CmdControlSeparator.String() = %q", got)
	}
}
