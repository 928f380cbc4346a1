package track

import (
	"fmt"
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

// midstreamAs opens, as client c (zero: cli), a session picked up
// mid-stream: its control connection's start is not in the capture.
func (s *session) midstreamAs(c netip.AddrPort) {
	s.as(c, false)
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
}

// endWithCapture closes the control connection of every client in cs
// (zero: cli) as decode does at the capture's end, then finishes.
func (s *session) endWithCapture(cs ...netip.AddrPort) {
	for _, c := range cs {
		s.as(c, false)
		s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseCaptureEnd})
	}
	s.trk.Finish()
}

// startMissed is the data connections the capture began during among
// those reported.
func (r *recorder) startMissed() []*DataConn {
	var out []*DataConn
	for _, d := range r.data {
		if d.StartMissed() {
			out = append(out, d)
		}
	}
	return out
}

// TestTransferBegunBeforeCaptureMode: the SYN of a connection the capture
// began during is not in it, so who connected to whom is not either.
// From port 20, the server's ftp-data port, the server connected (active
// mode); from any other port of the server's the mode is unknown, since
// servers connect from other ports too (vsftpd connect_from_port_20=NO,
// ProFTPD and Pure-FTPd not run as root): such an active download read
// "passive", the client's connection to the server's port. Client and
// Server stay the FTP client's and server's ends. A connection whose
// FTP-client end is port 20 (an FTP server on the client's host), or
// whose ends cannot be told apart (both peers one host, no port 20), is
// not claimed.
func TestTransferBegunBeforeCaptureMode(t *testing.T) {
	const n = 50000
	self := netip.MustParseAddrPort("192.0.2.10:50000") // a client on the server's host
	for _, tc := range []struct {
		name           string
		client         netip.AddrPort // the session's (zero: cli)
		cliEnd, srvEnd netip.AddrPort
		want           bool
		active         bool
	}{
		{name: "the server's end at a passive port", cliEnd: netip.MustParseAddrPort("198.51.100.7:41000"), srvEnd: netip.MustParseAddrPort("192.0.2.10:40078"), want: true},
		{name: "active from port 20", cliEnd: netip.MustParseAddrPort("198.51.100.7:42000"), srvEnd: netip.MustParseAddrPort("192.0.2.10:20"), want: true, active: true},
		{name: "active from an unprivileged port", cliEnd: netip.MustParseAddrPort("198.51.100.7:42000"), srvEnd: netip.MustParseAddrPort("192.0.2.10:38112"), want: true},
		{name: "the client's end at port 20", cliEnd: netip.MustParseAddrPort("198.51.100.7:20"), srvEnd: netip.MustParseAddrPort("192.0.2.10:41000")},
		{name: "one host, no port 20", client: self, cliEnd: netip.MustParseAddrPort("192.0.2.10:41000"), srvEnd: netip.MustParseAddrPort("192.0.2.10:40078")},
		{name: "one host, from port 20", client: self, cliEnd: netip.MustParseAddrPort("192.0.2.10:42000"), srvEnd: netip.MustParseAddrPort("192.0.2.10:20"), want: true, active: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.runningBytes(tc.cliEnd, tc.srvEnd, 7000, 9000, n)
			s.segAck(tc.srvEnd, tc.cliEnd, decode.FlagFIN|decode.FlagACK, 9000+n, 7000, 0)
			s.segAck(tc.cliEnd, tc.srvEnd, decode.FlagFIN|decode.FlagACK, 7000, 9001+n, 0)
			s.midstreamAs(tc.client)
			s.reply(226, "Transfer complete.")
			s.endWithCapture(tc.client)
			missed := rec.startMissed()
			if !tc.want {
				if len(rec.data) != 0 {
					t.Fatalf("%d data connections, want none", len(rec.data))
				}
				return
			}
			if len(missed) != 1 || len(rec.data) != 1 {
				t.Fatalf("%d data connections (%d start missed), want 1", len(rec.data), len(missed))
			}
			d := missed[0]
			cliSide, srvSide, toClient := d.Client, d.Server, d.Bytes[1]
			if !d.Passive {
				cliSide, srvSide, toClient = d.Server, d.Client, d.Bytes[0]
			}
			if d.Passive == tc.active || d.ModeUnknown() == tc.active || cliSide != tc.cliEnd || srvSide != tc.srvEnd || toClient != n {
				t.Errorf("passive %v, mode unknown %v, FTP client end %v, server end %v, %d bytes to the client; want active %v (mode unknown %v), %v, %v, %d",
					d.Passive, d.ModeUnknown(), cliSide, srvSide, toClient, tc.active, !tc.active, tc.cliEnd, tc.srvEnd, n)
			}
		})
	}
}

// TestTransferBegunBeforeCaptureFailed: a transfer the capture began
// during that its reply says failed (426, 451, 552) reads failed, with
// the bytes seen (TransferFailed; EndedBeforeReply for one over before
// the reply, so that who ended it first is known to have come first); a
// 226 does not.
func TestTransferBegunBeforeCaptureFailed(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	const n = 30000
	for _, tc := range []struct {
		code    int
		running bool // the reply before the close
		failed  bool
	}{
		{code: 226},
		{code: 426, failed: true},
		{code: 451, failed: true},
		{code: 552, failed: true},
		{code: 426, running: true, failed: true},
	} {
		t.Run(fmt.Sprintf("%d running %v", tc.code, tc.running), func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
			if !tc.running {
				s.segAck(pasvSrv, pasvCli, decode.FlagRST|decode.FlagACK, 9000+n, 7000, 0)
			}
			s.midstreamAs(netip.AddrPort{})
			s.reply(tc.code, "Transfer done or not.")
			if tc.running {
				s.segAck(pasvSrv, pasvCli, decode.FlagRST|decode.FlagACK, 9000+n, 7000, 0)
			}
			s.endWithCapture(netip.AddrPort{})
			missed := rec.startMissed()
			if len(missed) != 1 {
				t.Fatalf("%d connections whose start the capture missed, want 1", len(missed))
			}
			d := missed[0]
			if d.TransferFailed() != tc.failed || d.EndedBeforeReply() == tc.running || d.Outcome != OutcomeTransferred || d.TotalBytes() != n || d.EndCode() != tc.code {
				t.Errorf("failed %v, ended before the reply %v, %v, %d bytes, code %d; want failed %v, ended before %v, transferred, %d bytes, code %d",
					d.TransferFailed(), d.EndedBeforeReply(), d.Outcome, d.TotalBytes(), d.EndCode(), tc.failed, !tc.running, n, tc.code)
			}
		})
	}
}

// TestHangingTransferClaimedAtCaptureEnd: the transfer an admin starts
// tcpdump for, begun before the capture and hanging: no 226 or 426 ever
// comes, its data connection still open (or quiet) when the capture
// ends. A session picked up mid-stream still waiting then (no reply but
// a 1yz, no data connection) takes the one such connection between its
// peers, its transfer not ended (EndCode 0, EndCaptureEnd). It was not
// claimed at all. Nothing is taken when a final reply came (the session
// is not in a transfer), when the connection ended, when it carried
// bytes both ways (another service: no reply ties it by time), when two
// could be it, when another session waiting so is between the same
// hosts, or for a session followed from its start.
func TestHangingTransferClaimedAtCaptureEnd(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	other := netip.MustParseAddrPort("198.51.100.7:41001")
	second := netip.MustParseAddrPort("198.51.100.7:50010") // another session of the client host
	const n = 40000
	for _, tc := range []struct {
		name string
		run  func(s *session) []netip.AddrPort // the sessions still open at the end
		want bool
	}{
		{
			name: "after its 150", want: true,
			run: func(s *session) []netip.AddrPort {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection for big.iso (4294967296 bytes).")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.tick(30 * time.Second) // then quiet
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "an unanswered command alone", want: true,
			run: func(s *session) []netip.AddrPort {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.midstreamAs(netip.AddrPort{})
				s.cmd("STAT", "")
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "a final reply came",
			run: func(s *session) []netip.AddrPort {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.midstreamAs(netip.AddrPort{})
				s.cmd("NOOP", "")
				s.reply(200, "NOOP ok.")
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "the connection ended",
			run: func(s *session) []netip.AddrPort {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection.")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.segAck(pasvSrv, pasvCli, decode.FlagRST|decode.FlagACK, 9000+n, 7000, 0)
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "bytes both ways (another service)",
			run: func(s *session) []netip.AddrPort {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection.")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.runningBytes(pasvSrv, pasvCli, 9000+n, 7000, 500)
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "two connections open",
			run: func(s *session) []netip.AddrPort {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection.")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.runningBytes(other, pasvSrv, 7000, 9000, n)
				return []netip.AddrPort{{}}
			},
		},
		{
			name: "two sessions waiting between the same hosts",
			run: func(s *session) []netip.AddrPort {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection.")
				s.midstreamAs(second)
				s.reply(150, "Opening BINARY mode data connection.")
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				return []netip.AddrPort{{}, second}
			},
		},
		{
			name: "a session followed from its start",
			run: func(s *session) []netip.AddrPort {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.as(netip.AddrPort{}, true)
				s.login()
				return []netip.AddrPort{{}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.endWithCapture(tc.run(s)...)
			missed := rec.startMissed()
			if !tc.want {
				if len(rec.data) != 0 {
					t.Fatalf("%d data connections (%d start missed), want none", len(rec.data), len(missed))
				}
				return
			}
			if len(rec.data) != 1 || len(missed) != 1 {
				t.Fatalf("%d data connections (%d start missed), want 1 whose start the capture missed", len(rec.data), len(missed))
			}
			d := missed[0]
			if d.EndCode() != 0 || d.EndReason != EndCaptureEnd || d.Outcome != OutcomeTransferred || d.Bytes[1] != n || d.Client != pasvCli || d.Session.Client != cli {
				t.Errorf("code %d, end %v, %v, bytes %v, %v -> %v of session %v; want code 0, capture-end, transferred, %d to the client, %v -> %v of %v",
					d.EndCode(), d.EndReason, d.Outcome, d.Bytes, d.Client, d.Server, d.Session.Client, n, pasvCli, pasvSrv, cli)
			}
			if rec.late > 0 {
				t.Errorf("%d sink calls came after SessionEnd", rec.late)
			}
		})
	}
}

// TestTransferEndGivesWayToAnotherWaitingSession: a session picked up
// mid-stream whose 426 comes while a connection between its hosts still
// runs does not take it when another session picked up mid-stream
// between the same hosts waits on a transfer of its own (its 150 seen,
// nothing after): it is as likely that one's (real vsftpd: curl -m 1's
// 426 in one session took the lftp download running in another). The
// waiting session takes it at the capture's end.
func TestTransferEndGivesWayToAnotherWaitingSession(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	waiting := netip.MustParseAddrPort("198.51.100.7:50010")
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
	s.midstreamAs(waiting)
	s.reply(150, "Opening BINARY mode data connection for big.bin (4194304 bytes).")
	s.runningBytes(pasvCli, pasvSrv, 7000, 9000, 60000)
	s.midstreamAs(netip.AddrPort{})
	s.reply(426, "Failure writing network stream.")
	s.runningBytes(pasvCli, pasvSrv, 7000, 69000, 10000)
	s.endWithCapture(netip.AddrPort{}, waiting)
	if len(rec.data) != 1 {
		t.Fatalf("%d data connections, want the one, for the waiting session", len(rec.data))
	}
	if d := rec.data[0]; d.Session.Client != waiting || d.EndCode() != 0 || d.Bytes[1] != 70000 {
		t.Errorf("taken by the session of %v, code %d, bytes %v; want %v's, code 0, 70000 bytes to the client", d.Session.Client, d.EndCode(), d.Bytes, waiting)
	}
}

// TestTransferBegunBeforeCaptureBoundsCounted: the bounds of the
// connections summed up (maxRunning of them; none first seen after the
// capture's first earlyWindow) are counted when a transfer looked for
// one and found none while its hosts' connection was left out, or after
// the window; not when one was found, or when nothing was left out.
func TestTransferBegunBeforeCaptureBoundsCounted(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	fill := func(s *session) {
		for i := range maxRunning {
			a := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), uint16(30000+i))
			s.runningBytes(a, pasvSrv, 7000, 9000, 1000)
		}
	}
	// heavy: maxRunning connections between other hosts, each busier
	// than the transfer (from off in their bytes).
	const heavyBytes = 20000
	heavy := func(s *session, off uint32) {
		for i := range maxRunning {
			a := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), uint16(31000+i))
			s.runningBytes(a, pasvSrv, 7000, 9000+off, heavyBytes)
		}
	}
	for _, tc := range []struct {
		name       string
		run        func(s *session)
		full, late int
		found      bool
	}{
		{
			name: "the table full of others, busier, that push it out", full: 1,
			run: func(s *session) {
				heavy(s, 0)
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, 1000)
				heavy(s, heavyBytes)
			},
		},
		{
			name: "first seen after the window", late: 1,
			run: func(s *session) {
				s.runningBytes(netip.MustParseAddrPort("203.0.113.9:30000"), pasvSrv, 7000, 9000, 1000)
				s.tick(earlyWindow + time.Second)
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, 5000)
			},
		},
		{
			name: "the table full, its own in it", found: true,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, 5000)
				fill(s)
				s.runningBytes(pasvCli, pasvSrv, 7000, 14000, 1000)
			},
		},
		{
			name: "nothing between its hosts, in the window",
			run: func(s *session) {
				s.runningBytes(netip.MustParseAddrPort("203.0.113.9:30000"), pasvSrv, 7000, 9000, 1000)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			tc.run(s)
			s.midstreamAs(netip.AddrPort{})
			s.reply(226, "Transfer complete.")
			s.endWithCapture(netip.AddrPort{})
			l := s.trk.Limits()
			if l.RunningFull != tc.full || l.RunningLate != tc.late || (len(rec.startMissed()) == 1) != tc.found {
				t.Errorf("running_full %d, running_late %d, %d found; want %d, %d, found %v", l.RunningFull, l.RunningLate, len(rec.startMissed()), tc.full, tc.late, tc.found)
			}
		})
	}
}

// TestRunningTableNotCrowdedOut: sixteen segments from anyone (single
// non-SYN segments between unrelated hosts on high ports), or sixteen
// long-lived services on a busy host, filled the table of connections
// the capture began during and kept the transfer that came after out,
// uncounted: "data: none". A full table now makes room for a newcomer,
// letting go first one that cannot be a data connection (bytes both
// ways, turn after turn), then the one with the fewest segments: the
// transfer is claimed, and a transfer that ran long and hangs quiet is
// not pushed out by newcomers.
func TestRunningTableNotCrowdedOut(t *testing.T) {
	pasvCli, pasvSrv := netip.MustParseAddrPort("198.51.100.7:41000"), netip.MustParseAddrPort("192.0.2.10:40078")
	junk := func(s *session) {
		for i := range maxRunning {
			a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}), uint16(30000+i))
			b := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.9"), uint16(40000+i))
			s.segAck(a, b, decode.FlagACK|decode.FlagPSH, 5, 9, 4)
		}
	}
	// services: request and answer between other hosts, again and again.
	services := func(s *session, round int) {
		for i := range maxRunning {
			a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, 0, byte(2 + i)}), uint16(45000+i))
			b := netip.MustParseAddrPort("10.9.0.1:3306")
			q, r := uint32(100+200*round), uint32(500+1000*round)
			s.segAck(a, b, decode.FlagACK|decode.FlagPSH, q, r, 200)
			s.segAck(b, a, decode.FlagACK|decode.FlagPSH, r, q+200, 1000)
		}
	}
	const n = 60000
	for _, tc := range []struct {
		name    string
		run     func(s *session)
		waiting bool // a 150, no end: claimed at the capture's end
	}{
		{
			name: "sixteen single segments from anyone before it",
			run: func(s *session) {
				junk(s)
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
			},
		},
		{
			name: "sixteen services of a busy host, on before and during it",
			run: func(s *session) {
				for round := range 4 {
					services(s, round)
				}
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n/2)
				for round := 4; round < 8; round++ {
					services(s, round)
				}
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000+n/2, n/2)
			},
		},
		{
			name: "a hanging transfer, quiet, then sixteen newcomers", waiting: true,
			run: func(s *session) {
				s.runningBytes(pasvCli, pasvSrv, 7000, 9000, n)
				s.tick(2 * time.Minute)
				junk(s)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			if tc.waiting {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection for big.iso (4294967296 bytes).")
				tc.run(s)
			} else {
				tc.run(s)
				s.segAck(pasvSrv, pasvCli, decode.FlagFIN|decode.FlagACK, 9000+n, 7000, 0)
				s.segAck(pasvCli, pasvSrv, decode.FlagFIN|decode.FlagACK, 7000, 9001+n, 0)
				s.midstreamAs(netip.AddrPort{})
				s.reply(226, "Transfer complete.")
			}
			s.endWithCapture(netip.AddrPort{})
			missed := rec.startMissed()
			if len(rec.data) != 1 || len(missed) != 1 {
				t.Fatalf("%d data connections (%d start missed), want the transfer; limits %+v", len(rec.data), len(missed), s.trk.Limits())
			}
			if d := missed[0]; d.Client != pasvCli || d.Server != pasvSrv || d.Bytes[1] != n || d.Bytes[0] != 0 {
				t.Errorf("%v -> %v, bytes %v; want %v -> %v, %d to the client", d.Client, d.Server, d.Bytes, pasvCli, pasvSrv, n)
			}
			if l := s.trk.Limits(); l.RunningFull != 0 {
				t.Errorf("running_full %d, want 0: the transfer was found", l.RunningFull)
			}
		})
	}
}

// TestRunningNotADataConnectionShape: a MySQL connection between the
// session's hosts (client to server:3306), turning at each query, that
// ended just before a mid-stream 226, was claimed as its data connection
// (and port 3306 read as the server's passive port, changing the range a
// rule opens). An FTP data connection carries one direction's payload,
// the other ACKs only; with TLS, a handshake both ways, then one way, and
// an alert each way at the close. Only those are claimed, at a reply or
// at the capture's end.
func TestRunningNotADataConnectionShape(t *testing.T) {
	cliEnd, srvEnd := netip.MustParseAddrPort("198.51.100.7:51000"), netip.MustParseAddrPort("192.0.2.10:3306")
	const n = 20000
	for _, tc := range []struct {
		name    string
		run     func(s *session) (cliSeq, srvSeq uint32)
		waiting bool
		want    bool
	}{
		{
			name: "queries and answers (a database)",
			run: func(s *session) (uint32, uint32) {
				q, r := uint32(100), uint32(200)
				for range 20 {
					s.segAck(cliEnd, srvEnd, decode.FlagACK|decode.FlagPSH, q, r, 200)
					q += 200
					s.segAck(srvEnd, cliEnd, decode.FlagACK|decode.FlagPSH, r, q, 1000)
					r += 1000
				}
				return q, r
			},
		},
		{
			name: "three queries and answers",
			run: func(s *session) (uint32, uint32) {
				q, r := uint32(100), uint32(200)
				for range 3 {
					s.segAck(cliEnd, srvEnd, decode.FlagACK|decode.FlagPSH, q, r, 200)
					q += 200
					s.segAck(srvEnd, cliEnd, decode.FlagACK|decode.FlagPSH, r, q, 1000)
					r += 1000
				}
				return q, r
			},
		},
		{
			name: "one way", want: true,
			run: func(s *session) (uint32, uint32) {
				s.runningBytes(cliEnd, srvEnd, 100, 200, n)
				return 100, 200 + n
			},
		},
		{
			name: "TLS: its handshake's end, one way, an alert each way", want: true,
			run: func(s *session) (uint32, uint32) {
				s.segAck(cliEnd, srvEnd, decode.FlagACK|decode.FlagPSH, 100, 200, 80)  // client Finished
				s.segAck(srvEnd, cliEnd, decode.FlagACK|decode.FlagPSH, 200, 180, 300) // tickets
				s.runningBytes(cliEnd, srvEnd, 180, 500, n)
				s.segAck(srvEnd, cliEnd, decode.FlagACK|decode.FlagPSH, 500+n, 180, 24) // close_notify
				s.segAck(cliEnd, srvEnd, decode.FlagACK|decode.FlagPSH, 180, 524+n, 24)
				return 204, 524 + n
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			if tc.waiting {
				s.midstreamAs(netip.AddrPort{})
				s.reply(150, "Opening BINARY mode data connection.")
				tc.run(s)
			} else {
				q, r := tc.run(s)
				s.segAck(cliEnd, srvEnd, decode.FlagFIN|decode.FlagACK, q, r, 0)
				s.segAck(srvEnd, cliEnd, decode.FlagFIN|decode.FlagACK, r, q+1, 0)
				s.segAck(cliEnd, srvEnd, decode.FlagACK, q+1, r+1, 0)
				s.tick(300 * time.Millisecond)
				s.midstreamAs(netip.AddrPort{})
				s.reply(226, "Transfer complete.")
			}
			s.endWithCapture(netip.AddrPort{})
			if got := len(rec.startMissed()); got != len(rec.data) || (got == 1) != tc.want || got > 1 {
				t.Fatalf("%d data connections (%d start missed), want claimed %v", len(rec.data), got, tc.want)
			}
		})
	}
}
