package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestForeignFormatsNamed: a capture compressed other than with gzip, or
// written by another tool in its own format, was "not a pcap or pcapng
// file (starts with fd 37 7a 58)": its format is named, with what to do.
// Text stays not a capture; gzip is read.
func TestForeignFormatsNamed(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		kind error
		msg  string
	}{
		{"xz", []byte("\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46"), ErrUnsupported, "x.pcap: unsupported capture format (xz-compressed: unxz it first)"},
		{"bzip2", []byte("BZh91AY&SY"), ErrUnsupported, "x.pcap: unsupported capture format (bzip2-compressed: bunzip2 it first)"},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00}, ErrUnsupported, "x.pcap: unsupported capture format (zstd-compressed: unzstd it first)"},
		{"lz4", []byte{0x04, 0x22, 0x4d, 0x18, 0x64, 0x40}, ErrUnsupported, "x.pcap: unsupported capture format (lz4-compressed: unlz4 it first)"},
		{"zip", []byte("PK\x03\x04\x14\x00"), ErrUnsupported, "x.pcap: unsupported capture format (a zip archive: unzip it first)"},
		{"snoop", []byte("snoop\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x04"), ErrUnsupported, "x.pcap: unsupported capture format (a snoop capture (Solaris snoop, Check Point fw monitor): convert it with editcap -F pcap)"},
		{"Network Monitor 2", []byte("GMBU\x00\x02\x01\x00"), ErrUnsupported, "x.pcap: unsupported capture format (a Microsoft Network Monitor 2 capture: convert it with editcap -F pcap)"},
		{"snoop cut in its magic", []byte("snoop\x00"), ErrNotCapture, "x.pcap: not a pcap or pcapng file (starts with 73 6e 6f 6f)"},
		{"text", []byte("BZ is not bzip2"), ErrNotCapture, "x.pcap: not a pcap or pcapng file (starts with 42 5a 20 69)"},
		{"gzip of xz", gz(t, []byte("\xfd7zXZ\x00\x00\x04")), ErrNotCapture, "x.pcap: not a pcap or pcapng file (gzip-compressed data starts with fd 37 7a 58)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenReader("x.pcap", bytes.NewReader(tt.in))
			if err == nil {
				s.Close()
				t.Fatal("OpenReader succeeded")
			}
			if !errors.Is(err, tt.kind) || err.Error() != tt.msg {
				t.Errorf("error %q (%v), want %q (%v)", err, errors.Is(err, tt.kind), tt.msg, tt.kind)
			}
		})
	}
}

// TestSimplePacketsCountedWithoutTimestamp: a pcapng simple packet block
// has no time field, so its packets read as 0001-01-01: they are counted
// (Stats.NoTimestamp), for the summary to say every time and wait shown
// is not the wire's. Enhanced packet blocks are not.
func TestSimplePacketsCountedWithoutTimestamp(t *testing.T) {
	le := binary.LittleEndian
	spb := func(data []byte) []byte {
		return ngBlock(le, blockSPB, append(le.AppendUint32(nil, uint32(len(data))), data...))
	}
	file := cat(ngSHB(le), ngIDB(le, layers.LinkTypeRaw, 0), spb(payload(1, 40)), ngEPB(le, pkt{ts: t0, data: payload(2, 40)}), spb(payload(3, 21)))
	s, err := OpenReader("x.pcapng", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for {
		_, ci, _, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n != 2 && !ci.Timestamp.IsZero() {
			t.Errorf("packet %d: time %v from a simple packet block", n, ci.Timestamp)
		}
	}
	if st := StatsOf(s); n != 3 || st.NoTimestamp != 2 || !st.Any() {
		t.Errorf("%d packets, %d without timestamp (any %v): want 3, 2", n, st.NoTimestamp, st.Any())
	}
	var sum Stats
	sum.Add(StatsOf(s))
	sum.Add(StatsOf(s))
	if sum.NoTimestamp != 4 {
		t.Errorf("added: %d", sum.NoTimestamp)
	}
}
