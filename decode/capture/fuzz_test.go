package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket/layers"
)

var sentinels = []error{ErrEmpty, ErrNotCapture, ErrUnsupported, ErrTruncated, ErrCorrupt, ErrRead}

// checkError asserts the error contract: an *Error for the file with the
// packet count so far, a known kind, and a one-line message naming the file.
func checkError(t *testing.T, err error, packets int) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not an *Error", err, err)
	}
	if ce.File != "fuzz" || ce.Packets != packets {
		t.Fatalf("error %q: File %q Packets %d, want fuzz and %d", err, ce.File, ce.Packets, packets)
	}
	known := false
	for _, s := range sentinels {
		known = known || errors.Is(err, s)
	}
	msg := err.Error()
	if !known || !strings.HasPrefix(msg, "fuzz: ") || strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("error %q: unknown kind or not one line naming the file", msg)
	}
}

func FuzzOpenReader(f *testing.F) {
	le, be := binary.LittleEndian, binary.BigEndian
	eth := threePackets(layers.LinkTypeEthernet)
	pc := writePcap(f, false, 65535, layers.LinkTypeEthernet, eth)
	ng := writePcapng(f, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL},
		[]pkt{{data: payload(1, 60)}, {iface: 1, data: payload(2, 33)}})
	for _, seed := range [][]byte{
		pc,
		writePcap(f, true, 262144, layers.LinkTypeRaw, eth[:1]),
		writePcapBE(false, layers.LinkTypeEthernet, eth[:2]),
		ng,
		cat(ngSHB(be), ngIDB(be, layers.LinkTypeRaw, 128), ngEPB(be, pkt{data: payload(3, 20)}), ngBlock(be, blockSPB, be.AppendUint32(nil, 20))),
		cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0), ngBlock(le, blockDSB, nil), ngBlock(le, 4, nil)),
		gz(f, pc),
		gz(f, ng),
		pc[:len(pc)-3],
		cat(pc, writePcapBE(true, layers.LinkTypeRaw, eth[:1]), pc), // files joined (cat)
		{0x0a, 0x0d, 0x0d, 0x0a},
		{0x1f, 0x8b},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := OpenReader("fuzz", bytes.NewReader(in))
		if err != nil {
			checkError(t, err, 0)
			return
		}
		defer s.Close()
		// Each pcap record and pcapng packet block takes at least 16 bytes,
		// so plain input bounds the packet count; gzip input is bounded by
		// the loop alone (a kilobyte inflates to a million empty records).
		compressed := bytes.HasPrefix(in, []byte{0x1f, 0x8b})
		packets := 0
		for range 1 << 20 {
			data, ci, _, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkError(t, err, packets)
				if _, _, _, again := s.Next(); again != err {
					t.Fatalf("Next after %v returned %v", err, again)
				}
				return
			}
			if len(data) != ci.CaptureLength || ci.CaptureLength > maxBlock {
				t.Fatalf("packet %d: %d bytes, CaptureLength %d", packets, len(data), ci.CaptureLength)
			}
			packets++
			if !compressed && 16*packets > len(in) {
				t.Fatalf("%d-byte input yielded %d packets", len(in), packets)
			}
		}
	})
}

// FuzzPcapngBlocks feeds arbitrary blocks after a valid section header and
// interface, through reads of every size, so the fuzzer spends its time on
// the block framing rather than on finding the magic. Besides the error
// contract it checks the bounds: pcapgo's interface table and the packets.
func FuzzPcapngBlocks(f *testing.F) {
	le, be := binary.LittleEndian, binary.BigEndian
	f.Add(ngEPB(le, pkt{data: payload(1, 60)}), uint8(0))
	f.Add(cat(ngIDB(le, layers.LinkTypeRaw, 0), ngEPB(le, pkt{iface: 1, data: payload(2, 20)})), uint8(3))
	f.Add(cat(ngBlock(le, blockNRB, []byte{1, 0, 6, 0, 10, 0, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0}), ngBlock(le, blockDSB, make([]byte, 8))), uint8(1))
	f.Add(cat(ngIDBNamed(le, layers.LinkTypeEthernet, 9), ngBlock(le, blockISB, make([]byte, 12)), ngBlock(le, blockSPB, le.AppendUint32(nil, 4))), uint8(7))
	f.Add(cat(ngSHB(be), ngIDB(be, layers.LinkTypeRaw, 0), ngEPB(be, pkt{data: payload(3, 7)})), uint8(2))
	f.Add(cat(ngIDBRes(le, 0x80|20), ngEPBTicks(le, 1, 1<<40, payload(4, 9)),
		ngISB(le, 1, 7, cat(ngOpt(le, optIfdrop, le.AppendUint64(nil, 5)), ngOpt(le, optOsdrop, le.AppendUint64(nil, 2))))), uint8(1))
	f.Add(cat(ngIDBRes(le, 0x80|70), ngIDBRes(le, 30), ngEPBTicks(le, 2, 1<<62, payload(5, 9))), uint8(2))
	head := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0))
	f.Fuzz(func(t *testing.T, blocks []byte, chunk uint8) {
		var r io.Reader = bytes.NewReader(cat(head, blocks))
		if chunk%4 == 1 {
			r = iotest.OneByteReader(r)
		} else if chunk%4 == 2 {
			r = iotest.HalfReader(r)
		}
		s, err := OpenReader("fuzz", r)
		if err != nil {
			t.Fatalf("valid header refused: %v", err)
		}
		defer s.Close()
		packets := 0
		for {
			data, ci, _, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				checkError(t, err, packets)
				break
			}
			if len(data) != ci.CaptureLength || len(data) > maxRecord {
				t.Fatalf("packet %d: %d bytes, CaptureLength %d", packets, len(data), ci.CaptureLength)
			}
			packets++
			if 16*packets > len(blocks) {
				t.Fatalf("%d bytes of blocks yielded %d packets", len(blocks), packets)
			}
		}
		if n := s.(*ngSource).r.NInterfaces(); n > maxInterfaces {
			t.Fatalf("%d interfaces kept", n)
		}
		if n := s.(*ngSource).r.NNames(); n != 0 {
			t.Fatalf("%d name records kept", n)
		}
	})
}
