package decode

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestUnterminatedLineKeepsItsTime: a client line the stream's end
// flushes without its line end (rv-attack's cc/forged_srv_rst_noeol.pcap:
// "DELE important.db", no CR LF, a reset 50 ms later) carries the packet
// and time of its first bytes, not the close's: the finding said "reset
// 0.000s after" a command sent 50 ms before it. It is marked
// CmdUnterminated; a line with its line end is not.
func TestUnterminatedLineKeepsItsTime(t *testing.T) {
	tests := []struct {
		name  string
		parts []string // the client's segments after the greeting; the last line is the one looked at
		close func(v *conv)
	}{
		{"server reset", []string{"DELE important.db"}, func(v *conv) {
			v.ts = v.ts.Add(40 * time.Millisecond)
			v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
		}},
		{"client FIN", []string{"DELE important.db"}, func(v *conv) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
		}},
		{"capture end", []string{"DELE important.db"}, func(v *conv) { v.ts = v.ts.Add(time.Second) }},
		{"in two segments", []string{"DELE impo", "rtant.db"}, func(v *conv) {
			v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
		}},
		{"after a whole line in its segment", []string{"NOOP\r\nDELE important.db"}, func(v *conv) {
			v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 pw\r\n")
			v.cli("PASS x\r\n")
			v.srv("230 ok\r\n")
			const first = 9 // the packet of the first part: 3 of the handshake, 5 since
			var sent time.Time
			for i, p := range tt.parts {
				v.cli(p)
				if i == 0 {
					sent = v.ts
				}
			}
			tt.close(v)
			d.Finish()
			var got *ControlEvent
			for i := range rec.control {
				if e := &rec.control[i]; e.Kind == ControlCommand {
					if e.Command.Verb != "DELE" && e.Command.Anomaly&ftp.CmdUnterminated != 0 {
						t.Errorf("%s marked unterminated", e.Command.Verb)
					}
					if e.Command.Verb == "DELE" {
						got = e
					}
				}
			}
			if got == nil {
				dumpEvents(t, rec)
				t.Fatal("no DELE")
			}
			if !got.TS.Equal(sent) || got.Num != first {
				t.Errorf("DELE at packet %d %v, want packet %d %v", got.Num, got.TS.Sub(convT0), first, sent.Sub(convT0))
			}
			if got.Command.Anomaly&ftp.CmdUnterminated == 0 {
				t.Errorf("DELE not marked unterminated: %v", got.Command.Anomaly)
			}
		})
	}
}
