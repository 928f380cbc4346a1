package decode

import (
	"strings"
	"testing"
)

// TestPasswordFlushedByItsReplyOnce: a password line whose end a gap
// took, flushed masked by the reply that answers it (reply's lostPass)
// while the server's splitter emits that reply: a reply cut at its CR by
// a gap of the server's, in a stream no LF ended a line of yet (a
// server's lines may end in a CR alone: ftp.LineSplitter.PeerSpoke). The
// flushed line answers no server line: it no longer calls the server's
// splitter back from its own emit, which emitted the reply again, and
// the reply the password line again, unmasked ("<-- SS Secret99").
// FuzzGapKeepsPasswordSecret seed 5d83b1f365c427d2.
func TestPasswordFlushedByItsReplyOnce(t *testing.T) {
	lines, replies := gapTranscript(t, []gapStep{
		srv("220 "), lostSrv("hi\r\n"), cli("USER alice\r\n"), srv("331 "), lostSrv("Please\r\n"),
		lostCli("PA"), cli("SS Secret99"), lostCli("\r\n"), srv("230 ok\r"), lostSrv("\n"),
		cli("QUIT\r\n"), srv("221 bye\r\n"),
	})
	if got := strings.Join(lines, "|"); got != "USER alice|*SS Secret99|QUIT" {
		t.Errorf("client lines %q, want the password line once, masked", got)
	}
	if got := strings.Join(replies, "|"); got != "||ok|bye" {
		t.Errorf("replies %q, want the 230 once", got)
	}
}
