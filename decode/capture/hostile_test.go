package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket/layers"
)

// ngIDBNamed is an interface description with an if_name option of n bytes.
func ngIDBNamed(order binary.AppendByteOrder, link layers.LinkType, n int) []byte {
	body := order.AppendUint16(nil, uint16(link))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, 0)
	body = order.AppendUint16(body, 2) // if_name
	body = order.AppendUint16(body, uint16(n))
	body = append(body, bytes.Repeat([]byte{'x'}, n)...)
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	body = order.AppendUint32(body, 0) // opt_endofopt
	return ngBlock(order, blockIDB, body)
}

// allocDuring returns the bytes allocated while f ran.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInterfaceFloodIsBounded: interface descriptions beyond the
// per-section bound are counted and skipped, and so are the packets that
// name them; pcapgo's interface table stops at the bound (review: 25
// million interface blocks, 1.2 MB gzipped, made it grow to 11.4 GB).
func TestInterfaceFloodIsBounded(t *testing.T) {
	le := binary.LittleEndian
	const extra = 3000
	idb := ngIDB(le, layers.LinkTypeRaw, 0)
	parts := [][]byte{ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535), ngEPB(le, pkt{data: payload(1, 60)})}
	parts = append(parts, bytes.Repeat(idb, maxInterfaces-1+extra))
	parts = append(parts,
		ngEPB(le, pkt{data: payload(2, 60)}),
		ngEPB(le, pkt{iface: maxInterfaces - 1, data: payload(3, 40)}), // the last one kept
		ngEPB(le, pkt{iface: maxInterfaces, data: payload(4, 40)}),     // the first one ignored
		ngBlock(le, blockISB, append(le.AppendUint32(nil, maxInterfaces+5), make([]byte, 8)...)),
		ngEPB(le, pkt{iface: maxInterfaces + extra - 1, data: payload(5, 40)}),
		ngEPB(le, pkt{data: payload(6, 60)}),
	)
	file := cat(parts...)
	for name, in := range map[string][]byte{"plain": file, "gzip": gz(t, file)} {
		t.Run(name, func(t *testing.T) {
			s, err := OpenReader("flood.pcapng", bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			g := readAll(t, s)
			if g.err != io.EOF {
				t.Fatalf("ended with %v", g.err)
			}
			var ids []int
			for _, p := range g.pkts {
				ids = append(ids, p.iface)
			}
			if len(ids) != 4 || ids[2] != maxInterfaces-1 || g.pkts[2].link != layers.LinkTypeRaw || g.pkts[3].link != layers.LinkTypeEthernet {
				t.Errorf("packets on interfaces %v", ids)
			}
			if n := s.(*ngSource).r.NInterfaces(); n != maxInterfaces {
				t.Errorf("pcapgo holds %d interfaces, want the bound %d", n, maxInterfaces)
			}
			want := Stats{Sections: 1, InterfacesIgnored: extra, PacketsIgnored: 2}
			if got := StatsOf(s); got != want {
				t.Errorf("stats %+v, want %+v", got, want)
			}
		})
	}
}

// TestRepeatedSectionsResetInterfaces: every section header starts a new
// interface table and bound, and is counted.
func TestRepeatedSectionsResetInterfaces(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	var parts [][]byte
	for i := range 1000 {
		order := binary.AppendByteOrder(le)
		if i%2 == 1 {
			order = be
		}
		parts = append(parts, ngSHB(order), ngIDB(order, layers.LinkTypeRaw, 0), ngIDB(order, layers.LinkTypeEthernet, 0),
			ngEPB(order, pkt{iface: 1, data: payload(byte(i), 60)}))
	}
	s, err := OpenReader("sections.pcapng", bytes.NewReader(cat(parts...)))
	if err != nil {
		t.Fatal(err)
	}
	g := readAll(t, s)
	if len(g.pkts) != 1000 || g.err != io.EOF {
		t.Fatalf("%d packets, %v", len(g.pkts), g.err)
	}
	if n := s.(*ngSource).r.NInterfaces(); n != 2 {
		t.Errorf("%d interfaces after the last section, want 2", n)
	}
	if st := StatsOf(s); st != (Stats{Sections: 1000}) {
		t.Errorf("stats %+v", st)
	}
}

// TestNameAndSecretBlocksSkipped: name resolution and decryption secrets
// blocks reach pcapgo as skipped blocks, so a file of them cannot fill its
// name and secret lists; packets around them are read, also when every
// header arrives one byte at a time.
func TestNameAndSecretBlocksSkipped(t *testing.T) {
	le := binary.LittleEndian
	var nrb []byte
	for i := range 10000 { // IPv4 records with a name each
		nrb = le.AppendUint16(nrb, 1)
		nrb = le.AppendUint16(nrb, 8)
		nrb = append(nrb, 10, 0, byte(i>>8), byte(i), 'h', '1', 0, 0)
	}
	nrb = le.AppendUint32(nrb, 0) // end of records
	dsb := le.AppendUint32(nil, 0x544c534b)
	dsb = le.AppendUint32(dsb, 4000)
	dsb = append(dsb, make([]byte, 4000)...)
	file := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0), ngBlock(le, blockNRB, nrb),
		ngEPB(le, pkt{data: payload(1, 60)}), ngBlock(le, blockDSB, dsb), ngBlock(le, blockNRB, nrb),
		ngEPB(le, pkt{data: payload(2, 61)}))
	for name, r := range map[string]io.Reader{"bytes": bytes.NewReader(file), "one byte": iotest.OneByteReader(bytes.NewReader(file))} {
		t.Run(name, func(t *testing.T) {
			s, err := OpenReader("names.pcapng", r)
			if err != nil {
				t.Fatal(err)
			}
			g := readAll(t, s)
			if len(g.pkts) != 2 || g.err != io.EOF || !bytes.Equal(g.pkts[1].data, payload(2, 61)) {
				t.Fatalf("%d packets, %v", len(g.pkts), g.err)
			}
			if n := s.(*ngSource).r.NNames(); n != 0 {
				t.Errorf("pcapgo kept %d name records", n)
			}
		})
	}
}

// TestHostileBlockHeaders: impossible or over-limit block headers stop
// reading with one line naming the file and the block; the packets before
// are kept, and nothing is allocated from the declared length.
func TestHostileBlockHeaders(t *testing.T) {
	le := binary.LittleEndian
	head := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0), ngEPB(le, pkt{data: payload(1, 60)}))
	at := len(head)
	raw := func(typ, length uint32, rest ...uint32) []byte {
		b := le.AppendUint32(nil, typ)
		b = le.AppendUint32(b, length)
		for _, v := range rest {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	epbOpts := func(caplen, opts uint32) []byte { // EPB header declaring opts bytes of options
		return raw(blockEPB, 32+(caplen+3)&^3+opts, 0, 0, 0, caplen, caplen)
	}
	tests := []struct {
		name string
		tail []byte
		msg  string
	}{
		{"block length 0", raw(blockEPB, 0), "block type 0x6 has length 0, below its minimum 32"},
		{"block length 13", raw(99, 13), "block type 0x63 has length 13, not a multiple of 4"},
		{"unknown block of 4 GiB", raw(99, 0xfffffffc), "block type 0x63 has length 4294967292, above the 16777216-byte limit"},
		{"section header of 4 GiB", cat(raw(blockSHB, 0xfffffffc), []byte{0x4d, 0x3c, 0x2b, 0x1a}), "block type 0xa0d0d0a has length 4294967292, above the 16777216-byte limit"},
		{"section header byte order", cat(raw(blockSHB, 28), []byte("WXYZ")), "section header byte-order magic 57 58 59 5a"},
		{"interface block of 8 bytes", raw(blockIDB, 8), "block type 0x1 has length 8, below its minimum 20"},
		{"packet of 300 KiB", epbOpts(300<<10, 0), "captured length 307200, above the 262144-byte limit"},
		{"simple packet of 1 MiB", raw(blockSPB, 16+1<<20, 1<<20), "simple packet of 1048576 bytes, above the 262144-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The header is followed by megabytes of zeros: a reader that
			// believed the length would buffer them.
			in := io.LimitReader(&endless{head: cat(head, tt.tail), body: make([]byte, 4096)}, 64<<20)
			var g got
			grew := allocDuring(func() {
				s, err := OpenReader("bad.pcapng", in)
				if err != nil {
					t.Fatal(err)
				}
				g = readAll(t, s)
			})
			want := "bad.pcapng: corrupt packet record after 1 packet (pcapng block at offset " + strconv.Itoa(at) + ": " + tt.msg + ")"
			if len(g.pkts) != 1 || !errors.Is(g.err, ErrCorrupt) || g.err.Error() != want {
				t.Errorf("%d packets, error\n got %v\nwant %s", len(g.pkts), g.err, want)
			}
			if grew > 4<<20 {
				t.Errorf("allocated %d bytes refusing the block", grew)
			}
		})
	}
}

// TestUnknownBlocksSkippedInConstantMemory: a large block of a type
// ftpsniff does not read is passed over, not buffered.
func TestUnknownBlocksSkippedInConstantMemory(t *testing.T) {
	le := binary.LittleEndian
	huge := ngBlock(le, 0x0bad, make([]byte, 15<<20))
	file := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0), huge, huge, ngEPB(le, pkt{data: payload(1, 60)}))
	var g got
	grew := allocDuring(func() {
		s, err := OpenReader("custom.pcapng", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		g = readAll(t, s)
	})
	if len(g.pkts) != 1 || g.err != io.EOF {
		t.Fatalf("%d packets, %v", len(g.pkts), g.err)
	}
	if grew > 1<<20 {
		t.Errorf("allocated %d bytes skipping 30 MiB of blocks", grew)
	}
}

// TestPcapSnaplenOddities: records longer than the header's snap length
// are read and counted (snap length 0 counts none); a header snap length
// of 2^32-1 does not raise the 256 KiB record bound.
func TestPcapSnaplenOddities(t *testing.T) {
	pkts := []pkt{{ts: t0, data: payload(1, 60)}, {ts: t0, data: payload(2, 200)}}
	for _, tt := range []struct {
		snaplen uint32
		over    uint64
	}{{100, 1}, {0, 0}, {0xffffffff, 0}} {
		s, err := OpenReader("snap.pcap", bytes.NewReader(writePcap(t, false, tt.snaplen, layers.LinkTypeEthernet, pkts)))
		if err != nil {
			t.Fatal(err)
		}
		if g := readAll(t, s); len(g.pkts) != 2 || g.err != io.EOF {
			t.Fatalf("snaplen %d: %d packets, %v", tt.snaplen, len(g.pkts), g.err)
		}
		if st := StatsOf(Prefetch(s)); st.OverSnaplen != tt.over {
			t.Errorf("snaplen %d: stats %+v, want %d over the snap length", tt.snaplen, st, tt.over)
		}
	}
	big := pkt{ts: t0, data: payload(3, maxRecord+4)}
	s, err := OpenReader("snap.pcap", bytes.NewReader(writePcap(t, false, 0xffffffff, layers.LinkTypeEthernet, []pkt{pkts[0], big})))
	if err != nil {
		t.Fatal(err)
	}
	if g := readAll(t, s); len(g.pkts) != 1 || !errors.Is(g.err, ErrCorrupt) {
		t.Errorf("record of %d bytes: %d packets, %v", len(big.data), len(g.pkts), g.err)
	}
}

// TestPcapngCaptureOverLengthCounted: a packet whose captured length
// exceeds its original length is passed on and counted.
func TestPcapngCaptureOverLengthCounted(t *testing.T) {
	le := binary.LittleEndian
	bad := ngEPB(le, pkt{data: payload(1, 60)})
	le.PutUint32(bad[24:], 10) // original length
	s, err := OpenReader("x.pcapng", bytes.NewReader(cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0), bad, bad)))
	if err != nil {
		t.Fatal(err)
	}
	p := Prefetch(s)
	defer p.Close()
	if g := readAll(t, p); len(g.pkts) != 2 || g.err != io.EOF {
		t.Fatalf("%d packets, %v", len(g.pkts), g.err)
	}
	if st := StatsOf(p); st.OverLength != 2 || !st.Any() {
		t.Errorf("stats %+v", st)
	}
}

// TestGzipBombStreams: a small gzip file that inflates to 64 MiB of
// packets is read packet by packet: what is allocated does not grow with
// the decompressed size.
func TestGzipBombStreams(t *testing.T) {
	rec := writePcap(t, false, 65535, layers.LinkTypeEthernet, []pkt{{ts: t0, data: make([]byte, 65535)}})
	hdr, body := rec[:24], rec[24:]
	const n = 1024 // 64 MiB
	var raw bytes.Buffer
	raw.Write(hdr)
	for range n {
		raw.Write(body)
	}
	bomb := gz(t, raw.Bytes())
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	var g int
	grew := allocDuring(func() {
		s, err := OpenReader("bomb.pcap.gz", bytes.NewReader(bomb))
		if err != nil {
			t.Fatal(err)
		}
		for {
			_, _, _, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			g++
		}
	})
	if g != n {
		t.Errorf("%d packets, want %d", g, n)
	}
	if grew > 2<<20 {
		t.Errorf("allocated %d bytes reading %d bytes of gzip bomb", grew, raw.Len())
	}
}
