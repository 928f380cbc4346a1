package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestTelnetOnlyJunkIsSaid guards a client line of Telnet commands and
// nothing else (lftp's IAC IP, IAC DM, then its FIN: an ABOR begun and
// not finished): its event says so, where it read "not FTP: " with
// nothing after it.
func TestTelnetOnlyJunkIsSaid(t *testing.T) {
	for _, tc := range []struct {
		line   string
		telnet ftp.TelnetFlags
		want   string
	}{
		{"", ftp.TelnetIP | ftp.TelnetDM, "(Telnet IP|DM only, no command: the start of an ABOR the client did not finish)"},
		{"", ftp.TelnetNegotiation, "(Telnet negotiation only, no command)"},
		{"XYZZY", ftp.TelnetIP, "XYZZY"},
	} {
		rec := &recorder{}
		trk := New(rec, Options{})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: cli, Server: srv})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlJunk, TS: t0, Client: cli, Server: srv, FromClient: true, Line: tc.line, Telnet: tc.telnet})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0, Client: cli, Server: srv})
		if len(rec.ended) != 1 {
			t.Fatalf("%d sessions ended", len(rec.ended))
		}
		var got string
		for _, e := range rec.ended[0].Events {
			if e.Kind == EventJunk {
				got = e.Text
			}
		}
		if got != tc.want {
			t.Errorf("line %q telnet %v: event %q, want %q", tc.line, tc.telnet, got, tc.want)
		}
	}
}
