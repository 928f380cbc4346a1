package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestOneSideNeedsTwoLinesAndTurnsBackOnce guards how a session is found
// one-sided: two lines of one side with no byte of the other (one is a
// capture that began between a command and its reply), and any line
// with the other side seen makes it two-sided for good.
func TestOneSideNeedsTwoLinesAndTurnsBackOnce(t *testing.T) {
	type line struct {
		side       OneSide // the side the line came from
		peerUnseen bool
	}
	for _, tc := range []struct {
		name  string
		lines []line
		want  OneSide
	}{
		{"one reply, nothing of the client's", []line{{ServerSideOnly, true}}, BothSides},
		{"two replies, nothing of the client's", []line{{ServerSideOnly, true}, {ServerSideOnly, true}}, ServerSideOnly},
		{"a reply, then the client's command", []line{{ServerSideOnly, true}, {ClientSideOnly, false}, {ServerSideOnly, false}}, BothSides},
		{"two commands, nothing of the server's", []line{{ClientSideOnly, true}, {ClientSideOnly, true}, {ClientSideOnly, true}}, ClientSideOnly},
		{"client-only, then a reply", []line{{ClientSideOnly, true}, {ClientSideOnly, true}, {ServerSideOnly, false}, {ClientSideOnly, true}, {ClientSideOnly, true}}, BothSides},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Session
			for _, l := range tc.lines {
				s.sideLine(l.side, l.peerUnseen)
			}
			if s.OneSide != tc.want {
				t.Errorf("OneSide %v, want %v", s.OneSide, tc.want)
			}
		})
	}
}

// TestClientOnlyInferenceNeedsAFreshPassiveCommand guards the data
// connections a client-only session's PASV is taken to announce: a SYN
// from its client to its server's high port soon after the PASV is one;
// another connection between the same two hosts long after a PASV the
// client never used (RDP to 3389 20 s on) is not.
func TestClientOnlyInferenceNeedsAFreshPassiveCommand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		port  uint16
		want  int // data connections
	}{
		{"SYN just after the PASV", 5 * time.Millisecond, 40011, 1},
		{"RDP 20 s after an unused PASV", 20 * time.Second, 3389, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			clientLine := func(verb string) {
				s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, PeerUnseen: true, Command: ftp.Command{Verb: verb}})
			}
			// A capture of the client's side only: its greeting lost too.
			s.trk = New(s.rec, Options{})
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			clientLine("USER")
			clientLine("PASS")
			clientLine("PASV")
			s.tick(tc.after)
			s.seg(netip.AddrPortFrom(cli.Addr(), 50002), netip.AddrPortFrom(srv.Addr(), tc.port), decode.FlagSYN, 9000, 0)
			if got := s.end(); got.OneSide != ClientSideOnly {
				t.Fatalf("OneSide %v, want client", got.OneSide)
			}
			if len(s.rec.data) != tc.want {
				t.Errorf("%d data connections, want %d", len(s.rec.data), tc.want)
			}
		})
	}
}

// TestOneSideNotClaimedAgainstTheSYNs guards the undetermined outcome of
// a one-sided session: it stands for what would cross the missing
// direction, not for SYNs the capture holds from the side it was taken
// to lack (a mid-stream capture whose client sent no bytes yet but
// whose SYNs are there): those got no answer, as the wire shows.
func TestOneSideNotClaimedAgainstTheSYNs(t *testing.T) {
	s := newSession(t)
	reply := func(code int, text string) {
		e := decode.ControlEvent{Kind: decode.ControlReply, PeerUnseen: true, Reply: &ftp.Reply{Code: code, Text: text}}
		if code == 227 {
			ap, form, err := ftp.ParsePASV(text)
			e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}, err
		}
		s.ctl(e)
	}
	reply(230, "Login successful.")
	reply(200, "Switching to Binary mode.")
	reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	dcli, dsrv := netip.AddrPortFrom(cli.Addr(), 50003), netip.MustParseAddrPort("192.0.2.10:40000")
	for _, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
		s.tick(wait)
		s.seg(dcli, dsrv, decode.FlagSYN, 3000, 0)
	}
	s.tick(10 * time.Second)
	if got := s.end(); got.OneSide != ServerSideOnly {
		t.Fatalf("OneSide %v, want server", got.OneSide)
	}
	if len(s.rec.data) != 1 || s.rec.data[0].Outcome != OutcomeUnanswered {
		t.Errorf("data %v, want one unanswered (its SYNs are in the capture)", s.rec.data)
	}
}
