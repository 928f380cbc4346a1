package main

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// outlierCapture writes clockStepCapture's session with no step, but one
// packet's time off by off (a bit flipped in its timestamp): a data
// segment ("data"), the 226 ("reply") or the server's FIN ("fin"). Every
// packet is 20 ms after the one before as stamped otherwise.
func outlierCapture(t *testing.T, where string, off time.Duration) string {
	t.Helper()
	w, path := newWireCap(t)
	w.gap = 20 * time.Millisecond
	send := func(src, dst netip.AddrPort, seq, ack uint32, flags string, p string, odd bool) {
		if p != "" {
			flags += "P"
		}
		if odd {
			w.ts = w.ts.Add(off)
		}
		w.pkt(src, dst, seq, ack, flags, []byte(p))
		if odd {
			w.ts = w.ts.Add(-off)
		}
	}
	cli, srv := netip.MustParseAddrPort("192.0.2.1:50001"), netip.MustParseAddrPort("192.0.2.10:21")
	dcli, dsrv := netip.MustParseAddrPort("192.0.2.1:50002"), netip.MustParseAddrPort("192.0.2.10:40001")
	cseq, sseq := uint32(1000), uint32(5000)
	c := func(p string) { send(cli, srv, cseq, sseq, "A", p, false); cseq += uint32(len(p)) }
	s := func(p string, odd bool) { send(srv, cli, sseq, cseq, "A", p, odd); sseq += uint32(len(p)) }
	send(cli, srv, cseq, 0, "S", "", false)
	cseq++
	send(srv, cli, sseq, cseq, "SA", "", false)
	sseq++
	send(cli, srv, cseq, sseq, "A", "", false)
	s("220 (vsFTPd 3.0.3)\r\n", false)
	c("USER alice\r\n")
	s("331 Please specify the password.\r\n", false)
	c("PASS secret\r\n")
	s("230 Login successful.\r\n", false)
	c("PASV\r\n")
	s("227 Entering Passive Mode (192,0,2,10,156,65).\r\n", false)
	dc, ds := uint32(7000), uint32(9000)
	send(dcli, dsrv, dc, 0, "S", "", false)
	dc++
	send(dsrv, dcli, ds, dc, "SA", "", false)
	ds++
	send(dcli, dsrv, dc, ds, "A", "", false)
	c("RETR f.bin\r\n")
	s("150 Opening BINARY mode data connection for f.bin (3000 bytes).\r\n", false)
	chunk := strings.Repeat("x", 1000)
	for i := range 3 {
		send(dsrv, dcli, ds, dc, "A", chunk, i == 0 && where == "data")
		ds += uint32(len(chunk))
		send(dcli, dsrv, dc, ds, "A", "", false)
	}
	send(dsrv, dcli, ds, dc, "FA", "", false)
	ds++
	send(dcli, dsrv, dc, ds, "FA", "", false)
	dc++
	send(dcli, dsrv, dc, ds, "A", "", false)
	s("226 Transfer complete.\r\n", where == "reply")
	c("QUIT\r\n")
	s("221 Goodbye.\r\n", false)
	send(srv, cli, sseq, cseq, "FA", "", where == "fin")
	sseq++
	send(cli, srv, cseq, sseq, "FA", "", false)
	send(srv, cli, sseq, cseq+1, "A", "", false)
	return path
}

// TestClockOutlierEntersNoDuration: one packet whose time was far ahead
// of the packets around it was counted (Stats.ClockOutliers: "one
// packet's time, not taken as the capture's clock"), yet its time made
// the session last as long ("fin after 2h00m00.1s, leaving out a step
// back"; a bit flipped in one timestamp: 194 days), and in JSON an
// elapsed_ms of hours with start and end 68 ms apart. The packet is now
// read at the time of the packet before it: no duration, elapsed_ms,
// reply time or end takes its time.
func TestClockOutlierEntersNoDuration(t *testing.T) {
	for _, where := range []string{"data", "reply", "fin"} {
		for _, off := range []time.Duration{2 * time.Hour, 1 << 24 * time.Second} {
			t.Run(where+" "+off.String(), func(t *testing.T) {
				path := outlierCapture(t, where, off)
				var out, errb bytes.Buffer
				if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				text := out.String()
				if !strings.Contains(text, "end: fin after 0.") || strings.Contains(text, "step back") {
					t.Errorf("the session's length takes the outlier's time:\n%s", text)
				}
				if !strings.Contains(text, "1 packet whose time stepped over 30 s ahead while the next came back: read at the time of") {
					t.Errorf("the outlier is not counted:\n%s", text)
				}
				out.Reset()
				if code := run([]string{"read", "--json", path}, &out, &errb); code != 0 {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				for _, l := range strings.Split(out.String(), "\n") {
					if strings.Contains(l, "elapsed_ms") || strings.Contains(l, "clock_steps") || strings.Contains(l, `"ts":"2026-03-02T11`) {
						t.Errorf("a record takes the outlier's time:\n%s", l)
					}
					if _, ms, ok := strings.Cut(l, `"final_reply_ms":`); ok {
						if v, err := strconv.ParseFloat(ms[:strings.IndexAny(ms, ",}")], 64); err != nil || v > 1000 {
							t.Errorf("a reply time takes the outlier's time:\n%s", l)
						}
					}
				}
			})
		}
	}
}
