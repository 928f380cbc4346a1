package main

import (
	"fmt"
	"testing"
)

// TestExtractEndOfFileItsFINLeft guards the end of a downloaded file
// whose last packets the capture lacks or holds late (rev-lossy thin/,
// caps/, tap/):
//   - the server's last segment and FIN lost, the client's FIN
//     acknowledging both: the transfer read 5000 bytes, ended by the
//     capture's end; it moved 5400 and ended by its FINs, the file
//     saying where its 400 missing bytes are;
//   - the same with only the client's ACK of them: the file was 5401
//     bytes (the FIN's sequence number written as a byte, "size
//     mismatch"), and the transfer read 5000;
//   - a capture of two interfaces, the server's late: the client's FIN
//     came before the server's last retransmission, which was dropped
//     after the end (the file lost 1000 bytes); it is whole.
func TestExtractEndOfFileItsFINLeft(t *testing.T) {
	body := wireBody(5400)
	for _, tc := range []struct {
		name         string
		drive        func(c *wireCap, k *wireConn)
		wantComplete bool
		wantReason   string
		wantEnd      string
	}{
		{"last segment and FIN lost, the client's FIN", func(c *wireCap, k *wireConn) {
			k.segments(body, func(i int) bool { return i == 5 })
			c.pkt(k.a, k.b, k.aseq, k.bseq+1, "FA", nil)
			c.pkt(k.b, k.a, k.bseq+1, k.aseq+1, "A", nil)
		}, false, "gap at offset 5000 for 400 bytes", "fin"},
		{"last segment and FIN lost, the client's ACK alone", func(c *wireCap, k *wireConn) {
			k.segments(body, func(i int) bool { return i == 5 })
			c.pkt(k.a, k.b, k.aseq, k.bseq+1, "A", nil)
		}, false, "gap at offset 5000 for 400 bytes", "capture-end"},
		{"two interfaces, a retransmission after both FINs", func(c *wireCap, k *wireConn) {
			// The client's ACK before the bytes it acknowledges: the
			// capture reorders.
			c.pkt(k.a, k.b, k.aseq, k.bseq+1000, "A", nil)
			k.segments(body[:4000], nil)
			c.pkt(k.b, k.a, k.bseq+1000, k.aseq, "FPA", body[5000:])
			c.pkt(k.a, k.b, k.aseq, k.bseq+1401, "FA", nil)
			c.pkt(k.b, k.a, k.bseq, k.aseq, "A", body[4000:5000])
			c.pkt(k.b, k.a, k.bseq+1401, k.aseq+1, "A", nil)
		}, true, "", "fin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			k.handshake()
			s.cmd("RETR big.bin")
			s.reply(fmt.Sprintf("150 Opening BINARY mode data connection for big.bin (%d bytes).", len(body)))
			tc.drive(c, k)
			s.reply("226 Transfer complete.")
			s.quit()
			files, data, _ := fileRecords(t, path)
			if len(files) != 1 || len(data) != 1 {
				t.Fatalf("%d files, %d data records", len(files), len(data))
			}
			rec := files[0]
			if rec.Bytes != int64(len(body)) || rec.Complete != tc.wantComplete || tc.wantComplete && rec.SHA256 != sha(body) {
				t.Errorf("file %d bytes, complete %v, reasons %q; want %d bytes, complete %v", rec.Bytes, rec.Complete, rec.Reasons, len(body), tc.wantComplete)
			}
			if tc.wantReason != "" && !slicesContains(rec.Reasons, tc.wantReason) {
				t.Errorf("reasons %q lack %q", rec.Reasons, tc.wantReason)
			}
			if d := data[0]; d.Bytes != int64(len(body)) || d.End != tc.wantEnd {
				t.Errorf("data record %d bytes, ended by %s; want %d, %s", d.Bytes, d.End, len(body), tc.wantEnd)
			}
		})
	}
}
