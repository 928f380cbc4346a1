package decode

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// setTTL returns a mangle for sendMangled that sets an IPv4 frame's TTL
// (its header checksum made right again).
func setTTL(ttl uint8) func([]byte) {
	return func(f []byte) {
		ip := f[14:34]
		ip[8] = ttl
		ip[10], ip[11] = 0, 0
		var sum uint32
		for i := 0; i < len(ip); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[i:]))
		}
		for sum > 0xffff {
			sum = sum>>16 + sum&0xffff
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	}
}

// TestRSTHeldWhileDataMoves: an RST at the exact sequence number on a
// control connection silent for a transfer (its data moving between the
// two hosts for far longer than rstHold) is held till the transfer's end:
// the 226 and the next command going on in sequence show no endpoint
// took it, and the session goes on (it was closed 2 s after the RST and
// its later bytes dropped: the 425 that followed shown nowhere). One
// followed by a SYN opening the 4-tuple's next connection, or by nothing
// once the data stopped, ends it at the RST.
func TestRSTHeldWhileDataMoves(t *testing.T) {
	dataCli := netip.AddrPortFrom(convClient.Addr(), 40001)
	dataSrv := netip.AddrPortFrom(convServer.Addr(), 40000)
	cases := []struct {
		name     string
		fromSrv  bool  // the RST claims the server's address
		ttl      uint8 // the RST's TTL (every other segment's is 64)
		after    string
		wantCmds string
		wantEnd  CloseReason
		notTaken uint64
		byTTL    uint64
	}{
		{"forged as the server's, TTL 3", true, 3, "goes on", "USER PASV RETR PASV RETR", CloseCaptureEnd, 1, 1},
		{"forged as the server's, TTL 64", true, 64, "goes on", "USER PASV RETR PASV RETR", CloseCaptureEnd, 1, 0},
		{"forged as the client's, TTL 3", false, 3, "goes on", "USER PASV RETR PASV RETR", CloseCaptureEnd, 1, 1},
		{"a new SYN after it", true, 64, "syn", "USER PASV RETR", CloseRST, 0, 0},
		{"nothing after the data", true, 64, "nothing", "USER PASV RETR", CloseRST, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.cli("PASV\r\n")
			v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
			v.cli("RETR big.iso\r\n")
			v.srv("150 Opening BINARY mode data connection\r\n")
			if tc.fromSrv {
				v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(tc.ttl))
			} else {
				v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "", setTTL(tc.ttl))
			}
			rstAt := d.num
			seq := uint32(70001)
			for i := 0; i < 40; i++ { // 20 s of data, the control connection silent
				v.ts = v.ts.Add(500 * time.Millisecond)
				v.send(dataSrv, dataCli, seq, 9001, FlagACK, strings.Repeat("z", 1000))
				seq += 1000
			}
			switch tc.after {
			case "goes on":
				v.srv("226 Transfer complete\r\n")
				v.cli("PASV\r\n")
				v.srv("227 Entering Passive Mode (192,0,2,10,156,65).\r\n")
				v.cli("RETR next.iso\r\n")
				v.srv("425 Failed to establish connection.\r\n")
			case "syn":
				v.send(v.c, v.s, 123456, 0, FlagSYN, "")
			case "nothing":
				v.ts = v.ts.Add(5 * time.Second)
				v.send(dataSrv, dataCli, seq, 9001, FlagACK|FlagFIN, "")
				v.ts = v.ts.Add(5 * time.Second)
				d.Tick(v.ts)
			}
			d.Finish()
			if got := strings.Join(rec.commands(), " "); got != tc.wantCmds {
				dumpEvents(t, rec)
				t.Errorf("commands %q, want %q", got, tc.wantCmds)
			}
			var first *ControlEvent
			for i := range rec.control {
				if rec.control[i].Kind == ControlClose {
					first = &rec.control[i]
					break
				}
			}
			if first == nil || first.Closed != tc.wantEnd || tc.wantEnd == CloseRST && first.Num != rstAt {
				dumpEvents(t, rec)
				t.Fatalf("first close %+v, want %v (an RST's at packet %d)", first, tc.wantEnd, rstAt)
			}
			if st := d.Stats(); st.RSTNotTaken != tc.notTaken || st.RSTNotTakenTTL != tc.byTTL || st.ClosedLateBytes != 0 {
				t.Errorf("RSTNotTaken %d (by TTL %d), ClosedLateBytes %d; want %d (%d), 0", st.RSTNotTaken, st.RSTNotTakenTTL, st.ClosedLateBytes, tc.notTaken, tc.byTTL)
			}
		})
	}
}
