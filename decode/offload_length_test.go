package decode

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// offloadSegLog keeps each segment's length on the wire and the payload
// bytes handed over.
type offloadSegLog struct {
	wire, held []int
	last       byte // the payload's last byte, of the last segment
}

func (l *offloadSegLog) Segment(s *Segment) {
	l.wire, l.held = append(l.wire, s.PayloadLen), append(l.held, len(s.Payload))
	if len(s.Payload) > 0 {
		l.last = s.Payload[len(s.Payload)-1]
	}
}
func (l *offloadSegLog) Unreachable(*Unreachable) {}
func (l *offloadSegLog) Control(*ControlEvent)    {}
func (l *offloadSegLog) Tick(time.Time)           {}
func (l *offloadSegLog) Finish()                  {}

// offloadFrame is an Ethernet frame of a TCP segment of n payload bytes
// (each 0x5a) whose IP length field is set to ipLen (IPv4: total length;
// IPv6: payload length), then trailer appended after the IP packet.
func offloadFrame(t *testing.T, v6 bool, n, ipLen int, trailer []byte) []byte {
	t.Helper()
	src, dst := tunInner4Src, tunInner4Dst
	if v6 {
		src, dst = tunInner6Src, tunInner6Dst
	}
	pkt := innerTCP(t, src, dst, n)
	for i := len(pkt) - n; i < len(pkt); i++ {
		pkt[i] = 0x5a
	}
	if v6 {
		binary.BigEndian.PutUint16(pkt[4:], uint16(ipLen))
	} else {
		binary.BigEndian.PutUint16(pkt[2:], uint16(ipLen))
		pkt[10], pkt[11] = 0, 0
		binary.BigEndian.PutUint16(pkt[10:], ipv4Checksum(pkt[:20]))
	}
	return append(ethernetFrame(pkt), trailer...)
}

// TestIPLengthFromFrame: an IP length an offload left (0: a TSO or BIG
// TCP super-segment captured on the sender; stale: frames LRO merged) is
// read from the frame's original length, counted, and what the snap
// length cut of it is counted as truncated. The IPv4 TSO segment cut by
// a snap length was read as the captured bytes (half a 140000-byte
// transfer, nothing truncated), the IPv6 one (payload length 0, no jumbo
// option) was malformed, the LRO frame's merged segments were dropped
// from extracted files; a padded minimum frame with IP length 0 must not
// hand its padding on as payload.
func TestIPLengthFromFrame(t *testing.T) {
	for _, tc := range []struct {
		name              string
		v6                bool
		n, ipLen          int    // payload bytes; IP length field (-1: right)
		trailer           []byte // bytes after the IP packet
		snap              int    // captured bytes (0: all)
		wire, held        int    // the segment's payload: on the wire, handed over
		zero, stale, pad  uint64
		truncated, malfor uint64
	}{
		{name: "IPv4 TSO whole", n: 3000, wire: 3000, held: 3000, zero: 1},
		{name: "IPv4 TSO snap 128", n: 3000, snap: 128, wire: 3000, held: 128 - 54, zero: 1, truncated: 1},
		{name: "IPv6 BIG TCP whole", v6: true, n: 3000, wire: 3000, held: 3000, zero: 1},
		{name: "IPv6 BIG TCP snap 128", v6: true, n: 3000, snap: 128, wire: 3000, held: 128 - 74, zero: 1, truncated: 1},
		// Counted, read by the IP length: the bytes past it may be a
		// device's trailer as well as merged segments.
		{name: "LRO stale", n: 4344, ipLen: 20 + 20 + 1448, wire: 1448, held: 1448, stale: 1},
		{name: "LRO stale snap 200", n: 4344, ipLen: 20 + 20 + 1448, snap: 200, wire: 1448, held: 200 - 54, stale: 1, truncated: 1},
		{name: "an 80-byte device trailer on a full-size frame", n: 1460, ipLen: -1, trailer: make([]byte, 80), wire: 1460, held: 1460, stale: 1},
		{name: "IPv4 length 0 in padded minimum frame", n: 0, trailer: make([]byte, 6), wire: 0, held: 0, pad: 1},
		{name: "IPv4 length 0, 6 bytes, minimum frame", n: 6, wire: 0, held: 0, pad: 1},
		{name: "IPv4 length 0 past the minimum frame", n: 7, wire: 7, held: 7, zero: 1},
		{name: "right length, padded frame", n: 2, ipLen: -1, trailer: make([]byte, 4), wire: 2, held: 2},
		{name: "right length, small trailer on a long frame", n: 1460, ipLen: -1, trailer: make([]byte, 40), wire: 1460, held: 1460},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ipLen := tc.ipLen
			if ipLen < 0 {
				ipLen = 20 + 20 + tc.n
				if tc.v6 {
					ipLen = 20 + tc.n
				}
			}
			f := offloadFrame(t, tc.v6, tc.n, ipLen, tc.trailer)
			orig := len(f)
			if tc.snap > 0 {
				f = f[:tc.snap]
			}
			log := &offloadSegLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: orig}, layers.LinkTypeEthernet)
			st := d.Stats()
			if st.Malformed != tc.malfor || len(log.wire) != 1 {
				t.Fatalf("%d malformed, %d segments: want one segment", st.Malformed, len(log.wire))
			}
			if log.wire[0] != tc.wire || log.held[0] != tc.held {
				t.Errorf("payload %d bytes on the wire, %d handed over: want %d and %d", log.wire[0], log.held[0], tc.wire, tc.held)
			}
			if tc.held > 0 && log.last != 0x5a {
				t.Errorf("payload ends with %#x: not the segment's", log.last)
			}
			if st.IPLengthZero != tc.zero || st.IPLengthStale != tc.stale || st.IPLengthZeroShort != tc.pad || st.Truncated != tc.truncated {
				t.Errorf("counted %d zero, %d stale, %d short, %d truncated: want %d, %d, %d, %d",
					st.IPLengthZero, st.IPLengthStale, st.IPLengthZeroShort, st.Truncated, tc.zero, tc.stale, tc.pad, tc.truncated)
			}
		})
	}
}

// TestIPLengthFromFrameNoAlloc: reading the length from the frame costs
// no allocation per packet.
func TestIPLengthFromFrameNoAlloc(t *testing.T) {
	f := offloadFrame(t, true, 3000, 0, nil)
	d := New(&countSegLog{}, Options{})
	ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: 128, Length: len(f)}
	d.Decode(f[:128], ci, layers.LinkTypeEthernet)
	if n := testing.AllocsPerRun(100, func() { d.Decode(f[:128], ci, layers.LinkTypeEthernet) }); n > 0 {
		t.Errorf("%.1f allocations per packet", n)
	}
}

// countSegLog keeps nothing but the count of segments.
type countSegLog struct{ n int }

func (l *countSegLog) Segment(*Segment)         { l.n++ }
func (l *countSegLog) Unreachable(*Unreachable) {}
func (l *countSegLog) Control(*ControlEvent)    {}
func (l *countSegLog) Tick(time.Time)           {}
func (l *countSegLog) Finish()                  {}
