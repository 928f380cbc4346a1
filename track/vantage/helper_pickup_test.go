package vantage

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// TestHelperPicksUpEachDirectionWithoutItsStart guards the simulation of
// a direction whose sender's side point holds no start of it: the
// kernel tracked the connection from its SYN, so the first segment of
// that direction the point holds is searched (NF_CT_FTP_SEQ_PICKUP, as
// for a single capture without the handshake), and the check says what
// it assumes. A direction whose start the point holds is not: its first
// payload segment is never searched, there as on the router. Here the
// server's point missed the SYN-ACK (its capture began after it): its
// first server segment, a 227, is searched; the client's PORT, first in
// a direction whose SYN the client's point holds, is not.
func TestHelperPicksUpEachDirectionWithoutItsStart(t *testing.T) {
	const (
		port   = "PORT 203,0,113,7,156,70\r\n"
		orig   = "227 Entering Passive Mode (10,1,0,2,156,100).\r\n"
		seen   = "227 Entering Passive Mode (198,51,100,1,156,100).\r\n"
		cISN   = 1000
		sISN   = 5000
		client = "203.0.113.7:40000"
	)
	mk := func(name, server string, haveSYNACK bool, reply string) *Collector {
		c := NewCollector(name, Options{KeepControlBytes: 1 << 20})
		at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
		x := &Control{Client: ap(client), Server: ap(server), ISN: [2]uint32{cISN, sISN},
			HaveISN: [2]bool{true, haveSYNACK}, SYN: at(0), Start: at(0)}
		if haveSYNACK {
			x.SYNACK = at(2)
		}
		c.add(x, true, cISN+1, at(10), 10, []byte(port), false)
		c.add(x, false, sISN+1, at(20), 11, []byte(reply), false)
		c.ctlList = append(c.ctlList, x)
		return c
	}
	cli, srv := mk("client", "198.51.100.1:21", true, seen), mk("server", "10.1.0.2:21", false, orig)
	r, err := Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	CheckHelper(r, nfhelper.Config{})
	hc := r.Sessions[0].Helper
	if hc == nil || len(hc.Steps) != 2 {
		t.Fatalf("helper check %+v", hc)
	}
	for _, st := range hc.Steps {
		switch st.Dir {
		case nfhelper.ClientToServer:
			if st.Result.Action != nfhelper.NotAtLineStart || st.Result.NMissed == 0 || st.Result.Missed[0].Why != nfhelper.MissFirstSegment {
				t.Errorf("PORT, first in a direction whose start is held: %v (%s)", st.Result.Action, st.Verdict)
			}
		default:
			if st.Result.Action != nfhelper.Expected || !st.Agrees {
				t.Errorf("227, first of the server's the server's point holds: %v, agrees %v (%s)", st.Result.Action, st.Agrees, st.Verdict)
			}
		}
	}
	if want := `"server" starts after the server's SYN-ACK: this assumes the helper tracked the connection from its start`; !strings.HasPrefix(hc.PickedUp, want) {
		t.Errorf("picked up %q, want %q", hc.PickedUp, want)
	}
}

// TestCollectorKeepsSegmentsBeforeTheRolesAreKnown guards a control
// connection a point holds from its middle: decode reads its first line
// (and so its roles) after the segment that brings it, which was not
// kept for the helper check, and a capture that begins at a PORT lost
// the PORT. It is kept by its sender and given its side once the roles
// are known, whichever side sent it.
func TestCollectorKeepsSegmentsBeforeTheRolesAreKnown(t *testing.T) {
	cli, srv := ap("10.0.0.2:40000"), ap("10.0.0.1:21")
	for _, tc := range []struct {
		name       string
		from, to   string
		fromClient bool
	}{
		{"the client's PORT first", "10.0.0.2:40000", "10.0.0.1:21", true},
		{"the server's 227 first", "10.0.0.1:21", "10.0.0.2:40000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollector("p", Options{KeepControlBytes: 1 << 20})
			c.Segment(&decode.Segment{Src: ap(tc.from), Dst: ap(tc.to), Seq: 700, Flags: decode.FlagACK, Payload: []byte("x\r\n"), PayloadLen: 3, Control: true, TS: t0})
			c.Control(&decode.ControlEvent{Client: cli, Server: srv, TS: t0})
			c.Segment(&decode.Segment{Src: cli, Dst: srv, Seq: 900, Flags: decode.FlagACK, Payload: []byte("RETR f\r\n"), PayloadLen: 8, Control: true, TS: t0})
			x := c.ctlList[0]
			if len(x.Segs) != 2 || x.Segs[0].FromClient != tc.fromClient || !x.Segs[1].FromClient {
				t.Fatalf("segments kept %+v", x.Segs)
			}
		})
	}
}

// TestCollectorRecordsAttachedPortFromTheSYN guards a connection to a
// port a router's helper is attached to (Options.Attached) that decode
// knows for FTP only once it has read its first lines: it is recorded
// from its SYN (ISNs, every byte), and only once decode takes it for FTP;
// one decode never takes leaves nothing among the control connections.
// Without Attached nothing changes.
func TestCollectorRecordsAttachedPortFromTheSYN(t *testing.T) {
	cli, srv := ap("10.0.0.2:40000"), ap("10.0.0.1:2121")
	attached := func(p uint16) bool { return p == 2121 }
	run := func(o Options, ftp bool) *Collector {
		c := NewCollector("p", o)
		seg := func(src, dst string, seq uint32, fl decode.TCPFlags, p string, control bool) {
			c.Segment(&decode.Segment{Src: ap(src), Dst: ap(dst), Seq: seq, Flags: fl, Payload: []byte(p), PayloadLen: len(p), Control: control, TS: t0})
		}
		seg("10.0.0.2:40000", "10.0.0.1:2121", 100, decode.FlagSYN, "", false)
		seg("10.0.0.1:2121", "10.0.0.2:40000", 500, decode.FlagSYN|decode.FlagACK, "", false)
		seg("10.0.0.1:2121", "10.0.0.2:40000", 501, decode.FlagACK, "220 hi\r\n", false)
		seg("10.0.0.2:40000", "10.0.0.1:2121", 101, decode.FlagACK, "USER a\r\n", false)
		if !ftp {
			seg("10.0.0.2:40000", "10.0.0.1:2121", 109, decode.FlagACK|decode.FlagFIN, "", false)
			return c
		}
		c.Control(&decode.ControlEvent{Kind: decode.ControlOpen, Client: cli, Server: srv, TS: t0})
		seg("10.0.0.1:2121", "10.0.0.2:40000", 509, decode.FlagACK, "331 pw\r\n", true)
		return c
	}
	c := run(Options{KeepControlBytes: 1 << 20, Attached: attached}, true)
	if len(c.ctlList) != 1 {
		t.Fatalf("%d control connections, want 1", len(c.ctlList))
	}
	x := c.ctlList[0]
	if !x.HaveISN[0] || !x.HaveISN[1] || x.ISN != [2]uint32{100, 500} || x.Client != cli || len(x.Segs) != 3 || x.Packets != [2]int{2, 3} {
		t.Errorf("attached port: ISNs %v %v, client %v, %d segments kept, packets %v", x.HaveISN, x.ISN, x.Client, len(x.Segs), x.Packets)
	}
	if c = run(Options{KeepControlBytes: 1 << 20, Attached: attached}, false); len(c.ctlList) != 0 || len(c.early) != 0 {
		t.Errorf("not FTP: %d control connections, %d waiting", len(c.ctlList), len(c.early))
	}
	if c = run(Options{KeepControlBytes: 1 << 20}, true); len(c.ctlList) != 1 || c.ctlList[0].HaveISN[0] || len(c.ctlList[0].Segs) != 1 {
		t.Errorf("without Attached: %+v", c.ctlList)
	}
}
