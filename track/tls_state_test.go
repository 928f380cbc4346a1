package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// protConn plays a RETR's data connection in a session whose data may be
// protected (PROT set inside TLS, then CCC), segs in order, both FINs,
// then the transfer's final reply final (none when 0: lost, or
// ciphertext), and returns its record.
func protConn(t *testing.T, segs []tlsSeg, final int) *DataConn {
	t.Helper()
	s := cccSession(t)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
	next := [2]uint32{1001, 5001} // client, server
	send := func(server bool, flags decode.TCPFlags, p []byte, missed bool) {
		i, src, dst := 0, a, b
		if server {
			i, src, dst = 1, b, a
		}
		seq := next[i]
		next[i] += uint32(len(p))
		if missed {
			return
		}
		s.num++
		s.tick(time.Millisecond)
		s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: next[i^1], Payload: p, PayloadLen: len(p)})
	}
	s.segData(a, b, decode.FlagSYN, 1000, nil)
	s.segData(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
	send(false, decode.FlagACK, nil, false)
	for _, g := range segs {
		send(g.fromServer, decode.FlagACK|decode.FlagPSH, g.b, g.missed)
	}
	send(true, decode.FlagFIN|decode.FlagACK, nil, false)
	next[1]++
	send(false, decode.FlagFIN|decode.FlagACK, nil, false)
	if final != 0 {
		s.reply(final, "Transfer done")
	}
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	return s.rec.data[0]
}

// TestDataTLSState guards what a protected session's data connection
// says of TLS, read from its first bytes only: a hello is a handshake, a
// first byte no TLS record is data in clear (PROT C), the server's lone
// alert record a refusal with no file moved (connected, not
// transferred), and bytes whose start the capture missed are unknown,
// never guessed clear.
func TestDataTLSState(t *testing.T) {
	alert := []byte{21, 3, 3, 0, 2, 2, 50} // fatal decode_error: ProFTPD's, to a client that began no TLS
	file := []byte("report line 1\nreport line 2\n")
	tests := []struct {
		name      string
		segs      []tlsSeg
		want      DataTLS
		outcome   Outcome
		alertOnly bool
	}{
		{"hello", refusedTLS12(), DataTLSHandshake, OutcomeConnected, false},
		{"clear", []tlsSeg{{fromServer: true, b: file}}, DataTLSClear, OutcomeTransferred, false},
		{"server alert only", []tlsSeg{{fromServer: true, b: alert}}, DataTLSAlert, OutcomeConnected, true},
		{"alert then more", []tlsSeg{{fromServer: true, b: alert}, {fromServer: true, b: file}}, DataTLSAlert, OutcomeTransferred, false},
		// The client's alert alone moved no file either: connected,
		// and no server's refusal (not TLSAlertOnly).
		{"client alert only", []tlsSeg{{b: alert}}, DataTLSAlert, OutcomeConnected, false},
		{"client alert then more", []tlsSeg{{b: alert}, {b: file}}, DataTLSAlert, OutcomeTransferred, false},
		{"start missed", []tlsSeg{{fromServer: true, b: file, missed: true}, {fromServer: true, b: file}}, DataTLSUnknown, OutcomeTransferred, false},
		{"nothing", nil, DataTLSEmpty, OutcomeConnected, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dc := protConn(t, tt.segs, 0)
			if got := dc.DataTLS(); got != tt.want {
				t.Errorf("DataTLS %d (%q), want %d (%q)", got, got, tt.want, tt.want)
			}
			if dc.Outcome != tt.outcome || dc.TLSAlertOnly() != tt.alertOnly {
				t.Errorf("%v, alert only %v; want %v, %v", dc.Outcome, dc.TLSAlertOnly(), tt.outcome, tt.alertOnly)
			}
		})
	}
}

// TestDataTLSSnapCutClear: a clear transfer captured with a snap length
// that keeps a byte of each segment is still told clear: the byte read
// is no TLS record header.
func TestDataTLSSnapCutClear(t *testing.T) {
	dc := snapConn(t, []tlsSeg{{fromServer: true, b: []byte("report line 1\n")}}, 1, false, 0)
	if got := dc.DataTLS(); got != DataTLSClear {
		t.Errorf("DataTLS %q, want clear", got)
	}
}
