package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
)

func TestOpenReaderFormats(t *testing.T) {
	be := binary.BigEndian
	eth := threePackets(layers.LinkTypeEthernet)
	nano := threePackets(layers.LinkTypeEthernet)
	nano[0].ts = t0.Add(123456789 * time.Nanosecond)
	nano[2].ts = t0.Add(3*time.Second + 1)

	// One pcapng section with Ethernet, Linux SLL and raw IP interfaces,
	// packets interleaved the way a capture on "any" plus eth0 would be.
	mixedLinks := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw}
	mixed := []pkt{
		{iface: 0, link: layers.LinkTypeEthernet, ts: t0.Add(1), data: payload(1, 74)},
		{iface: 1, link: layers.LinkTypeLinuxSLL, ts: t0.Add(2), data: payload(2, 76)},
		{iface: 2, link: layers.LinkTypeRaw, ts: t0.Add(3), data: payload(3, 61)},
		{iface: 0, link: layers.LinkTypeEthernet, ts: t0.Add(4), data: payload(4, 1514)},
		{iface: 1, link: layers.LinkTypeLinuxSLL, ts: t0.Add(5), data: payload(5, 0)},
	}
	// Two sections: interface 0 is Ethernet in the first, raw IP in the second.
	sec1 := []pkt{{link: layers.LinkTypeEthernet, ts: t0, data: payload(7, 60)}}
	sec2 := []pkt{
		{link: layers.LinkTypeRaw, ts: t0.Add(time.Second), data: payload(8, 40)},
		{iface: 1, link: layers.LinkTypeLinuxSLL2, ts: t0.Add(2 * time.Second), data: payload(9, 80)},
	}
	twoSections := cat(
		writePcapng(t, []layers.LinkType{layers.LinkTypeEthernet}, sec1),
		writePcapng(t, []layers.LinkType{layers.LinkTypeRaw, layers.LinkTypeLinuxSLL2}, sec2),
	)
	// Big-endian pcapng, built by hand (pcapgo writes little-endian only).
	beNg := []pkt{
		{link: layers.LinkTypeRaw, ts: t0.Add(time.Microsecond), data: payload(4, 41)},
		{iface: 1, link: layers.LinkTypeEthernet, ts: t0.Add(2 * time.Microsecond), data: payload(5, 60)},
	}
	beNgFile := cat(ngSHB(be), ngIDB(be, layers.LinkTypeRaw, 65535), ngIDB(be, layers.LinkTypeEthernet, 0),
		ngEPB(be, beNg[0]), ngBlock(be, 0x0bad, []byte("custom block pcapgo skips")), ngEPB(be, beNg[1]))
	// Simple packet blocks (no timestamp, interface 0, cut to its snap
	// length) between statistics and name resolution blocks.
	le := binary.LittleEndian
	spb := func(orig uint32, data []byte) []byte {
		return ngBlock(le, blockSPB, append(le.AppendUint32(nil, orig), data...))
	}
	isb := ngBlock(le, blockISB, make([]byte, 12))
	nrb := ngBlock(le, 4, make([]byte, 4)) // just the end-of-records record
	spbFile := cat(ngSHB(le), ngIDB(le, layers.LinkTypeRaw, 40), spb(60, payload(6, 40)), isb, nrb, spb(21, payload(7, 21)))
	spbWant := []pkt{
		{link: layers.LinkTypeRaw, orig: 60, data: payload(6, 40)},
		{link: layers.LinkTypeRaw, data: payload(7, 21)},
	}
	ethPcap := writePcap(t, false, 65535, layers.LinkTypeEthernet, eth)
	mixedNg := writePcapng(t, mixedLinks, mixed)

	tests := []struct {
		name string
		file []byte
		want []pkt
	}{
		{"pcap little-endian microseconds", ethPcap, eth},
		{"pcap little-endian nanoseconds", writePcap(t, true, 65535, layers.LinkTypeEthernet, nano), nano},
		{"pcap big-endian microseconds", writePcapBE(false, layers.LinkTypeEthernet, eth), eth},
		{"pcap big-endian nanoseconds", writePcapBE(true, layers.LinkTypeEthernet, nano), nano},
		{"pcap linux sll", writePcap(t, false, 262144, layers.LinkTypeLinuxSLL, threePackets(layers.LinkTypeLinuxSLL)), threePackets(layers.LinkTypeLinuxSLL)},
		{"pcap header only", writePcap(t, false, 65535, layers.LinkTypeEthernet, nil), nil},
		{"pcap snaplen 0", writePcap(t, false, 0, layers.LinkTypeEthernet, eth), eth},
		{"pcapng three link types", mixedNg, mixed},
		{"pcapng two sections", twoSections, append(append([]pkt{}, sec1...), sec2...)},
		{"pcapng big-endian with unknown block", beNgFile, beNg},
		{"pcapng simple packets and other blocks", spbFile, spbWant},
		{"pcapng header only", writePcapng(t, []layers.LinkType{layers.LinkTypeEthernet}, nil), nil},
		{"gzip pcap", gz(t, ethPcap), eth},
		{"gzip pcapng", gz(t, mixedNg), mixed},
		{"gzip two members split mid-record", gz(t, ethPcap[:100], ethPcap[100:]), eth},
	}
	readers := []struct {
		name string
		wrap func([]byte) io.Reader
	}{
		{"bytes", func(b []byte) io.Reader { return bytes.NewReader(b) }},
		// a pipe: no Seek, and the header arrives in two reads
		{"pipe", func(b []byte) io.Reader {
			return nonSeekable{io.MultiReader(bytes.NewReader(b[:min(len(b), 3)]), bytes.NewReader(b[min(len(b), 3):]))}
		}},
		// every header split at every byte, through both buffers
		{"one byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		{"data with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				s, err := OpenReader("x.cap", rd.wrap(tt.file))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				g := readAll(t, s)
				if g.err != io.EOF {
					t.Fatalf("ended with %v, want io.EOF", g.err)
				}
				samePackets(t, g.pkts, tt.want)
				if _, _, _, err := s.Next(); err != io.EOF {
					t.Errorf("Next after the end = %v, want io.EOF again", err)
				}
			})
		}
	}
}

// TestOpenErrors covers inputs refused before the first packet.
func TestOpenErrors(t *testing.T) {
	pcapHdr := writePcap(t, false, 65535, layers.LinkTypeEthernet, nil)
	ng := writePcapng(t, []layers.LinkType{layers.LinkTypeEthernet}, nil)
	withVersion := func(b []byte, at int, major, minor uint16) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint16(b[at:], major)
		binary.LittleEndian.PutUint16(b[at+2:], minor)
		return b
	}
	badBOM := bytes.Clone(ng)
	copy(badBOM[8:12], "WXYZ")
	badGzip := gz(t, pcapHdr)
	badGzip[2] = 7 // compression method other than deflate

	tests := []struct {
		name string
		in   []byte
		kind error
		msg  string
	}{
		{"empty", nil, ErrEmpty, "x.pcap: empty file"},
		{"html", []byte("<html><body>404</body></html>"), ErrNotCapture, "x.pcap: not a pcap or pcapng file (starts with 3c 68 74 6d)"},
		{"two bytes of text", []byte("hi"), ErrNotCapture, "x.pcap: not a pcap or pcapng file (starts with 68 69)"},
		{"three bytes of pcap magic", pcapHdr[:3], ErrTruncated, "x.pcap: truncated file header (only 3 bytes)"},
		{"pcap header cut", pcapHdr[:10], ErrTruncated, "x.pcap: truncated file header (pcap header is 24 bytes, got 10)"},
		{"pcap version 2.5", withVersion(pcapHdr, 4, 2, 5), ErrUnsupported, "x.pcap: unsupported capture format (pcap version 2.5, want 2.4 (convert with editcap -F pcap))"},
		{"pcap version 1.0", withVersion(pcapHdr, 4, 1, 0), ErrUnsupported, "x.pcap: unsupported capture format (pcap version 1.0, want 2.4 (convert with editcap -F pcap))"},
		{"pcapng cut in section header", ng[:14], ErrTruncated, "x.pcap: truncated file header (pcapng section header cut after 14 bytes)"},
		{"pcapng version 1.2", withVersion(ng, 12, 1, 2), ErrUnsupported, "x.pcap: unsupported capture format (pcapng version 1.2, want 1.0)"},
		{"pcapng byte-order magic", badBOM, ErrCorrupt, "x.pcap: corrupt file header (pcapng byte-order magic 57 58 59 5a)"},
		{"gzip empty", gz(t, nil), ErrEmpty, "x.pcap: empty file (gzip-compressed)"},
		{"gzip of text", gz(t, []byte("hello world")), ErrNotCapture, "x.pcap: not a pcap or pcapng file (gzip-compressed data starts with 68 65 6c 6c)"},
		{"gzip of gzip", gz(t, gz(t, pcapHdr)), ErrUnsupported, "x.pcap: unsupported capture format (compressed twice (gunzip it once))"},
		{"gzip header cut", []byte{0x1f, 0x8b, 0x08}, ErrTruncated, "x.pcap: truncated file header (gzip header cut short)"},
		{"gzip header flags", badGzip, ErrCorrupt, "x.pcap: corrupt file header (gzip: invalid header)"},
		{"gzip cut in pcap header", gz(t, pcapHdr)[:20], ErrTruncated, "x.pcap: truncated file header (gzip stream ends early)"},
		{"gzip of a cut pcap header, then junk", cat(gz(t, pcapHdr[:10]), []byte("junk")), ErrTruncated, "x.pcap: truncated file header (the compressed capture ends early, and bytes that are not gzip follow it)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenReader("x.pcap", bytes.NewReader(tt.in))
			if err == nil {
				s.Close()
				t.Fatal("OpenReader succeeded")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got %q\nwant %q", err.Error(), tt.msg)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "x.pcap" || ce.Packets != 0 {
				t.Errorf("error %#v is not an *Error for x.pcap with 0 packets", err)
			}
		})
	}
}

// TestNextErrors covers inputs that fail after some packets: every complete
// packet comes first, then one error, then the same error again.
func TestNextErrors(t *testing.T) {
	le := binary.LittleEndian
	eth := threePackets(layers.LinkTypeEthernet)
	pc := writePcap(t, false, 65535, layers.LinkTypeEthernet, eth)
	ng := writePcapng(t, []layers.LinkType{layers.LinkTypeEthernet}, eth)
	lastRec := len(pc) - 16 - len(eth[2].data)  // offset of the last pcap record
	lastBlk := len(ng) - len(ngEPB(le, eth[2])) // offset of the last pcapng block
	epb := ngEPB(le, pkt{data: payload(9, 60)})
	ngHead := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0))
	withU32 := func(b []byte, at int, v uint32) []byte {
		b = bytes.Clone(b)
		le.PutUint32(b[at:], v)
		return b
	}
	badCRC := gz(t, pc)
	badCRC[len(badCRC)-8] ^= 0xff
	errDisk := errors.New("disk on fire")

	tests := []struct {
		name    string
		in      io.Reader
		packets int
		kind    error
		msg     string
		cause   error // also matched by errors.Is, when set
	}{
		{"pcap cut in last data", bytes.NewReader(pc[:len(pc)-5]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", io.ErrUnexpectedEOF},
		{"pcap cut after last record header", bytes.NewReader(pc[:lastRec+16]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", io.ErrUnexpectedEOF},
		{"pcap cut in last record header", bytes.NewReader(pc[:lastRec+9]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", io.ErrUnexpectedEOF},
		{"pcap cut after one packet", bytes.NewReader(pc[:24+16+60+3]), 1, ErrTruncated,
			"x.pcap: truncated packet record after 1 packet", nil},
		{"pcap caplen above max snaplen", bytes.NewReader(withU32(withU32(pc, lastRec+8, 1<<20), lastRec+12, 1<<20)), 2, ErrCorrupt,
			"x.pcap: corrupt packet record after 2 packets (capture length exceeds snap length: 1048576 > 65535)", nil},
		// interface blocks are read with the first packet, not by Open
		{"pcapng cut in interface block", bytes.NewReader(ngHead[:len(ngHead)-2]), 0, ErrTruncated,
			"x.pcap: truncated packet record after 0 packets", nil},
		{"pcapng cut in last data", bytes.NewReader(ng[:len(ng)-40]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", io.ErrUnexpectedEOF},
		{"pcapng cut in block trailer", bytes.NewReader(ng[:len(ng)-1]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", nil},
		{"pcapng cut after block type and length", bytes.NewReader(ng[:lastBlk+8]), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets", nil},
		{"pcapng block length 0", bytes.NewReader(withU32(ng, lastBlk+4, 0)), 2, ErrCorrupt,
			"x.pcap: corrupt packet record after 2 packets (pcapng block at offset " + strconv.Itoa(lastBlk) + ": block type 0x6 has length 0, below its minimum 32)", nil},
		{"pcapng block length not a multiple of 4", bytes.NewReader(withU32(ng, lastBlk+4, 130)), 2, ErrCorrupt,
			"x.pcap: corrupt packet record after 2 packets (pcapng block at offset " + strconv.Itoa(lastBlk) + ": block type 0x6 has length 130, not a multiple of 4)", nil},
		{"pcapng captured length beyond block", bytes.NewReader(cat(ngHead, epb, withU32(epb, 20, 4000))), 1, ErrCorrupt,
			"x.pcap: corrupt packet record after 1 packet (pcapng block at offset " + strconv.Itoa(len(ngHead)+len(epb)) + ": captured length 4000 does not fit in a block of 92 bytes)", nil},
		{"pcapng unknown interface", bytes.NewReader(cat(ngHead, epb, withU32(epb, 8, 5))), 1, ErrCorrupt,
			"x.pcap: corrupt packet record after 1 packet (Interface id 5 not present in section (have only 1 interfaces))", nil},
		{"pcapng packet before any interface", bytes.NewReader(cat(ngSHB(le), epb)), 0, ErrCorrupt,
			"x.pcap: corrupt packet record after 0 packets (Interface id 0 not present in section (have only 0 interfaces))", nil},
		{"pcapng second section of version 1.2", bytes.NewReader(cat(ng, withU32(ngHead, 12, 0x00020001))), 3, ErrUnsupported,
			"x.pcap: unsupported capture format after 3 packets (pcapng section of a version other than 1.0)", nil},
		{"gzip stream cut", bytes.NewReader(gz(t, pc)[:60]), 0, ErrTruncated,
			"x.pcap: truncated packet record after 0 packets (gzip stream ends early)", io.ErrUnexpectedEOF},
		{"gzip checksum", bytes.NewReader(badCRC), 3, ErrCorrupt,
			"x.pcap: corrupt packet record after 3 packets (gzip: invalid checksum)", nil},
		{"gzip trailing garbage", bytes.NewReader(cat(gz(t, pc), []byte("garbage!garbage!"))), 3, ErrCorrupt,
			"x.pcap: trailing bytes after the compressed capture (all 3 packets read)", gzip.ErrHeader},
		{"gzip trailing garbage pcapng", bytes.NewReader(cat(gz(t, ng), []byte("garbage!garbage!"))), 3, ErrCorrupt,
			"x.pcap: trailing bytes after the compressed capture (all 3 packets read)", gzip.ErrHeader},
		{"gzip trailing garbage after a cut record", bytes.NewReader(cat(gz(t, pc[:len(pc)-5]), []byte("garbage!garbage!"))), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets (the compressed capture ends early, and bytes that are not gzip follow it)", gzip.ErrHeader},
		{"gzip trailing garbage after a cut block", bytes.NewReader(cat(gz(t, ng[:len(ng)-5]), []byte("garbage!garbage!"))), 2, ErrTruncated,
			"x.pcap: truncated packet record after 2 packets (the compressed capture ends early, and bytes that are not gzip follow it)", gzip.ErrHeader},
		{"read error", io.MultiReader(bytes.NewReader(pc[:lastRec+20]), iotest.ErrReader(errDisk)), 2, ErrRead,
			"x.pcap: read failed after 2 packets (disk on fire)", errDisk},
		{"read error pcapng", io.MultiReader(bytes.NewReader(ng[:lastBlk+3]), iotest.ErrReader(errDisk)), 2, ErrRead,
			"x.pcap: read failed after 2 packets (disk on fire)", errDisk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenReader("x.pcap", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			g := readAll(t, s)
			if len(g.pkts) != tt.packets {
				t.Errorf("read %d packets before the error, want %d", len(g.pkts), tt.packets)
			}
			for i, p := range g.pkts { // what was returned is intact
				if !bytes.Equal(p.data, eth[i].data) && !bytes.Equal(p.data, payload(9, 60)) {
					t.Errorf("packet %d data differs from what was written", i)
				}
			}
			err = g.err
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %q does not wrap %v", err, tt.cause)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got %q\nwant %q", err.Error(), tt.msg)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Packets != tt.packets || ce.File != "x.pcap" {
				t.Errorf("error %#v: want *Error for x.pcap with Packets %d", err, tt.packets)
			}
			if _, _, _, again := s.Next(); again != err {
				t.Errorf("Next after the error = %v, want the same error", again)
			}
		})
	}
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	eth := threePackets(layers.LinkTypeEthernet)
	path := filepath.Join(dir, "capture.txt") // the name says nothing about the format
	if err := os.WriteFile(path, gz(t, writePcap(t, true, 65535, layers.LinkTypeEthernet, eth)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != path {
		t.Errorf("Name() = %q, want %q", s.Name(), path)
	}
	g := readAll(t, s)
	if g.err != io.EOF {
		t.Fatalf("ended with %v", g.err)
	}
	samePackets(t, g.pkts, eth)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, _, _, err := s.Next(); !errors.Is(err, ErrClosed) || err.Error() != path+": source closed" {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}

	missing := filepath.Join(dir, "nope.pcap")
	_, err = Open(missing)
	if !errors.Is(err, ErrRead) || !errors.Is(err, os.ErrNotExist) || err.Error() != missing+": cannot open (no such file or directory)" {
		t.Errorf("Open(missing) = %v", err)
	}
}

// TestOpenStdin: "-" reads standard input, shows as "stdin", and Close
// leaves standard input open for whoever else wants it.
func TestOpenStdin(t *testing.T) {
	eth := threePackets(layers.LinkTypeEthernet)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		pw.Write(writePcapng(t, []layers.LinkType{layers.LinkTypeEthernet}, eth))
		pw.Close()
	}()
	saved := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = saved }()

	s, err := Open("-")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "stdin" {
		t.Errorf("Name() = %q, want stdin", s.Name())
	}
	g := readAll(t, s)
	if g.err != io.EOF {
		t.Fatalf("ended with %v", g.err)
	}
	samePackets(t, g.pkts, eth)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("stdin after Close: read error %v, want io.EOF (still open)", err)
	}

	if _, err := OpenReader("-", bytes.NewReader(nil)); err == nil || err.Error() != "stdin: empty file" {
		t.Errorf(`OpenReader("-", empty) = %v, want "stdin: empty file"`, err)
	}
}
