package decode

import (
	"fmt"
	"strings"
	"testing"
)

// TestForgedSegmentsDoNotEndTLS: while a control connection is read from
// its headers (TLS), text, an RST or a FIN counts only at the point the
// stream stands; an off-path segment with a guessed sequence number turns
// nothing back to clear text and ends nothing.
func TestForgedSegmentsDoNotEndTLS(t *testing.T) {
	tests := []struct {
		name  string
		after func(v *conv)
		want  string
	}{
		{"forged text from both sides", func(v *conv) {
			for range 3 {
				v.send(v.c, v.s, 0x10000000, 0x20000000, FlagACK|FlagPSH, "USER root\r\n")
				v.send(v.s, v.c, 0x20000000, 0x10000000, FlagACK|FlagPSH, "530 Login incorrect.\r\n")
			}
		}, "220 AUTH 234 | open"},
		{"forged RST", func(v *conv) {
			v.send(v.c, v.s, v.cseq+5000, v.sseq, FlagRST, "")
		}, "220 AUTH 234 | open"},
		{"forged FINs", func(v *conv) {
			v.send(v.c, v.s, v.cseq+9, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.s, v.c, v.sseq-9, v.cseq, FlagFIN|FlagACK, "")
		}, "220 AUTH 234 | open"},
		{"text where the stream stands (CCC)", func(v *conv) {
			v.cli("PASV\r\n")
			v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
		}, "220 AUTH 234 cleartext PASV 227 | open"},
		{"RST where the stream stands", func(v *conv) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagRST, "")
		}, "220 AUTH 234 close | closed"},
		{"text past a hole the receiver acknowledged", func(v *conv) {
			v.cseq += 300 // a TLS record the capture lost
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			v.cli("PASV\r\n")
		}, "220 AUTH 234 cleartext PASV | open"},
		{"text past a hole nobody acknowledged", func(v *conv) {
			v.cseq += 300
			v.cli("PASV\r\n")
		}, "220 AUTH 234 | open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("AUTH TLS\r\n")
			v.srv("234 Proceed with negotiation.\r\n")
			v.cli("\x16\x03\x01\x00\x05hello")
			v.srv("\x16\x03\x03\x00\x05hello")
			tt.after(v)
			state := "open"
			if d.ctl.conns.Len() == 0 {
				state = "closed"
			}
			var got []string
			for _, e := range rec.control {
				switch e.Kind {
				case ControlCleartext:
					got = append(got, "cleartext")
				case ControlCommand:
					got = append(got, e.Command.Verb)
				case ControlReply:
					got = append(got, fmt.Sprint(e.Reply.Code))
				case ControlClose:
					got = append(got, "close")
				}
			}
			if s := strings.Join(got, " ") + " | " + state; s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

// TestCopiesOfTheLastClearTextStayInTheStream: a mirror port or tcpdump -i
// any holds each packet twice, and TCP retransmits: a copy of the 234 (or
// of the AUTH) that turned the connection to TLS holds only bytes the
// stream has passed, so it is no text "where the stream stands" and does
// not turn the session back to clear text.
func TestCopiesOfTheLastClearTextStayInTheStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		copy func(v *conv, authSeq, okSeq uint32)
	}{
		{"the 234 again", func(v *conv, _, okSeq uint32) {
			v.send(v.s, v.c, okSeq, v.cseq, FlagACK|FlagPSH, "234 Proceed with negotiation.\r\n")
		}},
		{"the AUTH again", func(v *conv, authSeq, _ uint32) {
			v.send(v.c, v.s, authSeq, v.sseq, FlagACK|FlagPSH, "AUTH TLS\r\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hi\r\n")
			authSeq := v.cseq
			v.cli("AUTH TLS\r\n")
			okSeq := v.sseq
			v.srv("234 Proceed with negotiation.\r\n")
			tc.copy(v, authSeq, okSeq)
			v.cli("\x16\x03\x01\x00\x05hello")
			v.srv("\x16\x03\x03\x00\x05hello")
			for _, e := range rec.control {
				if e.Kind == ControlCleartext || e.Kind == ControlJunk {
					t.Errorf("a copy of the last clear text made a %d event", e.Kind)
				}
			}
		})
	}
}
