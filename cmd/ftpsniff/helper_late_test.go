package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

type findingList []*diagnose.Finding

func (l *findingList) Finding(f *diagnose.Finding) { *l = append(*l, f) }

// unlinkedHandler is a tracker that links no data connection.
type unlinkedHandler struct{ nopHandler }

func (unlinkedHandler) Owner(a, b netip.AddrPort) *track.Session { return nil }

// TestHelperJudgesSYNsTheTrackerDidNotLink guards the data SYNs to an
// endpoint whose expectation the helper no longer holds: a second
// connection to a 227's port (an expectation lets one through), a
// connection to the first of two 227s (max_expected = 1: the second
// replaced it) and one after the 300 s timeout. The tracker links none of
// them to an announcement, so Data never judged them and no verdict came
// (reviewer's exp-oneshot, exp-evict, exp-timeout).
func TestHelperJudgesSYNsTheTrackerDidNotLink(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pasv  []string // the 227s' port numbers text
		wait  time.Duration
		syns  int // data SYNs to port 40000, from ports 50000, 50001, ...
		wantN int
		want  string
	}{
		{"oneshot", []string{"156,64"}, 0, 2, 1, "was used by the data connection from 198.51.100.7:50000"},
		{"evict", []string{"156,64", "156,65"}, 0, 1, 1, "was replaced by the one for the later 227"},
		{"timeout", []string{"156,64"}, 301 * time.Second, 1, 1, "expired 5m1s after the announcement"},
		{"retransmitted", []string{"156,64"}, 0, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got findingList
			h := newHelperLayer(nfhelper.Config{}, nopSink{}, &got, portSetOf([]uint16{21}))
			h.next = unlinkedHandler{}
			cli := netip.MustParseAddrPort("198.51.100.7:40013")
			srv := netip.MustParseAddrPort("203.0.113.10:21")
			ts := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
			num := uint64(0)
			seg := func(src, dst netip.AddrPort, seq uint32, fl decode.TCPFlags, p string) {
				ts = ts.Add(time.Millisecond)
				num++
				h.Segment(&decode.Segment{Src: src, Dst: dst, Seq: seq, Flags: fl, Payload: []byte(p), PayloadLen: len(p), TS: ts, Num: num})
			}
			seg(cli, srv, 100, decode.FlagSYN, "")
			seg(srv, cli, 500, decode.FlagSYN|decode.FlagACK, "")
			seg(srv, cli, 501, decode.FlagACK, "220 hi\r\n")
			cseq, sseq := uint32(101), uint32(509)
			for _, p := range tc.pasv {
				seg(cli, srv, cseq, decode.FlagACK, "PASV\r\n")
				cseq += 6
				line := "227 Entering Passive Mode (203,0,113,10," + p + ")\r\n"
				seg(srv, cli, sseq, decode.FlagACK, line)
				sseq += uint32(len(line))
			}
			h.conns[decode.MakeConnKey(cli, srv)].sess = &track.Session{}
			ts = ts.Add(tc.wait)
			data := netip.MustParseAddrPort("203.0.113.10:40000")
			for i := range tc.syns {
				from := netip.AddrPortFrom(cli.Addr(), uint16(50000+i))
				seg(from, data, 7000, decode.FlagSYN, "")
				seg(from, data, 7000, decode.FlagSYN, "") // its retransmission: judged once
			}
			if tc.syns == 0 {
				from := netip.AddrPortFrom(cli.Addr(), 50000)
				seg(from, data, 7000, decode.FlagSYN, "")
				seg(from, data, 7000, decode.FlagSYN, "") // the opener's retransmission: no verdict
			}
			if len(got) != tc.wantN {
				t.Fatalf("%d findings, want %d: %v", len(got), tc.wantN, got)
			}
			for _, f := range got {
				if f.Code != CodeHelperBlocks || !strings.Contains(f.Message, tc.want) {
					t.Errorf("finding %s: %s", f.Code, f.Message)
				}
			}
		})
	}
}
