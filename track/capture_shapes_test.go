package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// What capture setups do to the packets of a data connection (a clock
// set back, a lost packet, queues written out of order) must not be read
// as a failure of the network.

// wire hands the tracker the control connection's own segment at the
// session's time, as decode does for every packet before its events.
func (s *session) wire() {
	s.num++
	s.tick(time.Millisecond)
	s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: cli, Dst: srv, Flags: decode.FlagACK, Control: true})
}

// TestClockSetBackIsNoFailure: a data connection's SYN, or its
// announcement, after the capture's clock was set back (NTP) is measured
// from its own time: a capture that ended soon after it is undetermined,
// and waits do not run out early. A SYN that really went unanswered still
// is.
func TestClockSetBackIsNoFailure(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name  string
		step  time.Duration // the clock set back before the announcement
		syn   bool
		after time.Duration // packet time from the SYN (or 227) to the capture's end
		want  Outcome
	}{
		{"SYN after a 5 s step back, capture ends 500 ms later", 5 * time.Second, true, 500 * time.Millisecond, OutcomeUndetermined},
		{"227 after a 5 s step back, capture ends 500 ms later", 5 * time.Second, false, 500 * time.Millisecond, OutcomeUndetermined},
		{"SYN after a 5 s step back, unanswered for 4 s", 5 * time.Second, true, 4 * time.Second, OutcomeUnanswered},
		{"SYN after a 10 min step back, capture ends 500 ms later", 10 * time.Minute, true, 500 * time.Millisecond, OutcomeUndetermined},
		{"227 after a 10 min step back, capture ends 500 ms later", 10 * time.Minute, false, 500 * time.Millisecond, OutcomeUndetermined},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.wire()
			s.tick(-tc.step)
			s.wire()
			s.cmd("PASV", "")
			s.wire()
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			if tc.syn {
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			}
			// Time passes, the packets keep coming: the waits (2 min for a
			// SYN, 5 min for an announcement) must not have run out.
			for end := s.now.Add(tc.after); s.now.Before(end); {
				s.tick(100 * time.Millisecond)
				s.wire()
				s.trk.Tick(s.now)
			}
			if len(s.rec.data) != 0 {
				t.Fatalf("final before the capture ended: %v", s.rec.data[0].Outcome)
			}
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
			if d.CaptureEndedAfter < 0 || tc.want == OutcomeUndetermined && d.CaptureEndedAfter > tc.after+10*time.Millisecond {
				t.Errorf("capture ended %v after, want at most %v", d.CaptureEndedAfter, tc.after)
			}
		})
	}
}

// TestAnsweredWithoutSYNACKInCapture: a data connection whose SYN-ACK the
// capture lost (a lossy mirror port) shows its answer in what follows: the
// opener's ACK, the other side's data or FIN. It connected (and ended by
// its FINs, whatever came first, the 226 or the FINs); a SYN with nothing
// after it, or refused by an RST, still is what it was.
func TestAnsweredWithoutSYNACKInCapture(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name  string
		drive func(s *session)
		want  Outcome
		end   EndReason
	}{
		{"opener's ACK, FINs, then 226", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001, 0)
			s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
			s.reply(226, "Directory send OK.")
		}, OutcomeConnected, EndFIN},
		{"opener's ACK, 226, then FINs", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.reply(226, "Directory send OK.")
			s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001, 0)
			s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
		}, OutcomeConnected, EndFIN},
		{"server's FIN only", func(s *session) {
			s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001, 0)
			s.reply(226, "Directory send OK.")
			s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
		}, OutcomeConnected, EndFIN},
		{"server's data, then its RST", func(s *session) {
			s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 100)
			s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 5101, 1001, 0)
			s.reply(426, "Failure writing network stream.")
		}, OutcomeTransferred, EndRST},
		{"opener's ACK, then the server's RST", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 5001, 1001, 0)
			s.reply(426, "Connection closed; transfer aborted.")
		}, OutcomeConnected, EndRST},
		{"nothing after the SYN", func(s *session) {
			s.tick(5 * time.Second)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeUnanswered, EndOpen},
		{"RST to the SYN", func(s *session) {
			s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeRefused, EndRST},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("LIST", "")
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.reply(150, "Here comes the directory listing.")
			tc.drive(s)
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.EndReason != tc.end || d.SYNs != 1 {
				t.Errorf("outcome %v, end %v, %d SYNs; want %v, %v, 1", d.Outcome, d.EndReason, d.SYNs, tc.want, tc.end)
			}
		})
	}
}

// TestDataPickedUpWithoutItsSYN: a data connection whose SYN the capture
// lost, or wrote before the reply that announced its port (a multi-queue
// capture), is still the announcement's: from its later segments between
// exactly its peers (with no SYN counted), or from its SYN held until the
// announcement came. Segments from other peers, and late ones of a
// connection to the same port that ended, pick up nothing.
func TestDataPickedUpWithoutItsSYN(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	other := netip.MustParseAddrPort("203.0.113.9:50001")
	const pasv = "Entering Passive Mode (192,0,2,10,156,64)"
	// after the 227: the transfer with its SYN lost
	transfer := func(s *session, synAck bool) {
		s.cmd("RETR", "f")
		if synAck {
			s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
		}
		s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
		s.reply(150, "Opening BINARY mode data connection for f (1000 bytes).")
		s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 1000)
		s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 6001, 0)
		s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
		s.reply(226, "Transfer complete.")
	}
	for _, tc := range []struct {
		name  string
		drive func(s *session)
		want  []Outcome // of the data connections, in order
		syns  int       // of the last one
	}{
		{"SYN lost, SYN-ACK seen", func(s *session) {
			s.reply(227, pasv)
			transfer(s, true)
		}, []Outcome{OutcomeTransferred}, 0},
		// Without its SYN-ACK, only the server's 150 shows that a
		// connection began after the announcement: before it, ACKs and
		// bytes could be a connection already running to the same port
		// (a passive port handed out again), whose pickup hid the new
		// one's failure. After it, the segments between exactly its
		// peers are the transfer's.
		{"SYN and SYN-ACK lost", func(s *session) {
			s.reply(227, pasv)
			transfer(s, false)
		}, []Outcome{OutcomeTransferred}, 0},
		{"SYN and SYN-ACK lost, the transfer refused", func(s *session) {
			s.reply(227, pasv)
			s.cmd("RETR", "f")
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 1000)
			s.reply(425, "Failed to establish connection.")
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.tick(5 * time.Second)
		}, []Outcome{OutcomeNotAttempted}, 0},
		{"SYN written 5 µs before the 227", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.reply(227, pasv)
			transfer(s, true)
		}, []Outcome{OutcomeTransferred}, 1},
		{"SYN written before the 227, and sent again", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.reply(227, pasv)
			s.tick(time.Second)
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			transfer(s, true)
		}, []Outcome{OutcomeTransferred}, 2},
		{"another host's segments to the port", func(s *session) {
			s.reply(227, pasv)
			s.seg(dataSrv, other, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.seg(other, dataSrv, decode.FlagACK, 1001, 0)
			s.seg(dataSrv, other, decode.FlagACK, 5001, 1000)
			s.tick(5 * time.Second)
		}, []Outcome{OutcomeNotAttempted}, 0},
		{"a late segment of the last connection to the port", func(s *session) {
			s.reply(227, pasv)
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			transfer(s, true)
			s.cmd("PASV", "")
			s.reply(227, pasv)
			s.seg(dataCli, dataSrv, decode.FlagACK, 1002, 0)
			s.tick(5 * time.Second)
		}, []Outcome{OutcomeTransferred, OutcomeNotAttempted}, 0},
		// A connection to the port the capture saw whole before the 227
		// (another session's, whose own 227 the capture lost; servers
		// hand out their passive ports again): its SYN is not this
		// announcement's, nor are its last segments.
		// On a LAN a whole handshake fits in what two queues reorder.
		{"SYN and SYN-ACK written just before the 227", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.reply(227, pasv)
			transfer(s, false)
		}, []Outcome{OutcomeTransferred}, 1},
		{"a connection to the port before the 227", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
			s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 1000)
			s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 6001, 0)
			s.reply(227, pasv)
			s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
			s.seg(dataSrv, dataCli, decode.FlagACK, 6002, 0)
			s.tick(5 * time.Second)
		}, []Outcome{OutcomeNotAttempted}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			tc.drive(s)
			s.end()
			if len(s.rec.data) != len(tc.want) {
				t.Fatalf("%d data records, want %d", len(s.rec.data), len(tc.want))
			}
			for i, d := range s.rec.data {
				if d.Outcome != tc.want[i] {
					t.Errorf("data #%d: outcome %v, want %v", i+1, d.Outcome, tc.want[i])
				}
			}
			d := s.rec.data[len(s.rec.data)-1]
			if d.SYNs != tc.syns {
				t.Errorf("%d SYNs, want %d", d.SYNs, tc.syns)
			}
			if d.Outcome == OutcomeTransferred && (d.Client != dataCli || d.Match != MatchExact || d.TotalBytes() != 1000 || d.EndReason != EndFIN) {
				t.Errorf("client %v match %v bytes %d end %v", d.Client, d.Match, d.TotalBytes(), d.EndReason)
			}
		})
	}
}

// TestActiveDataPickedUpWithoutItsSYN: in active mode the server connects
// to the address PORT named; with its SYN lost, the client's SYN-ACK from
// that port picks it up.
func TestActiveDataPickedUpWithoutItsSYN(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PORT", "198,51,100,7,195,80")
	s.reply(200, "PORT command successful.")
	s.cmd("RETR", "f")
	from20 := netip.MustParseAddrPort("192.0.2.10:20")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50000")
	s.seg(dataCli, from20, decode.FlagSYN|decode.FlagACK, 9000, 0)
	s.seg(from20, dataCli, decode.FlagACK, 1001, 0)
	s.reply(150, "Opening BINARY mode data connection for f (10 bytes).")
	s.seg(from20, dataCli, decode.FlagACK, 1001, 10)
	s.seg(from20, dataCli, decode.FlagFIN|decode.FlagACK, 1011, 0)
	s.seg(dataCli, from20, decode.FlagFIN|decode.FlagACK, 9001, 0)
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Outcome != OutcomeTransferred || d.Client != from20 || d.Server != dataCli || d.SYNs != 0 || d.TotalBytes() != 10 {
		t.Errorf("outcome %v, %v -> %v, %d SYNs, %d bytes", d.Outcome, d.Client, d.Server, d.SYNs, d.TotalBytes())
	}
}

// TestTLSReadOnDataPickedUpWithoutItsSYN: the TLS hellos of a protected
// data connection whose SYN the capture missed are read from where the
// segment that picked it up says the opener's bytes begin (its SYN-ACK's
// acknowledgment, its handshake ACK): a connection ProFTPD refused after
// the handshake stays connected, handshake only, not transferred.
func TestTLSReadOnDataPickedUpWithoutItsSYN(t *testing.T) {
	for _, synAck := range []bool{true} {
		s := cccSession(t)
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		s.cmd("RETR", "f")
		s.reply(150, "Opening BINARY mode data connection for f")
		a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
		// Each segment acknowledges what the other side sent before it.
		seg := func(src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32, p []byte) {
			s.num++
			s.tick(time.Millisecond)
			s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Payload: p, PayloadLen: len(p)})
		}
		hello := 1001 + uint32(len(fullClientHello))
		fin := 5001 + uint32(len(fullServerHello))
		if synAck {
			seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, nil)
		}
		seg(a, b, decode.FlagACK, 1001, 5001, nil)
		seg(a, b, decode.FlagACK|decode.FlagPSH, 1001, 5001, fullClientHello)
		seg(b, a, decode.FlagACK|decode.FlagPSH, 5001, hello, fullServerHello)
		seg(b, a, decode.FlagFIN|decode.FlagACK, fin, hello, nil)
		seg(a, b, decode.FlagACK, hello, fin+1, nil)
		seg(b, a, decode.FlagRST|decode.FlagACK, fin+1, hello, nil)
		s.reply(425, "Unable to build data connection: Operation not permitted")
		s.end()
		if len(s.rec.data) != 1 {
			t.Fatalf("%d data records, want 1", len(s.rec.data))
		}
		if d := s.rec.data[0]; d.Outcome != OutcomeConnected || !d.TLSHandshakeOnly() || d.SYNs != 0 {
			t.Errorf("picked up by the SYN-ACK %v: outcome %v, handshake only %v, %d SYNs; want connected, handshake only, 0",
				synAck, d.Outcome, d.TLSHandshakeOnly(), d.SYNs)
		}
	}
}

// TestDataNotIdleAfterClockSetBack: a transfer that outlives its session
// is over once quiet for 30 s of packet time; the capture's clock set back
// a minute while it still moves data is not that quiet.
func TestDataNotIdleAfterClockSetBack(t *testing.T) {
	a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	s.cmd("RETR", "f")
	s.seg(a, b, decode.FlagSYN, 1000, 0)
	s.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 0)
	s.seg(a, b, decode.FlagACK, 1001, 0)
	s.reply(150, "Opening BINARY mode data connection for f.")
	s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	s.tick(-time.Minute)
	seq := uint32(5001)
	for range 20 {
		s.seg(b, a, decode.FlagACK, seq, 1000)
		seq += 1000
		s.tick(100 * time.Millisecond)
		s.trk.Tick(s.now)
	}
	if len(s.rec.data) != 0 {
		t.Fatalf("ended while it moved data: %v, %v", s.rec.data[0].Outcome, s.rec.data[0].EndReason)
	}
	s.seg(b, a, decode.FlagFIN|decode.FlagACK, seq, 0)
	s.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, 0)
	s.trk.Finish()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.EndReason != EndFIN || d.TotalBytes() != 20000 {
		t.Errorf("end %v with %d bytes, want fin with 20000", d.EndReason, d.TotalBytes())
	}
}

// runningDownload returns a step of a download from 192.0.2.10:40000 to
// 198.51.100.7:45000 that runs from before the capture: 1,400 bytes and
// their ACK each time it is called.
func runningDownload(s *session) func() {
	old, port := netip.MustParseAddrPort("198.51.100.7:45000"), netip.MustParseAddrPort("192.0.2.10:40000")
	seq := uint32(7000)
	return func() {
		s.seg(port, old, decode.FlagACK, seq, 1400)
		seq += 1400
		s.seg(old, port, decode.FlagACK, 1001, 0)
	}
}

// TestPickUpNeverTakesARunningFlow: a connection already running to a
// passive port before it was announced again (a narrow range, a server
// that reuses its port) is not the new announcement's data connection:
// its segments after the 227 are no start, and the new connection's own
// SYNs, unanswered, still show the firewall failure.
func TestPickUpNeverTakesARunningFlow(t *testing.T) {
	s := newSession(t)
	s.login()
	running := runningDownload(s)
	running()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	running()
	running()
	fresh, port := netip.MustParseAddrPort("198.51.100.7:45010"), netip.MustParseAddrPort("192.0.2.10:40000")
	for range 4 {
		s.seg(fresh, port, decode.FlagSYN, 1000, 0)
		s.tick(2 * time.Second)
	}
	s.cmd("LIST", "")
	s.reply(425, "Failed to establish connection.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Outcome != OutcomeUnanswered || d.Client != fresh || d.SYNs != 4 {
		t.Errorf("outcome %v from %v with %d SYNs; want unanswered from %v with 4", d.Outcome, d.Client, d.SYNs, fresh)
	}
}

// TestPickUpGivenBackOnA425 guards pickUp on the server's word: a server
// that sends its 150 before the client connects (IIS) makes a connection
// of the same client still running to the same passive port look like the
// transfer's; when the server then answers 425, it never opened the data
// connection, so the flow is given back and the announcement reads
// not-attempted, not "transferred" with the other connection's bytes.
func TestPickUpGivenBackOnA425(t *testing.T) {
	s := newSession(t)
	s.login()
	running := runningDownload(s)
	running()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection.")
	for range 5 {
		running()
		s.tick(2 * time.Second)
	}
	s.reply(425, "Can't open data connection.")
	running()
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Outcome != OutcomeNotAttempted || d.TotalBytes() != 0 || d.Match != MatchNone || d.Client.IsValid() {
		t.Errorf("outcome %v with %d bytes from %v, match %v; want not-attempted with none, unmatched", d.Outcome, d.TotalBytes(), d.Client, d.Match)
	}
}

// TestAnswerWrittenBeforeItsSYN: a capture's queues may write the reset
// or ICMP error that refuses a data SYN before the SYN itself (on a LAN
// the answer follows by microseconds): held for a moment, it still
// answers the SYN, which reads refused or unreachable, not unanswered
// with a firewall rule to change.
func TestAnswerWrittenBeforeItsSYN(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name   string
		answer func(s *session, at time.Time)
		want   Outcome
	}{
		{"reset", func(s *session, at time.Time) {
			s.num++
			s.trk.Segment(&decode.Segment{Num: s.num, TS: at, Src: dataSrv, Dst: dataCli, Flags: decode.FlagRST | decode.FlagACK, Ack: 1001})
		}, OutcomeRefused},
		{"ICMP error", func(s *session, at time.Time) {
			s.num++
			s.trk.Unreachable(&decode.Unreachable{Num: s.num, TS: at, From: netip.MustParseAddr("192.0.2.1"), Type: 3, Code: 13, Src: dataCli, Dst: dataSrv, Seq: 1000})
		}, OutcomeUnreachable},
		{"reset to another SYN", func(s *session, at time.Time) {
			s.num++
			s.trk.Segment(&decode.Segment{Num: s.num, TS: at, Src: dataSrv, Dst: dataCli, Flags: decode.FlagRST | decode.FlagACK, Ack: 7001})
		}, OutcomeUnanswered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.tick(time.Millisecond)
			syn := s.now
			tc.answer(s, syn.Add(40*time.Microsecond))
			s.num++
			s.trk.Segment(&decode.Segment{Num: s.num, TS: syn, Src: dataCli, Dst: dataSrv, Flags: decode.FlagSYN, Seq: 1000})
			s.tick(15 * time.Second)
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
		})
	}
}
