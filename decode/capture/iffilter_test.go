package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// ngIDBFilter describes an Ethernet interface whose if_filter is val
// (nil: none), after a name and before an if_tsresol, so that the
// options around it are read as before.
func ngIDBFilter(order binary.AppendByteOrder, val []byte) []byte {
	body := order.AppendUint16(nil, uint16(layers.LinkTypeEthernet))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, 0)
	body = append(body, ngOpt(order, 2, []byte("eth0"))...)
	if val != nil {
		body = append(body, ngOpt(order, optIfFilter, val)...)
	}
	body = append(body, ngOpt(order, optTsresol, []byte{9})...)
	body = append(body, ngEndOpt...)
	return ngBlock(order, blockIDB, body)
}

// TestPcapngRecordsCaptureFilter guards FilterOf: the if_filter of a
// pcapng file's interface descriptions (dumpcap -f 'port 21' writes it)
// is what tells a capture filtered to the control port from one that
// holds no data connection because none came. Both byte orders; read
// whole, through Prefetch; the interfaces that record none counted; a
// BPF program, differing strings or an over-long one are no one text; a
// packet on the interface still read.
func TestPcapngRecordsCaptureFilter(t *testing.T) {
	str := func(s string) []byte { return append([]byte{0}, s...) }
	long := str(strings.Repeat("port 21 or ", 40) + "port 21")
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		pkt := ngEPBTicks(order, 0, uint64(time.Second), bytes.Repeat([]byte{1}, 60))
		for _, c := range []struct {
			name string
			idbs [][]byte
			want RecordedFilter
		}{
			{"port 21", [][]byte{str("port 21")}, RecordedFilter{Interfaces: 1, Text: "port 21"}},
			{"nul-terminated", [][]byte{str("tcp port 21\x00")}, RecordedFilter{Interfaces: 1, Text: "tcp port 21"}},
			{"none", [][]byte{nil}, RecordedFilter{Interfaces: 1, Unfiltered: 1}},
			{"empty", [][]byte{str("")}, RecordedFilter{Interfaces: 1, Unfiltered: 1}},
			{"two alike", [][]byte{str("port 21"), str("port 21")}, RecordedFilter{Interfaces: 2, Text: "port 21"}},
			{"one none", [][]byte{nil, str("port 21")}, RecordedFilter{Interfaces: 2, Unfiltered: 1, Text: "port 21"}},
			{"differ", [][]byte{str("port 21"), str("tcp")}, RecordedFilter{Interfaces: 2, Mixed: true}},
			{"bpf program", [][]byte{{1, 0, 0, 0, 0, 0, 0, 0, 0}}, RecordedFilter{Interfaces: 1, Mixed: true}},
			{"too long", [][]byte{long}, RecordedFilter{Interfaces: 1, Mixed: true}},
		} {
			parts := [][]byte{ngSHB(order)}
			for _, v := range c.idbs {
				parts = append(parts, ngIDBFilter(order, v))
			}
			parts = append(parts, pkt)
			for _, pre := range []bool{false, true} {
				src, err := OpenReader("f.pcapng", bytes.NewReader(cat(parts...)))
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if pre {
					src = Prefetch(src)
				}
				g := readAll(t, src)
				if g.err != io.EOF || len(g.pkts) != 1 {
					t.Errorf("%s: read %d packets, %v", c.name, len(g.pkts), g.err)
				}
				if got := FilterOf(src); got != c.want {
					t.Errorf("%s (prefetch %v): FilterOf = %+v, want %+v", c.name, pre, got, c.want)
				}
				src.Close()
			}
		}
	}
	// A pcap file records no filter.
	src, err := OpenReader("f.pcap", bytes.NewReader(writePcap(t, false, 65535, layers.LinkTypeEthernet, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := FilterOf(src); got != (RecordedFilter{}) {
		t.Errorf("pcap: FilterOf = %+v", got)
	}
}

// TestDumpcapRecordsCaptureFilter reads the if_filter dumpcap itself
// writes: testdata/dumpcap-tcp-port-21.pcapng is `dumpcap -i lo -f 'tcp
// port 21' -a duration:2 -w FILE` over one refused connection to
// 127.0.0.1:21 (Wireshark 4's dumpcap).
func TestDumpcapRecordsCaptureFilter(t *testing.T) {
	src, err := Open("testdata/dumpcap-tcp-port-21.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src = Prefetch(src)
	if g := readAll(t, src); g.err != io.EOF || len(g.pkts) != 2 {
		t.Fatalf("read %d packets, %v", len(g.pkts), g.err)
	}
	if got, want := FilterOf(src), (RecordedFilter{Interfaces: 1, Text: "tcp port 21"}); got != want {
		t.Errorf("FilterOf = %+v, want %+v", got, want)
	}
}
