package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// uploadSegments sends body from the client (a) in segments of 1000
// bytes, each acknowledged by the server.
func (k *wireConn) uploadSegments(body []byte) {
	for len(body) > 0 {
		n := min(1000, len(body))
		k.fromA(body[:n])
		body = body[n:]
	}
}

// hasReasonPrefix tells whether one of reasons starts with prefix.
func hasReasonPrefix(reasons []string, prefix string) bool {
	for _, r := range reasons {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return false
}

// TestExtractResetOutlivedUploadWhole guards a STOR of 20000 bytes with
// an RST at exactly the next sequence number after 10000 (forged, or
// dropped by the server for a wrong checksum: payload reassembly does
// not check checksums), after which the client goes on and the server
// acknowledges every byte, closes and says 226. The tracker holds such an
// RST and undoes it (the data record counts 20000). Before, reassembly
// ended the stream at the RST: the file was the first 10000 bytes,
// "complete", its hashes those of half the file.
func TestExtractResetOutlivedUploadWhole(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	body := wireBody(20000)
	k.handshake()
	s.cmd("STOR up.bin")
	s.reply("150 Ok to send data.")
	k.uploadSegments(body[:10000])
	c.pkt(k.a, k.b, k.aseq, 0, "R", nil)
	k.uploadSegments(body[10000:])
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	s.reply("226 Transfer complete.")
	s.quit()
	rec, got, st := oneFile(t, path)
	if !bytes.Equal(got, body) || rec.SHA256 != sha(body) || !rec.Complete {
		t.Errorf("file %d bytes, complete %v, reasons %q; want the 20000 bytes sent, complete", len(got), rec.Complete, rec.Reasons)
	}
	if st.Payload.ResetsOutlived != 1 || st.Payload.AfterEnd != 0 {
		t.Errorf("reassembly %+v; want resets_outlived 1, after_end 0", st.Payload)
	}
}

// TestExtractFinBehindForgedTailNotComplete guards a STOR of 10000 bytes
// followed by 500 forged bytes at the next sequence number (a wrong
// checksum: the server drops them), then the client's real FIN at 10000,
// which the server acknowledges (10001), and 226. Before, the FIN behind
// the bytes delivered was ignored: the file was 10500 bytes, "complete",
// its last 500 never received by the server. The file keeps the bytes
// (which version the server took is not known to reassembly) and says it
// has two versions of its end.
func TestExtractFinBehindForgedTailNotComplete(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	body := wireBody(10000)
	k.handshake()
	s.cmd("STOR up.bin")
	s.reply("150 Ok to send data.")
	k.uploadSegments(body)
	c.pkt(k.a, k.b, k.aseq, k.bseq, "PA", bytes.Repeat([]byte("EVIL"), 125)) // forged
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	s.reply("226 Transfer complete.")
	s.quit()
	rec, _, _ := oneFile(t, path)
	const why = "a FIN ends the stream at offset 10000, before bytes up to offset 10500: two versions of the end"
	if rec.Complete || !hasReasonPrefix(rec.Reasons, why) {
		t.Errorf("complete %v, reasons %q; want not complete: %q", rec.Complete, rec.Reasons, why)
	}
}

// TestExtractUncheckedCopyNotComplete guards a RETR of 400000 bytes
// whose first 1000 came only as a forged copy (the client dropped it: a
// wrong checksum), the real ones sent again after the rest, more than the
// recent bytes kept (256 KiB) later. The file holds the forged bytes and
// the copy could not be compared: its content is not proven, so it is not
// complete, and its reasons say why. Before, it was complete with only a
// note (and before that, only the global unchecked_copies said anything).
func TestExtractUncheckedCopyNotComplete(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	const n = 400000
	body := wireBody(n)
	k.handshake()
	s.cmd("RETR x.bin")
	s.reply("150 Opening BINARY mode data connection for x.bin (400000 bytes).")
	base := k.bseq
	c.pkt(k.b, k.a, base, k.aseq, "PA", bytes.Repeat([]byte{'A'}, 1000)) // forged; the real segment lost before the capture
	for i := 1000; i < n; i += 1000 {
		c.pkt(k.b, k.a, base+uint32(i), k.aseq, "PA", body[i:i+1000])
		c.pkt(k.a, k.b, k.aseq, base, "A", nil) // (duplicate ACKs: the client misses the first segment)
	}
	c.pkt(k.b, k.a, base, k.aseq, "PA", body[:1000]) // the real one, sent again
	k.bseq = base + n
	c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()
	rec, _, _ := oneFile(t, path)
	// Held against the file: which copy the receiver kept is not known.
	const why = "a copy of bytes at offset 0 could not be compared"
	if rec.Complete || !hasReasonPrefix(rec.Reasons, why) {
		t.Errorf("complete %v, reasons %q; want not complete: %q", rec.Complete, rec.Reasons, why)
	}
}

// fileSink keeps the file records an extractor shows.
type fileSink struct {
	track.Sink
	recs []extract.FileRecord
}

func (f *fileSink) File(_ *track.Session, _ *track.DataConn, r *extract.FileRecord) {
	f.recs = append(f.recs, *r)
}
func (f *fileSink) ExtractSummary(extractStats) {}

// TestExtractFileShorterThanDataRecordNotComplete guards the general
// check behind the reassembly fixes: a file whose stream disagrees with
// the bytes the tracker counted on its data connection the file's way
// (the data record's bytes) is not complete, whatever made them differ,
// and says so. Before, the file's size was never compared with that
// count: a file of 10000 bytes was complete next to a data record of
// 20000.
func TestExtractFileShorterThanDataRecordNotComplete(t *testing.T) {
	d, err := extract.Open(filepath.Join(t.TempDir(), "x"), extract.Limits{MaxOpen: 4, MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sess := &track.Session{ID: 1}
	c := &track.Command{Verb: "STOR", Arg: "up.bin", Status: track.StatusAnswered, Replies: []track.Reply{{Code: 150}, {Code: 226}}}
	for _, tc := range []struct {
		counted  int64
		complete bool
	}{{10000, true}, {20000, false}} {
		dc := &track.DataConn{ID: 1, Session: sess, Command: c, Passive: true, ExpectedSize: -1, Type: "I", EndReason: track.EndFIN}
		dc.Bytes[0] = tc.counted // from the client, the opener: the file's way
		out := &fileSink{}
		x := newExtractor(out, d, false)
		x.out = out
		x.DataPayload(dc, false, wireBody(10000))
		x.close(dc, x.files[dc])
		if len(out.recs) != 1 {
			t.Fatalf("%d records", len(out.recs))
		}
		rec := out.recs[0]
		why := "the data connection carried 20000 bytes this way (the data record's bytes), the file's stream 10000"
		if rec.Complete != tc.complete || !tc.complete && !hasReasonPrefix(rec.Reasons, why) {
			t.Errorf("counted %d: complete %v, reasons %q; want complete %v", tc.counted, rec.Complete, rec.Reasons, tc.complete)
		}
		os.Remove(filepath.Join(d.Path(), rec.File))
	}
}

// TestExtractSelectionKeepsFileRecords guards --json with the flags that
// filter records: --min-severity kept no file or extraction record at
// all (the filter did not pass them on) while the files were written, and
// --session N wrote every session's files. The file records of the
// sessions shown are kept whatever --min-severity, and the selection
// flags limit what is extracted to the sessions they select.
func TestExtractSelectionKeepsFileRecords(t *testing.T) {
	c, path := newWireCap(t)
	for i, cli := range []string{"10.0.0.2", "10.0.0.3"} {
		ca, srv := netip.MustParseAddr(cli), netip.MustParseAddr("10.0.0.1")
		s := &wireSession{
			ctl:  wireConn{c: c, a: netip.AddrPortFrom(ca, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000},
			data: wireConn{c: c, a: netip.AddrPortFrom(ca, 50001), b: netip.AddrPortFrom(srv, uint16(40000+i)), aseq: 70000, bseq: 90000},
		}
		s.ctl.handshake()
		s.reply("220 (vsFTPd 3.0.5)")
		s.cmd("USER alice")
		s.reply("331 Please specify the password.")
		s.cmd("PASS secret")
		s.reply("230 Login successful.")
		s.cmd("TYPE I")
		s.reply("200 Switching to Binary mode.")
		s.cmd("PASV")
		if i == 0 {
			s.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
		} else {
			s.reply("227 Entering Passive Mode (10,0,0,1,156,65).")
		}
		k := &s.data
		k.handshake()
		s.cmd("RETR f" + string(rune('1'+i)))
		s.reply("150 Opening BINARY mode data connection (3000 bytes).")
		k.segments(wireBody(3000), nil)
		k.closeFromB()
		s.reply("226 Transfer complete.")
		s.quit()
	}
	for _, tc := range []struct {
		flags    []string
		sessions []int
	}{
		{[]string{"--min-severity", "error"}, []int{1, 2}},
		{[]string{"--session", "2"}, []int{2}},
		{[]string{"--client", "10.0.0.2"}, []int{1}},
	} {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			files, _, st, dir := fileRecordsStats(t, path, tc.flags...)
			var got []int
			for _, f := range files {
				got = append(got, f.Session)
			}
			names, _ := os.ReadDir(dir)
			if len(got) != len(tc.sessions) || got[0] != tc.sessions[0] || len(names) != len(tc.sessions) || st.Files.Files != int64(len(tc.sessions)) {
				t.Errorf("file records of sessions %v, %d files in the folder, extraction record files %d; want sessions %v, as many files",
					got, len(names), st.Files.Files, tc.sessions)
			}
		})
	}
}

// TestExtractForgedFinPairNotComplete guards a STOR of 20000 bytes with a
// forged pair of FINs after 10000 (wrong checksums: the peers drop them),
// after which the client goes on, the server acknowledges every byte,
// and says 226. The tracker ends the data connection at the FINs (its
// data record counts 10000), so the rest reaches no file. Before, the
// file was the first 10000 bytes, "complete"; it says the connection
// went on after its FINs.
func TestExtractForgedFinPairNotComplete(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	body := wireBody(20000)
	k.handshake()
	s.cmd("STOR up.bin")
	s.reply("150 Ok to send data.")
	k.uploadSegments(body[:10000])
	c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)   // forged
	c.pkt(k.b, k.a, k.bseq, k.aseq+1, "FA", nil) // forged
	k.uploadSegments(body[10000:])
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	s.reply("226 Transfer complete.")
	s.quit()
	rec, _, _ := oneFile(t, path)
	const why = "the data connection went on after its FINs"
	if rec.Complete || !hasReasonPrefix(rec.Reasons, why) {
		t.Errorf("complete %v, reasons %q; want not complete: %q", rec.Complete, rec.Reasons, why)
	}
}
