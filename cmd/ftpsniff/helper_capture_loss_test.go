package main

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// findingRec records the findings a helperLayer reports.
type findingRec []*diagnose.Finding

func (r *findingRec) Finding(f *diagnose.Finding) { *r = append(*r, f) }

func (r findingRec) codes() []string {
	var out []string
	for _, f := range r {
		out = append(out, f.Code+": "+f.Message)
	}
	return out
}

// helperWire feeds hand-made segments to a helperLayer attached to port
// 21, with the tracker's session of each control connection started.
type helperWire struct {
	h   *helperLayer
	rec *findingRec
	ts  time.Time
}

func newHelperWire() *helperWire {
	rec := &findingRec{}
	h := newHelperLayer(nfhelper.Config{}, nopSink{}, rec, portSetOf([]uint16{21}))
	h.next = nopHandler{}
	return &helperWire{h: h, rec: rec, ts: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
}

func (w *helperWire) seg(src, dst netip.AddrPort, seq uint32, fl decode.TCPFlags, p string) {
	w.ts = w.ts.Add(time.Millisecond)
	w.h.Segment(&decode.Segment{Src: src, Dst: dst, Seq: seq, Flags: fl, Payload: []byte(p), PayloadLen: len(p), TS: w.ts})
}

// open makes the handshake of cli to srv and starts its session.
func (w *helperWire) open(cli, srv netip.AddrPort, cseq, sseq uint32) {
	w.seg(cli, srv, cseq, decode.FlagSYN, "")
	w.seg(srv, cli, sseq, decode.FlagSYN|decode.FlagACK, "")
	w.h.SessionStart(&track.Session{Client: cli, Server: srv})
}

// TestHelperCutAnnouncementIsNoDrop guards a 227 the capture cut at the
// snap length before its numbers (reviewer's v05-snap-server.pcap: 26 of
// 46 bytes, "227 Entering Passive Mode "): the router saw the whole
// segment, so the helper's verdict is unknown, not helper-drop ("partial
// matching of `227 ': numbers did not parse") and not helper-would-block.
func TestHelperCutAnnouncementIsNoDrop(t *testing.T) {
	s := pasvSession("198.51.100.7:40000", "203.0.113.10:21", "203.0.113.10:40000", "227 Entering Passive Mode (203,0,113,10,156,64).")
	s.snap = 54 + len("227 Entering Passive Mode ")
	path := filepath.Join(t.TempDir(), "c.pcap")
	writeHelperCapture(t, path, s)
	fs := helperCodeFindings(t, path)
	for _, code := range []string{CodeHelperDrop, CodeHelperBlocks, CodeHelperIgnored} {
		if got := findingsOf(fs, code); len(got) != 0 {
			t.Errorf("%s from the capture's own cut: %v", code, got)
		}
	}
}

// TestHelperLostBytesBeforeAnnouncement guards bytes missing from the
// capture just before a 227 (reviewer's v15-gap-server.pcap: one
// "226 ok\r\n" segment lost): the router saw them, so like a snap-length
// cut they are assumed to end a line and the 227 is searched; the
// verdict says it rests on them. Before, the hole made the 227 "not
// after a remembered newline" (helper-no-expectation) and its data
// connection helper-would-block.
func TestHelperLostBytesBeforeAnnouncement(t *testing.T) {
	w := newHelperWire()
	cli, srv := netip.MustParseAddrPort("198.51.100.7:40000"), netip.MustParseAddrPort("203.0.113.10:21")
	w.open(cli, srv, 100, 500)
	c, s := uint32(101), uint32(501)
	cl := func(p string) { w.seg(cli, srv, c, decode.FlagACK, p); c += uint32(len(p)) }
	sv := func(p string) { w.seg(srv, cli, s, decode.FlagACK, p); s += uint32(len(p)) }
	sv("220 hi\r\n")
	cl("USER a\r\n")
	sv("331 pw\r\n")
	cl("PASS b\r\n")
	s += uint32(len("230 ok\r\n")) // lost by the capture
	cl("PASV\r\n")
	sv("227 Entering Passive Mode (203,0,113,10,156,64).\r\n")
	data := netip.MustParseAddrPort("203.0.113.10:40000")
	from := netip.MustParseAddrPort("198.51.100.7:50100")
	w.seg(from, data, 7000, decode.FlagSYN, "")
	if !w.h.opened[decode.MakeConnKey(from, data)] {
		t.Fatalf("the data SYN did not match the 227's expectation after the lost bytes")
	}
	hc := w.h.conns[decode.MakeConnKey(cli, srv)]
	if hc == nil {
		t.Fatal("control connection not simulated")
	}
	n := hc.last[nfhelper.ServerToClient]
	if n.res.Action != nfhelper.Expected || !strings.Contains(n.notes(), "the 8 bytes the capture lost just before packet") {
		t.Errorf("the 227's note: %v %q", n.res.Action, n.notes())
	}
	for _, f := range *w.rec {
		if f.Code == CodeHelperIgnored || f.Code == CodeHelperBlocks {
			t.Errorf("a verdict from the bytes the capture lost: %s", f.Message)
		}
	}
}

// TestHelperNATVerdictJudgesTheData guards the data connection of an
// announcement whose verdict is the NAT router's rewrite (helper-rewrite,
// pcaps/real/nat-no-pasv-address-trusting-client.pcap): it is judged
// against that router's expectation, the peer following the rewritten
// announcement. Before, a SYN to the announced endpoint got
// helper-would-block "no expectation was created (loose=0)" under the
// helper-rewrite of its own 227.
func TestHelperNATVerdictJudgesTheData(t *testing.T) {
	for _, tc := range []struct {
		name, dataTo, want, says string
	}{
		// The client trusted the 227 as the capture shows it: with the
		// helper it would have been told 10.99.1.1:40050.
		{"to-the-announced-endpoint", "10.99.2.2:40050", CodeHelperOpens, "would connect to 10.99.1.1:40050 instead"},
		{"to-the-rewritten-endpoint", "10.99.1.1:40050", CodeHelperOpens, "matches the expectation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pasvSession("10.99.1.2:55556", "10.99.1.1:21", tc.dataTo, "227 Entering Passive Mode (10,99,2,2,156,114).")
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, s)
			fs := helperCodeFindings(t, path)
			if len(findingsOf(fs, CodeHelperRewrite)) != 1 {
				t.Fatalf("want the 227's helper-rewrite, got %v", fs)
			}
			var data []map[string]any
			for _, f := range fs {
				if f["code"] == CodeHelperOpens || f["code"] == CodeHelperBlocks {
					data = append(data, f)
				}
			}
			if len(data) != 1 || data[0]["code"] != tc.want {
				t.Fatalf("want one %s, got %v", tc.want, data)
			}
			if msg, _ := data[0]["message"].(string); !strings.Contains(msg, tc.says) || strings.Contains(msg, "loose=0") {
				t.Errorf("message: %s", msg)
			}
		})
	}
}

// TestHelperNATVerdictMismatch guards the other side of
// TestHelperNATVerdictJudgesTheData: a data SYN the NAT router's
// expectation does not let through (another source) is
// helper-would-block for that reason, not for "no expectation".
func TestHelperNATVerdictMismatch(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.99.1.2:55556"), netip.MustParseAddrPort("10.99.1.1:21")
	h := newHelperLayer(nfhelper.Config{}, nopSink{}, nil, portSetOf([]uint16{21}))
	c := &helperConn{client: cli, server: srv}
	p := []byte("227 Entering Passive Mode (10,99,2,2,156,114).\r\n")
	seg := nfhelper.Segment{Dir: nfhelper.ServerToClient, Seq: 1, Payload: p}
	sim, err := nfhelper.New(nfhelper.Conn{Client: cli, Server: srv}, nfhelper.Config{PickUp: true})
	if err != nil {
		t.Fatal(err)
	}
	r := sim.Feed(seg)
	n := annNote{set: true, res: r, natVerdict: true}
	n.hyp, n.hypSet = h.hypothesis(c, seg, r)
	if r.Action != nfhelper.NotRecorded || !n.hypSet {
		t.Fatalf("setup: %v %v", r.Action, n.hypSet)
	}
	sess := &track.Session{Client: cli, Server: srv}
	d := &track.DataConn{Client: netip.MustParseAddrPort("10.99.1.3:50100"), Server: netip.MustParseAddrPort("10.99.2.2:40050"), SYNs: 1}
	f := h.dataFinding(sess, d, false, n, true)
	if f == nil || f.Code != CodeHelperBlocks || !strings.Contains(f.Message, "does not match the expectation tcp 10.99.1.2:any -> 10.99.1.1:40050") ||
		!strings.Contains(f.Message, "source address differs") || strings.Contains(f.Message, "loose=0") {
		t.Fatalf("finding: %+v", f)
	}
}

// TestHelperEachSessionItsExpectation guards two control connections of
// one client told the same server endpoint (reviewer's
// v13-busy-server.pcap, the server's side of a NAT router that moved the
// second's port outside, rule N3): each has its own expectation, and
// each data SYN takes one. Before, the second 227 took the first's place
// in the index: the first SYN used the second session's expectation and
// the second SYN got helper-would-block "used by the data connection
// from" the first.
func TestHelperEachSessionItsExpectation(t *testing.T) {
	w := newHelperWire()
	srv := netip.MustParseAddrPort("10.0.0.2:21")
	clis := []netip.AddrPort{netip.MustParseAddrPort("198.51.100.7:50000"), netip.MustParseAddrPort("198.51.100.7:50001")}
	for i, cli := range clis {
		base := uint32(1000 * (i + 1))
		w.open(cli, srv, base, base+500)
		w.seg(srv, cli, base+501, decode.FlagACK, "220 hi\r\n")
		w.seg(cli, srv, base+1, decode.FlagACK, "PASV\r\n")
	}
	for i, cli := range clis {
		base := uint32(1000 * (i + 1))
		w.seg(srv, cli, base+509, decode.FlagACK, "227 Entering Passive Mode (10,0,0,2,156,64).\r\n")
	}
	data := netip.MustParseAddrPort("10.0.0.2:40000")
	for _, port := range []uint16{41000, 41001} {
		from := netip.AddrPortFrom(clis[0].Addr(), port)
		w.seg(from, data, 7000, decode.FlagSYN, "")
		if !w.h.opened[decode.MakeConnKey(from, data)] {
			t.Errorf("the data SYN from %v matched no expectation", from)
		}
	}
	if len(*w.rec) != 0 {
		t.Errorf("findings: %v", w.rec.codes())
	}
}

// TestHelperDropsPrefixOfNoAnnouncement guards a segment at a line start
// that is a prefix of the helper's pattern, whose line turns out to be
// no announcement (reviewer's h39: the server sends "22" then
// "0 ok\r\n"; h40: the client "P" then "WD\r\n"): the kernel drops it
// (find_pattern -1) on every retransmission, and the tracker raises no
// announcement to carry the verdict. Before, no helper finding at all.
func TestHelperDropsPrefixOfNoAnnouncement(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fromServer  bool
		first, rest string
		want        int
	}{
		{"server-22", true, "22", "0 ok\r\n", 1},
		{"client-P", false, "P", "WD\r\n", 1},
		{"server-2-then-2", true, "2", "2", 1},
		// The line is an announcement: its command's finding says it
		// (here no tracker raises it, so nothing).
		{"server-227-split", true, "227 Entering Passive Mode (203,0,", "113,10,156,64).\r\n", 0},
		{"server-2-then-27", true, "2", "27 Entering Passive Mode (203,0,113,10,156,64).\r\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newHelperWire()
			cli, srv := netip.MustParseAddrPort("198.51.100.7:40000"), netip.MustParseAddrPort("203.0.113.10:21")
			w.open(cli, srv, 100, 500)
			c, s := uint32(101), uint32(501)
			cl := func(p string) { w.seg(cli, srv, c, decode.FlagACK, p); c += uint32(len(p)) }
			sv := func(p string) { w.seg(srv, cli, s, decode.FlagACK, p); s += uint32(len(p)) }
			sv("220 hi\r\n")
			cl("NOOP\r\n")
			send := cl
			if tc.fromServer {
				send = sv
			}
			at := s
			if !tc.fromServer {
				at = c
			}
			send(tc.first)
			send(tc.rest)
			if tc.rest == "2" {
				send("0 ok\r\n")
			}
			// The sender retransmits the dropped segment: the same drop.
			if tc.fromServer {
				w.seg(srv, cli, at, decode.FlagACK, tc.first)
			} else {
				w.seg(cli, srv, at, decode.FlagACK, tc.first)
			}
			w.h.Control(&decode.ControlEvent{Kind: decode.ControlClose, Client: cli, Server: srv})
			var drops []*diagnose.Finding
			for _, f := range *w.rec {
				if f.Code == CodeHelperDrop {
					drops = append(drops, f)
				}
			}
			if len(drops) != tc.want {
				t.Fatalf("want %d helper-drop, got %v", tc.want, w.rec.codes())
			}
			if tc.want == 0 {
				return
			}
			if f := drops[0]; f.Severity != diagnose.SeverityError || !strings.Contains(f.Evidence, quoteWire(tc.first)) ||
				!strings.Contains(f.Message, "partial matching") || !strings.Contains(f.Message, "no announcement") {
				t.Errorf("finding: %+v", f)
			}
		})
	}
}

// TestHelperPortsEmptyRefused guards --helper-ports "": before, an empty
// list was silently the default (21).
func TestHelperPortsEmptyRefused(t *testing.T) {
	for _, v := range []string{"", " ", ","} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"read", "--helper", "linux", "--helper-ports", v, "../../pcaps/real/nat-router-any.pcap"}, &stdout, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), "--helper-ports") {
			t.Errorf("--helper-ports %q: exit %d, %s", v, code, stderr.String())
		}
	}
}

// TestHelperTwinCopiesShareOneConntrack guards a capture on a router's
// interfaces at once (-i any, pcaps/real/nat-router-any.pcap): each
// connection is there twice, before and after the DNAT, with the same
// client endpoint and ISN. The router holds one conntrack, NATed, whose
// helper reads each segment as the router received it. Before, the
// copies were two simulations: the inside one's expectation (to the
// server's own address) let the outside copy's data SYNs through, and
// the outside one's 227 was "not recorded".
func TestHelperTwinCopiesShareOneConntrack(t *testing.T) {
	w := newHelperWire()
	cli := netip.MustParseAddrPort("10.99.1.2:46554")
	out, in := netip.MustParseAddrPort("10.99.1.1:21"), netip.MustParseAddrPort("10.99.2.2:21")
	both := func(fromClient bool, seq uint32, fl decode.TCPFlags, p string) {
		if fromClient {
			w.seg(cli, out, seq, fl, p) // received
			w.seg(cli, in, seq, fl, p)  // sent on, translated
			return
		}
		w.seg(in, cli, seq, fl, p)
		w.seg(out, cli, seq, fl, p)
	}
	both(true, 100, decode.FlagSYN, "")
	both(false, 500, decode.FlagSYN|decode.FlagACK, "")
	both(false, 501, decode.FlagACK, "220 hi\r\n")
	both(true, 101, decode.FlagACK, "PASV\r\n")
	both(false, 509, decode.FlagACK, "227 Entering Passive Mode (10,99,2,2,156,119).\r\n")
	a, b := w.h.conns[decode.MakeConnKey(cli, out)], w.h.conns[decode.MakeConnKey(cli, in)]
	if a == nil || a != b {
		t.Fatalf("the two copies are two conntracks: %p %p", a, b)
	}
	r := a.last[nfhelper.ServerToClient].res
	if r.Action != nfhelper.Expected || !r.Rewrite.Done || r.Rewrite.Text() != "10,99,1,1,156,119" ||
		r.Expect.Dst != netip.MustParseAddr("10.99.1.1") || r.Expect.DstPort != 40055 {
		t.Fatalf("the 227: %v %v %q %v", r.Action, r.Rewrite.Done, r.Rewrite.Text(), r.Expect)
	}
	// The data SYN to the rewritten endpoint, and its translated copy.
	from := netip.MustParseAddrPort("10.99.1.2:40494")
	for _, to := range []string{"10.99.1.1:40055", "10.99.2.2:40055"} {
		dst := netip.MustParseAddrPort(to)
		w.seg(from, dst, 7000, decode.FlagSYN, "")
		if !w.h.opened[decode.MakeConnKey(from, dst)] {
			t.Errorf("the data SYN copy to %v is not RELATED", dst)
		}
	}
	w.h.Control(&decode.ControlEvent{Kind: decode.ControlClose, Client: cli, Server: out})
	if len(w.h.conns) != 0 {
		t.Errorf("left after the close: %d conns", len(w.h.conns))
	}
}
