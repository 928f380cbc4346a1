package decode

import "testing"

// TestCleartextReplyEchoingTLSBytes guards how a TLS control connection is
// seen to carry FTP text again: a server's reply ending in CRLF counts
// even when it echoes the TLS bytes it could not read as a command
// (ProFTPD after CCC: "500 \x17\x03\x03 not understood"), where other
// segments must be printable, and TLS records never count.
func TestCleartextReplyEchoingTLSBytes(t *testing.T) {
	for _, tc := range []struct {
		b          string
		fromClient bool
		want       bool
	}{
		{"500 \x17\x03\x03 not understood\r\n", false, true},
		{"500-\x17\x03\x03\r\n", false, true},
		{"200 Type set to I\r\n", false, true},
		{"200 Type set to I\n", false, true},
		{"500 \x17\x03\x03 not understood\n", false, false}, // no CRLF: printable text only
		{"500\r\n", false, true},
		{"\x17\x03\x03\x00\x13abcdefghijklmnopqrs", false, false},
		{"\x15\x03\x03\x00\x1a500 \x01\x02\r\n", false, false},
		{"TYPE \x17\x03\x03\r\n", true, false}, // a client's line: printable only
		{"TYPE I\r\n", true, true},
	} {
		if got := looksLikeCleartext([]byte(tc.b), tc.fromClient); got != tc.want {
			t.Errorf("looksLikeCleartext(%q, client=%v) = %v, want %v", tc.b, tc.fromClient, got, tc.want)
		}
	}
}
