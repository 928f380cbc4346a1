package main

import (
	"bytes"
	"testing"
	"time"
)

// zeekLineByEncodingJSON is the line as the reflection-based encoder writes
// it: the reference appendTo must match byte for byte.
func zeekLineByEncodingJSON(t *testing.T, r *zeekFTP) []byte {
	t.Helper()
	line, err := newRecordEncoder("").encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), line...)
}

func TestZeekLineAsEncodingJSON(t *testing.T) {
	size, code, msg, passive, port := uint64(1234), 226, "Transfer complete.", true, uint16(40001)
	bad := "caf\xe9 \u2028 \x7f <&> \"q\" \\"
	tests := []struct {
		name string
		rec  zeekFTP
	}{
		{"minimal", zeekFTP{TS: zeekTime(time.Unix(0, 0)), User: "<unknown>", Status: "answered"}},
		{"before 1970", zeekFTP{TS: zeekTime(time.Unix(-2, 500_000)), Status: "answered"}},
		{"every field", zeekFTP{
			TS: zeekTime(time.Date(2026, 1, 5, 9, 0, 0, 122519000, time.UTC)), UID: "CabC", OrigH: "10.0.0.1", OrigP: 50000,
			RespH: "2001:db8::1", RespP: 21, User: "anonymous", Password: "<hidden>", Command: "RETR", Arg: "ftp://x/a b",
			MimeType: "text/plain", FileSize: &size, ReplyCode: &code, ReplyMsg: &msg, DCPassive: &passive,
			DCOrigH: "10.0.0.1", DCRespH: "10.0.0.2", DCRespP: &port, FUID: "F1", Session: 7, Index: 12, Status: "answered",
			Data: 3, Outcome: "transferred", Findings: []string{"a", "b\x01"}, ControlOnly: true, Uncertain: true, Unseen: true,
			RestNotCaptured: true, CommunityID: "1:abc=", DataCID: "1:def=", Observer: "tap \u202e",
		}},
		{"wire bytes", zeekFTP{User: bad, Command: bad, Arg: bad, ReplyMsg: &bad,
			UserRaw: []byte(bad), CommandRaw: []byte(bad), ArgRaw: []byte(bad), ReplyMsgRaw: []byte(bad), PasswordRaw: []byte{0xff}}},
		{"zero pointers", zeekFTP{FileSize: new(uint64), ReplyCode: new(int), ReplyMsg: new(string), DCPassive: new(bool), DCRespP: new(uint16)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w jsonWriter
			want := zeekLineByEncodingJSON(t, &tt.rec)
			if got := tt.rec.appendTo(&w); !bytes.Equal(got, want) {
				t.Errorf("appendTo:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzZeekLineAsEncodingJSON(f *testing.F) {
	f.Add(int64(1767603600122519000), "anonymous", "RETR", "ftp://x/\xff", "226 ok", 226, uint16(21), "a\u2028b", true)
	f.Fuzz(func(t *testing.T, ns int64, user, cmd, arg, msg string, code int, port uint16, finding string, flag bool) {
		r := zeekFTP{TS: zeekTime(time.Unix(0, ns)), UID: user, OrigH: cmd, OrigP: port, RespH: arg, RespP: port,
			User: user, Password: msg, Command: cmd, Arg: arg, Session: code, Index: -code, Status: msg,
			Data: code, Outcome: finding, Uncertain: flag, Unseen: !flag, RestNotCaptured: flag, Observer: finding,
			UserRaw: rawOf(user), CommandRaw: rawOf(cmd), ArgRaw: rawOf(arg)}
		if flag {
			size := uint64(port)
			r.FileSize, r.ReplyCode, r.ReplyMsg, r.DCPassive, r.DCRespP = &size, &code, &msg, &flag, &port
			r.DCOrigH, r.DCRespH, r.Findings, r.ReplyMsgRaw = user, arg, []string{finding, msg}, rawOf(msg)
		}
		var w jsonWriter
		if got, want := r.appendTo(&w), zeekLineByEncodingJSON(t, &r); !bytes.Equal(got, want) {
			t.Fatalf("appendTo:\n got %s\nwant %s", got, want)
		}
	})
}

// TestZeekTimeBefore1970 guards ts for times before the epoch: the
// fraction took the floored second's sign (1938-04-24T22:13:21.014 read
// -999999999.014000, a second and more off) instead of the number's.
func TestZeekTimeBefore1970(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(1938, 4, 24, 22, 13, 21, 14_000_000, time.UTC), "-999999998.986000"},
		{time.Date(1938, 4, 24, 22, 13, 20, 0, time.UTC), "-1000000000.000000"},
		{time.Unix(0, -500_000_000), "-0.500000"},
		{time.Unix(0, -1_000), "-0.000001"},
		{time.Unix(-2, 500_000), "-1.999500"},
		{time.Unix(0, 0), "0.000000"},
		{time.Unix(1_700_000_000, 122_519_000), "1700000000.122519"},
		{time.Date(1900, 1, 1, 0, 0, 0, 250_000_000, time.UTC), "-2208988799.750000"},
	} {
		if got := string(appendZeekTime(nil, c.at)); got != c.want {
			t.Errorf("%s: ts %s, want %s", c.at.Format(time.RFC3339Nano), got, c.want)
		}
	}
}
