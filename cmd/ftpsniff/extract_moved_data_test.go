package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// appRecord is a TLS application-data record of n bytes in all.
func appRecord(n int) []byte {
	b := make([]byte, n)
	b[0], b[1], b[2], b[3], b[4] = 0x17, 3, 3, byte((n-5)>>8), byte(n-5)
	return b
}

// writeMovedDataCapture writes two FTPS sessions of one client with
// vsftpd at once (the order of /tmp/rev32/fix-record/out's recording):
// a's listing connection opens after b's server spoke last (its 200 to
// TYPE I), so it is taken for b, and a's 226 after its end moves it to
// a; b ends after that.
func writeMovedDataCapture(t *testing.T) string {
	c, path := newWireCap(t)
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	ctl := func(port uint16, seq uint32) *wireConn {
		return &wireConn{c: c, a: netip.AddrPortFrom(cli, port), b: netip.AddrPortFrom(srv, 21), aseq: seq, bseq: seq + 4000}
	}
	login := func(k *wireConn) {
		k.handshake()
		k.fromB([]byte("220 (vsFTPd 3.0.3)\r\n"))
		k.fromA([]byte("AUTH TLS\r\n"))
		k.fromB([]byte("234 Proceed with negotiation.\r\n"))
		k.fromA(append([]byte{0x16, 3, 1, 0, 0x40}, make([]byte, 0x40)...))
		k.fromB(append([]byte{0x16, 3, 3, 1, 0}, make([]byte, 0x100)...))
		k.fromA(append([]byte{0x14, 3, 3, 0, 1, 1}, appRecord(53)...))
		k.fromB(appRecord(53))
		for i, n := range []int{30, 42, 30, 45, 27, 56} { // PBSZ, PROT, USER, PASS
			if i%2 == 0 {
				k.fromA(appRecord(n))
			} else {
				k.fromB(appRecord(n))
			}
		}
	}
	exch := func(k *wireConn, cmd, reply int) {
		k.fromA(appRecord(cmd))
		k.fromB(appRecord(reply))
	}
	a, b := ctl(40684, 1000), ctl(40692, 3000)
	la := &wireConn{c: c, a: netip.AddrPortFrom(cli, 38394), b: netip.AddrPortFrom(srv, 40027), aseq: 100, bseq: 900}
	lb := &wireConn{c: c, a: netip.AddrPortFrom(cli, 42242), b: netip.AddrPortFrom(srv, 40090), aseq: 200, bseq: 1900}
	login(a)
	login(b)
	exch(a, 28, 70) // PASV, 227
	exch(b, 28, 70)
	lb.handshake()
	exch(b, 30, 53) // TYPE I, 200: b's server spoke last
	la.handshake()  // taken for b
	exch(a, 30, 52) // TYPE A, 200
	exch(a, 28, 61) // LIST, 150
	la.fromB(appRecord(929))
	la.closeFromB()
	a.fromB(appRecord(46)) // a's 226: the listing is a's
	exch(a, 28, 36)        // QUIT, 221
	a.closeFromB()
	exch(b, 39, 32) // SIZE, 213
	exch(b, 39, 92) // RETR, 150
	lb.fromB(appRecord(5308))
	lb.closeFromB()
	b.fromB(appRecord(46)) // b's 226
	exch(b, 28, 36)
	b.closeFromB()
	return path
}

// TestExtractDataMovedToAnotherSession: --extract on a capture whose
// data connection the tracker moves from the session it was taken for
// to the one whose final reply came after its end (concurrent FTPS
// sessions of one client). The extractor filed its entry (bytes with no
// command: ciphertext) under the first session; the second's Data call
// closed it and forgot it there only, and the first session's end then
// closed it again: a nil pointer in extractor.close. Read and live share
// the extractor.
func TestExtractDataMovedToAnotherSession(t *testing.T) {
	path := writeMovedDataCapture(t)
	dir := filepath.Join(t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--extract", dir, path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	perSession := map[int]int{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Type    string `json:"type"`
			Session int    `json:"session"`
			Server  string `json:"server"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "data" {
			perSession[r.Session]++
		}
	}
	if perSession[1] != 1 || perSession[2] != 1 {
		t.Errorf("data connections per session %v, want one each", perSession)
	}
}

// TestExtractSessionEndLeavesMovedEntry: a session's end closes only the
// files of data connections that are still its own; one moved to another
// session is left to that one (its Data call, or its end), indexed
// under it. When that Data call came first, the first session's end
// finds nothing of it (before, its stale index entry was closed with no
// file: a nil pointer).
func TestExtractSessionEndLeavesMovedEntry(t *testing.T) {
	for _, dataFirst := range []bool{false, true} {
		d, err := extract.Open(t.TempDir(), extract.Limits{MaxOpen: 10})
		if err != nil {
			t.Fatal(err)
		}
		x := newExtractor(nopSink{}, d, false)
		from, to := &track.Session{ID: 1}, &track.Session{ID: 2}
		dc := &track.DataConn{ID: 1, Session: from}
		x.DataPayload(dc, true, []byte("ciphertext"))
		if x.bySession[from][dc] == nil {
			t.Fatalf("entry not filed under its session")
		}
		dc.Session = to // the tracker moves it (track.Tracker.moveData)
		dc.Done = true
		if dataFirst {
			x.Data(to, dc)
			x.SessionEnd(from)
		} else {
			x.SessionEnd(from)
			if x.files[dc] == nil || x.bySession[to][dc] == nil || x.bySession[from] != nil {
				t.Fatalf("after the first session's end: entry %v, under the second %v, first still indexed %v",
					x.files[dc] != nil, x.bySession[to][dc] != nil, x.bySession[from] != nil)
			}
			x.Data(to, dc)
		}
		x.SessionEnd(to)
		if len(x.files) != 0 || len(x.bySession) != 0 {
			t.Errorf("data first %v: left %d entries, %d sessions indexed", dataFirst, len(x.files), len(x.bySession))
		}
	}
}
