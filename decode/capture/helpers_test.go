package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pkt is a packet as a test writes it and expects it back.
type pkt struct {
	iface int
	link  layers.LinkType
	ts    time.Time
	orig  int // original length; 0 means len(data)
	data  []byte
}

func (p pkt) length() int {
	if p.orig != 0 {
		return p.orig
	}
	return len(p.data)
}

// payload returns n bytes that differ from packet to packet, so a reader
// that returned the wrong record or a stale buffer would be noticed.
func payload(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// threePackets are Ethernet-sized, one of odd length to exercise padding.
func threePackets(link layers.LinkType) []pkt {
	return []pkt{
		{link: link, ts: t0.Add(1500 * time.Microsecond), data: payload(1, 60)},
		{link: link, ts: t0.Add(2 * time.Second), data: payload(2, 1514), orig: 1514},
		{link: link, ts: t0.Add(3*time.Second + 7*time.Microsecond), data: payload(3, 97), orig: 1500},
	}
}

func writePcap(t testing.TB, nanos bool, snaplen uint32, link layers.LinkType, pkts []pkt) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(snaplen, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.length()}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// writePcapBE builds a big-endian pcap by hand: pcapgo writes only
// little-endian, and big-endian files come from SPARC and PowerPC hosts.
func writePcapBE(nanos bool, link layers.LinkType, pkts []pkt) []byte {
	be := binary.BigEndian
	var b []byte
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	b = be.AppendUint32(b, magic)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint16(b, 4)
	b = be.AppendUint32(b, 0) // thiszone
	b = be.AppendUint32(b, 0) // sigfigs
	b = be.AppendUint32(b, 65535)
	b = be.AppendUint32(b, uint32(link))
	for _, p := range pkts {
		frac := p.ts.Nanosecond() / 1000
		if nanos {
			frac = p.ts.Nanosecond()
		}
		b = be.AppendUint32(b, uint32(p.ts.Unix()))
		b = be.AppendUint32(b, uint32(frac))
		b = be.AppendUint32(b, uint32(len(p.data)))
		b = be.AppendUint32(b, uint32(p.length()))
		b = append(b, p.data...)
	}
	return b
}

// writePcapng writes one section whose interfaces have the given link
// types; each packet names its interface.
func writePcapng(t testing.TB, links []layers.LinkType, pkts []pkt) []byte {
	t.Helper()
	var buf bytes.Buffer
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = links[0]
	w, err := pcapgo.NewNgWriterInterface(&buf, intf, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links[1:] {
		intf.LinkType = l
		if _, err := w.AddInterface(intf); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.length(), InterfaceIndex: p.iface}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ngBlock frames a pcapng block in the given byte order, padding the body
// to four bytes.
func ngBlock(order binary.AppendByteOrder, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := order.AppendUint32(nil, typ)
	b = order.AppendUint32(b, n)
	b = append(b, body...)
	return order.AppendUint32(b, n)
}

func ngSHB(order binary.AppendByteOrder) []byte {
	body := order.AppendUint32(nil, 0x1a2b3c4d)
	body = order.AppendUint16(body, 1)
	body = order.AppendUint16(body, 0)
	body = order.AppendUint64(body, ^uint64(0)) // section length unknown
	return ngBlock(order, blockSHB, body)
}

func ngIDB(order binary.AppendByteOrder, link layers.LinkType, snaplen uint32) []byte {
	body := order.AppendUint16(nil, uint16(link))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, snaplen)
	return ngBlock(order, blockIDB, body) // no options: microsecond timestamps
}

// ngEPB builds an enhanced packet block with microsecond timestamps.
func ngEPB(order binary.AppendByteOrder, p pkt) []byte {
	us := uint64(p.ts.UnixMicro())
	body := order.AppendUint32(nil, uint32(p.iface))
	body = order.AppendUint32(body, uint32(us>>32))
	body = order.AppendUint32(body, uint32(us))
	body = order.AppendUint32(body, uint32(len(p.data)))
	body = order.AppendUint32(body, uint32(p.length()))
	body = append(body, p.data...)
	return ngBlock(order, blockEPB, body)
}

func gz(t testing.TB, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts { // one gzip member per part
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// got is what Next returned: copies, since Next's data is reused.
type got struct {
	pkts []pkt
	err  error // io.EOF or the error that ended reading
}

// readAll drains a source, bounded so that a reader that never ends fails
// the test instead of hanging it.
func readAll(t testing.TB, s Source) got {
	t.Helper()
	var g got
	for range 100000 {
		data, ci, link, err := s.Next()
		if err != nil {
			g.err = err
			return g
		}
		if ci.CaptureLength != len(data) {
			t.Fatalf("packet %d: CaptureLength %d, len(data) %d", len(g.pkts), ci.CaptureLength, len(data))
		}
		g.pkts = append(g.pkts, pkt{iface: ci.InterfaceIndex, link: link, ts: ci.Timestamp, orig: ci.Length, data: bytes.Clone(data)})
	}
	t.Fatal("source did not end after 100000 packets")
	return g
}

// samePackets compares what was read with what was written.
func samePackets(t *testing.T, got, want []pkt) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d packets, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.iface != w.iface || g.link != w.link || !g.ts.Equal(w.ts) || g.orig != w.length() || !bytes.Equal(g.data, w.data) {
			t.Errorf("packet %d: got iface %d link %v ts %v len %d data %d bytes; want iface %d link %v ts %v len %d data %d bytes (equal data: %v)",
				i, g.iface, g.link, g.ts, g.orig, len(g.data), w.iface, w.link, w.ts, w.length(), len(w.data), bytes.Equal(g.data, w.data))
		}
	}
}

// nonSeekable hides every method but Read, as standard input on a pipe.
type nonSeekable struct{ r io.Reader }

func (n nonSeekable) Read(p []byte) (int, error) { return n.r.Read(p) }
