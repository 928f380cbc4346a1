package main

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestExampleRangeDoesNotSplitAGroup: the fix of a port dropped at a
// server whose range is not known names an example range that holds the
// port (diagnose.Finding.Example), so it differs from session to session;
// the summary kept each finding's range in its key and split one problem
// into many groups (split30.pcap: 3 groups; many3k.pcap: 60 groups of 50,
// each with its 20-line fix). One group now, whose fix names a range that
// holds every occurrence's port; a fix that differs in more than the
// example range is still another group.
func TestExampleRangeDoesNotSplitAGroup(t *testing.T) {
	fix := func(r policy.PortRange) string {
		return fmt.Sprintf("If it has none, set one (pasv_min_port/pasv_max_port, e.g. pasv_min_port=%d and pasv_max_port=%d). To open a range, e.g. %s: nft insert rule inet filter input tcp dport %s ct state new accept (or iptables -I INPUT -p tcp --dport %d:%d -j ACCEPT).",
			r.Lo, r.Hi, r, r, r.Lo, r.Hi)
	}
	srv := netip.MustParseAddrPort("10.4.255.1:21")
	type occ struct {
		ex     policy.PortRange
		advice string // "" for fix(ex)
	}
	for _, tc := range []struct {
		name   string
		occs   []occ
		groups int
		want   string // in the first group's fix
	}{
		{"three example ranges, one cause", []occ{{ex: policy.PortRange{Lo: 45300, Hi: 45400}}, {ex: policy.PortRange{Lo: 45000, Hi: 45100}}, {ex: policy.PortRange{Lo: 45600, Hi: 45700}}},
			1, fix(policy.PortRange{Lo: 45000, Hi: 45700}) + "\nthe example range 45000-45700 holds the port each of these failed on"},
		// (Further apart than diagnose.MaxExampleSpan: no wide rule
		// from a few failures.)
		{"example ranges far apart, one cause", []occ{{ex: policy.PortRange{Lo: 45300, Hi: 45400}}, {ex: policy.PortRange{Lo: 40000, Hi: 40100}}},
			1, fix(policy.PortRange{Lo: 45300, Hi: 45400}) + "\nthe example range 45300-45400 holds the port the first of these failed on; each occurrence's holds its own"},
		{"one example range", []occ{{ex: policy.PortRange{Lo: 50000, Hi: 50100}}, {ex: policy.PortRange{Lo: 50000, Hi: 50100}}},
			1, fix(policy.PortRange{Lo: 50000, Hi: 50100})},
		{"another fix besides the range", []occ{{ex: policy.PortRange{Lo: 45300, Hi: 45400}}, {ex: policy.PortRange{Lo: 40000, Hi: 40100}, advice: "Open nothing for port 40011 on this alone."}},
			2, fix(policy.PortRange{Lo: 45300, Hi: 45400})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollapser()
			for i, o := range tc.occs {
				s := &track.Session{ID: i + 1, Server: srv, Client: netip.AddrPortFrom(netip.MustParseAddr("10.4.0.2"), 30000)}
				f := &diagnose.Finding{Code: diagnose.CodeDataUnanswered, Severity: diagnose.SeverityError, Advice: o.advice, Example: o.ex}
				if f.Advice == "" {
					f.Advice = fix(o.ex)
				}
				c.add(s, f)
			}
			if len(c.order) != tc.groups {
				t.Fatalf("%d groups, want %d", len(c.order), tc.groups)
			}
			e := c.order[0]
			if got := groupAdvice(e.advice, e); got != tc.want {
				t.Errorf("fix\n%s\nwant\n%s", got, tc.want)
			}
			if !strings.Contains(tc.want, "dport") {
				t.Fatal("vacuous")
			}
		})
	}
}
