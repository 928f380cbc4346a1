package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLateReplyConfirmsAdoptedEndpoint: a PASV waiting for its reply
// when a gap in the server's stream comes, then the client's SYN to the
// server: the reply is taken for lost and the SYN for its data
// connection (adoptUnread). When the 227 comes after all (a capture
// whose queues wrote the SYN first), naming the port the SYN went to, it
// confirms that connection: the PASV arms nothing more (a second
// expectation would end not attempted).
func TestLateReplyConfirmsAdoptedEndpoint(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 20})
	s.handshakeTransfer(pcDataCli, pcDataSrv, 100)
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f (100 bytes).")
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 {
		for _, d := range s.rec.data {
			t.Logf("data %v %v %d SYNs", d.Announced, d.Outcome, d.SYNs)
		}
		t.Fatalf("%d data connections; want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Outcome != OutcomeTransferred || d.Announced != pcDataSrv || d.Command == nil || d.Command.Verb != "RETR" {
		t.Errorf("data %v %v, command %v; want the RETR's transfer to %v", d.Announced, d.Outcome, d.Command, pcDataSrv)
	}
}
