package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestFCSStripped: an Ethernet frame that the file says ends with an FCS
// (pcap's FCS bits in the link type field, pcapng's if_fcslen, in bytes
// or in bits) comes out without it, its lengths too: decode reads a
// frame's length as its packet's where the IP length is 0 (segmentation
// offload), and took the 4 FCS bytes into an extracted file.
func TestFCSStripped(t *testing.T) {
	frame := payload(9, 60)
	withFCS := append(bytes.Clone(frame), 0xde, 0xad, 0xbe, 0xef)
	want := []pkt{
		{link: layers.LinkTypeEthernet, ts: t0, orig: 60, data: frame},
		{link: layers.LinkTypeEthernet, ts: t0, orig: 60, data: frame},      // the snap length cut 2 FCS bytes
		{link: layers.LinkTypeEthernet, ts: t0, orig: 98, data: frame[:58]}, // the snap length cut into the frame
	}
	recs := []pkt{
		{link: layers.LinkTypeEthernet, ts: t0, data: withFCS},
		{link: layers.LinkTypeEthernet, ts: t0, data: withFCS[:62], orig: 64},
		{link: layers.LinkTypeEthernet, ts: t0, data: withFCS[:58], orig: 102},
	}

	t.Run("pcap FCS bits", func(t *testing.T) {
		file := writePcap(t, false, 65535, layers.LinkTypeEthernet, recs)
		binary.LittleEndian.PutUint32(file[20:], uint32(layers.LinkTypeEthernet)|0x04000000|2<<28) // F, 2 words
		s, err := OpenReader("fcs.pcap", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		samePackets(t, readAll(t, s).pkts, want)
		// A file is read in blocks (pcapblock.go), a reader record by record.
		name := filepath.Join(t.TempDir(), "fcs.pcap")
		if err := os.WriteFile(name, file, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		samePackets(t, readAll(t, f).pkts, want)
	})

	for _, v := range []byte{4, 32} {
		t.Run(fmt.Sprintf("pcapng if_fcslen %d", v), func(t *testing.T) {
			le := binary.LittleEndian
			body := le.AppendUint16(nil, uint16(layers.LinkTypeEthernet))
			body = le.AppendUint16(body, 0)
			body = le.AppendUint32(body, 65535)
			body = le.AppendUint16(body, 13) // if_fcslen
			body = le.AppendUint16(body, 1)
			body = append(body, v, 0, 0, 0)
			body = le.AppendUint32(body, 0) // opt_endofopt
			file := cat(ngSHB(le), ngBlock(le, blockIDB, body), ngIDB(le, layers.LinkTypeEthernet, 65535))
			for _, r := range recs {
				file = append(file, ngEPB(le, r)...)
			}
			plain := pkt{iface: 1, link: layers.LinkTypeEthernet, ts: t0, data: withFCS}
			file = append(file, ngEPB(le, plain)...) // an interface with no FCS said: kept whole
			s, err := OpenReader("fcs.pcapng", bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			plain.orig = len(withFCS)
			samePackets(t, readAll(t, s).pkts, append(append([]pkt(nil), want...), plain))
		})
	}
}
