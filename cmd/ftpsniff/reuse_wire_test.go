package main

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

// TestDataConnectionsTheTrackerMisread guards two data connections read
// wrong on the wire:
//   - one PASV, two RETRs, the server keeping its listener, and the second
//     RETR's SYNs unanswered (pasv-reuse-fail.pcap): the second SYNs were
//     only counted as to a taken endpoint, the summary said "the data
//     connection worked" and the 425 "no announcement for this transfer";
//     now data #2 is RETR b's, unanswered, its finding saying what a
//     firewall's FTP helper does with a second connection to one
//     announcement;
//   - the server reset the control connection after its 227 (no QUIT), the
//     client connected 3 s later and got 100 bytes (rst-after.pcap): the
//     connection read "unanswered: 1 SYN, no answer" with an error
//     data-unanswered, as decode delivered the RST's close after the data
//     SYN; now transferred.
func TestDataConnectionsTheTrackerMisread(t *testing.T) {
	for _, tc := range []struct {
		name     string
		write    func(c *wireCap, s *wireSession)
		outcomes []string
		unanswer bool // a data-unanswered finding is due
	}{
		{"second RETR to one PASV's endpoint", func(c *wireCap, s *wireSession) {
			s.cmd("RETR a")
			s.reply("150 Opening data connection")
			s.data.handshake()
			s.data.segments(wireBody(1500), nil)
			s.data.closeFromB()
			s.reply("226 Transfer complete")
			s.cmd("RETR b")
			s.reply("150 Opening data connection")
			// From the next port, to the same endpoint.
			second := wireConn{c: c, a: netip.AddrPortFrom(s.data.a.Addr(), s.data.a.Port()+1), b: s.data.b, aseq: 80000}
			for range 3 {
				c.pkt(second.a, second.b, second.aseq, 0, "S", nil)
				c.wait(3 * time.Second)
			}
			s.reply("425 Can't open data connection")
			s.quit()
		}, []string{"transferred", "unanswered"}, true},
		{"connection after the control's RST", func(c *wireCap, s *wireSession) {
			c.pkt(s.ctl.b, s.ctl.a, s.ctl.bseq, s.ctl.aseq, "RA", nil)
			c.wait(3 * time.Second)
			s.data.handshake()
			s.data.segments(wireBody(100), nil)
			s.data.closeFromB()
		}, []string{"transferred"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			tc.write(c, newWireSession(c))
			recs := runJSONRecordsOK(t, "read", "--json", path)
			data, findings := jsonRecsOf(recs, "data"), jsonRecsOf(recs, "finding")
			var got []string
			for _, d := range data {
				got = append(got, d["outcome"].(string))
			}
			if len(got) != len(tc.outcomes) {
				t.Fatalf("data records %q, want %q", got, tc.outcomes)
			}
			for i := range got {
				if got[i] != tc.outcomes[i] {
					t.Fatalf("data records %q, want %q", got, tc.outcomes)
				}
			}
			n := 0
			for _, f := range findings {
				if f["code"] == "data-unanswered" {
					n++
					if msg, _ := f["message"].(string); !bytes.Contains([]byte(msg), []byte("second connection to one announcement")) {
						t.Errorf("data-unanswered says: %s", msg)
					}
				}
			}
			if (n == 1) != tc.unanswer || n > 1 {
				t.Errorf("%d data-unanswered findings, want one: %v", n, tc.unanswer)
			}
			if len(data) == 2 && (data[1]["command"] != "RETR" || data[1]["arg"] != "b") {
				t.Errorf("data #2 is %v %v's, want RETR b's", data[1]["command"], data[1]["arg"])
			}
		})
	}
}
