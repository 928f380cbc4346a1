package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// payloadRecorder wants every connection and writes each direction's
// stream as text: bytes as they are, a gap as "[gap N]".
type payloadRecorder struct {
	recorder
	streams map[string]*strings.Builder
	asked   int
	refuse  bool // WantPayload says no
}

func (p *payloadRecorder) WantPayload(src, dst netip.AddrPort) bool { p.asked++; return !p.refuse }

func (p *payloadRecorder) stream(src, dst netip.AddrPort) *strings.Builder {
	k := src.String() + ">" + dst.String()
	if p.streams[k] == nil {
		p.streams[k] = &strings.Builder{}
	}
	return p.streams[k]
}

func (p *payloadRecorder) DataBytes(src, dst netip.AddrPort, b []byte) { p.stream(src, dst).Write(b) }
func (p *payloadRecorder) DataGap(src, dst netip.AddrPort, n int64) {
	if back, ok := GapConflictBack(n); ok {
		p.stream(src, dst).WriteString("[differs " + itoa(int(back)) + " back]")
		return
	}
	switch n {
	case GapStartUnknown:
		p.stream(src, dst).WriteString("[start unknown]")
		return
	case GapGivenUp:
		p.stream(src, dst).WriteString("[given up]")
		return
	}
	p.stream(src, dst).WriteString("[gap " + itoa(int(n)) + "]")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

var (
	dataCli = netip.MustParseAddrPort("192.0.2.1:50001")
	dataSrv = netip.MustParseAddrPort("192.0.2.10:40000")
)

// dataConv is a data connection fed straight to a decoder.
func dataConv(t *testing.T, d *Decoder, c, s netip.AddrPort) *conv {
	return &conv{t: t, d: d, c: c, s: s, cseq: 1000, sseq: 5000, ts: convT0}
}

// TestPayloadOrderedWithGaps guards the data-connection reassembly
// behind --extract: out-of-order bytes come out in order, a segment the
// capture lost is a gap of its exact length at its place, and bytes lost
// before the FIN are a gap at the end (not a shorter file).
func TestPayloadOrderedWithGaps(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true})
	v := dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	seq := v.sseq
	v.send(v.s, v.c, seq+5, v.cseq, FlagACK, "fghij") // ahead of a hole
	v.send(v.s, v.c, seq, v.cseq, FlagACK, "abcde")   // fills it
	// 10 bytes lost ("klmnopqrst"), then more, acknowledged past the hole.
	v.send(v.s, v.c, seq+20, v.cseq, FlagACK, "uvwxy")
	v.send(v.c, v.s, v.cseq, seq+25, FlagACK, "")
	// The last 3 bytes are lost too; the FIN tells where the stream ended.
	v.send(v.s, v.c, seq+28, v.cseq, FlagACK|FlagFIN, "")
	v.send(v.c, v.s, v.cseq, seq+29, FlagACK|FlagFIN, "")
	d.Finish()
	got := h.stream(dataSrv, dataCli).String()
	if want := "abcdefghij[gap 10]uvwxy[gap 3]"; got != want {
		t.Errorf("stream = %q, want %q", got, want)
	}
	if n := len(d.pay.conns); n != 0 {
		t.Errorf("%d connections left in the table after both FINs", n)
	}
	st := d.PayloadStats()
	if st.Conns != 1 || st.Bytes != 15 || st.Gaps != 2 || st.GapBytes != 13 {
		t.Errorf("stats = %+v", st)
	}
}

// TestPayloadOffWithoutOption: without Options.DataPayload the handler is
// never asked and nothing is followed (the default stays header-only).
func TestPayloadOffWithoutOption(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{})
	v := dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	v.srv("hello")
	d.Finish()
	if h.asked != 0 || len(h.streams) != 0 || d.pay != nil {
		t.Errorf("payload followed without the option: asked %d, streams %d", h.asked, len(h.streams))
	}
}

// TestPayloadTableBounded: past MaxPayloadConns a newcomer is refused
// (counted once) while the connections followed are still sending; they
// are delivered whole.
func TestPayloadTableBounded(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true, MaxPayloadConns: 2})
	var convs []*conv
	for i := range 3 {
		c := netip.AddrPortFrom(dataCli.Addr(), uint16(50010+i))
		v := dataConv(t, d, c, dataSrv)
		v.handshake()
		v.srv("x")
		convs = append(convs, v)
	}
	d.Finish()
	if st := d.PayloadStats(); st.Refused != 1 || st.Evicted != 0 || st.Conns != 2 {
		t.Errorf("stats = %+v, want 2 followed, 1 refused", st)
	}
	if got := h.stream(dataSrv, convs[0].c).String(); got != "x" {
		t.Errorf("oldest stream = %q", got)
	}
	if got := h.stream(dataSrv, convs[2].c).String(); got != "" {
		t.Errorf("refused stream = %q", got)
	}
}

// TestPayloadSegmentAllocs: an in-order data segment of a followed
// connection allocates nothing.
func TestPayloadSegmentAllocs(t *testing.T) {
	h := &countingPayload{}
	d := New(h, Options{DataPayload: true})
	v := dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	payload := make([]byte, 100)
	seq := v.sseq
	frames := make([][]byte, 200)
	for i := range frames {
		frames[i] = convFrame(t, dataSrv, dataCli, seq+uint32(i*100), v.cseq, FlagACK, payload)
	}
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		f := frames[i]
		i++
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per data segment", allocs)
	}
	if h.bytes != 100*int64(i) {
		t.Errorf("%d bytes delivered, want %d", h.bytes, 100*i)
	}
}

// countingPayload is a Handler that keeps nothing: it counts bytes.
type countingPayload struct{ bytes int64 }

func (*countingPayload) Segment(*Segment)                                {}
func (*countingPayload) Unreachable(*Unreachable)                        {}
func (*countingPayload) Control(*ControlEvent)                           {}
func (*countingPayload) Tick(time.Time)                                  {}
func (*countingPayload) Finish()                                         {}
func (*countingPayload) WantPayload(netip.AddrPort, netip.AddrPort) bool { return true }
func (c *countingPayload) DataBytes(_, _ netip.AddrPort, b []byte)       { c.bytes += int64(len(b)) }
func (*countingPayload) DataGap(netip.AddrPort, netip.AddrPort, int64)   {}
