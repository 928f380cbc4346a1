package decode

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestConflictNamesOtherCopy: when a later copy of an announcement's
// bytes differs from the copy taken (a forged 227 or PORT raced ahead of
// the real one), the ControlConflict event says what the other copy's
// line is (ConflictLast, ConflictCode, ConflictLine, Endpoint), so that
// the data connection that follows can show which copy was used
// (rev-attacker a6, e1, h4, b13).
func TestConflictNamesOtherCopy(t *testing.T) {
	tests := []struct {
		name string
		run  func(v *conv)
		// want
		fromClient bool
		code       int
		line       string
		ep         string // "" no endpoint
	}{
		{"forged 227 first, real one at the same place", func(v *conv) {
			v.cli("PASV\r\n")
			forged, real := "227 Entering Passive Mode (192,0,2,10,0,22).\r\n", "227 Entering Passive Mode (192,0,2,10,156,115).\r\n"
			forged = forged[:len(forged)-2] + "   \r\n"[:len(real)-len(forged)+2]
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, forged)
			v.srv(real)
		}, false, 227, "227 Entering Passive Mode (192,0,2,10,156,115).", "192.0.2.10:40051"},
		{"forged tail over the real one's", func(v *conv) {
			v.cli("PASV\r\n")
			real := "227 Entering Passive Mode (192,0,2,10,156,154).\r\n"
			forged := "227 Entering Passive Mode (192,0,2,10,0,22).   \r\n"
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, real[:30])
			v.send(v.s, v.c, v.sseq+20, v.cseq, FlagACK|FlagPSH, forged[20:])
			v.send(v.s, v.c, v.sseq+30, v.cseq, FlagACK|FlagPSH, real[30:])
			v.sseq += uint32(len(real))
		}, false, 227, "227 Entering Passive Mode (192,0,2,10,156,154).", "192.0.2.10:40090"},
		{"forged PORT first", func(v *conv) {
			real := "PORT 192,0,2,1,195,80\r\n"
			forged := "PORT 10,9,5,5,12,234 \r\n"
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, forged)
			v.cli(real)
		}, true, 0, "", "192.0.2.1:50000"},
		{"forged 425 over the 150", func(v *conv) {
			v.cli("RETR f\r\n")
			real := "150 Opening BINARY mode data connection for f (3000 bytes).\r\n"
			forged := "425 Failed to establish connection."
			for len(forged)+2 < len(real) {
				forged += " "
			}
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, forged+"\r\n")
			v.srv(real)
		}, false, 150, "150 Opening BINARY mode data connection for f (3000 bytes).", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			tc.run(v)
			d.Finish()
			var got *ControlEvent
			for i := range rec.control {
				if rec.control[i].Kind == ControlConflict {
					got = &rec.control[i]
					break
				}
			}
			if got == nil {
				dumpEvents(t, rec)
				t.Fatal("no conflict reported")
			}
			if !got.ConflictLast || got.FromClient != tc.fromClient || got.ConflictCode != tc.code || got.ConflictLine != tc.line {
				t.Errorf("conflict last=%v client=%v code=%d line=%q, want true %v %d %q", got.ConflictLast, got.FromClient, got.ConflictCode, got.ConflictLine, tc.fromClient, tc.code, tc.line)
			}
			switch {
			case tc.ep == "" && got.Endpoint.Via != 0:
				t.Errorf("endpoint %v, want none", got.Endpoint.Addr)
			case tc.ep != "" && (got.Endpoint.Via == 0 || got.EndpointErr != nil || got.Endpoint.Addr != netip.MustParseAddrPort(tc.ep)):
				t.Errorf("endpoint %v (via %v, err %v), want %s", got.Endpoint.Addr, got.Endpoint.Via, got.EndpointErr, tc.ep)
			}
			if tc.fromClient && got.Endpoint.Via != ftp.ViaPORT {
				t.Errorf("via %v, want PORT", got.Endpoint.Via)
			}
		})
	}
}
