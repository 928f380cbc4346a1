package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestFlushThatEndsTheSessionPanicsNot: a session picked up at the
// server's FIN, whose client bytes wait behind a hole: at the capture's
// end the skip over the hole delivers them and the client's FIN, which
// ends the session by its FINs inside the close for the capture's end;
// that close went on with a removed connection and panicked (nil
// pointer in controlConn.opening). Four packets of a lossy capture with
// the client's side 10 ms late (fix-skew's caps/panic/min.pcap).
func TestFlushThatEndsTheSessionPanicsNot(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.99.0.2:53552"), netip.MustParseAddrPort("10.99.0.1:21")
	rec := &recorder{}
	d := New(rec, Options{})
	ts := time.Date(2026, 12, 3, 1, 10, 9, 0, time.UTC)
	for _, p := range []struct {
		src, dst netip.AddrPort
		seq, ack uint32
		fl       TCPFlags
		text     string
		at       time.Duration
	}{
		{srv, cli, 961168100, 1306831537, FlagACK | FlagFIN, "", 0},
		{cli, srv, 1306831451, 961167840, FlagACK | FlagPSH, "PORT 10,99,0,2,176,191\r\n", 5839 * time.Microsecond},
		{cli, srv, 1306831530, 961168086, FlagACK | FlagPSH, "QUIT\r\n", 8718 * time.Microsecond},
		{cli, srv, 1306831536, 961168100, FlagACK | FlagFIN, "", 8867 * time.Microsecond},
	} {
		f := convFrame(t, p.src, p.dst, p.seq, p.ack, p.fl, []byte(p.text))
		d.Decode(f, gopacket.CaptureInfo{Timestamp: ts.Add(p.at), CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	}
	d.Finish()
	if n := convClientount(rec, ControlClose); n != 1 {
		t.Errorf("%d ControlClose events, want 1", n)
		dumpEvents(t, rec)
	}
}
