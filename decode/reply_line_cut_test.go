package decode

import (
	"strings"
	"testing"
)

// TestReplyCarriesLineBytesDropped: a reply line longer than the line
// bound is cut, and the reply says by how much (Reply.LineBytesDropped),
// as a command does (ControlEvent.Dropped): Suricata's
// ftp-too-long-response has a 227 of 112,721 bytes of which 4,096 are
// kept, and the reply used to show the kept text as if it were all. The
// bytes of a line that is no reply are the junk line's, not the next
// reply's; every byte the summary counts is some line's.
func TestReplyCarriesLineBytesDropped(t *testing.T) {
	long := func(n int) string { return strings.Repeat("A", n) }
	for _, tc := range []struct {
		name   string
		server []string
		code   int
		want   int // the reply's LineBytesDropped
	}{
		{"single line", []string{"227 " + long(112717) + "\r\n"}, 227, 112721 - 4096},
		{"short reply", []string{"227 Entering Passive Mode (10,1,0,1,156,64).\r\n"}, 227, 0},
		{"multi-line, cut body line", []string{"211-Features:\r\n " + long(5000) + "\r\n211 End\r\n"}, 211, 5001 - 4096},
		{"multi-line, cut first and last", []string{"211-" + long(4100) + "\r\n x\r\n211 " + long(4200) + "\r\n"}, 211, (4104 - 4096) + (4204 - 4096)},
		{"junk line before is not the reply's", []string{"xx" + long(5000) + "\r\n", "200 ok\r\n"}, 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			v.cli("PASV\r\n")
			for _, s := range tc.server {
				for len(s) > 1400 { // segments of an Ethernet MTU
					v.srv(s[:1400])
					s = s[1400:]
				}
				v.srv(s)
			}
			d.Finish()
			found, sum := false, 0
			for _, e := range rec.control {
				switch e.Kind {
				case ControlReply:
					sum += e.Reply.LineBytesDropped
					if e.Reply.Code == tc.code {
						found = true
						if e.Reply.LineBytesDropped != tc.want {
							t.Errorf("reply %d: %d line bytes dropped, want %d", e.Reply.Code, e.Reply.LineBytesDropped, tc.want)
						}
					}
				case ControlJunk, ControlCommand:
					sum += e.Dropped
				}
			}
			if !found {
				dumpEvents(t, rec)
				t.Fatalf("no %d reply", tc.code)
			}
			if st := d.Stats(); int(st.LineBytesDropped) != sum {
				t.Errorf("summary: %d line bytes dropped, the lines say %d", st.LineBytesDropped, sum)
			}
		})
	}
}
