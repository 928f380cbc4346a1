package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestTextNotesMostlyNotIP: a capture whose frames mostly carry no IP
// that ftpsniff could find (a link or tunnel header it does not follow)
// says so in the text summary, instead of a bare "0 sessions"; a few ARP
// frames among IP traffic do not.
func TestTextNotesMostlyNotIP(t *testing.T) {
	const note = "an encapsulation it does not follow?"
	for _, tc := range []struct {
		name        string
		notIP, ipv4 int
		want        bool
	}{
		{"mostly unknown EtherType", 5, 1, true},
		{"a few ARP-like frames", 1, 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.pcap")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := pcapgo.NewWriter(f)
			if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
				t.Fatal(err)
			}
			ts := time.Unix(1e9, 0)
			write := func(typ layers.EthernetType, payload []gopacket.SerializableLayer) {
				eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: typ}
				buf := gopacket.NewSerializeBuffer()
				if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, append([]gopacket.SerializableLayer{eth}, payload...)...); err != nil {
					t.Fatal(err)
				}
				ts = ts.Add(time.Millisecond)
				b := buf.Bytes()
				if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
					t.Fatal(err)
				}
			}
			for range tc.notIP {
				write(0x88b5, []gopacket.SerializableLayer{gopacket.Payload(make([]byte, 46))})
			}
			for range tc.ipv4 {
				ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: []byte{10, 0, 0, 2}, DstIP: []byte{10, 0, 0, 1}}
				tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: 1, SYN: true, Window: 1000}
				write(layers.EthernetTypeIPv4, []gopacket.SerializableLayer{ip, tcp})
			}
			f.Close()
			var out, stderr bytes.Buffer
			run([]string{"read", "--color", "never", path}, &out, &stderr)
			if got := strings.Contains(out.String(), note); got != tc.want {
				t.Errorf("note shown %v, want %v:\n%s%s", got, tc.want, out.String(), stderr.String())
			}
		})
	}
}
