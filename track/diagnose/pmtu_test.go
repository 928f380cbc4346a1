package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// pmtuDriver feeds a tracker, whose sink is a Diagnoser, one passive
// session's control events, data segments and ICMP errors.
type pmtuDriver struct {
	trk      *track.Tracker
	now      time.Time
	num      uint64
	cli, srv netip.AddrPort
}

func (p *pmtuDriver) next() {
	p.num++
	p.now = p.now.Add(time.Millisecond)
}

func (p *pmtuDriver) ctl(e decode.ControlEvent) {
	p.next()
	e.Num, e.TS, e.Client, e.Server = p.num, p.now, p.cli, p.srv
	p.trk.Control(&e)
}

func (p *pmtuDriver) cmd(verb, arg string) {
	p.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: verb, Arg: arg}})
}

func (p *pmtuDriver) reply(code int, text string) {
	e := decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: code, Text: text}}
	if code == 229 {
		a, port, err := ftp.ParseEPSV(text)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaEPSV, Addr: netip.AddrPortFrom(a, port)}, err
	}
	p.ctl(e)
}

func (p *pmtuDriver) seg(src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32, n int) {
	p.next()
	s := decode.Segment{Num: p.num, TS: p.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Payload: make([]byte, n), PayloadLen: n}
	p.trk.Segment(&s)
}

func (p *pmtuDriver) icmp(from netip.Addr, v6 bool, typ, code uint8, src, dst netip.AddrPort, seq, mtu uint32) {
	p.next()
	u := decode.Unreachable{Num: p.num, TS: p.now, From: from, V6: v6, Type: typ, Code: code, Src: src, Dst: dst, Seq: seq, MTU: mtu}
	p.trk.Unreachable(&u)
}

// TestPMTUBlackHoleFinding guards the pmtu-blackhole finding: a download
// whose server sends the same 1440-byte segment again and again, each
// copy drawing a router's ICMP fragmentation needed (ICMPv6 Packet Too
// Big) that the capture shows on its way to the server, while the client
// acknowledges nothing, is an error naming the router, the MTU, and the
// fix (let the errors reach the server; clamp the MSS on the router). A
// server that honours the error (sends the data again smaller, which is
// acknowledged) raises nothing. Before, the errors were dropped and the
// transfer read as "transferred: 1440 bytes", the data connection worked.
// Nor does one error the capture holds twice (a capture with -i any on a
// router, a mirror port fed twice) about a segment the server then sent
// again smaller, the capture cut before the client's ACK: before, the
// copy read as the segment sent again as large, a black hole, and the
// transfer as connected.
func TestPMTUBlackHoleFinding(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v6        bool
		honoured  bool
		want      bool
		contains  []string
		mtu       uint32
		cli, srv  string
		router    string
		typ, code uint8
		copies    int  // of each error (0: 1)
		cut       bool // honoured: the capture ends before the client's ACK
	}{
		{"IPv4 black hole", false, false, true, []string{"10.1.0.1", "MTU 1400", "ICMP type 3 code 4", "server", "--clamp-mss-to-pmtu", "maxseg size set rt mtu", "fragmentation-needed", "1360", "segments of more than 1360 bytes"},
			1400, "10.1.0.2:50000", "192.0.2.10:21", "10.1.0.1", 3, 4, 0, false},
		{"IPv6 black hole", true, false, true, []string{"2001:db8:1::1", "MTU 1280", "ICMPv6 type 2", "RFC 4890", "packet-too-big", "1220", "segments of more than 1220 bytes"},
			1280, "[2001:db8:1::2]:50000", "[2001:db8:2::10]:21", "2001:db8:1::1", 2, 0, 0, false},
		{"IPv4 honoured", false, true, false, nil, 1400, "10.1.0.2:50000", "192.0.2.10:21", "10.1.0.1", 3, 4, 0, false},
		{"IPv6 honoured", true, true, false, nil, 1280, "[2001:db8:1::2]:50000", "[2001:db8:2::10]:21", "2001:db8:1::1", 2, 0, 0, false},
		{"IPv4 honoured, the error seen twice, cut before the ACK", false, true, false, nil, 1400, "10.1.0.2:50000", "192.0.2.10:21", "10.1.0.1", 3, 4, 2, true},
		{"IPv6 honoured, the error seen twice, cut before the ACK", true, true, false, nil, 1280, "[2001:db8:1::2]:50000", "[2001:db8:2::10]:21", "2001:db8:1::1", 2, 0, 2, true},
		{"IPv4 black hole, each error seen twice", false, false, true, []string{"10.1.0.1", "MTU 1400", "6 errors", "5 times"},
			1400, "10.1.0.2:50000", "192.0.2.10:21", "10.1.0.1", 3, 4, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			p := &pmtuDriver{trk: track.New(d, track.Options{}), now: t0, cli: ap(tc.cli), srv: ap(tc.srv)}
			dcli := netip.AddrPortFrom(p.cli.Addr(), 51000)
			dsrv := netip.AddrPortFrom(p.srv.Addr(), 40001)
			router := netip.MustParseAddr(tc.router)
			const cisn, sisn = 777000, 888000
			p.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			p.reply(220, "(vsFTPd 3.0.5)")
			p.cmd("USER", "ftp")
			p.reply(331, "Please specify the password.")
			p.cmd("PASS", "x@y")
			p.reply(230, "Login successful.")
			p.cmd("EPSV", "")
			p.reply(229, "Entering Extended Passive Mode (|||40001|)")
			p.seg(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			p.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
			p.cmd("RETR", "big.bin")
			p.reply(150, "Opening BINARY mode data connection for big.bin (2000 bytes).")
			if tc.honoured {
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
				for range max(tc.copies, 1) {
					p.icmp(router, tc.v6, tc.typ, tc.code, dsrv, dcli, sisn+1, tc.mtu)
				}
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1200)
				if tc.cut {
					p.seg(dsrv, dcli, decode.FlagACK, sisn+1201, cisn+1, 800)
					p.trk.Finish()
					if f := c.find(CodePMTUBlackHole); f != nil {
						t.Fatalf("pmtu-blackhole for a server that honoured the error: %s", f.Message)
					}
					var d *track.DataConn
					for _, f := range c.fs {
						if f.Session != nil && len(f.Session.Data) == 1 {
							d = f.Session.Data[0]
						}
					}
					if d == nil || d.Outcome != track.OutcomeTransferred {
						t.Fatalf("data connection %+v, want transferred; findings: %v", d, codesOf(c))
					}
					return
				}
				p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1201, 0)
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1201, cisn+1, 800)
				p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+2001, 0)
				p.seg(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+2001, cisn+1, 0)
				p.seg(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+2002, 0)
				p.reply(226, "Transfer complete.")
			} else {
				for i := 0; i < 6; i++ {
					p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
					for range max(tc.copies, 1) {
						p.icmp(router, tc.v6, tc.typ, tc.code, dsrv, dcli, sisn+1, tc.mtu)
					}
					p.now = p.now.Add(time.Duration(200<<i) * time.Millisecond)
				}
				p.cmd("ABOR", "")
				p.seg(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, sisn+1, 0)
				p.reply(426, "Failure writing network stream.")
				p.reply(226, "Abort successful")
			}
			p.cmd("QUIT", "")
			p.reply(221, "Goodbye.")
			p.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			p.trk.Finish()
			f := c.find(CodePMTUBlackHole)
			if !tc.want {
				if f != nil {
					t.Fatalf("pmtu-blackhole for a server that honoured the error: %s", f.Message)
				}
				return
			}
			if f == nil {
				t.Fatalf("no pmtu-blackhole; findings: %v", codesOf(c))
			}
			if f.Severity != SeverityError || f.Data == nil || f.Data.Outcome != track.OutcomeConnected {
				t.Errorf("severity %v, data %v", f.Severity, f.Data)
			}
			all := f.Message + "\n" + f.Evidence + "\n" + f.Advice
			for _, w := range tc.contains {
				if !strings.Contains(all, w) {
					t.Errorf("%q missing from\n%s", w, all)
				}
			}
		})
	}
}

// TestPMTUBlackHoleOffloadedSegments guards the pmtu-blackhole finding on
// a capture whose segments are larger than any 1500-byte link carries
// (taken on a server with segmentation offload, TSO/GSO): their sizes
// are not the wire's. A server that honours a Packet Too Big (MTU 1400)
// and sends its data again in GSO chunks of two 1348-byte segments,
// captured as 2696-byte segments, the capture cut before the client's
// ACK, raises nothing: before, the 2696 bytes read as more than the MTU
// leaves room for, the server as sending as large, a black hole, and the
// transfer as connected. A server that ignores the errors still raises
// it, on the router's evidence: it quotes the resent data again each
// time.
func TestPMTUBlackHoleOffloadedSegments(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v6       bool
		honoured bool
		contains []string
	}{
		{"IPv4 honoured, resent in GSO chunks, cut before the ACK", false, true, nil},
		{"IPv6 honoured, resent in GSO chunks, cut before the ACK", true, true, nil},
		{"IPv4 ignored: the super-segment resent, quoted again", false, false, []string{"10.1.0.1", "MTU 1400", "5 errors", "larger than a 1500-byte link carries", "quoted again by the router 4 times"}},
		{"IPv6 ignored: the super-segment resent, quoted again", true, false, []string{"2001:db8:1::1", "MTU 1400", "5 errors", "larger than a 1500-byte link carries", "quoted again by the router 4 times"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv, router, typ, code := "10.1.0.2:50000", "192.0.2.10:21", "10.1.0.1", uint8(3), uint8(4)
			if tc.v6 {
				cli, srv, router, typ, code = "[2001:db8:1::2]:50000", "[2001:db8:2::10]:21", "2001:db8:1::1", 2, 0
			}
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			p := &pmtuDriver{trk: track.New(d, track.Options{}), now: t0, cli: ap(cli), srv: ap(srv)}
			dcli := netip.AddrPortFrom(p.cli.Addr(), 51000)
			dsrv := netip.AddrPortFrom(p.srv.Addr(), 40001)
			from := netip.MustParseAddr(router)
			const cisn, sisn = 777000, 888000
			p.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			p.reply(220, "(vsFTPd 3.0.5)")
			p.cmd("USER", "ftp")
			p.reply(331, "Please specify the password.")
			p.cmd("PASS", "x@y")
			p.reply(230, "Login successful.")
			p.cmd("EPSV", "")
			p.reply(229, "Entering Extended Passive Mode (|||40001|)")
			p.cmd("RETR", "big.bin")
			p.seg(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			p.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
			p.reply(150, "Opening BINARY mode data connection for big.bin (8688 bytes).")
			for i := uint32(0); i < 3; i++ {
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1+i*2896, cisn+1, 2896)
			}
			// The router quotes the first on-wire segment.
			p.icmp(from, tc.v6, typ, code, dsrv, dcli, sisn+1, 1400)
			if tc.honoured {
				for i := uint32(0); i < 3; i++ {
					p.seg(dsrv, dcli, decode.FlagACK, sisn+1+i*2696, cisn+1, 2696)
				}
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1+3*2696, cisn+1, 600)
				p.trk.Finish()
				if f := c.find(CodePMTUBlackHole); f != nil {
					t.Fatalf("pmtu-blackhole for a server that honoured the error: %s", f.Message)
				}
				var d *track.DataConn
				for _, f := range c.fs {
					if f.Session != nil && len(f.Session.Data) == 1 {
						d = f.Session.Data[0]
					}
				}
				if d == nil || d.Outcome != track.OutcomeTransferred {
					t.Fatalf("data connection %+v, want transferred; findings: %v", d, codesOf(c))
				}
				return
			}
			for i := 0; i < 4; i++ {
				p.now = p.now.Add(time.Duration(200<<i) * time.Millisecond)
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 2896)
				p.icmp(from, tc.v6, typ, code, dsrv, dcli, sisn+1, 1400)
			}
			p.cmd("ABOR", "")
			p.seg(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, sisn+1, 0)
			p.reply(426, "Failure writing network stream.")
			p.reply(226, "Abort successful")
			p.cmd("QUIT", "")
			p.reply(221, "Goodbye.")
			p.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			p.trk.Finish()
			f := c.find(CodePMTUBlackHole)
			if f == nil {
				t.Fatalf("no pmtu-blackhole; findings: %v", codesOf(c))
			}
			if f.Severity != SeverityError || f.Data == nil || f.Data.Outcome != track.OutcomeConnected {
				t.Errorf("severity %v, data %v", f.Severity, f.Data)
			}
			all := f.Message + "\n" + f.Evidence + "\n" + f.Advice
			for _, w := range tc.contains {
				if !strings.Contains(all, w) {
					t.Errorf("%q missing from\n%s", w, all)
				}
			}
		})
	}
}
