package decode

import (
	"net/netip"
	"testing"
	"time"
)

// skewHandshakes feeds n handshakes across two interfaces to c: SYN and
// last ACK on interface 0, SYN/ACK on interface 1, whose clock runs off
// ahead; 1 ms from packet to packet in true time.
func feedSkewHandshakes(c *clockSkew, n int, off time.Duration) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		cli := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(50000+i))
		srv := netip.MustParseAddrPort("192.0.2.10:21")
		at := t0.Add(time.Duration(i) * time.Minute)
		c.segment(&Segment{TS: at, Src: cli, Dst: srv, Seq: 100, Flags: FlagSYN}, 0)
		c.segment(&Segment{TS: at.Add(time.Millisecond + off), Src: srv, Dst: cli, Seq: 500, Ack: 101, Flags: FlagSYN | FlagACK}, 1)
		c.segment(&Segment{TS: at.Add(2 * time.Millisecond), Src: cli, Dst: srv, Seq: 101, Ack: 501, Flags: FlagACK}, 0)
	}
}

// TestClockSkewThinEvidenceSaidNotCorrected: handshakes that show an
// interface's clock 2 s ahead are said from the first; its stamps are
// corrected only once skewEvidence of them agree, by the middle of what
// they allow.
func TestClockSkewThinEvidenceSaidNotCorrected(t *testing.T) {
	var c clockSkew
	feedSkewHandshakes(&c, skewEvidence-1, 2*time.Second)
	ts := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if got := c.correct(1, ts, 10); !got.Equal(ts) {
		t.Errorf("corrected on %d handshakes: %v", skewEvidence-1, got)
	}
	sk := c.skews()
	if len(sk) != 1 || sk[0].Corrected || sk[0].Offset <= 0 {
		t.Fatalf("thin evidence not said as such: %+v", sk)
	}
	feedSkewHandshakes(&c, 1, 2*time.Second)
	if got := c.correct(1, ts, 11); !got.Equal(ts.Add(-2 * time.Second)) {
		t.Errorf("not corrected by 2 s: %v", got)
	}
	sk = c.skews()
	if len(sk) != 1 || !sk[0].Corrected || sk[0].Applied != 2*time.Second || sk[0].FromPacket != 11 {
		t.Errorf("correction not said: %+v", sk)
	}
}

// TestClockSkewAgreeingClocksSilent: clocks that agree (or differ by less
// than a round trip) leave zero within every handshake's bounds: nothing
// said or corrected.
func TestClockSkewAgreeingClocksSilent(t *testing.T) {
	for _, off := range []time.Duration{0, 500 * time.Microsecond, -500 * time.Microsecond} {
		var c clockSkew
		feedSkewHandshakes(&c, 10, off)
		if sk := c.skews(); len(sk) != 0 || c.widest != 0 {
			t.Errorf("offset %v: %+v", off, sk)
		}
	}
}

// TestClockSkewBoundedState: handshakes never completed (a scan's SYNs)
// take no more than the ring.
func TestClockSkewBoundedState(t *testing.T) {
	var c clockSkew
	for i := range 1000 {
		cli := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(1000+i))
		c.segment(&Segment{TS: time.Unix(int64(i), 0), Src: cli, Dst: netip.MustParseAddrPort("192.0.2.10:21"), Flags: FlagSYN}, 0)
	}
	if c.open != skewHandshakes {
		t.Errorf("%d slots open, ring of %d", c.open, skewHandshakes)
	}
}
