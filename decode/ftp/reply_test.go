package ftp

import (
	"bufio"
	"fmt"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
)

// rev is one observable outcome of feeding a ReplyReader: a reply or an error.
type rev struct {
	Code     int
	OpenCode int
	Text     string
	Lines    []string
	Dropped  int
	Anomaly  ReplyAnomaly
	Err      error
}

const (
	clientSpoke = "<client>"
	flushReply  = "<flush>"
)

// feedReplies feeds lines (or the clientSpoke/flushReply markers) and
// returns the replies and errors in order.
func feedReplies(r *ReplyReader, in []string) []rev {
	var out []rev
	add := func(rep *Reply, err error) {
		if err != nil {
			out = append(out, rev{Err: err})
		} else if rep != nil {
			out = append(out, rev{rep.Code, rep.OpenCode, rep.Text, rep.Lines, rep.Dropped, rep.Anomaly, nil})
		}
	}
	for _, l := range in {
		switch l {
		case clientSpoke:
			add(r.ClientSpoke(), nil)
		case flushReply:
			add(r.Flush(), nil)
		default:
			add(r.Line([]byte(l)))
		}
	}
	return out
}

func one(code int, text string, an ReplyAnomaly, lines ...string) rev {
	return rev{Code: code, OpenCode: code, Text: text, Lines: lines, Anomaly: an}
}

var replyTests = []struct {
	name string
	in   []string
	want []rev
}{
	{"single", []string{"230 Login successful."}, []rev{one(230, "Login successful.", 0, "230 Login successful.")}},
	{"CRLF trimmed", []string{"221 Goodbye.\r\n"}, []rev{one(221, "Goodbye.", 0, "221 Goodbye.")}},
	{"bare code", []string{"230"}, []rev{one(230, "", ReplyBareCode, "230")}},
	{"code and space", []string{"230 "}, []rev{one(230, "", 0, "230 ")}},
	{"no space", []string{"230_x"}, []rev{one(230, "_x", ReplyNoSpace, "230_x")}},
	{"four digits", []string{"2300 x"}, []rev{one(230, "0 x", ReplyNoSpace, "2300 x")}},
	{"code below 100", []string{"099 odd"}, []rev{one(99, "odd", ReplyInvalidCode, "099 odd")}},
	{"6yz protected", []string{"631 c2lnbmVk"}, []rev{one(631, "c2lnbmVk", 0, "631 c2lnbmVk")}},
	{"600 invalid", []string{"600 x"}, []rev{one(600, "x", ReplyInvalidCode, "600 x")}},
	{"not a reply", []string{"hello", "  230 x", "23 x", ""}, []rev{{Err: ErrNotReply}, {Err: ErrNotReply}, {Err: ErrNotReply}, {Err: ErrNotReply}}},
	{"RFC 959 example", []string{"123-First line", "Second line", "  234 A line beginning with numbers", "123 The last line"},
		[]rev{one(123, "First line\nSecond line\n  234 A line beginning with numbers\nThe last line", 0,
			"123-First line", "Second line", "  234 A line beginning with numbers", "123 The last line")}},
	{"FEAT", []string{"211-Features:", " EPSV", " MDTM", " UTF8", "211 End"},
		[]rev{one(211, "Features:\n EPSV\n MDTM\n UTF8\nEnd", 0, "211-Features:", " EPSV", " MDTM", " UTF8", "211 End")}},
	{"same code dash lines", []string{"400-A", "400-B", "400 C"}, []rev{one(400, "A\nB\nC", 0, "400-A", "400-B", "400 C")}},
	{"textproto oddity", []string{"230-Anonymous access granted, restrictions apply", "Read the file README.txt,", "230  please"},
		[]rev{one(230, "Anonymous access granted, restrictions apply\nRead the file README.txt,\n please", 0,
			"230-Anonymous access granted, restrictions apply", "Read the file README.txt,", "230  please")}},
	// A bare code line of the opening code ends the reply (ReplyLooseEnd),
	// as Python's ftplib ends it: servers that trim the terminator's
	// trailing space send it. (Before, it was text, as net/textproto and
	// curl read it; "220 ready" after it is a reply of its own.)
	{"bare code ends the reply", []string{"220-hi", "220", "220 ready"},
		[]rev{one(220, "hi\n", ReplyLooseEnd, "220-hi", "220"), one(220, "ready", 0, "220 ready")}},
	{"bare code terminator then the next reply", []string{"230-Hello alice", "230", "227 Entering Passive Mode (203,0,113,10,164,1)"},
		[]rev{one(230, "Hello alice\n", ReplyLooseEnd, "230-Hello alice", "230"),
			one(227, "Entering Passive Mode (203,0,113,10,164,1)", 0, "227 Entering Passive Mode (203,0,113,10,164,1)")}},
	{"code and TAB ends the reply", []string{"220-Welcome", "220\tready", "331 Password required"},
		[]rev{one(220, "Welcome\n\tready", ReplyLooseEnd, "220-Welcome", "220\tready"), one(331, "Password required", 0, "331 Password required")}},
	// Punctuation or a letter after the code is body text (a banner's
	// rule, a STAT line): only "DDD SP" ends a reply for RFC 959 and curl.
	{"code and letter is text", []string{"250-a", "250ok", "250 done"}, []rev{one(250, "a\n250ok\ndone", 0, "250-a", "250ok", "250 done")}},
	{"code and rule is text", []string{"230-Welcome", "230=====", "230 ok"}, []rev{one(230, "Welcome\n230=====\nok", 0, "230-Welcome", "230=====", "230 ok")}},
	{"code and comma is text", []string{"213-Status", "213,x", "213 End"}, []rev{one(213, "Status\n213,x\nEnd", 0, "213-Status", "213,x", "213 End")}},
	{"bare code after dropped lines", []string{"211-a", "b", "c", "211"}, []rev{one(211, "a\nb\nc\n", ReplyLooseEnd, "211-a", "b", "c", "211")}},
	// Not a loose end: a digit after the code is another number ("2300
	// MB free"), curl and net/textproto read it as text (ftplib would end
	// the reply there); "DDD-" is a body line; another bare code is text.
	{"code and digit is text", []string{"230-Welcome", "2300 MB free", "230 ok"},
		[]rev{one(230, "Welcome\n2300 MB free\nok", 0, "230-Welcome", "2300 MB free", "230 ok")}},
	{"other bare code is text", []string{"220-hi", "230", "220 ok"}, []rev{one(220, "hi\n230\nok", 0, "220-hi", "230", "220 ok")}},
	{"same code dash is text", []string{"220-hi", "220-", "220 ok"}, []rev{one(220, "hi\n\nok", 0, "220-hi", "220-", "220 ok")}},
	{"other code inside is text", []string{"220-hi", "331 not yet", "220 ready"},
		[]rev{one(220, "hi\n331 not yet\nready", ReplyUnindentedCode, "220-hi", "331 not yet", "220 ready")}},
	{"empty body line", []string{"214-Help", "", "214 ok"}, []rev{one(214, "Help\n\nok", 0, "214-Help", "", "214 ok")}},
	{"two replies", []string{"150 Opening", "226 Done"}, []rev{one(150, "Opening", 0, "150 Opening"), one(226, "Done", 0, "226 Done")}},
	{"client speaks, no candidate", []string{"230-Welcome", clientSpoke, "blah", clientSpoke, "230 ok"},
		[]rev{one(230, "Welcome\nblah\nok", 0, "230-Welcome", "blah", "230 ok")}},
	{"closed by other code", []string{"220-Welcome", "to the server", "230 User logged in, proceed.", clientSpoke, "200 ok"},
		[]rev{
			{Code: 230, OpenCode: 220, Text: "Welcome\nto the server\nUser logged in, proceed.",
				Lines: []string{"220-Welcome", "to the server", "230 User logged in, proceed."}, Anomaly: ReplyUnindentedCode | ReplyClosedByOtherCode},
			one(200, "ok", 0, "200 ok"),
		}},
	{"other code too short to close", []string{"220-Welcome", "230 short", clientSpoke, "220 done"},
		[]rev{one(220, "Welcome\n230 short\ndone", ReplyUnindentedCode, "220-Welcome", "230 short", "220 done")}},
	{"candidate followed by text", []string{"220-Welcome", "230 User logged in, proceed.", "more text", clientSpoke, "220 done"},
		[]rev{one(220, "Welcome\n230 User logged in, proceed.\nmore text\ndone", ReplyUnindentedCode,
			"220-Welcome", "230 User logged in, proceed.", "more text", "220 done")}},
	{"flush unterminated", []string{"211-Status", "line", flushReply, flushReply},
		[]rev{one(211, "Status\nline", ReplyUnterminated, "211-Status", "line")}},
	{"not reply between replies", []string{"200 ok", "junk", "200 ok"},
		[]rev{one(200, "ok", 0, "200 ok"), {Err: ErrNotReply}, one(200, "ok", 0, "200 ok")}},
}

func TestReplyReader(t *testing.T) {
	for _, tt := range replyTests {
		t.Run(tt.name, func(t *testing.T) {
			var r ReplyReader
			got := feedReplies(&r, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
			if r.Open() {
				t.Error("reader still open at the end")
			}
		})
	}
}

func TestReplyReaderOpenReset(t *testing.T) {
	var r ReplyReader
	if rep, err := r.Line([]byte("226-Partial")); rep != nil || err != nil || !r.Open() {
		t.Fatalf("after 226-: %v %v open=%v", rep, err, r.Open())
	}
	r.Reset() // gap
	if r.Open() {
		t.Fatal("open after Reset")
	}
	rep, err := r.Line([]byte("226 Transfer complete."))
	if err != nil || rep.Code != 226 || len(rep.Lines) != 1 {
		t.Fatalf("after Reset: %+v %v", rep, err)
	}
}

// Suricata has no multi-line state: "211-Features:" loses its code and each
// body line becomes a reply of its own.
func TestMultiLineReply_SuricataSplits(t *testing.T) {
	var r ReplyReader
	got := feedReplies(&r, []string{"211-Features:", " EPSV", " PASV", "211 End", "227 Entering Passive Mode (192,0,2,10,156,66)"})
	if len(got) != 2 || got[0].Code != 211 || len(got[0].Lines) != 4 || got[1].Code != 227 {
		t.Fatalf("got %#v", got)
	}
}

// Zeek stops analysing the session at "230_x"; the reader records it and
// keeps going.
func TestReplyNoSpace_ZeekStops(t *testing.T) {
	var r ReplyReader
	got := feedReplies(&r, []string{"230_x", "099 x", "not a reply", "257 \"/\" is the current directory"})
	if len(got) != 4 || got[0].Anomaly != ReplyNoSpace || got[1].Anomaly != ReplyInvalidCode || got[2].Err != ErrNotReply || got[3].Code != 257 {
		t.Fatalf("got %#v", got)
	}
}

// Replies made of thousands of lines made Zeek's fuzzers time out
// (zeek/zeek GH-2559, GH-2610). The reply must stay bounded and still close.
func TestHugeMultiLineReply_ZeekTimeout(t *testing.T) {
	var r ReplyReader
	if rep, _ := r.Line([]byte("211-Status")); rep != nil {
		t.Fatal("closed early")
	}
	for i := range 10000 {
		if rep, err := r.Line([]byte(fmt.Sprintf("line %d", i))); rep != nil || err != nil {
			t.Fatalf("line %d: %v %v", i, rep, err)
		}
	}
	rep, err := r.Line([]byte("211 End"))
	if err != nil || rep == nil {
		t.Fatalf("no reply: %v", err)
	}
	if len(rep.Lines) != DefaultMaxReplyLines || rep.Dropped != 10002-DefaultMaxReplyLines {
		t.Errorf("kept %d lines, dropped %d", len(rep.Lines), rep.Dropped)
	}
	if rep.Lines[len(rep.Lines)-1] != "211 End" || !strings.HasSuffix(rep.Text, "\nEnd") || rep.Anomaly != ReplyTooManyLines {
		t.Errorf("last line %q, anomaly %v", rep.Lines[len(rep.Lines)-1], rep.Anomaly)
	}
	if !rep.Multiline() {
		t.Error("Multiline false")
	}
}

func TestReplyReaderByteBound(t *testing.T) {
	r := ReplyReader{MaxBytes: 100}
	r.Line([]byte("212-Dir"))
	for range 50 {
		r.Line([]byte(strings.Repeat("x", 30)))
	}
	rep, _ := r.Line([]byte("212 End"))
	if rep == nil || len(rep.Lines) != 5 || rep.Dropped != 47 || rep.Anomaly != ReplyTooManyLines {
		t.Fatalf("got %d lines, dropped %d, %v", len(rep.Lines), rep.Dropped, rep.Anomaly)
	}
}

// The closing line of a broken server can arrive after the line cap.
func TestClosedByOtherCodePastCap(t *testing.T) {
	r := ReplyReader{MaxLines: 3}
	got := feedReplies(&r, []string{"220-a", "b", "c", "d", "230 User logged in, proceed.", clientSpoke})
	want := []rev{{Code: 230, OpenCode: 220, Text: "a\nb\nUser logged in, proceed.", Lines: []string{"220-a", "b", "230 User logged in, proceed."},
		Dropped: 2, Anomaly: ReplyUnindentedCode | ReplyClosedByOtherCode | ReplyTooManyLines}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %#v\nwant %#v", got, want)
	}
}

func TestReplyAnomalyString(t *testing.T) {
	if got := (ReplyNoSpace | ReplyTooManyLines).String(); got != "no-space|too-many-lines" {
		t.Errorf("got %q", got)
	}
}

// textprotoReply reads the first reply of in with net/textproto, the oracle
// for the RFC 959 continuation rule.
func textprotoReply(in string) (int, string, error) {
	r := textproto.NewReader(bufio.NewReader(strings.NewReader(in)))
	return r.ReadResponse(0)
}

// TestReplyReaderMatchesTextproto runs net/textproto's TestRFC959Lines cases
// (and more) through both readers.
func TestReplyReaderMatchesTextproto(t *testing.T) {
	for _, in := range []string{
		"230-Anonymous access granted, restrictions apply\nRead the file README.txt,\n230  please\n",
		"230 Anonymous access granted, restrictions apply\n",
		"400-A\n400-B\n400 C\n",
		"400-A\r\n400-B\r\n400 C\r\n",
		"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n",
		"211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n",
		"550-5.1.1 a\n550-5.1.1 b\nUnexpected but legal text!\n550 5.1.1 c\n",
	} {
		code, msg, err := textprotoReply(in)
		if err != nil {
			t.Fatalf("textproto: %v", err)
		}
		rep := firstReply(in)
		if rep == nil || rep.Code != code || rep.Text != msg {
			t.Errorf("%q: got %+v, textproto %d %q", in, rep, code, msg)
		}
	}
}

// firstReply feeds in, split on LF with CR trimmed, and returns the first reply.
func firstReply(in string) *Reply {
	var r ReplyReader
	for _, l := range strings.Split(in, "\n") {
		if rep, _ := r.Line([]byte(strings.TrimSuffix(l, "\r"))); rep != nil {
			return rep
		}
	}
	return nil
}

func FuzzReplyReader(f *testing.F) {
	for _, tt := range replyTests {
		f.Add(strings.Join(tt.in, "\n"), uint8(0))
	}
	f.Add("211-x\n"+strings.Repeat("a\n", 50)+"211 y", uint8(5))
	f.Fuzz(func(t *testing.T, in string, maxLines uint8) {
		r := ReplyReader{MaxLines: int(maxLines % 8), MaxBytes: 1 << 12}
		lines := strings.Split(in, "\n")
		accounted := 0
		check := func(rep *Reply) {
			if rep == nil {
				return
			}
			if len(rep.Lines) == 0 || len(rep.Lines) > r.maxLines() {
				t.Fatalf("%d lines kept, cap %d", len(rep.Lines), r.maxLines())
			}
			bothValid := validCode(rep.Code) && validCode(rep.OpenCode)
			if rep.Code < 0 || rep.Code > 999 || bothValid == (rep.Anomaly&ReplyInvalidCode != 0) {
				t.Fatalf("code %d with anomaly %v", rep.Code, rep.Anomaly)
			}
			if (rep.Dropped > 0) != (rep.Anomaly&ReplyTooManyLines != 0) {
				t.Fatalf("dropped %d with anomaly %v", rep.Dropped, rep.Anomaly)
			}
			accounted += len(rep.Lines) + rep.Dropped
		}
		for i, l := range lines {
			if i%7 == 6 {
				check(r.ClientSpoke())
			}
			rep, err := r.Line([]byte(l))
			if err != nil {
				if err != ErrNotReply || rep != nil {
					t.Fatalf("Line(%q) = %v, %v", l, rep, err)
				}
				accounted++
			}
			check(rep)
		}
		check(r.Flush())
		if accounted != len(lines) {
			t.Fatalf("%d lines in, %d accounted for", len(lines), accounted)
		}
		// Differential: for a well-formed first reply within the bounds,
		// net/textproto must agree on code and message.
		if len(lines) < r.maxLines() && !strings.ContainsAny(in, "\r") {
			code, msg, err := textprotoReply(in + "\n")
			first := firstReplyCapped(in, r.MaxLines)
			if err == nil && validCode(code) && first != nil && first.Anomaly&^ReplyUnindentedCode == 0 {
				if first.Code != code || first.Text != msg {
					t.Fatalf("%q: got %d %q, textproto %d %q", in, first.Code, first.Text, code, msg)
				}
			}
		}
	})
}

func firstReplyCapped(in string, maxLines int) *Reply {
	r := ReplyReader{MaxLines: maxLines, MaxBytes: 1 << 12}
	for _, l := range strings.Split(in, "\n") {
		if rep, err := r.Line([]byte(l)); rep != nil || err != nil {
			return rep
		}
	}
	return nil
}
