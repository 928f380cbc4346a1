package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestCaptureBegunDuringTransferShowsIt: tcpdump started during a RETR
// holds the data connection's bytes (no SYN) and its close, then the
// control connection's 226, picked up mid-stream, QUIT and 221. The JSON
// data record says the capture missed its start (start_missed, the
// end_reply that tied it) and counts the bytes it saw; the text names
// the transfer and hedges its tie. It read "data: none" and "no data
// connections were announced".
func TestCaptureBegunDuringTransferShowsIt(t *testing.T) {
	c, path := newWireCap(t)
	// openWireSession's connections, their handshakes before the capture.
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	s := &wireSession{
		ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1001, bseq: 5001},
		data: wireConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, 40000), aseq: 70001, bseq: 90001},
	}
	body := wireBody(50000)
	s.data.segments(body, nil)
	s.data.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()

	recs := lateDataRecords(t, path)
	if len(recs) != 1 {
		t.Fatalf("%d data records, want 1", len(recs))
	}
	d := recs[0]
	if d["start_missed"] != true || d["end_reply"] != float64(226) || d["bytes_to_client"] != float64(len(body)) ||
		d["outcome"] != "transferred" || d["match"] != "inferred" || d["client"] != "10.0.0.2:50001" || d["server"] != "10.0.0.1:40000" {
		t.Errorf("data record %v, want start_missed, end_reply 226, %d bytes to the client 10.0.0.2:50001 from 10.0.0.1:40000, transferred, inferred", d, len(body))
	}
	var out, stderr bytes.Buffer
	if code := run([]string{"read", path}, &out, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"data #1 (no visible announcement) transferred: 50000 bytes", "started before the capture", "a guess"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "no data connections were announced") {
		t.Errorf("text says no data connections were announced:\n%s", out.String())
	}
}
