package vantage

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// TestHelperPortMovedByNATAgrees guards the reading of a 227 whose port
// nf_nat_ftp moved: when another expectation holds the announced port's
// tuple, nf_nat_exp_find_port registers the expectation at a higher free
// port (docs/linux-ftp-helper.md N3) and writes that one. A rewrite that
// matches the simulation but for a higher port agrees, the sequence
// offset after it counted with the moved text's length; a lower port, or
// another address, does not.
func TestHelperPortMovedByNATAgrees(t *testing.T) {
	const (
		banner = "220 ready\r\n"
		orig   = "227 Entering Passive Mode (10,1,0,2,156,64).\r\n" // 40000
		after  = "150 Here it comes.\r\n"
	)
	isn1 := uint32(5001)
	at227 := isn1 + uint32(len(banner))
	for _, tc := range []struct {
		name    string
		seen    string
		agrees  bool
		moved   uint16
		verdict string
	}{
		{"moved up, same length", "227 Entering Passive Mode (198,51,100,1,204,69).\r\n", true, 52293, "nf_nat_ftp moved the port"},
		{"moved up, one byte longer", "227 Entering Passive Mode (198,51,100,1,156,164).\r\n", true, 40100, "later segments moved by +5 bytes, as simulated"},
		{"moved down: not the helper", "227 Entering Passive Mode (198,51,100,1,156,63).\r\n", false, 0, "does not act like Linux's FTP helper"},
		{"other address: not the helper", "227 Entering Passive Mode (198,51,100,2,156,65).\r\n", false, 0, "does not act like Linux's FTP helper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := natPair([]string{banner, orig, after}, []string{banner, tc.seen, after},
				[]uint32{isn1, at227, at227 + uint32(len(tc.seen))})
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			CheckHelper(r, nfhelper.Config{})
			hc := r.Sessions[0].Helper
			if hc == nil || len(hc.Steps) != 1 {
				t.Fatalf("helper check %+v", hc)
			}
			st := hc.Steps[0]
			if st.Agrees != tc.agrees || st.MovedPort != tc.moved || !strings.Contains(st.Verdict, tc.verdict) {
				t.Fatalf("agrees %v moved %d (%s); want %v, %d, %q", st.Agrees, st.MovedPort, st.Verdict, tc.agrees, tc.moved, tc.verdict)
			}
		})
	}
}

// TestHelperDataSYNJudgedAgainstMovedPort: the data connection to the
// port nf_nat_ftp moved the 227 to is the helper's (RELATED), not "no
// helper expectation admits this SYN (destination port differs)".
func TestHelperDataSYNJudgedAgainstMovedPort(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	for i, tp := range l.taps {
		tp.c = NewCollector(l.taps[i].c.Name, Options{KeepControlBytes: 1 << 20})
		tp.dec = decode.New(tp.c, decode.Options{})
	}
	c := l.control(40000, 1000, 9000)
	c.command("PASV")
	// The server announces 40001; the router wrote 40035 for the client
	// (the same length).
	l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq, ackf: true,
		payload: fmt.Sprintf("227 Entering Passive Mode (10,1,0,2,%d,%d).\r\n", 40001>>8, 40001&0xff)}, 0)
	moved := fmt.Sprintf("227 Entering Passive Mode (10,1,0,2,%d,%d).\r\n", 40035>>8, 40035&0xff)
	l.deliver(0, frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq, ackf: true, payload: moved}, l.now.Add(hopDelay))
	c.sseq += uint32(len(moved))
	l.tick(5 * time.Millisecond)
	c.command("RETR a.bin")
	// The data connection: the client dials 40035, the router
	// translates it to the server's 40001.
	l.send(frame{fromClient: true, cport: 50000, sport: 40035, seq: 7000, syn: true}, 0)
	l.deliver(1, frame{fromClient: true, cport: 50000, sport: 40001, seq: 7000, syn: true}, l.now.Add(hopDelay))
	l.tick(2 * time.Millisecond)
	l.deliver(1, frame{cport: 50000, sport: 40001, seq: 8000, ack: 7001, syn: true, ackf: true}, l.now)
	l.deliver(0, frame{cport: 50000, sport: 40035, seq: 8000, ack: 7001, syn: true, ackf: true}, l.now.Add(hopDelay))
	l.tick(5 * time.Millisecond)
	c.reply("150 Here comes the data.")
	c.reply("226 Transfer complete.")
	c.quit()
	r := l.merge()
	CheckHelper(r, nfhelper.Config{})
	if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1 || r.Sessions[0].Helper == nil || len(r.Sessions[0].Helper.Steps) != 1 {
		t.Fatalf("%s", describe(r))
	}
	if st := r.Sessions[0].Helper.Steps[0]; !st.Agrees || st.MovedPort != 40035 {
		t.Fatalf("227: agrees %v moved %d (%s)", st.Agrees, st.MovedPort, st.Verdict)
	}
	p := r.Sessions[0].Data[0]
	if p.Helper == nil || p.Helper.Match != nfhelper.MatchOK || p.Helper.Expect.DstPort != 40035 {
		t.Fatalf("data SYN: %+v", p.Helper)
	}
}

// TestHelperHoleBeforeAnnouncementIsNotBlindness guards a hole in the
// sender's sequence numbers at the point on its side (the capture missed
// a segment the router forwarded): like a snap-length cut, it is assumed
// to end a line, so the 227 after it is read and its rewrite agrees,
// never "the helper does not read the 227 (segment does not start after
// a remembered newline)".
func TestHelperHoleBeforeAnnouncementIsNotBlindness(t *testing.T) {
	const (
		banner = "220 ready\r\n"
		missed = "226 ok\r\n"
		orig   = "227 Entering Passive Mode (10,1,0,2,156,64).\r\n"
		seen   = "227 Entering Passive Mode (198,51,100,1,156,64).\r\n"
		after  = "150 Here it comes.\r\n"
	)
	isn1 := uint32(5001)
	at226 := isn1 + uint32(len(banner))
	at227 := at226 + uint32(len(missed))
	cli, srv := natPair([]string{banner, missed, orig, after}, []string{banner, missed, seen, after},
		[]uint32{isn1, at226, at227, at227 + uint32(len(seen))})
	// The server's point did not capture the 226.
	srv.ctlList[0].Segs = slices.Delete(srv.ctlList[0].Segs, 1, 2)
	r, err := Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	CheckHelper(r, nfhelper.Config{})
	hc := r.Sessions[0].Helper
	if hc == nil || len(hc.Steps) != 1 {
		t.Fatalf("helper check %+v", hc)
	}
	if st := hc.Steps[0]; !st.Agrees || st.Result.Action != nfhelper.Expected || strings.Contains(st.Verdict, "does not read") {
		t.Fatalf("227 after a hole: agrees %v action %v (%s)", st.Agrees, st.Result.Action, st.Verdict)
	}
	if !strings.Contains(hc.Incomplete, `"server" did not capture 8 bytes`) {
		t.Fatalf("incomplete %q", hc.Incomplete)
	}
}
