package decode

import (
	"fmt"
	"strings"
	"testing"
)

// gapKinds renders the gaps decode reported, in order: the side, the
// bytes, and whether they were cut by the snap length ("cut") or never
// captured ("lost").
func gapKinds(rec *recorder) string {
	var out []string
	for _, e := range rec.control {
		if e.Kind != ControlGap {
			continue
		}
		side, kind := "s", "lost"
		if e.FromClient {
			side = "c"
		}
		if e.Cut {
			kind = "cut"
		}
		out = append(out, fmt.Sprintf("%s%d-%s", side, e.Gap, kind))
	}
	return strings.Join(out, " ")
}

// TestGapEventTellsCutFromLost guards ControlEvent.Cut, the kind of a gap
// track receives: bytes the snap length cut from a frame the capture
// holds (tcpdump -s N; the frame crossed the capture point, its bytes on
// their way to the receiver) against bytes the capture never had (a
// segment it missed, skipped to or proved sent by an ACK). Both were one
// "gap", and the diagnosis read a greeting the snap length cut, which
// the client never acknowledged, as one that never reached the client.
func TestGapEventTellsCutFromLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(v *conv)
		want string
	}{
		{"a greeting the snap length cut", func(v *conv) {
			v.cutSrv("220-Welcome to the example FTP service.\r\n220 ready\r\n", 10, FlagACK|FlagPSH)
			v.cli("QUIT\r\n")
		}, "s42-cut"},
		{"a client line the snap length cut", func(v *conv) {
			v.srv("220 hi\r\n")
			v.cutCli("USER anonymous\r\n", len("USER anon"), FlagACK|FlagPSH)
			v.srv("331 pw\r\n")
		}, "c7-cut"},
		{"a server segment the capture missed, skipped to", func(v *conv) {
			v.srv("220 hi\r\n")
			v.sseq += uint32(len("220-lost line\r\n")) // never captured
			v.srv("220 ready\r\n")
		}, "s15-lost"},
		{"server bytes an ACK proves sent", func(v *conv) {
			v.srv("220 hi\r\n")
			v.sseq += uint32(len("331 lost\r\n")) // never captured
			v.cli("USER anonymous\r\n")
		}, "s10-lost"},
		{"a cut frame, then a segment lost after it", func(v *conv) {
			v.cutSrv("220-Welcome\r\n", 4, FlagACK|FlagPSH)
			v.sseq += uint32(len("220-lost\r\n"))
			v.srv("220 ready\r\n")
		}, "s9-cut s10-lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			tc.run(v)
			d.Finish()
			if got := gapKinds(rec); got != tc.want {
				t.Errorf("gaps %q, want %q", got, tc.want)
			}
		})
	}
}
