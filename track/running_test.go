package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// runningBytes sends n bytes from b to a on a connection the capture
// began during (no SYN), a's acknowledgments between, from sequence
// numbers seqB (b's) and seqA (a's).
func (s *session) runningBytes(a, b netip.AddrPort, seqA, seqB uint32, n int) {
	for sent := 0; sent < n; {
		k := min(1448, n-sent)
		s.segAck(b, a, decode.FlagACK, seqB+uint32(sent), seqA, k)
		sent += k
		s.segAck(a, b, decode.FlagACK, seqA, seqB+uint32(sent), 0)
	}
}

// TestTransferTheCaptureBeganDuring: tcpdump started during a transfer
// (the commonest way a capture of a hanging or slow one is taken) holds
// the data connection's bytes and close, then the session's 226, and no
// SYN nor announcement ever. The session, picked up mid-stream at that
// reply, claims the one connection between its peers on data ports that
// carried bytes and ended just before it (or still ran just before it: a
// server that answers once it wrote the last byte), as a transfer whose
// start the capture missed. It read "data: none" and "no data
// connections were announced". Another service between the same hosts,
// a reply long after the close, two connections that could be it, or a
// session followed from its start, claim nothing.
func TestTransferTheCaptureBeganDuring(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	actSrv, actCli := netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:42000")
	closeBoth := func(s *session, a, b netip.AddrPort, seqA, seqB uint32) {
		s.segAck(b, a, decode.FlagFIN|decode.FlagACK, seqB, seqA, 0)
		s.segAck(a, b, decode.FlagFIN|decode.FlagACK, seqA, seqB+1, 0)
		s.segAck(b, a, decode.FlagACK, seqB+1, seqA+1, 0)
	}
	const n = 100000
	for _, tc := range []struct {
		name      string
		midstream bool
		run       func(s *session)
		code      int // the reply that ends it
		want      bool
		passive   bool
		opener    netip.AddrPort
		reason    EndReason
		bytes     int64 // to the FTP client
	}{
		{
			name: "passive download, 226 after the close", midstream: true, code: 226,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
			},
			want: true, passive: true, opener: pasvCli, reason: EndFIN, bytes: n,
		},
		{
			name: "226 before the close, once the last byte is written", midstream: true, code: 226,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
			},
			want: true, passive: true, opener: pasvCli, reason: EndFIN, bytes: n,
		},
		{
			name: "active download from port 20, reset, 426", midstream: true, code: 426,
			run: func(s *session) {
				s.runningBytes(actCli, actSrv, 7000, 9000, n)
				s.segAck(actSrv, actCli, decode.FlagRST|decode.FlagACK, 9000+n, 7000, 0)
			},
			want: true, passive: false, opener: actSrv, reason: EndRST, bytes: n,
		},
		{
			name: "SSH between the same hosts", midstream: true, code: 226,
			run: func(s *session) {
				ssh := netip.MustParseAddrPort("192.0.2.10:22")
				s.runningBytes(pasvCli, ssh, 7000, 9000, n)
				closeBoth(s, pasvCli, ssh, 7000, 9000+n)
			},
		},
		{
			name: "the 226 long after the close", midstream: true, code: 226,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
				s.tick(2 * runningTie)
			},
		},
		{
			name: "two connections that could be it", midstream: true, code: 226,
			run: func(s *session) {
				other := netip.MustParseAddrPort("198.51.100.7:41001")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.runningBytes(other, pasvSrv, 7000, 9000, n)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
				closeBoth(s, other, pasvSrv, 7000, 9000+n)
			},
		},
		{
			name: "no bytes moved", midstream: true, code: 226,
			run: func(s *session) {
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000)
			},
		},
		{
			name: "a reply that ends no transfer", midstream: true, code: 250,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
			},
		},
		{
			name: "a session followed from its start", code: 226,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			tc.run(s)
			if tc.midstream {
				s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
			} else {
				s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				s.reply(220, "(vsFTPd 3.0.3)")
				s.login()
			}
			s.reply(tc.code, "Transfer complete.")
			if tc.want && tc.reason == EndFIN && len(s.rec.data) == 0 {
				// The close after the reply (the connection still ran).
				s.tick(10 * time.Millisecond)
				closeBoth(s, pasvCli, pasvSrv, 7000, 9000+n)
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			var missed []*DataConn
			for _, d := range s.rec.data {
				if d.StartMissed() {
					missed = append(missed, d)
				}
			}
			if !tc.want {
				if len(s.rec.data) != 0 {
					t.Fatalf("%d data connections (%d start missed), want none", len(s.rec.data), len(missed))
				}
				return
			}
			if len(s.rec.data) != 1 || len(missed) != 1 {
				t.Fatalf("%d data connections (%d start missed), want 1 whose start the capture missed", len(s.rec.data), len(missed))
			}
			d := missed[0]
			toClient := d.Bytes[0]
			if d.Passive {
				toClient = d.Bytes[1]
			}
			if d.Outcome != OutcomeTransferred || d.Match != MatchInferred || d.Passive != tc.passive || d.Client != tc.opener ||
				d.EndReason != tc.reason || toClient != tc.bytes || d.TotalBytes() != tc.bytes || d.EndCode() != tc.code || d.SYNs != 0 || d.Announce != nil {
				t.Errorf("got %v %v passive=%v opener %v end %v bytes %v code %d syns %d, want transferred inferred passive=%v opener %v end %v %d bytes to the client, code %d, no SYN",
					d.Outcome, d.Match, d.Passive, d.Client, d.EndReason, d.Bytes, d.EndCode(), d.SYNs, tc.passive, tc.opener, tc.reason, tc.bytes, tc.code)
			}
		})
	}
}
