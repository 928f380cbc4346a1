package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// TestStrangerNotOnlyWhenEndpointTaken guards what the server's verdict
// and the data connection's finding say of another address's one SYN to
// a passive port when more SYNs to that endpoint came after it from
// other sources (a scan of the port from many hosts): the tracker did not
// follow those (the endpoint was taken) but records them on the data
// connection (track.DataConn.OtherAttempts, the ones counted in
// Limits.DataEndpointTaken). Before, the verdict said "the only
// connection to passive port 40000 came from 203.0.113.9" while the
// capture's note counted the other hosts' SYNs; with no other SYN the
// wording stays "the only".
func TestStrangerNotOnlyWhenEndpointTaken(t *testing.T) {
	stranger := ap("203.0.113.9:31367")
	others := func(w *strangerWire, p netip.AddrPort, n int, answer string) {
		for i := range n {
			w.syns(ap(fmt.Sprintf("203.0.113.%d:%d", 20+i, 41000+i)), p, 1, answer)
		}
	}
	for _, tc := range []struct {
		name          string
		answer        string
		more          int
		taken         int    // Limits.DataEndpointTaken
		code          string // the data connection's finding
		verdict, vnot []string
		msg, msgNot   []string
	}{
		{"connect scans from four hosts", "connect", 3, 3, CodeServerDataError,
			[]string{"a connection to passive port 40000 came from 203.0.113.9", "and 3 other connection attempts to the same endpoint came from other source ports or addresses"},
			[]string{"the only"}, nil, nil},
		{"a connect scan alone", "connect", 0, 0, CodeServerDataError,
			[]string{"the only connection to passive port 40000 came from 203.0.113.9"},
			[]string{"other connection attempt"}, nil, nil},
		{"refused SYNs from four hosts", "rst", 3, 0, CodeDataRefused,
			[]string{"a connection attempt to passive port 40000 came from 203.0.113.2", "and 3 other connection attempts to the same endpoint came from other source ports or addresses"},
			[]string{"the only"},
			[]string{"A connection attempt to the passive data endpoint", "and never sent again, and 3 other connection attempts"}, []string{"The only"}},
		{"a refused SYN alone", "rst", 0, 0, CodeDataRefused,
			[]string{"the only connection attempt to passive port 40000 came from 203.0.113.9"},
			[]string{"other connection attempt"},
			[]string{"The only connection attempt to the passive data endpoint"}, []string{"other connection attempt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStrangerWire(t, "192.0.2.10:21")
			w.session("192.0.2.10", func(p netip.AddrPort) bool {
				w.syns(stranger, p, 1, tc.answer)
				others(w, p, tc.more, tc.answer)
				return false
			})
			sums := w.finish()
			if got := w.trk.Limits().DataEndpointTaken; got != tc.taken {
				t.Errorf("DataEndpointTaken %d, want %d", got, tc.taken)
			}
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.verdict {
				if !strings.Contains(v, s) {
					t.Errorf("verdict lacks %q: %s", s, v)
				}
			}
			for _, s := range tc.vnot {
				if strings.Contains(v, s) {
					t.Errorf("verdict has %q: %s", s, v)
				}
			}
			got := w.all(tc.code)
			if got == "" {
				dumpFindings(t, w.c)
				t.Fatalf("no %s finding", tc.code)
			}
			for _, s := range tc.msg {
				if !strings.Contains(got, s) {
					t.Errorf("%s lacks %q: %s", tc.code, s, got)
				}
			}
			for _, s := range tc.msgNot {
				if strings.Contains(got, s) {
					t.Errorf("%s has %q: %s", tc.code, s, got)
				}
			}
		})
	}
}
