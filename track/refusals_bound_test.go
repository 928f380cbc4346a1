package track

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestRefusalsPastTheBoundAreCounted: the RST that answered a data SYN
// the capture lost is kept for its announcement while that waits, for at
// most maxRefusals announcements at once. One more is left out, and
// counted (Limits.RefusalsNotKept), not dropped in silence: its
// announcement reads not attempted instead of refused.
func TestRefusalsPastTheBoundAreCounted(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{})
	now, num := t0, uint64(0)
	next := func() {
		now = now.Add(time.Millisecond)
		num++
	}
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	type conn struct{ cli, data netip.AddrPort }
	var conns []conn
	for i := range maxRefusals + 1 {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000)
		data := netip.AddrPortFrom(srv.Addr(), uint16(30000+i))
		conns = append(conns, conn{cli, data})
		ctl := func(e decode.ControlEvent) {
			next()
			e.Num, e.TS, e.Client, e.Server = num, now, cli, srv
			trk.Control(&e)
		}
		ctl(decode.ControlEvent{Kind: decode.ControlOpen})
		ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PASV"}})
		text := fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", data.Port()>>8, data.Port()&0xff)
		ap, form, err := ftp.ParsePASV(text)
		ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 227, Text: text},
			Endpoint: decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}, EndpointErr: err})
		// The refusal of a SYN the capture lost.
		next()
		rst := decode.Segment{Num: num, TS: now, Src: data, Dst: netip.AddrPortFrom(cli.Addr(), 50001), Flags: ackRST, Ack: 7778}
		trk.Segment(&rst)
	}
	if got := trk.Limits().RefusalsNotKept; got != 1 {
		t.Errorf("RefusalsNotKept %d, want 1", got)
	}
	for _, c := range conns {
		next()
		trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, Num: num, TS: now, Client: c.cli, Server: srv})
	}
	trk.Finish()
	refused := 0
	for _, d := range rec.data {
		if d.Outcome == OutcomeRefused {
			refused++
		}
	}
	if len(rec.data) != maxRefusals+1 || refused != maxRefusals {
		t.Errorf("%d data records, %d refused; want %d, %d", len(rec.data), refused, maxRefusals+1, maxRefusals)
	}
}
