package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostAnnouncementAndSYNStillShowTransfer: the capture lost the
// announcement (a 227 in a gap of the server's bytes, or a PORT in a gap
// of the client's) and the data connection's SYN with it; the rest of
// the connection is there, from its SYN-ACK: handshake, 3000 bytes,
// FINs. It is the session's data connection, taken by peers and time as
// for a lost announcement whose SYN the capture holds (MatchAnnounceLost,
// no announcement), tied to the transfer, with its bytes and outcome and
// no SYN counted: whether the gap shows before the SYN-ACK or after it
// (the client's acknowledgment of the lost 227 rides on its RETR, sent
// after the handshake). Before, the SYN-ACK matched nothing and the 3 MB
// transfer of rv-lossy's vs-lost-227-syn1.pcap read as "data: none". A
// SYN-ACK from a port no data connection uses (443), or one long after
// the loss, is not taken.
func TestLostAnnouncementAndSYNStillShowTransfer(t *testing.T) {
	srvData := netip.MustParseAddrPort("192.0.2.10:40053")
	cliData := netip.MustParseAddrPort("198.51.100.7:55878")
	https := netip.MustParseAddrPort("192.0.2.10:443")
	const cliISN, srvISN = 1000, 5000
	for _, tc := range []struct {
		name    string
		passive bool
		gapLate bool // the gap shows after the SYN-ACK (held for it)
		from    netip.AddrPort
		late    bool // the connection comes long after the loss
		want    Outcome
	}{
		{"227 and SYN lost, the gap shows after the handshake", true, true, srvData, false, OutcomeTransferred},
		{"227 and SYN lost, the gap shows before the SYN-ACK", true, false, srvData, false, OutcomeTransferred},
		{"PORT and SYN lost, connected after the RETR", false, false, lpSrvData, false, OutcomeTransferred},
		{"PORT and SYN lost, connected at the PORT itself", false, true, lpSrvData, false, OutcomeTransferred},
		{"227 lost, a SYN-ACK from port 443", true, true, https, false, noneTaken},
		{"227 lost, a SYN-ACK 20 s later", true, false, srvData, true, noneTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			// listener answers the connector's SYN, which the capture
			// lost: the server's passive port, or the client's active one.
			listener, connector := tc.from, cliData
			if !tc.passive {
				listener, connector = lpCliData, tc.from
			}
			handshake := func() {
				s.segAck(listener, connector, decode.FlagSYN|decode.FlagACK, srvISN, cliISN+1, 0)
				s.segAck(connector, listener, decode.FlagACK, cliISN+1, srvISN+1, 0)
			}
			if tc.passive {
				s.cmd("PASV", "")
				if tc.gapLate {
					handshake()
				}
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,117).
				if tc.late {
					s.tick(20 * time.Second)
				}
				s.cmd("RETR", "big.bin")
				if !tc.gapLate {
					handshake()
				}
			} else {
				s.clientGap() // PORT 198,51,100,7,163,105
				if tc.gapLate {
					handshake() // (the server connects at the PORT)
				}
				s.reply(200, "PORT command successful. Consider using PASV.")
				s.cmd("RETR", "big.bin")
				if !tc.gapLate {
					handshake()
				}
			}
			s.reply(150, "Opening BINARY mode data connection for big.bin (3000 bytes).")
			sender, receiver := listener, connector // the file comes from the server
			snd, rcv := uint32(srvISN), uint32(cliISN)
			if !tc.passive {
				sender, receiver, snd, rcv = connector, listener, cliISN, srvISN
			}
			for i := range 3 {
				s.segAck(sender, receiver, decode.FlagACK|decode.FlagPSH, snd+1+uint32(i)*1000, rcv+1, 1000)
			}
			s.segAck(sender, receiver, decode.FlagFIN|decode.FlagACK, snd+3001, rcv+1, 0)
			s.segAck(receiver, sender, decode.FlagFIN|decode.FlagACK, rcv+1, snd+3002, 0)
			s.reply(226, "Transfer complete.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if tc.want == noneTaken {
				for _, d := range s.rec.data {
					t.Errorf("data connection %v -> %v reported (%v, %v); want none", d.Client, d.Server, d.Match, d.Outcome)
				}
				return
			}
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.Match != MatchAnnounceLost || d.Passive != tc.passive || d.Client != connector || d.Server != listener {
				t.Errorf("data connection %v -> %v (%v, %v, passive %v); want %v -> %v %v, announcement-lost, passive %v",
					d.Client, d.Server, d.Match, d.Outcome, d.Passive, connector, listener, tc.want, tc.passive)
			}
			if d.TotalBytes() != 3000 || d.SYNs != 0 || d.SynAckTS.IsZero() {
				t.Errorf("bytes %v, %d SYNs, SYN-ACK at %v; want 3000 bytes, no SYN, the SYN-ACK", d.Bytes, d.SYNs, d.SynAckTS)
			}
			if d.Command == nil || d.Command.Verb != "RETR" || d.Announce != nil && d.Announce.Verb != "PASV" {
				t.Errorf("tied to %v, announced by %v; want the RETR, no announcement seen", d.Command, d.Announce)
			}
		})
	}
}

// TestHeldSYNACKsCountedApart guards the count of SYN-ACKs held as the
// SYN the capture lost (holdUnseen) that newer ones pushed out: they are
// not SYNs, and a capture of connections whose SYNs were all lost (a
// busy host's 20,000 SYN-ACKs) read "19984 SYNs held ... pushed out",
// the capture holding none. They count in SYNACKsHeldOverwritten.
func TestHeldSYNACKsCountedApart(t *testing.T) {
	s := newSession(t)
	s.login()
	srv := netip.MustParseAddrPort("192.0.2.10:8443")
	for i := range 40 {
		cli := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), uint16(50000+i))
		s.segAck(srv, cli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	}
	lim := s.trk.Limits()
	if lim.SYNsHeldOverwritten != 0 {
		t.Errorf("SYNsHeldOverwritten = %d, want 0: the capture holds no SYN", lim.SYNsHeldOverwritten)
	}
	if lim.SYNACKsHeldOverwritten == 0 {
		t.Errorf("SYNACKsHeldOverwritten = 0 after 40 SYN-ACKs in a ring of %d", maxHeldSYNs)
	}
}
