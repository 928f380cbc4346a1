package decode

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestReplyBeforeCutLineEndAnswersIt: vsftpd reads a command up to its
// 4 KB and answers "500 Input line too long." before the client's line
// ends (then closes). The line, over the line bound, is delivered before
// that reply, so that the reply answers it; before, the reply came first
// ("reply without a command") and the cut USER line after it read "no
// reply seen". The rest of the line is dropped (counted with the bytes
// over the bound), not read as a line of its own, and the line after it
// is a command again. A line under the bound is not cut by a reply that
// comes while it is under way: that reply answers an earlier command.
func TestReplyBeforeCutLineEndAnswersIt(t *testing.T) {
	order := func(r *recorder) string {
		var b []string
		for _, e := range r.control {
			switch e.Kind {
			case ControlCommand:
				b = append(b, "<"+e.Command.Verb)
			case ControlReply:
				b = append(b, ">"+strings.Fields(e.Reply.Text + " x")[0])
			case ControlJunk:
				b = append(b, "junk")
			}
		}
		return strings.Join(b, " ")
	}
	run := func(script func(v *conv)) (*recorder, Stats) {
		rec := &recorder{}
		v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
		v.handshake()
		v.srv("220 (vsFTPd 3.0.3)\r\n")
		script(v)
		v.d.Finish()
		return rec, v.d.Stats()
	}

	a := strings.Repeat("A", 1400)
	rec, st := run(func(v *conv) {
		v.cli("USER " + a) // 5 + 4*1400 = 5605 bytes, no line end yet
		v.cli(a)
		v.cli(a)
		v.cli(a)
		v.srv("500 Input line too long.\r\n")
		v.cli(strings.Repeat("A", 2000) + "\r\n")
		v.cli("NOOP\r\n")
		v.srv("200 NOOP ok.\r\n")
	})
	if got, want := order(rec), ">(vsFTPd <USER >Input <NOOP >NOOP"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	for _, e := range rec.control {
		if e.Kind == ControlCommand && e.Command.Verb == "USER" && e.Dropped != 5605-ftp.DefaultMaxLine {
			t.Errorf("USER: dropped %d, want %d (the bytes over the bound until the reply)", e.Dropped, 5605-ftp.DefaultMaxLine)
		}
	}
	if want := uint64(5605 + 2000 - ftp.DefaultMaxLine); st.LineBytesDropped != want || st.LinesTruncated != 1 {
		t.Errorf("stats: %d lines cut, %d bytes dropped; want 1, %d", st.LinesTruncated, st.LineBytesDropped, want)
	}

	rec, _ = run(func(v *conv) {
		v.cli("PWD\r\n")
		v.cli("RETR abc")
		v.srv("257 \"/\" is the current directory\r\n")
		v.cli("def\r\n")
		v.srv("550 Failed to open file.\r\n")
	})
	if got, want := order(rec), ">(vsFTPd <PWD >\"/\" <RETR >Failed"; got != want {
		t.Errorf("line under the bound: events %q, want %q", got, want)
	}
}

// FuzzCutLineAnswered: a client whose lines run over a small line bound,
// its bytes and the server's replies interleaved in any order and cut
// anywhere, some lost (bit 7): no line is delivered longer than the
// bound, the password is never shown unmasked, and the bytes counted
// dropped are never more than were sent.
func FuzzCutLineAnswered(f *testing.F) {
	f.Add([]byte{0x1F, 0x40 | 7, 0x1F, 0x1F, 0x40 | 31, 0x1F}, uint8(12))
	f.Add([]byte{5, 0x40 | 3, 0x1F, 0x40 | 31, 0x80 | 4, 0x1F}, uint8(20))
	f.Fuzz(func(t *testing.T, cuts []byte, maxLine uint8) {
		ml := int(maxLine%48) + 8
		client := "USER " + strings.Repeat("a", 60) + "\r\nPASS " + fuzzPassword + strings.Repeat("p", 50) + "\r\nPASS " + fuzzPassword + "\r\nRETR " + strings.Repeat("f", 70) + "\r\nQUIT\r\n"
		server := "220 hi\r\n500 Input line too long.\r\n331 Please specify the password.\r\n530 Login incorrect.\r\n230 Login successful.\r\n500 Input line too long.\r\n221 Goodbye.\r\n"
		var stats Stats
		var scratch ControlEvent
		var p sessionParser
		p.init(convClient, convServer, parseFTP, ml, &stats, &scratch, func(e *ControlEvent) {
			var line string
			switch {
			case e.Kind == ControlCommand:
				line = e.Command.Verb + " " + e.Command.Arg
			case e.Kind == ControlJunk && e.FromClient:
				line = e.Line
			}
			if len(line) > ml+1 { // (verb and argument rejoined by one space)
				t.Fatalf("line of %d bytes over the bound %d: %q", len(line), ml, line)
			}
			if !e.Secret && strings.Contains(strings.ToUpper(line), strings.ToUpper(fuzzPassword[:min(len(fuzzPassword), ml-5)])) && strings.HasPrefix(strings.ToUpper(line), "PASS") {
				t.Fatalf("password shown in %q", line)
			}
		})
		p.syn = [2]bool{true, true}
		streams := [2]string{client, server}
		for i, c := range cuts {
			d := int(c>>6) & 1
			n := min(int(c&0x1F)+1, len(streams[d]))
			if n == 0 {
				continue
			}
			if c&0x80 != 0 {
				p.gap(d, n, uint64(i), convT0)
			} else {
				p.bytes(d, []byte(streams[d][:n]), uint64(i), convT0)
			}
			streams[d] = streams[d][n:]
		}
		for d, rest := range streams {
			if rest != "" {
				p.bytes(d, []byte(rest), uint64(len(cuts)), convT0)
			}
		}
		p.end(uint64(len(cuts)), convT0, false)
		if stats.LineBytesDropped > uint64(len(client)+len(server)) {
			t.Fatalf("%d bytes dropped of %d sent", stats.LineBytesDropped, len(client)+len(server))
		}
	})
}
