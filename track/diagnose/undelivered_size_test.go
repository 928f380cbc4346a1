package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUndeliveredLineSizeOnlyOfTheLineSentAgain guards a false path MTU
// black hole (lab mlbig.pcap): a 1302-byte 331 got through (the client
// answered it with PASS), then an IPS dropped an 81-byte segment of the
// multi-line 230 on every retransmission. The finding named the 331,
// "1302 bytes long ... most likely a path MTU black hole". The bytes sent
// again are the reply to PASS, whose size the stall event does not give:
// both causes, and no path MTU claim. A line no larger than one that got
// through is no path MTU matter either; an IPv4 line too short for a
// 1400-byte link (the usual black hole) is hedged, not "most likely"; the
// bytes of a reply to PASV not yet whole are its 227 (the helper's case),
// not the 200 before it.
func TestUndeliveredLineSizeOnlyOfTheLineSentAgain(t *testing.T) {
	big := "331 " + strings.Repeat("p", 1296) // 1302 bytes with CRLF
	for _, tc := range []struct {
		name, cli, srv string
		build          func(s *track.Session)
		pathMTU        bool
		in, not        []string
	}{
		{"IPv4 331 delivered, reply to PASS sent again", "10.0.0.2:36744", "10.0.0.1:21", func(s *track.Session) {
			c := cmd(s, 6, "USER", "anonymous", 331, big[4:])
			c.Replies[0].Lines = []string{big}
			x := cmd(s, 9, "PASS", "x", 0, "")
			x.Replies = nil
		}, false,
			[]string{"reply to the client's PASS (packet 9)", "Either a firewall", "path MTU black hole", "1302-byte line the server sent before got through"},
			[]string{"1302 bytes long", "most likely", "331 reply (packet 7) again"}},
		{"IPv6 line no larger than one delivered", "[fd00:1::2]:41000", "[fd00:2::2]:21", func(s *track.Session) {
			s.Greeting[0].Lines = []string{"220 " + strings.Repeat("w", 1296)}
			c := cmd(s, 6, "USER", "anonymous", 331, big[4:])
			c.Replies[0].Lines = []string{big}
		}, false,
			[]string{"its 331 reply (packet 7)", "1302-byte line the server sent before got through", "drops it for what it holds"},
			[]string{"most likely", "Packet Too Big"}},
		{"IPv4 line of 1302 bytes sent again", "10.0.0.2:36744", "10.0.0.1:21", func(s *track.Session) {
			c := cmd(s, 6, "USER", "anonymous", 331, big[4:])
			c.Replies[0].Lines = []string{big}
		}, false,
			[]string{"its 331 reply (packet 7)", "Either a firewall", "path MTU black hole"},
			[]string{"most likely", "1200 bytes"}},
		{"reply to PASV begun, not whole", "10.0.0.2:36744", "10.0.0.1:21", func(s *track.Session) {
			cmd(s, 6, "TYPE", "I", 200, "Switching to Binary mode.")
			x := cmd(s, 9, "PASV", "", 0, "")
			x.Replies = nil
		}, false,
			[]string{"reply to the client's PASV (packet 9)", "nf_conntrack_ftp"},
			[]string{"200 reply", "path MTU"}},
		{"IPv4 line of 1446 bytes sent again", "10.0.0.2:36744", "10.0.0.1:21", func(s *track.Session) {
			l := "331 " + strings.Repeat("p", 1440)
			c := cmd(s, 6, "USER", "anonymous", 331, l[4:])
			c.Replies[0].Lines = []string{l}
		}, true,
			[]string{"1446 bytes long", "1400-byte IPv4 link", "most likely"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.cli, tc.srv)
			tc.build(s)
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			d.SessionStart(s)
			for _, x := range s.Commands {
				d.Command(s, x)
			}
			d.Event(s, &track.Event{Kind: track.EventUndelivered, Num: 28, TS: at(900), Since: at(200), Bytes: 3})
			d.SessionEnd(s)
			f := c.find(CodeControlUndelivered)
			if f == nil {
				t.Fatalf("no control-undelivered; findings: %v", codesOf(c))
			}
			if f.pathMTU != tc.pathMTU {
				t.Errorf("pathMTU %v, want %v", f.pathMTU, tc.pathMTU)
			}
			all := f.Message + "\n" + f.Advice
			for _, w := range tc.in {
				if !strings.Contains(all, w) {
					t.Errorf("%q missing from\n%s", w, all)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(all, w) {
					t.Errorf("%q in\n%s", w, all)
				}
			}
		})
	}
}
