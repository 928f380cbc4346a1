package decode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestReplyCutBySnapLengthKeepsItsCode: a capture taken with a short snap
// length (tcpdump -s 96 or -s 128) cuts a long reply line; the part
// captured still has the reply's code, so the reply answers its command
// (the 331 to USER), instead of vanishing and leaving the 230 to answer
// USER and every later reply one command off.
func TestReplyCutBySnapLengthKeepsItsCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want string
	}{
		{"a reply line cut", "331 Anonymous login ok, send your complete email address as your password\r\n", "USER>331 PASS>230 PWD>257"},
		{"a multi-line reply's first line cut", "331-Anonymous login ok, send your complete email address as your password\r\n331 end\r\n", "USER>331 PASS>230 PWD>257"},
		{"text that is no reply", "Anonymous login ok, send your complete email address as your password\r\n", "USER>? PASS>230 PWD>257"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER anonymous\r\n")
			// The server's segment, captured only to 40 bytes of payload.
			f := convFrame(t, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, []byte(tc.line))
			cut := len(f) - len(tc.line) + 40
			v.ts = v.ts.Add(10e6)
			v.d.Decode(f[:cut], gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: cut, Length: len(f)}, layers.LinkTypeEthernet)
			v.sseq += uint32(len(tc.line))
			v.cli("PASS guest@\r\n")
			v.srv("230 Login successful.\r\n")
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
			v.d.Finish()
			var got []string
			var cmd string
			for _, e := range rec.control {
				switch e.Kind {
				case ControlCommand:
					if cmd != "" {
						got = append(got, cmd+">?")
					}
					cmd = e.Command.Verb
				case ControlReply:
					if e.Reply.Code == 220 {
						continue
					}
					got = append(got, fmt.Sprintf("%s>%d", cmd, e.Reply.Code))
					cmd = ""
				}
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
}
