package vantage

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// TestHelperLateRetransmissionPairedWithItsOwnCopy guards a 227 the
// server sent again after its next reply, through a DNAT router whose
// helper rewrote the first copy (10,1,0,2 to 198,51,100,1: +4 bytes) and,
// the start of the 227 forgotten by then (L4), left the retransmission as
// it was, at the offset from before the rewrite (the shapes of
// d3-227-late-retrans-dnat and d3-lost, recorded on Linux 6.18.44). Each
// copy the client's point saw is paired with the server's copy it was
// forwarded from, although the points' clocks put the retransmission's
// arrival a little before its sending: by its length and by its coming
// after newer bytes. Before, the retransmission's step looked for it at
// the offset seen after the rewrite ("never saw the segment"), and the
// first copy's step took the client's only copy, the unrewritten
// retransmission, for its own ("does not act like Linux's FTP helper").
func TestHelperLateRetransmissionPairedWithItsOwnCopy(t *testing.T) {
	const (
		banner    = "220 ready\r\n"
		orig      = "227 Entering Passive Mode (10,1,0,2,156,100).\r\n"
		rewritten = "227 Entering Passive Mode (198,51,100,1,156,100).\r\n"
		here      = "150 Here.\r\n"
		done      = "226 Done.\r\n"
	)
	d := uint32(len(rewritten) - len(orig))
	at227 := uint32(5001 + len(banner))
	at150 := at227 + uint32(len(orig))
	at226 := at150 + uint32(len(here))
	for _, tc := range []struct {
		name       string
		cli        []string
		cliSeq     []uint32
		firstSeen  bool
		retransNum uint64 // the client point's packet of the retransmission
	}{
		{"both copies reached the client's point", []string{banner, rewritten, here, orig, done}, []uint32{5001, at227, at150 + d, at227, at226 + d}, true, 13},
		{"the first copy lost past the router", []string{banner, here, orig, done}, []uint32{5001, at150 + d, at227, at226 + d}, false, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := natPair([]string{banner, orig, here, orig, done}, tc.cli, tc.cliSeq)
			segs := srv.ctlList[0].Segs
			segs[3].Seq, segs[4].Seq = at227, at226
			// The retransmission reached the client's point 2 µs before
			// the server's point saw it leave, by their clocks.
			cs := cli.ctlList[0].Segs
			cs[len(cs)-2].ts = segs[3].ts - 2000
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			CheckHelper(r, nfhelper.Config{})
			hc := r.Sessions[0].Helper
			if hc == nil || len(hc.Steps) != 2 {
				t.Fatalf("helper check %+v", hc)
			}
			first, again := hc.Steps[0], hc.Steps[1]
			if first.Result.Action != nfhelper.Expected || again.Result.Action != nfhelper.NotAtLineStart {
				t.Fatalf("simulated %v then %v", first.Result.Action, again.Result.Action)
			}
			if first.Forwarded != tc.firstSeen || (tc.firstSeen && (!first.Agrees || first.OutNum != 11)) {
				t.Errorf("first copy: forwarded %v (packet %d), agrees %v: %s", first.Forwarded, first.OutNum, first.Agrees, first.Verdict)
			}
			if !tc.firstSeen && (first.Agrees || !strings.Contains(first.Verdict, `"client" never saw it`)) {
				t.Errorf("lost first copy: %s", first.Verdict)
			}
			if !again.Forwarded || again.OutNum != tc.retransNum || !again.TextAgrees || !again.Agrees {
				t.Fatalf("retransmission: forwarded %v (packet %d), text agrees %v: %s", again.Forwarded, again.OutNum, again.TextAgrees, again.Verdict)
			}
			for _, want := range []string{"the retransmitted 227 left the router unrewritten, naming 10.1.0.2:40036, where the helper rewrote its first copy (packet 11) to 198,51,100,1,156,100",
				"The router moves the sequence numbers after the rewrite by +4 bytes, but not this copy's, which starts at it, so it ends 4 bytes short"} {
				if !strings.Contains(again.Verdict, want) {
					t.Errorf("verdict %q lacks %q", again.Verdict, want)
				}
			}
		})
	}
}

// TestHelperUnrewrittenRetransmissionOverlapsTheStream guards a PORT
// shortened by nf_nat_ftp and sent again after the next command, the
// shape of d12-snat-port-pad-late-retrans (recorded on Linux 6.18.44: 7
// bytes shorter; here 5): seqadj gives the copy at the rewrite point the
// offset from before it (0), so the far point saw it at the first copy's
// sequence number, not 5 lower, and its last bytes lay over the start of
// "RETR f" (in the recording the server, lacking the first copy, read
// "PORT 010,…,080\r\n\n" and never got the RETR). Before, the step was
// looked for at the offset seen after the rewrite ("never saw the
// segment") and nothing said what the copy did to the stream.
func TestHelperUnrewrittenRetransmissionOverlapsTheStream(t *testing.T) {
	const (
		orig      = "PORT 010,097,002,002,195,080\r\n"
		rewritten = "PORT 203,0,113,1,195,80\r\n"
		retr      = "RETR f\r\n"
	)
	t0 := time.Date(2026, 12, 5, 3, 41, 0, 0, time.UTC)
	mk := func(name string, client, server string, segs []string, seqs []uint32) *Collector {
		c := NewCollector(name, Options{KeepControlBytes: 1 << 20})
		at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
		x := &Control{Client: ap(client), Server: ap(server), ISN: [2]uint32{1000, 5000},
			HaveISN: [2]bool{true, true}, SYN: at(0), SYNACK: at(2), Start: at(0)}
		c.add(x, false, 5001, at(5), 5, []byte("220 ready\r\n"), false)
		for k, p := range segs {
			c.add(x, true, seqs[k], at(10+k), uint64(10+k), []byte(p), false)
		}
		c.ctlList = append(c.ctlList, x)
		return c
	}
	const user, pass = "USER a\r\n", "PASS b\r\n"
	atPass := uint32(1001 + len(user))
	atPort := atPass + uint32(len(pass))
	atRetr := atPort + uint32(len(orig))
	// The client at 10.97.2.2 behind an SNAT to 203.0.113.1.
	cli := mk("client", "10.97.2.2:55508", "192.0.2.21:21", []string{user, pass, orig, retr, orig}, []uint32{1001, atPass, atPort, atRetr, atPort})
	srv := mk("server", "203.0.113.1:55508", "192.0.2.21:21", []string{user, pass, rewritten, retr, orig}, []uint32{1001, atPass, atPort, atRetr - 5, atPort})
	r, err := Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	CheckHelper(r, nfhelper.Config{})
	hc := r.Sessions[0].Helper
	if hc == nil || len(hc.Steps) != 2 {
		t.Fatalf("helper check %+v", hc)
	}
	if st := hc.Steps[0]; st.Result.Action != nfhelper.Expected || st.Result.Rewrite.Delta() != -5 || !st.Agrees {
		t.Fatalf("first copy: %v %+d: %s", st.Result.Action, st.Result.Rewrite.Delta(), st.Verdict)
	}
	st := hc.Steps[1]
	if st.Result.Action != nfhelper.NotAtLineStart || !st.Forwarded || st.OutNum != 14 || !st.Agrees {
		t.Fatalf("retransmission: %v forwarded %v (packet %d): %s", st.Result.Action, st.Forwarded, st.OutNum, st.Verdict)
	}
	for _, want := range []string{"the retransmitted PORT left the router unrewritten, naming 10.97.2.2:50000",
		`its last 5 bytes lie over the next 5 that "server" got ("RETR ")`,
		"its control stream no longer lines up with what the sender wrote"} {
		if !strings.Contains(st.Verdict, want) {
			t.Errorf("verdict %q lacks %q", st.Verdict, want)
		}
	}
}
