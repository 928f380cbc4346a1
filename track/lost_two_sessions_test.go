package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestTwoSessionsLosePortsInOneGapBurst: two sessions of one client host
// to one server, both in active mode, lose their PORTs in the same burst
// of capture gaps; the server (vsftpd) connects back from port 20 to each
// client's data port. Each RETR gets its own connection with its own
// outcome, or, where the order of the server's SYNs cannot tell whose is
// whose (both transfers waiting), both say their session is a guess
// (AmongLost): never one session's connection confidently tied to the
// other, nor a transfer read as never connected. Before, the
// per-host-pair index of lost-PORT candidates served the first session
// only: the second session's connection was tied to nothing or to the
// first session.
func TestTwoSessionsLosePortsInOneGapBurst(t *testing.T) {
	cliA, cliB := netip.MustParseAddrPort("198.51.100.7:50000"), netip.MustParseAddrPort("198.51.100.7:50010")
	dataA, dataB := netip.MustParseAddrPort("198.51.100.7:41833"), netip.MustParseAddrPort("198.51.100.7:41900")
	type step struct {
		who  int // 0 A, 1 B
		what string
	}
	for _, tc := range []struct {
		name   string
		steps  []step
		refuse [2]bool // the client refuses that session's connection
		hedged bool    // both connections may say their session is a guess
	}{
		{"one transfer after the other", []step{{0, "retr"}, {0, "conn"}, {0, "150"}, {0, "data"}, {0, "226"}, {1, "retr"}, {1, "conn"}, {1, "150"}, {1, "data"}, {1, "226"}}, [2]bool{}, false},
		{"B's transfer first", []step{{1, "retr"}, {1, "conn"}, {1, "150"}, {1, "data"}, {1, "226"}, {0, "retr"}, {0, "conn"}, {0, "150"}, {0, "data"}, {0, "226"}}, [2]bool{}, false},
		{"B refused, then A", []step{{1, "retr"}, {1, "conn"}, {1, "425"}, {0, "retr"}, {0, "conn"}, {0, "150"}, {0, "data"}, {0, "226"}}, [2]bool{false, true}, false},
		{"both waiting, in order", []step{{0, "retr"}, {1, "retr"}, {0, "conn"}, {0, "150"}, {1, "conn"}, {1, "150"}, {0, "data"}, {1, "data"}, {0, "226"}, {1, "226"}}, [2]bool{}, true},
		{"both waiting, B's connection first", []step{{0, "retr"}, {1, "retr"}, {1, "conn"}, {1, "150"}, {0, "conn"}, {0, "150"}, {1, "data"}, {0, "data"}, {1, "226"}, {0, "226"}}, [2]bool{}, true},
		{"both waiting, A refused", []step{{0, "retr"}, {1, "retr"}, {0, "conn"}, {0, "425"}, {1, "conn"}, {1, "150"}, {1, "data"}, {1, "226"}}, [2]bool{true, false}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			clients, data := [2]netip.AddrPort{cliA, cliB}, [2]netip.AddrPort{dataA, dataB}
			s.as(cliA, false)
			s.login()
			s.as(cliB, true)
			s.login()
			for _, c := range clients {
				s.as(c, false)
				s.cmd("TYPE", "I")
				s.reply(200, "Switching to Binary mode.")
			}
			for _, c := range clients {
				s.as(c, false)
				s.clientGap() // PORT 198,51,100,7,163,105 or 163,172
			}
			for _, c := range clients {
				s.as(c, false)
				s.reply(200, "PORT command successful. Consider using PASV.")
			}
			for _, st := range tc.steps {
				c, d := clients[st.who], data[st.who]
				seq := uint32(7000 + 100000*st.who)
				s.as(c, false)
				switch st.what {
				case "retr":
					s.cmd("RETR", "b.bin")
				case "conn":
					s.segAck(lpSrvData, d, decode.FlagSYN, seq, 0, 0)
					if tc.refuse[st.who] {
						s.segAck(d, lpSrvData, decode.FlagRST|decode.FlagACK, 0, seq+1, 0)
						continue
					}
					s.segAck(d, lpSrvData, decode.FlagSYN|decode.FlagACK, 9000, seq+1, 0)
					s.segAck(lpSrvData, d, decode.FlagACK, seq+1, 9001, 0)
				case "150":
					s.reply(150, "Opening BINARY mode data connection for b.bin (3000 bytes).")
				case "data":
					for i := range 3 {
						s.segAck(lpSrvData, d, decode.FlagACK|decode.FlagPSH, seq+1+uint32(i)*1000, 9001, 1000)
					}
					s.segAck(lpSrvData, d, decode.FlagFIN|decode.FlagACK, seq+3001, 9001, 0)
					s.segAck(d, lpSrvData, decode.FlagFIN|decode.FlagACK, 9001, seq+3002, 0)
				case "226":
					s.reply(226, "Transfer complete.")
				case "425":
					s.reply(425, "Failed to establish connection.")
				}
			}
			for _, c := range clients {
				s.as(c, false)
				s.cmd("QUIT", "")
				s.reply(221, "Goodbye.")
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			s.trk.Finish()
			for i, c := range clients {
				var got *DataConn
				for _, d := range s.rec.data {
					if d.Server == data[i] {
						if got != nil {
							t.Errorf("the connection to %v reported twice", data[i])
						}
						got = d
					}
				}
				want := OutcomeTransferred
				if tc.refuse[i] {
					want = OutcomeRefused
				}
				switch {
				case got == nil:
					t.Errorf("session %v: its connection to %v not reported", c, data[i])
				case got.Outcome != want || got.Match != MatchAnnounceLost || got.Command == nil || got.Command.Verb != "RETR":
					t.Errorf("session %v: its connection to %v %v (%v, command %v); want %v, announcement-lost, the RETR's", c, data[i], got.Outcome, got.Match, got.Command, want)
				case got.Session.Client != c && got.AmongLost < 2:
					t.Errorf("session %v: its connection to %v tied to session %v, not hedged", c, data[i], got.Session.Client)
				case got.AmongLost > 1 && !tc.hedged:
					t.Errorf("session %v: its connection to %v hedged (among %d); want it told", c, data[i], got.AmongLost)
				}
			}
		})
	}
}
