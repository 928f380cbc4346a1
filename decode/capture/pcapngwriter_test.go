package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
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
