package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtractCaptureOutageBeyondReach guards the file of a RETR whose
// capture lost 20 MiB in the middle of the data connection (tcpdump's
// ring overflowing: 16 MiB is 13 ms at 10 Gb/s), more than decode's reach
// for a data connection (16 MiB), with the last segments, the server's
// FIN, the client's ACK of everything and the 226 captured. The file has
// the announced size, the outage is one gap of its exact length, the
// bytes after it are at their offsets, and no reason says "size
// mismatch" (the transfer was not truncated). Before, the segments after
// the outage were dropped: with the FIN right after them, the file was
// the 2,000 bytes before the outage, "size mismatch: announced 20976520,
// got 2000"; with the client's ACK between them, they were a hole.
func TestExtractCaptureOutageBeyondReach(t *testing.T) {
	const lost = 20 << 20
	head, tail := wireBody(2000), wireBody(3000)
	size := len(head) + lost + len(tail)
	for _, tc := range []struct {
		name string
		// after sends the tail (the data connection's k.bseq at its
		// start) and the FINs.
		after func(k *wireConn)
	}{
		{"the FIN right after the last segment", func(k *wireConn) {
			k.c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", tail[:1500])
			k.c.pkt(k.b, k.a, k.bseq+1500, k.aseq, "PA", tail[1500:])
			k.bseq += uint32(len(tail))
			k.closeFromB()
		}},
		{"the client's ACK after the first segments", func(k *wireConn) {
			k.c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", tail[:1000])
			k.c.pkt(k.b, k.a, k.bseq+1000, k.aseq, "PA", tail[1000:2000])
			k.c.pkt(k.a, k.b, k.aseq, k.bseq+2000, "A", nil)
			k.c.pkt(k.b, k.a, k.bseq+2000, k.aseq, "PA", tail[2000:])
			k.bseq += uint32(len(tail))
			k.closeFromB()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			k.handshake()
			s.cmd("RETR big.bin")
			s.reply(fmt.Sprintf("150 Opening BINARY mode data connection for big.bin (%d bytes).", size))
			k.segments(head, nil)
			k.bseq += lost // not in the capture
			tc.after(k)
			s.reply("226 Transfer complete.")
			s.quit()
			files, _, _, dir := fileRecordsStats(t, path)
			if len(files) != 1 {
				t.Fatalf("%d file records, want 1: %+v", len(files), files)
			}
			rec := files[0]
			wantGap := fmt.Sprintf("gap at offset %d for %d bytes", len(head), lost)
			if rec.Bytes != int64(size) || rec.Missing != lost || !slicesContains(rec.Reasons, wantGap) {
				t.Errorf("file %d bytes, %d missing, reasons %q; want %d, %d, %q", rec.Bytes, rec.Missing, rec.Reasons, size, lost, wantGap)
			}
			for _, r := range rec.Reasons {
				if strings.HasPrefix(r, "size mismatch") {
					t.Errorf("reason %q: the capture shows every byte sent", r)
				}
			}
			f, err := os.Open(filepath.Join(dir, rec.File))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := make([]byte, len(tail))
			if _, err := f.ReadAt(got, int64(len(head)+lost)); err != nil || !bytes.Equal(got, tail) {
				t.Errorf("the bytes after the outage are not at their offset (%v)", err)
			}
			if _, err := f.ReadAt(got[:len(head)], 0); err != nil || !bytes.Equal(got[:len(head)], head) {
				t.Errorf("the bytes before the outage are not at offset 0 (%v)", err)
			}
		})
	}
}
