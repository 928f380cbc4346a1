package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestEPBOptionOverrun: an EPB option whose length runs past its block is
// a corrupt record named by its offset, with every packet before it kept
// (review: pcapgo read the option out of the next blocks, its block length
// wrapped, and the rest of the file was lost as "truncated").
func TestEPBOptionOverrun(t *testing.T) {
	le := binary.LittleEndian
	ts := time.Unix(1700000000, 0)
	good := func(i int) []byte { return ngEPB(le, pkt{ts: ts, data: payload(byte(i), 60)}) }
	// Fixed fields, 4 data bytes, then option 1 (comment) declaring 12
	// bytes of which only 4 are in the block.
	body := le.AppendUint32(nil, 0)
	body = le.AppendUint32(body, 0)
	body = le.AppendUint32(body, 0)
	body = le.AppendUint32(body, 4)
	body = le.AppendUint32(body, 4)
	body = append(body, 1, 2, 3, 4)
	body = le.AppendUint16(body, 1)
	body = le.AppendUint16(body, 12)
	body = append(body, 'a', 'b', 'c', 'd')
	bad := ngBlock(le, blockEPB, body)
	parts := [][]byte{ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535), good(0), bad}
	for i := 1; i <= 20; i++ {
		parts = append(parts, good(i))
	}
	src, err := OpenReader("x.pcapng", bytes.NewReader(cat(parts...)))
	if err != nil {
		t.Fatal(err)
	}
	g := readAll(t, src)
	if len(g.pkts) != 1 || !errors.Is(g.err, ErrCorrupt) || !strings.Contains(g.err.Error(), "option 1 of 12 bytes runs past the end of its block") {
		t.Errorf("%d packets, error %v", len(g.pkts), g.err)
	}
}

// TestEPBOptionsRead: well-formed options, one of them split across the
// reader's buffer boundary, pass through untouched.
func TestEPBOptionsRead(t *testing.T) {
	le := binary.LittleEndian
	body := le.AppendUint32(nil, 0)
	body = le.AppendUint32(body, 0)
	body = le.AppendUint32(body, 0)
	body = le.AppendUint32(body, 5)
	body = le.AppendUint32(body, 5)
	body = append(body, 1, 2, 3, 4, 5, 0, 0, 0) // 5 bytes, padded
	body = le.AppendUint16(body, 1)
	body = le.AppendUint16(body, 7)
	body = append(body, 'c', 'o', 'm', 'm', 'e', 'n', 't', 0)
	body = le.AppendUint16(body, 0) // opt_endofopt
	body = le.AppendUint16(body, 0)
	epb := ngBlock(le, blockEPB, body)
	file := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535), epb, epb, epb)
	src, err := OpenReader("x.pcapng", iotest.OneByteReader(bytes.NewReader(file)))
	if err != nil {
		t.Fatal(err)
	}
	g := readAll(t, src)
	if len(g.pkts) != 3 || g.err != nil && !errors.Is(g.err, io.EOF) {
		t.Errorf("%d packets, error %v", len(g.pkts), g.err)
	}
}
