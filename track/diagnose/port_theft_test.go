package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPortTheftIsNoFirewallProblem guards the diagnosis of passive port
// theft (RFC 2577): 203.0.113.66 completes a handshake to the announced
// port before the client 10.0.0.2, the server sends it the 20 bytes of
// the RETR and refuses the client's own SYN with RST, then says 226. It
// was error data-refused with nft/iptables rules to open the passive
// range, for a port that was open and taken. Now: data-foreign-source as
// an error saying port theft for certain, with the server's source check
// (pasv_promiscuous=NO) as the fix and no firewall rule; no data-refused.
func TestPortTheftIsNoFirewallProblem(t *testing.T) {
	w := newWire(t, "10.0.0.2:40001", "10.0.0.1:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER bob")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS secret")
	w.reply(230, "Login successful.")
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,0,0,1,195,81).")
	thief, dsrv, own := ap("203.0.113.66:5555"), ap("10.0.0.1:50001"), ap("10.0.0.2:40002")
	w.segAck(thief, dsrv, decode.FlagSYN, 777, 0)
	w.segAck(dsrv, thief, decode.FlagSYN|decode.FlagACK, 9000, 778)
	w.segAck(thief, dsrv, decode.FlagACK, 778, 9001)
	w.cmd("RETR payroll.xlsx")
	w.segAck(own, dsrv, decode.FlagSYN, 1000, 0)
	w.segAck(dsrv, own, decode.FlagRST|decode.FlagACK, 0, 1001)
	w.reply(150, "Opening BINARY mode data connection.")
	w.seg(dsrv, thief, decode.FlagACK|decode.FlagPSH, 9001, []byte(strings.Repeat("x", 20)))
	w.segAck(dsrv, thief, decode.FlagFIN|decode.FlagACK, 9021, 778)
	w.segAck(thief, dsrv, decode.FlagFIN|decode.FlagACK, 778, 9022)
	w.reply(226, "Transfer complete.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	var theft *Finding
	for _, f := range w.c.fs {
		switch f.Code {
		case CodeDataRefused, CodeDataUnanswered:
			t.Errorf("%s for a port another host took: %s\nfix: %s", f.Code, f.Message, f.Advice)
		case CodeDataForeignSource:
			theft = f
		}
	}
	if theft == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-foreign-source")
	}
	all := theft.Message + " | " + theft.Evidence + " | " + theft.Advice
	for _, s := range []string{"Passive port theft", "203.0.113.66:5555", "before the session's client 10.0.0.2", "sent it the transfer, 20 bytes", "refused the client's own SYN", "Not a firewall problem", "pasv_promiscuous=NO", "undo vsftpd pasv_promiscuous=YES", "disclosed"} {
		if !strings.Contains(all, s) {
			t.Errorf("data-foreign-source lacks %q:\n%s", s, all)
		}
	}
	for _, s := range []string{"nft ", "iptables", "NAT pool", "paired"} {
		if strings.Contains(all, s) {
			t.Errorf("data-foreign-source says %q:\n%s", s, all)
		}
	}
	if theft.Severity != SeverityError {
		t.Errorf("severity %s, want error", theft.Severity)
	}
}

// TestRefusedHijackIsNoNAT guards data-source-nat when the foreign source
// cannot be the client's NAT: a client on a private address whose data
// connection came from a public one, or another host that connected first
// (track's Thief). The server's refusal stopped a hijack: the advice keeps
// the source check and never says to turn it off (pasv_promiscuous=YES),
// as it does for a NAT that translates only data connections.
func TestRefusedHijackIsNoNAT(t *testing.T) {
	for _, tc := range []struct {
		name  string
		from  string
		thief bool
		want  string
	}{
		{"public source, private control", "198.51.100.66:5555", false, "a passive port hijack attempt"},
		{"another host connected first", "10.0.0.9:5555", true, "connected to the announced port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
			syn(dc, tc.from, "10.0.0.1:40036", 12, 1, 0)
			dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchPortOnly, track.OutcomeConnected
			if tc.thief {
				dc.Thief = &track.DataConn{ID: 1, Session: s, Passive: true}
			}
			x := cmd(s, 14, "RETR", "f", 425, "Security: Bad IP connecting.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			c, _ := feed(policy.Policy{}, s)
			var got *Finding
			for _, f := range c.fs {
				if f.Code == CodeDataSourceNAT {
					got = f
				}
			}
			if got == nil {
				t.Fatal("no data-source-nat")
			}
			if !strings.Contains(got.Message, tc.want) || strings.Contains(got.Advice, "pasv_promiscuous=YES") {
				t.Errorf("message %q\nadvice %q", got.Message, got.Advice)
			}
		})
	}
}
