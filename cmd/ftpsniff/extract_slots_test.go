package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// manyTransfers writes n sessions, each a RETR of 3,000 bytes, all open
// at once: every data connection's handshake, then its bytes in rounds of
// 1,000 bytes over all of them, then each one's close and 226. It returns
// the capture and the body every transfer carries.
func manyTransfers(t *testing.T, n int) (string, []byte) {
	t.Helper()
	c, path := newWireCap(t)
	srv := netip.MustParseAddr("10.0.0.1")
	body := wireBody(3000)
	type sess struct{ ctl, data wireConn }
	ss := make([]*sess, n)
	for i := range ss {
		cli := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		port := uint16(40000 + i)
		s := &sess{
			ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000},
			data: wireConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, port), aseq: 70000, bseq: 90000},
		}
		ss[i] = s
		cmd := func(l string) { s.ctl.fromA([]byte(l + "\r\n")) }
		reply := func(l string) { s.ctl.fromB([]byte(l + "\r\n")) }
		s.ctl.handshake()
		reply("220 hello")
		cmd("USER alice")
		reply("331 Password.")
		cmd("PASS secret")
		reply("230 Logged in.")
		cmd("TYPE I")
		reply("200 Binary.")
		cmd("PASV")
		reply(fmt.Sprintf("227 Entering Passive Mode (10,0,0,1,%d,%d).", port>>8, port&0xff))
		cmd(fmt.Sprintf("RETR f%d", i))
		s.data.handshake()
		reply("150 Opening BINARY mode data connection.")
	}
	for r := 0; r < 3; r++ {
		for _, s := range ss {
			s.data.segments(body[r*1000:(r+1)*1000], nil)
		}
	}
	for _, s := range ss {
		s.data.closeFromB()
		s.ctl.fromB([]byte("226 Transfer complete.\r\n"))
	}
	return path, body
}

// fileRecorder is a fileOutput that keeps the file records.
type fileRecorder struct {
	recs []extract.FileRecord
	st   extractStats
}

func (r *fileRecorder) File(_ *track.Session, _ *track.DataConn, rec *extract.FileRecord) {
	r.recs = append(r.recs, *rec)
}
func (r *fileRecorder) ExtractSummary(st extractStats) { r.st = st }

// extractWithTable runs decode, the tracker and the extractor over a
// capture with a payload table of tableConns connections and maxOpen
// open files, and returns the records, the counters and the folder.
func extractWithTable(t *testing.T, path string, tableConns, maxOpen int) (*fileRecorder, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "x")
	d, err := extract.Open(out, extract.Limits{MaxOpen: maxOpen})
	if err != nil {
		t.Fatal(err)
	}
	x := newExtractor(nopSink{}, d, false)
	rec := &fileRecorder{}
	x.out = rec
	trk := track.New(x, track.Options{})
	dec := decode.New(trk, decode.Options{DataPayload: true, MaxPayloadConns: tableConns})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec.Decode(b, ci, r.LinkType())
	}
	dec.Finish()
	p := &pipeline{ext: x, dec: dec}
	p.finishExtract()
	return rec, out
}

// TestExtractMoreTransfersThanSlots guards --extract with more transfers
// open at once than files may be (--extract-max-open) or connections
// reassembled (the payload table): the transfers that get a slot are
// written whole, the others are counted once as not written, and no
// counter exceeds the number of data connections. Before, the tracker
// asked decode to reassemble every data connection, refused ones
// included: they filled the table and evicted the ones with files open
// (re-added mid-stream and evicted again), so every file was 0 bytes,
// "reassembly given up", and the counters counted each re-entry.
func TestExtractMoreTransfersThanSlots(t *testing.T) {
	const n = 8
	path, body := manyTransfers(t, n)
	for _, tc := range []struct {
		name              string
		table, maxOpen    int
		whole             int   // files written whole
		refusedOpen       int64 // not written: no open slot
		notReassembled    int64 // not written: the table full
		payloadRefused    uint64
		payloadFollowedAt uint64
	}{
		{name: "slots fewer than table", table: 4, maxOpen: 2, whole: 2, refusedOpen: 6, payloadFollowedAt: 2},
		{name: "table smaller than slots", table: 4, maxOpen: 100, whole: 4, notReassembled: 4, payloadRefused: 4, payloadFollowedAt: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, dir := extractWithTable(t, path, tc.table, tc.maxOpen)
			st := rec.st
			whole := 0
			for _, r := range rec.recs {
				b, err := os.ReadFile(filepath.Join(dir, r.File))
				if err != nil {
					t.Fatal(err)
				}
				if r.Complete && r.Bytes == int64(len(body)) && bytes.Equal(b, body) {
					whole++
				} else {
					t.Errorf("file %s: %d bytes, complete %v, reasons %q", r.File, r.Bytes, r.Complete, r.Reasons)
				}
			}
			if whole != tc.whole || len(rec.recs) != tc.whole {
				t.Errorf("%d files whole of %d records, want %d", whole, len(rec.recs), tc.whole)
			}
			if st.Files.RefusedOpen != tc.refusedOpen || st.NotReassembled != tc.notReassembled ||
				st.Payload.Refused != tc.payloadRefused || st.Payload.Conns != tc.payloadFollowedAt {
				t.Errorf("refused_open %d, not_reassembled %d, reassembly refused %d, followed %d; want %d, %d, %d, %d",
					st.Files.RefusedOpen, st.NotReassembled, st.Payload.Refused, st.Payload.Conns,
					tc.refusedOpen, tc.notReassembled, tc.payloadRefused, tc.payloadFollowedAt)
			}
			if st.GivenUp != 0 || st.Payload.Evicted != 0 || st.Payload.StartUnknown != 0 {
				t.Errorf("given up %d, evicted %d, start unknown %d: want none", st.GivenUp, st.Payload.Evicted, st.Payload.StartUnknown)
			}
			// Whatever happens, the counters count connections.
			for name, v := range map[string]uint64{
				"refused_open": uint64(st.Files.RefusedOpen), "given_up": uint64(st.GivenUp),
				"not_reassembled": uint64(st.NotReassembled), "conns": st.Payload.Conns,
				"evicted": st.Payload.Evicted, "refused": st.Payload.Refused, "start_unknown": st.Payload.StartUnknown,
			} {
				if v > n {
					t.Errorf("%s = %d, more than the %d data connections", name, v, n)
				}
			}
			if st.Files.Open != 0 || len(rec.recs)+int(st.Files.RefusedOpen+st.NotReassembled) != n {
				t.Errorf("open %d; %d files + %d refused + %d not reassembled, want %d transfers",
					st.Files.Open, len(rec.recs), st.Files.RefusedOpen, st.NotReassembled, n)
			}
		})
	}
}

// TestExtractSessionEndLooksAtItsFiles guards the cost of a session's end
// and of its unsolicited 4xx: they look at that session's files only (an
// index by session), not at every file open. Before, each looped over all
// of them, refused transfers included: sessions × open transfers (18 s at
// 16,000 transfers open at once).
func TestExtractSessionEndLooksAtItsFiles(t *testing.T) {
	d, err := extract.Open(t.TempDir(), extract.Limits{MaxOpen: 10})
	if err != nil {
		t.Fatal(err)
	}
	x := newExtractor(nopSink{}, d, false)
	const sessions, each = 500, 3
	ss := make([]*track.Session, sessions)
	id := 0
	for i := range ss {
		ss[i] = &track.Session{ID: i + 1}
		for range each {
			id++
			dc := &track.DataConn{ID: id, Session: ss[i], Command: &track.Command{Verb: "RETR"}}
			x.ChoosePayload(dc) // 10 reserved, the rest refused
		}
	}
	if len(x.files) != sessions*each || x.slots != 10 {
		t.Fatalf("%d entries, %d slots", len(x.files), x.slots)
	}
	s := ss[sessions/2]
	x.visited = 0
	x.Event(s, &track.Event{Kind: track.EventUnsolicited, Code: 421})
	x.SessionEnd(s)
	if x.visited != 2*each {
		t.Errorf("a session's event and end looked at %d files, want %d (its own, twice)", x.visited, 2*each)
	}
	if len(x.files) != (sessions-1)*each || x.bySession[s] != nil {
		t.Errorf("after the end: %d entries (want %d), session still indexed: %v", len(x.files), (sessions-1)*each, x.bySession[s] != nil)
	}
	for dc := range x.files {
		if x.bySession[dc.Session][dc] != x.files[dc] {
			t.Fatalf("data %d not indexed under its session", dc.ID)
		}
	}
	// The first session's reservations go with it, and free their slots.
	x.SessionEnd(ss[0])
	if x.slots != 10-each {
		t.Errorf("%d slots held after the first session ended, want %d", x.slots, 10-each)
	}
}
