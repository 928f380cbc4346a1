package decode

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestClosedByOtherCodeKeepsItsPacket: a multi-line reply closed by a
// line of another code ("250-" then "200 ") is known closed only later
// (the server's next line, the client's line after a greeting, the
// stream's end), and must carry the packet and time of its own last
// line, not of the packet that showed it closed: otherwise its latency
// takes in the client's next command and the transcript's time runs
// backwards (rv-servers multiline-closed-by-other-code.pcap).
func TestClosedByOtherCodeKeepsItsPacket(t *testing.T) {
	site := func(v *conv) {
		v.srv("220 ready\r\n")
		v.cli("SITE FILETYPE=SEQ\r\n")
	}
	for _, tc := range []struct {
		name   string
		before func(v *conv) // packets before the reply
		sent   uint64        // how many
		open   string        // the reply's first line
		close  string        // the line of another code that ends it
		code   int
		after  func(v *conv) // what shows it closed
	}{
		{"next server line", site, 2, "250-SITE FILETYPE accepted\r\n", "200 SITE command was accepted\r\n", 200, func(v *conv) {
			v.cli("PASV\r\n")
			v.srv("227 Entering Passive Mode (192,0,2,10,4,10)\r\n")
		}},
		{"greeting answered", func(*conv) {}, 0, "220-Welcome to the host\r\n", "230 Server ready for your login\r\n", 230, func(v *conv) {
			v.cli("USER bob\r\n")
		}},
		{"stream end", site, 2, "250-SITE FILETYPE accepted\r\n", "200 SITE command was accepted\r\n", 200, func(v *conv) {
			v.cli("QUIT\r\n")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			tc.before(v)
			v.srv(tc.open)
			v.srv(tc.close)
			wantNum, wantTS := 3+tc.sent+2, v.ts // (3: the handshake)
			v.ts = v.ts.Add(time.Second)         // what follows comes a second later
			tc.after(v)
			checkClosedAt(t, rec, tc.code, wantNum, wantTS)
		})
	}
}

func checkClosedAt(t *testing.T, rec *recorder, code int, num uint64, ts time.Time) {
	t.Helper()
	for _, e := range rec.control {
		if e.Kind != ControlReply || e.Reply.Code != code {
			continue
		}
		if e.Reply.Anomaly&ftp.ReplyClosedByOtherCode == 0 {
			t.Fatalf("reply %d not closed by another code: %v", code, e.Reply.Anomaly)
		}
		if e.Num != num || !e.TS.Equal(ts) {
			t.Errorf("reply %d at packet %d %v, want its last line's packet %d %v", code, e.Num, e.TS, num, ts)
		}
		return
	}
	dumpEvents(t, rec)
	t.Fatalf("no reply %d", code)
}

// TestClosedByOtherCodeZeroTime: packets with no timestamp (pcapng simple
// packet blocks read as year 1) are outside what UnixNano holds; a reply
// closed by another code keeps the zero time, not a time of 1754.
func TestClosedByOtherCodeZeroTime(t *testing.T) {
	rec, _, v := openConv(t)
	v.ts = time.Time{}
	v.srv("220 ready\r\n")
	v.cli("SITE FILETYPE=SEQ\r\n")
	v.srv("250-SITE FILETYPE accepted\r\n")
	v.srv("200 SITE command was accepted\r\n")
	v.cli("PASV\r\n")
	v.srv("227 Entering Passive Mode (192,0,2,10,4,10)\r\n")
	for _, e := range rec.control {
		if e.Kind == ControlReply && e.Reply.Code == 200 {
			if e.Num != 3+2+2 || e.TS.Year() != 1 {
				t.Errorf("reply 200 at packet %d %v, want packet 7 in year 1 (the capture's zero time)", e.Num, e.TS)
			}
			return
		}
	}
	dumpEvents(t, rec)
	t.Fatal("no reply 200")
}
