package decode

import "testing"

// TestMidstreamPickupInsideTLS: a control connection picked up mid-stream
// whose first bytes are a TLS record (FTPS after an AUTH before the
// capture) is encrypted from its ControlOpen, followed from its headers:
// its records are no junk lines, and its data connections are inferred
// as for any encrypted session.
func TestMidstreamPickupInsideTLS(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	v.cli("\x17\x03\x03\x00\x20" + string(make([]byte, 32)))
	v.srv("\x17\x03\x03\x00\x30" + string(make([]byte, 48)))
	v.cli("\x17\x03\x03\x00\x20" + string(make([]byte, 32)))
	d.Finish()
	var open, junk int
	for _, e := range rec.control {
		switch e.Kind {
		case ControlOpen:
			open++
			if !e.Encrypts || !e.Midstream {
				t.Errorf("ControlOpen encrypts %v midstream %v, want both", e.Encrypts, e.Midstream)
			}
		case ControlJunk, ControlCommand, ControlReply:
			junk++
		}
	}
	if open != 1 || junk != 0 {
		t.Errorf("%d opens, %d lines; want 1 open and no lines", open, junk)
	}
}

// TestStartsTLSRecord: a record header of each content type and version
// is TLS; FTP text, and a header with an impossible length, is not.
func TestStartsTLSRecord(t *testing.T) {
	for _, tc := range []struct {
		b    string
		want bool
	}{
		{"\x17\x03\x03\x00\x20", true},
		{"\x16\x03\x01\x02\x00", true},
		{"\x15\x03\x03\x00\x02", true},
		{"\x14\x03\x03\x00\x01", true},
		{"\x17\x03\x03\x00\x00", false},
		{"\x17\x03\x03\xff\xff", false},
		{"\x18\x03\x03\x00\x20", false},
		{"\x17\x02\x00\x00\x20", false},
		{"PASV\r\n", false},
		{"227 E", false},
		{"\x17\x03", false},
	} {
		if got := startsTLSRecord([]byte(tc.b)); got != tc.want {
			t.Errorf("startsTLSRecord(%q) = %v, want %v", tc.b, got, tc.want)
		}
	}
}
