package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// linkNoteFrame is an Ethernet frame of EtherType typ carrying body.
func linkNoteFrame(typ uint16, body []byte) []byte {
	f := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, byte(typ >> 8), byte(typ)}
	return append(f, body...)
}

// linkNoteSYN is an Ethernet frame of a SYN to port 21.
func linkNoteSYN(t *testing.T) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: []byte{10, 0, 0, 2}, DstIP: []byte{10, 0, 0, 1}}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: 1, SYN: true, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLinkNotePcap writes frames as a pcap of link type link, each cut
// at snap bytes (0: whole).
func writeLinkNotePcap(t *testing.T, name string, link layers.LinkType, snap int, frames ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	snaplen := uint32(65535)
	if snap > 0 {
		snaplen = uint32(snap)
	}
	if err := w.WriteFileHeader(snaplen, link); err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1.7e9, 0)
	for _, b := range frames {
		ts = ts.Add(time.Millisecond)
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}
		if snap > 0 && len(b) > snap {
			b, ci.CaptureLength = b[:snap], snap
		}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestNoteNamesNotIPEtherType: frames of an EtherType ftpsniff does not
// follow (MACsec, which encrypts the sessions it carries) were counted in
// not_ip alone, and said only when they were more than half the capture:
// a few sessions behind them went unsaid. The text summary names the
// EtherType whatever its share, and the JSON summary's links record
// holds it; ARP does not get a note.
func TestNoteNamesNotIPEtherType(t *testing.T) {
	var frames [][]byte
	for range 3 {
		frames = append(frames, linkNoteSYN(t), linkNoteSYN(t), linkNoteFrame(0x0806, make([]byte, 28)))
	}
	frames = append(frames, linkNoteFrame(0x88e5, make([]byte, 60)), linkNoteFrame(0x88e5, make([]byte, 60)))
	path := writeLinkNotePcap(t, "macsec.pcap", layers.LinkTypeEthernet, 0, frames...)
	var out, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", path}, &out, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(out.String(), "note: 2 frames of EtherType 0x88e5 (MACsec, encrypted), not decoded") || strings.Contains(out.String(), "0x0806") {
		t.Errorf("text summary:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"read", "--json", path}, &out, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var sum struct {
		Type  string
		Links struct {
			NotIP []struct {
				EtherType uint16 `json:"ethertype"`
				Name      string
				Frames    int
			} `json:"not_ip_ethertypes"`
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if n := sum.Links.NotIP; sum.Type != "summary" || len(n) != 1 || n[0].EtherType != 0x88e5 || n[0].Frames != 2 || n[0].Name != "MACsec, encrypted" {
		t.Errorf("summary record %s", lines[len(lines)-1])
	}
}

// TestNoteSnapLengthShorterThanHeaders: a capture taken with a snap
// length shorter than the Ethernet, IP and TCP headers said "28 frames
// cut by the snap length, 28 malformed frames", which reads like damage;
// it says the snap length, that no TCP segment could be read, and how to
// capture instead. A snap length that leaves the headers whole keeps the
// plain count.
func TestNoteSnapLengthShorterThanHeaders(t *testing.T) {
	syns := [][]byte{linkNoteSYN(t), linkNoteSYN(t), linkNoteSYN(t)}
	for _, tc := range []struct {
		snap int
		want string
	}{
		{40, "note: 3 frames cut by the capture's snap length of 40 bytes, shorter than the link, IP and TCP headers: not one TCP segment could be read (3 malformed frames); capture again with the whole frames (tcpdump -s 0)"},
		{54, ""},
	} {
		path := writeLinkNotePcap(t, "snap.pcap", layers.LinkTypeEthernet, tc.snap, syns...)
		var out, stderr bytes.Buffer
		run([]string{"read", "--color", "never", "--summary", path}, &out, &stderr)
		if tc.want != "" && !strings.Contains(unwrapped(out.String()), tc.want) || tc.want == "" && strings.Contains(out.String(), "tcpdump -s 0") {
			t.Errorf("snap length %d:\n%s%s", tc.snap, out.String(), stderr.String())
		}
	}
}

// TestLinkTypeNotDecodedFileSaid: a file of a link type ftpsniff does not
// decode (DLT 300) gave only "note: 30 frames of link type 300 (DLT 300),
// not decoded", no file named and exit 0, also when it was the only
// input: it is an input that cannot be read, one line naming it on
// stderr and exit 2, the other inputs analysed.
func TestLinkTypeNotDecodedFileSaid(t *testing.T) {
	good := writeLinkNotePcap(t, "good.pcap", layers.LinkTypeEthernet, 0, linkNoteSYN(t))
	bad := writeLinkNotePcap(t, "usb.pcap", 300, 0, make([]byte, 40), make([]byte, 40))
	const why = "usb.pcap: link type 300 (DLT 300), which ftpsniff does not decode"
	var out, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", bad}, &out, &stderr); code != 2 || out.Len() != 0 ||
		strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), why) {
		t.Errorf("alone: exit %d, stdout %q, stderr %q", code, out.String(), stderr.String())
	}
	out.Reset()
	stderr.Reset()
	code := run([]string{"read", "--color", "never", good, bad}, &out, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), why) || !strings.Contains(out.String(), "input: "+bad[:len(bad)-len("usb.pcap")]+why) ||
		!strings.Contains(out.String(), "1 packet, 1 TCP") {
		t.Errorf("with another: exit %d\n%s%s", code, out.String(), stderr.String())
	}
}

// TestLinkNoteNamesInputFiles: of several inputs, the note of frames of
// a link type not decoded names the files they came from (escaped).
func TestLinkNoteNamesInputFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"a.pcapng", "b\x1b[31m.pcapng"} {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		intf := pcapgo.DefaultNgInterface
		intf.LinkType = layers.LinkTypeEthernet
		w, err := pcapgo.NewNgWriterInterface(f, intf, pcapgo.DefaultNgWriterOptions)
		if err != nil {
			t.Fatal(err)
		}
		intf.LinkType = 300
		if _, err := w.AddInterface(intf); err != nil {
			t.Fatal(err)
		}
		ts := time.Unix(1.7e9, 0)
		for i, b := range [][]byte{linkNoteSYN(t), make([]byte, 40)} {
			ts = ts.Add(time.Millisecond)
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b), InterfaceIndex: i}, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, path)
	}
	var out, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "--summary", paths[0], paths[1]}, &out, &stderr)
	want := "2 frames of link type 300 (DLT 300), not decoded (in " + paths[0] + ", " + filepath.Join(dir, `b\x1b[31m.pcapng`) + ")"
	if !strings.Contains(unwrapped(out.String()), want) {
		t.Errorf("want %q in\n%s%s", want, out.String(), stderr.String())
	}
}
