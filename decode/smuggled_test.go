package decode

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestSmuggledEndpointInCutLineTail: a PORT (or EPRT) past the line bound
// in an over-long line is handed with the line's command
// (its Endpoint, Smuggled), for the reply a server that splits the line
// there gives it; not from a line that was not cut, nor from a password.
func TestSmuggledEndpointInCutLineTail(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       string // "" for none
	}{
		{"port after the bound", "NOOP" + strings.Repeat(" ", 4092) + "PORT 10,9,9,9,0,25", "10.9.9.9:25"},
		{"eprt after the bound", "NOOP" + strings.Repeat(" ", 4092) + "eprt |1|10.9.9.9|25|", "10.9.9.9:25"},
		{"port then padding", "NOOP" + strings.Repeat(" ", 4092) + "PORT 10,9,9,9,0,25" + strings.Repeat(" ", 40) + "X", "10.9.9.9:25"},
		{"no announcement", "NOOP" + strings.Repeat(" ", 5000), ""},
		{"not cut", "NOOP PORT 10,9,9,9,0,25", ""},
		{"a password", "PASS " + strings.Repeat("x", 4091) + "PORT 10,9,9,9,0,25", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			v.cli(tc.line + "\r\n")
			d.Finish()
			var got netip.AddrPort
			for _, e := range rec.control {
				if (e.Kind == ControlCommand || e.Kind == ControlJunk) && e.Endpoint.Smuggled {
					if e.Endpoint.Via != ftp.ViaPORT && e.Endpoint.Via != ftp.ViaEPRT || e.Command.Verb != "NOOP" {
						t.Errorf("smuggled via %v in %s", e.Endpoint.Via, e.Command.Verb)
					}
					got = e.Endpoint.Addr
				}
			}
			if want := tc.want; want == "" && got.IsValid() || want != "" && got.String() != want {
				t.Errorf("smuggled endpoint %v, want %q", got, want)
			}
		})
	}
}
