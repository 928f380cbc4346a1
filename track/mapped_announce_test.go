package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestIPv4MappedAnnouncementMatchesExactly guards an endpoint announced as
// an IPv4-mapped IPv6 address (EPRT |2|::ffff:a.b.c.d|, a 229 that names
// one): it is a.b.c.d, the data connection goes there over IPv4, and it
// matches exactly. It was compared as another address, so the connection
// was matched by the control connection's address, as if the client or
// server had ignored what was announced.
func TestIPv4MappedAnnouncementMatchesExactly(t *testing.T) {
	for _, tc := range []struct {
		name          string
		verb, arg     string
		code          int
		text          string
		from, to      netip.AddrPort
		wantAnnounced netip.AddrPort
	}{
		{"EPRT", "EPRT", "|2|::ffff:198.51.100.7|50010|", 200, "EPRT command successful.",
			netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:50010"), netip.MustParseAddrPort("198.51.100.7:50010")},
		{"229 with an address", "EPSV", "", 229, "Entering Extended Passive Mode (|2|::ffff:192.0.2.10|40600|)",
			netip.MustParseAddrPort("198.51.100.7:50011"), netip.MustParseAddrPort("192.0.2.10:40600"), netip.MustParseAddrPort("192.0.2.10:40600")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			s.reply(220, "(vsFTPd 3.0.3)")
			s.login()
			s.cmd(tc.verb, tc.arg)
			s.reply(tc.code, tc.text)
			s.segAck(tc.from, tc.to, decode.FlagSYN, 1000, 0, 0)
			s.segAck(tc.to, tc.from, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(tc.from, tc.to, decode.FlagACK, 1001, 5001, 0)
			s.end()
			if len(rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(rec.data))
			}
			dc := rec.data[0]
			if dc.Announced != tc.wantAnnounced || dc.Match != MatchExact {
				t.Errorf("announced %v, match %v; want %v, exact", dc.Announced, dc.Match, tc.wantAnnounced)
			}
		})
	}
}
