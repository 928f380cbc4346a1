package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestPcapngWriterRoundTrip writes packets of two interfaces with
// different link types, and statistics, and reads them back with Open's
// reader: the file --write makes must be one `ftpsniff read` takes.
func TestPcapngWriterRoundTrip(t *testing.T) {
	ifaces := []Interface{
		{Name: "eth0", Index: 2, Link: layers.LinkTypeEthernet, Kind: FrameEthernet},
		{Name: "tun0", Index: 7, Link: layers.LinkTypeRaw, Kind: FrameIP},
	}
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf, ifaces)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	in := []struct {
		iface int
		data  []byte
		orig  int
	}{
		{0, payload(1, 60), 60},
		{1, payload(2, 41), 41},
		{0, payload(3, 1514), 9000}, // cut by a snap length
		{1, payload(4, 1), 1},
	}
	for i, p := range in {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(p.data), Length: p.orig,
			InterfaceIndex: 99, AncillaryData: []any{"ignored"}}
		if err := w.WritePacket(p.iface, p.data, ci); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteStats([]IfaceStats{{Name: "eth0", Received: 10, Drops: 1}, {Name: "tun0", Received: 3}}, t0, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(2, []byte{1}, gopacket.CaptureInfo{}); err == nil {
		t.Error("interface 2 of 2 accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	src, err := OpenReader("written.pcapng", bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range in {
		data, ci, link, err := src.Next()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(data, p.data) || ci.Length != p.orig || !ci.Timestamp.Equal(t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("packet %d: %d bytes (orig %d) at %v, want %d (orig %d)", i, len(data), ci.Length, ci.Timestamp, len(p.data), p.orig)
		}
		if link != ifaces[p.iface].Link {
			t.Errorf("packet %d: link %v, want %v", i, link, ifaces[p.iface].Link)
		}
	}
	if _, _, _, err := src.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the packets: %v, want EOF", err)
	}
}

func TestPcapngWriterNoInterfaces(t *testing.T) {
	if _, err := NewPcapngWriter(io.Discard, nil); err == nil {
		t.Error("no interfaces: no error")
	}
}

// TestPcapngWriterStatsAreCaptureSystemCounts guards what `live -w`
// says the kernel counted: the socket's counts are a capture system's
// (draft-ietf-opsawg-pcapng), the packets its filter accepted
// (isb_filteraccept) and those its ring had no room for (isb_osdrop).
// Before, they were written as the interface's own (isb_ifrecv,
// isb_ifdrop: received from the wire before any filter, dropped by the
// NIC), so that a reader blamed the network card for the ring's drops.
// The blocks are read back three ways: their options as written, by
// Open's reader (the summary's os_dropped), and by gopacket's (the times
// at if_tsresol 9).
func TestPcapngWriterStatsAreCaptureSystemCounts(t *testing.T) {
	ifaces := []Interface{
		{Name: "eth0", Link: layers.LinkTypeEthernet, Kind: FrameEthernet},
		{Name: "eth1", Link: layers.LinkTypeEthernet, Kind: FrameEthernet},
	}
	stats := []IfaceStats{{Name: "eth0", Received: 1000, Drops: 17}, {Name: "eth1", Received: 5, Drops: 0}}
	start := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	end := start.Add(90*time.Second + 987654321)
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf, ifaces)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(1, payload(1, 60), gopacket.CaptureInfo{Timestamp: start.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteStats(stats, start, end); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()

	// The options as written, per interface statistics block.
	le := binary.LittleEndian
	nanos := func(t time.Time) []byte {
		n := uint64(t.UnixNano())
		return le.AppendUint32(le.AppendUint32(nil, uint32(n>>32)), uint32(n))
	}
	var isbs int
	for off := 0; off+12 <= len(file); {
		typ, n := le.Uint32(file[off:]), int(le.Uint32(file[off+4:]))
		if n < 12 || off+n > len(file) || le.Uint32(file[off+n-4:]) != uint32(n) {
			t.Fatalf("block at %d: length %d", off, n)
		}
		if typ == isbBlockType {
			blk := file[off : off+n]
			iface := le.Uint32(blk[8:])
			if iface >= uint32(len(stats)) {
				t.Fatalf("statistics of interface %d", iface)
			}
			if ts := blk[12:20]; !bytes.Equal(ts, nanos(end)) {
				t.Errorf("interface %d: time stamp %x, want the end %x", iface, ts, nanos(end))
			}
			opts := map[uint16][]byte{}
			for o := 20; o+4 <= n-4; {
				code, l := le.Uint16(blk[o:]), int(le.Uint16(blk[o+2:]))
				if code == 0 {
					break
				}
				opts[code] = blk[o+4 : o+4+l]
				o += 4 + (l+3)&^3
			}
			st := stats[iface]
			want := map[uint16][]byte{
				2: nanos(start), 3: nanos(end), // isb_starttime, isb_endtime
				6: le.AppendUint64(nil, st.Received), // isb_filteraccept
				7: le.AppendUint64(nil, st.Drops),    // isb_osdrop
			}
			if len(opts) != len(want) {
				t.Errorf("interface %d: options %v, want %v (no isb_ifrecv 4, isb_ifdrop 5)", iface, opts, want)
			}
			for code, v := range want {
				if !bytes.Equal(opts[code], v) {
					t.Errorf("interface %d: option %d is %x, want %x", iface, code, opts[code], v)
				}
			}
			isbs++
		}
		off += n
	}
	if isbs != len(stats) {
		t.Fatalf("%d statistics blocks, want %d", isbs, len(stats))
	}

	// Open's reader: the ring's drops are the operating system's.
	src, err := OpenReader("written.pcapng", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, _, err := src.Next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if got := StatsOf(src); got.OSDropped != 17 || got.InterfaceDropped != 0 {
		t.Errorf("read back: %d dropped by the OS, %d by the interface; want 17, 0", got.OSDropped, got.InterfaceDropped)
	}

	// gopacket's reader: the times, and no interface counts.
	seen := 0
	ropts := pcapgo.NgReaderOptions{WantMixedLinkType: true, StatisticsCallback: func(i int, s pcapgo.NgInterfaceStatistics) {
		seen++
		if !s.StartTime.Equal(start) || !s.EndTime.Equal(end) || !s.LastUpdate.Equal(end) {
			t.Errorf("interface %d: from %v to %v (updated %v), want %v to %v", i, s.StartTime, s.EndTime, s.LastUpdate, start, end)
		}
		if s.PacketsReceived != pcapgo.NgNoValue64 || s.PacketsDropped != pcapgo.NgNoValue64 {
			t.Errorf("interface %d: isb_ifrecv %d, isb_ifdrop %d written", i, s.PacketsReceived, s.PacketsDropped)
		}
	}}
	r, err := pcapgo.NewNgReader(bytes.NewReader(file), ropts)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := r.ReadPacketData(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if seen != len(stats) {
		t.Errorf("gopacket read %d statistics blocks, want %d", seen, len(stats))
	}
}
