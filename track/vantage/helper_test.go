package vantage

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// natPair builds the two points around a DNAT router: the client dials
// 198.51.100.1:21, the server is 10.1.0.2:21. serverSegs are the server's
// replies as the server's point saw them, clientSegs as the client's did.
func natPair(serverSegs, clientSegs []string, clientSeq []uint32) (*Collector, *Collector) {
	const isn = 5000
	mk := func(name, server string, skew time.Duration, replies []string, seqs []uint32) *Collector {
		c := NewCollector(name, Options{KeepControlBytes: 1 << 20})
		at := func(ms int) time.Time { return t0.Add(skew + time.Duration(ms)*time.Millisecond) }
		x := &Control{Client: ap("203.0.113.7:40000"), Server: ap(server), ISN: [2]uint32{1000, isn},
			HaveISN: [2]bool{true, true}, SYN: at(0), SYNACK: at(2), Start: at(0)}
		seq := uint32(isn + 1)
		for k, r := range replies {
			if seqs != nil {
				seq = seqs[k]
			}
			c.add(x, false, seq, at(10+k), uint64(10+k), []byte(r), false)
			seq += uint32(len(r))
		}
		c.ctlList = append(c.ctlList, x)
		return c
	}
	return mk("client", "198.51.100.1:21", 0, clientSegs, clientSeq), mk("server", "10.1.0.2:21", 0, serverSegs, nil)
}

// TestCheckHelperRewrite guards the comparison of the simulated nf_nat_ftp
// with what a router wrote: the text byte for byte and the sequence offset
// of the segments after it, both ways of getting it wrong included.
func TestCheckHelperRewrite(t *testing.T) {
	const (
		banner = "220 ready\r\n"
		orig   = "227 Entering Passive Mode (010,001,000,002,156,100).\r\n"
		after  = "150 Here it comes.\r\n"
	)
	const rewritten = "227 Entering Passive Mode (198,51,100,1,156,100).\r\n"
	delta := int32(len(rewritten) - len(orig)) // -3
	isn1 := uint32(5001)
	at227 := isn1 + uint32(len(banner))
	tests := []struct {
		name      string
		seen227   string
		afterSeq  uint32 // where the client's point saw the 150
		agrees    bool
		textAgree bool
		shiftSeen int32
		verdict   string
	}{
		{"rewritten as simulated", rewritten, at227 + uint32(len(rewritten)), true, true, delta, "later segments moved by -3 bytes, as simulated"},
		{"left untranslated", orig, at227 + uint32(len(orig)), false, false, 0, "does not act like Linux's FTP helper"},
		{"rewritten, sequence not adjusted", rewritten, at227 + uint32(len(orig)), false, true, 0, "later segments moved by +0 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := natPair([]string{banner, orig, after}, []string{banner, tc.seen227, after},
				[]uint32{isn1, at227, tc.afterSeq})
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
			if st.Result.Action != nfhelper.Expected || st.Result.Rewrite.Delta() != delta {
				t.Fatalf("simulation: %v, delta %d", st.Result.Action, st.Result.Rewrite.Delta())
			}
			if !st.Forwarded || st.TextAgrees != tc.textAgree || st.Agrees != tc.agrees || !st.ShiftKnown || st.ShiftSeen != tc.shiftSeen || st.ShiftSim != delta {
				t.Fatalf("step %+v", st)
			}
			if !strings.Contains(st.Verdict, tc.verdict) {
				t.Fatalf("verdict %q lacks %q", st.Verdict, tc.verdict)
			}
		})
	}
}

// TestCheckHelperDrop: a 227 whose numbers the first segment cuts off is
// dropped by the helper; it agrees only when the client's point never saw
// that segment.
func TestCheckHelperDrop(t *testing.T) {
	const first, rest = "227 Entering Passive Mode (10,1,", "0,2,156,100).\r\n"
	seq := uint32(5001 + len("220 ready\r\n"))
	for _, reached := range []bool{false, true} {
		clientSegs, clientSeqs := []string{"220 ready\r\n", rest}, []uint32{5001, seq + uint32(len(first))}
		if reached {
			clientSegs, clientSeqs = []string{"220 ready\r\n", first, rest}, []uint32{5001, seq, seq + uint32(len(first))}
		}
		cli, srv := natPair([]string{"220 ready\r\n", first, rest, first}, clientSegs, clientSeqs)
		// The server's point saw the first part twice (a retransmission).
		srv.ctlList[0].Segs[3].Seq = seq
		r, err := Merge([]*Collector{cli, srv})
		if err != nil {
			t.Fatal(err)
		}
		CheckHelper(r, nfhelper.Config{})
		hc := r.Sessions[0].Helper
		if len(hc.Steps) != 1 {
			t.Fatalf("steps %+v", hc.Steps)
		}
		st := hc.Steps[0]
		if st.Result.Action != nfhelper.PartialDrop || st.Copies != 2 || st.Forwarded != reached || st.Agrees == reached {
			t.Fatalf("reached %v: step %+v", reached, st)
		}
	}
}

// TestAnnouncementLostInBetween: an announcement only the server's point
// saw is reported as lost, and the ones after it still pair with their
// own copies (pairing by index would shift them all).
func TestAnnouncementLostInBetween(t *testing.T) {
	ann := func(port uint16, ms int, addr string) Announcement {
		return Announcement{Via: ftp.ViaPASV, Endpoint: ap(addr + ":" + itoa(port)), TS: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	cli := point("client", 0, 0, "198.51.100.1", nil)
	srv := point("server", 0, 1, "10.1.0.2", nil)
	cli.ctlList[0].Announce = []Announcement{ann(40001, 100, "198.51.100.1"), ann(40003, 300, "198.51.100.1")}
	srv.ctlList[0].Announce = []Announcement{ann(40001, 100, "10.1.0.2"), ann(40002, 200, "10.1.0.2"), ann(40003, 300, "10.1.0.2")}
	r, err := Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	as := r.Sessions[0].Announcements
	if len(as) != 3 {
		t.Fatalf("%d announcements", len(as))
	}
	if !as[0].Rewritten || !as[2].Rewritten || as[1].Rewritten {
		t.Fatalf("rewritten: %v %v %v", as[0].Rewritten, as[1].Rewritten, as[2].Rewritten)
	}
	if !as[1].Missing || as[1].Views[0] != nil || !strings.Contains(as[1].Verdict, `never reached "client"`) {
		t.Fatalf("lost announcement: %+v", as[1])
	}

	// A 227 only the client's point saw was not lost on the way: the
	// server's capture missed it.
	srv.ctlList[0].Announce = srv.ctlList[0].Announce[:1]
	r, err = Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	if as := r.Sessions[0].Announcements; len(as) != 2 || !as[1].Missing || !strings.Contains(as[1].Verdict, `not seen at "server", not a loss: "server" did not capture it, though it passed there`) {
		t.Fatalf("gap at the sender's side: %+v", as)
	}
}

// TestPORTUntranslatedAgainstServerSide: a PORT is judged against the
// client's address as the server sees it, not the server's.
func TestPORTUntranslatedAgainstServerSide(t *testing.T) {
	for _, tc := range []struct {
		clientAtServer string
		untranslated   bool
	}{
		{"10.0.0.2:40000", false},    // no SNAT: the PORT names the client as the server sees it
		{"198.51.100.9:40000", true}, // SNAT to a public address the PORT does not name
	} {
		cli := point("client", 0, 0, "198.51.100.1", nil)
		srv := point("server", 0, 1, "10.1.0.2", nil)
		srv.ctlList[0].Client = ap(tc.clientAtServer)
		port := Announcement{Via: ftp.ViaPORT, Endpoint: ap("10.0.0.2:45000"), TS: t0.Add(50 * time.Millisecond)}
		cli.ctlList[0].Announce = []Announcement{port}
		srv.ctlList[0].Announce = []Announcement{port}
		r, err := Merge([]*Collector{cli, srv})
		if err != nil {
			t.Fatal(err)
		}
		if a := r.Sessions[0].Announcements[0]; a.Untranslated != tc.untranslated {
			t.Errorf("client seen at %s: untranslated %v (%s)", tc.clientAtServer, a.Untranslated, a.Verdict)
		}
	}
}

func itoa(p uint16) string {
	b := []byte{}
	for p > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + p%10)}, b...)
		p /= 10
	}
	return string(b)
}

// TestHelperAcrossNAT64SaysWhy guards the helper check of a session a
// router translated between IPv4 and IPv6: the simulation cannot take a
// NAT of the other family, and the check says why no helper acts there
// instead of the simulator's internal error.
func TestHelperAcrossNAT64SaysWhy(t *testing.T) {
	s := &Session{
		Views: []*Control{
			{Client: ap("[2001:db8::7]:40000"), Server: ap("[64:ff9b::c000:20a]:21")},
			{Client: ap("192.0.2.99:40000"), Server: ap("192.0.2.10:21")},
		},
		Order:      []int{0, 1},
		OrderKnown: true,
	}
	r := &Report{Sessions: []*Session{s}}
	CheckHelper(r, nfhelper.Config{})
	if s.Helper == nil || !strings.Contains(s.Helper.Incomplete, "NAT64") || strings.Contains(s.Helper.Incomplete, "nfhelper:") {
		t.Fatalf("helper check: %+v", s.Helper)
	}
}
