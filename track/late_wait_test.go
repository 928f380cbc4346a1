package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLateSYNToLatestAnnouncement: an announcement waited
// ExpectationTimeout (5 min) from its reply, and a SYN after that was
// only counted (data_after_expiry): a server that connected for a PORT 6
// minutes after the RETR with SYNs nobody answered read "not-attempted:
// no SYN to it" with error active-blocked ("no SYN of it reached the
// capture point", OUTPUT-chain rules); a PORT whose RETR came 6 minutes
// later, or a PASV connected to after 301 s, read not attempted though
// the transfer worked; a client's SYNs dropped 6 minutes after its PASV,
// a warning. The wait now counts from the transfer command when it came
// later, and the session's latest announcement waits on while the
// session lives and the transfer has no final reply, for its own peers'
// SYN to exactly its endpoint; another host's SYN does not take it then.
func TestLateSYNToLatestAnnouncement(t *testing.T) {
	dcli := netip.AddrPortFrom(cli.Addr(), 50001)
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	from20 := netip.AddrPortFrom(srv.Addr(), 20)
	stranger := netip.MustParseAddrPort("203.0.113.9:50001")
	port := func(s *session) {
		s.cmd("PORT", "198,51,100,7,195,81") // 198.51.100.7:50001
		s.reply(200, "PORT command successful.")
	}
	pasv := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).") // 192.0.2.10:40000
	}
	wait := func(s *session, d time.Duration) {
		for end := s.now.Add(d); s.now.Before(end); {
			s.tick(time.Second)
			s.trk.Tick(s.now)
		}
	}
	unanswered := func(s *session, a, b netip.AddrPort) {
		for _, gap := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
			s.tick(gap)
			s.seg(a, b, decode.FlagSYN, 7000, 0)
		}
	}
	for _, tc := range []struct {
		name  string
		run   func(s *session)
		want  Outcome
		syns  int
		match MatchRule
	}{
		{"PORT, RETR, the server's SYNs 6 min later, 425", func(s *session) {
			port(s)
			s.cmd("RETR", "big.dat")
			wait(s, 6*time.Minute)
			unanswered(s, from20, dcli)
			wait(s, 30*time.Second)
			s.reply(425, "Can't open data connection.")
		}, OutcomeUnanswered, 4, MatchExact},
		{"PORT, RETR 6 min later, the transfer", func(s *session) {
			port(s)
			wait(s, 6*time.Minute)
			s.cmd("RETR", "f.bin")
			s.handshakeTransfer(from20, dcli, 1400)
			s.reply(150, "Opening BINARY mode data connection.")
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, 1, MatchExact},
		{"PASV, the client's SYN 301 s later, the transfer", func(s *session) {
			pasv(s)
			wait(s, 301*time.Second)
			s.handshakeTransfer(dcli, dsrv, 1400)
			s.cmd("RETR", "f.bin")
			s.reply(150, "Opening BINARY mode data connection.")
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, 1, MatchExact},
		{"PASV, the client's SYNs 6 min later, ABOR", func(s *session) {
			pasv(s)
			wait(s, 6*time.Minute)
			unanswered(s, dcli, dsrv)
			wait(s, 20*time.Second)
			s.cmd("ABOR", "")
			s.reply(225, "No transfer to ABOR.")
		}, OutcomeUnanswered, 4, MatchExact},
		{"PASV, another host's SYN 6 min later", func(s *session) {
			pasv(s)
			wait(s, 6*time.Minute)
			unanswered(s, stranger, dsrv)
		}, OutcomeNotAttempted, 0, MatchNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			wait(s, 3*time.Minute)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.SYNs != tc.syns || d.Match != tc.match {
				t.Errorf("outcome %v, %d SYNs, match %v; want %v, %d, %v", d.Outcome, d.SYNs, d.Match, tc.want, tc.syns, tc.match)
			}
			if got := s.trk.Limits().DataAfterExpiry; got != 0 {
				t.Errorf("data_after_expiry %d, want 0", got)
			}
		})
	}
}
