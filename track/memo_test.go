package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// replyOf reads a server line as decode's reply reader does.
func replyOf(t *testing.T, rr *ftp.ReplyReader, lines ...string) *ftp.Reply {
	t.Helper()
	for i, l := range lines {
		r, err := rr.Line([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		if i == len(lines)-1 {
			return r
		}
	}
	return nil
}

// TestKeptRepliesOwnTheirLine: a single-line reply the session keeps (the
// greeting, a command's replies) holds its line in itself, not in the
// decoder's reply (which it would keep alive whole), also after the
// command's list of replies grew; a multi-line reply keeps its lines.
func TestKeptRepliesOwnTheirLine(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{})
	var rr ftp.ReplyReader
	s := &session{t: t, trk: trk, rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: replyOf(t, &rr, "220 (vsFTPd 3.0.3)")})
	s.cmd("HELP", "")
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: replyOf(t, &rr, "214-The following commands are recognized.", " ABOR ACCT", "214 Help OK.")})
	s.cmd("RETR", "f")
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: replyOf(t, &rr, "150 Here comes the file.")})
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: replyOf(t, &rr, "226 Transfer complete.")})
	sess := s.end()
	own := func(what string, r *Reply, line string) {
		t.Helper()
		if len(r.Lines) != 1 || r.Lines[0] != line {
			t.Errorf("%s: lines %q, want %q", what, r.Lines, line)
		} else if &r.Lines[0] != &r.one[0] {
			t.Errorf("%s: its line is held outside the reply", what)
		}
	}
	own("greeting", &sess.Greeting[0], "220 (vsFTPd 3.0.3)")
	if len(sess.Commands) != 2 {
		t.Fatalf("%d commands kept", len(sess.Commands))
	}
	if help := sess.Commands[0].Replies[0]; len(help.Lines) != 3 || help.Lines[1] != " ABOR ACCT" {
		t.Errorf("multi-line reply: lines %q", help.Lines)
	}
	retr := sess.Commands[1]
	own("150", &retr.Replies[0], "150 Here comes the file.")
	own("226", &retr.Replies[1], "226 Transfer complete.")
}

// TestTransferMemoOnlyWhenUsed: a session that never announces, sizes or
// restarts allocates no memo; one that does gets REST and SIZE applied
// to its next transfer only.
func TestTransferMemoOnlyWhenUsed(t *testing.T) {
	s := newSession(t)
	s.login()
	var sess *Session
	for _, x := range s.trk.sessions.All() {
		sess = x
	}
	if sess == nil || sess.xfer != nil {
		t.Fatalf("a logged-in session without transfers has a memo: %+v", sess)
	}
	s.cmd("SIZE", "/pub/f.bin")
	s.reply(213, "1000")
	s.cmd("REST", "100")
	s.reply(350, "Restart position accepted (100).")
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40000|)")
	s.cmd("RETR", "/pub/f.bin")
	s.reply(150, "Opening BINARY mode data connection.")
	s.reply(226, "Transfer complete.")
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40001|)")
	s.cmd("RETR", "g.bin")
	s.reply(150, "Opening BINARY mode data connection.")
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 2 {
		t.Fatalf("%d data connections", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Rest != 100 || d.ExpectedSize != 1000 {
		t.Errorf("first transfer: rest %d, expected size %d; want 100, 1000", d.Rest, d.ExpectedSize)
	}
	if d := s.rec.data[1]; d.Rest != -1 || d.ExpectedSize != -1 {
		t.Errorf("second transfer: rest %d, expected size %d; want -1, -1", d.Rest, d.ExpectedSize)
	}
}
