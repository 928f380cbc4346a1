package vantage

import (
	"testing"
)

// TestPATOffsetTellsIdenticalSessionsApart: sessions with the same lines
// through a box that randomises both ISNs and maps the client's ports by
// a fixed offset (rv-merge's swap16, asal1: an ASA-like PAT, +10000): a
// session whose 227 one point missed had, as its best candidate, another
// session's view whose 227 named the same port from a passive range of a
// hundred by chance, and the two were paired crosswise. The client port
// moved as most candidates' did ranks first after the server's ISN; a
// NAT picking ports at random, sharing no offset, changes nothing.
func TestPATOffsetTellsIdenticalSessionsApart(t *testing.T) {
	view := func(client string) *Control { return &Control{Client: ap(client), Server: ap("192.0.2.10:21")} }
	cand := func(x, y *Control, ports int) *payloadCand {
		return &payloadCand{x: x, y: y, ev: evidence{isn: isnDiffer, ports: ports}}
	}
	for _, tc := range []struct {
		name       string
		offset     uint16 // the PAT's; 0: random ports
		wantRight  bool   // the right one ranks first
		wantMarked int
	}{
		{"fixed offset", 10000, true, 4},
		{"random ports", 0, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := func(p uint16, k int) uint16 {
				if tc.offset == 0 {
					return uint16(50000 + 7919*k%10000)
				}
				return p + tc.offset
			}
			var cands []*payloadCand
			for k, p := range []uint16{30154, 30161, 30168} {
				x := view("10.0.0.2:" + itoa(p))
				y := view("203.0.113.5:" + itoa(port(p, k)))
				cands = append(cands, cand(x, y, 1))
			}
			// The session whose 227 the far point missed (no port agrees),
			// and the other session's view whose 227 agrees by chance.
			x := view("10.0.0.2:30196")
			right := cand(x, view("203.0.113.5:"+itoa(port(30196, 3))), 0)
			wrong := cand(x, view("203.0.113.5:"+itoa(port(30203, 4))), 1)
			cands = append(cands, right, wrong)
			patDelta(cands)
			marked := 0
			for _, c := range cands {
				if c.ev.pat {
					marked++
				}
			}
			if marked != tc.wantMarked {
				t.Errorf("%d candidates marked as moved like most, want %d", marked, tc.wantMarked)
			}
			if got := better(right, wrong) > 0; got != tc.wantRight {
				t.Errorf("the right candidate ranks first: %v, want %v", got, tc.wantRight)
			}
		})
	}
}
