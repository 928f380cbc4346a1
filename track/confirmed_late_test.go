package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestDataBeforeTheSessionWasConfirmed guards the data connection of a
// session decode confirms only after a few exchanges (one on another port
// than 21, found by its content): the whole connection, handshake, bytes
// and FINs, runs before the session exists, and the session that claims
// its handshake (adoptEarly) gets what it carried too, in the order it
// came: transferred and ended by FIN, not "connected, no payload" ended
// by the capture's end. Past the bound of what is held after a handshake
// the FINs, kept as the newest, still prove the bytes, and what was
// pushed out is counted; segments of other traffic are not held (to a
// privileged port), or not counted when pushed out (a connection between
// other hosts' data ports, which no session claims).
func TestDataBeforeTheSessionWasConfirmed(t *testing.T) {
	a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40007")
	web, webSrv := netip.MustParseAddrPort("198.51.100.7:50002"), netip.MustParseAddrPort("192.0.2.10:443")
	upnp, upnpSrv := netip.MustParseAddrPort("203.0.113.1:2330"), netip.MustParseAddrPort("203.0.113.13:2869")
	for _, tc := range []struct {
		name      string
		segs      int // data segments of 1,000 bytes, server to client
		other     int // segments of a web connection between the same hosts
		upnp      int // segments between other hosts' data ports, before
		rst       bool
		end       EndReason
		evicted   int // the ACK, the data segments and the FINs past maxEarlyLater
		wantBytes int64
	}{
		{"a small transfer", 3, 0, 0, false, EndFIN, 0, 3000},
		{"ended by an RST after its bytes", 3, 0, 0, true, EndRST, 0, 3000},
		{"other traffic is not held", 3, 2 * maxEarlyLater, 0, false, EndFIN, 0, 3000},
		{"other hosts' connections pushed out are not counted", 3, 0, 2 * maxEarlyLater, false, EndFIN, 0, 3000},
		{"more than the bound holds", maxEarlyLater + 20, 0, 0, false, EndFIN, 20 + 3, (maxEarlyLater + 20) * 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.segAck(upnp, upnpSrv, decode.FlagSYN, 1, 0, 0)
			s.segAck(upnpSrv, upnp, decode.FlagSYN|decode.FlagACK, 100, 2, 0)
			for i := range tc.upnp {
				s.segAck(upnp, upnpSrv, decode.FlagACK, 2+uint32(i*100), 101, 100)
			}
			s.seg(web, webSrv, decode.FlagSYN, 1, 0)
			s.segAck(webSrv, web, decode.FlagSYN|decode.FlagACK, 100, 2, 0)
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			for i := range tc.segs {
				s.segAck(b, a, decode.FlagACK, 5001+uint32(i*1000), 1001, 1000)
				if i < tc.other {
					s.segAck(webSrv, web, decode.FlagACK, 101+uint32(i*1000), 2, 1000)
				}
			}
			for i := tc.segs; i < tc.other; i++ {
				s.segAck(webSrv, web, decode.FlagACK, 101+uint32(i*1000), 2, 1000)
			}
			end := 5001 + uint32(tc.segs*1000)
			if tc.rst {
				s.segAck(b, a, decode.FlagRST|decode.FlagACK, end, 1001, 0)
			} else {
				s.segAck(b, a, decode.FlagFIN|decode.FlagACK, end, 1001, 0)
				s.segAck(a, b, decode.FlagFIN|decode.FlagACK, 1001, end+1, 0)
			}
			s.tick(time.Second)
			// Confirmed now: decode reports the session from the RETR on.
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
			s.cmd("RETR", "f")
			s.reply(150, "Opening BINARY mode data connection.")
			s.reply(226, "Transfer complete.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data connections, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Match != MatchInferred || d.Client != a || d.EndReason != tc.end || d.TotalBytes() != tc.wantBytes {
				t.Errorf("match %v client %v end %v bytes %d; want inferred, %v, %v, %d", d.Match, d.Client, d.EndReason, d.TotalBytes(), a, tc.end, tc.wantBytes)
			}
			if !tc.rst && d.Outcome != OutcomeTransferred {
				t.Errorf("outcome %v, want transferred", d.Outcome)
			}
			if got := s.trk.Limits().EarlyLaterOverwritten; got != tc.evicted {
				t.Errorf("EarlyLaterOverwritten %d, want %d", got, tc.evicted)
			}
		})
	}
}
