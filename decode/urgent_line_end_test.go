package decode

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestUrgentLineEndMarksTheCommand guards ControlEvent.UrgentEnd, the
// evidence the tracker needs to pair the replies of a server that joined
// an urgent-ended line with the next one (track's joined): set only when
// the urgent byte (the urgent pointer's byte before, RFC 6093) is the
// line feed of the one line its in-order segment carries, as Python's
// ftplib and Ruby's net/ftp send ABOR (rv-clients'
// proftpd-abor-drop.pcap: "ABOR\r\n", urg 6). Perl's Net::FTP (IAC IP
// IAC urgent, then DM ABOR) and an urgent pointer short of the line end
// leave the line whole for any server.
func TestUrgentLineEndMarksTheCommand(t *testing.T) {
	cases := []struct {
		name   string
		segs   []string // the first is sent with URG set
		urg    uint16
		urgent bool // the ABOR's ControlEvent.Urgent
		end    bool // its UrgentEnd
	}{
		{name: "oob-abor-line-feed-urgent", segs: []string{"ABOR\r\n"}, urg: 6, urgent: true, end: true},
		{name: "pointer-at-the-cr", segs: []string{"ABOR\r\n"}, urg: 5, urgent: true},
		{name: "telnet-ip-dm-abor", segs: []string{"\xff\xf4\xff", "\xf2ABOR\r\n"}, urg: 3, urgent: true},
		{name: "two-lines-in-the-segment", segs: []string{"NOOP\r\nABOR\r\n"}, urg: 12, urgent: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hi\r\n")
			for i, p := range tc.segs {
				fl, urg := FlagACK|FlagPSH, uint16(0)
				if i == 0 {
					fl, urg = fl|FlagURG, tc.urg
				}
				v.ts = v.ts.Add(10 * time.Millisecond)
				f := convFrameUrgent(v.t, v.c, v.s, v.cseq, v.sseq, fl, []byte(p), urg)
				v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
				v.cseq += uint32(len(p))
			}
			v.cli("TYPE I\r\n")
			v.srv("500 'ABOR TYPE I' not understood\r\n")
			found := false
			for _, e := range rec.control {
				if e.Kind != ControlCommand {
					continue
				}
				switch e.Command.Verb {
				case "ABOR":
					found = true
					if e.Urgent != tc.urgent || e.UrgentEnd != tc.end {
						t.Errorf("ABOR: Urgent %v UrgentEnd %v, want %v %v", e.Urgent, e.UrgentEnd, tc.urgent, tc.end)
					}
				case "TYPE":
					if e.UrgentEnd {
						t.Errorf("TYPE I marked UrgentEnd")
					}
				}
			}
			if !found {
				t.Fatalf("no ABOR command: %+v", rec.control)
			}
		})
	}
}
