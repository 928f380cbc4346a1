package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// midstreamWire is a control connection between 10.0.0.2:cport and
// 10.0.0.1:21 whose start is not in the capture (no handshake): its
// first line, a reply, makes decode pick it up mid-stream.
func midstreamWire(c *wireCap, cport uint16) *wireSession {
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	return &wireSession{ctl: wireConn{c: c, a: netip.AddrPortFrom(cli, cport), b: netip.AddrPortFrom(srv, 21), aseq: 1000 + uint32(cport), bseq: 5000}}
}

// runningWire is a data connection between the client's end cli and the
// server's srv (on 10.0.0.2 and 10.0.0.1) whose start is not in the
// capture: the server's bytes come with no handshake before them.
func runningWire(c *wireCap, cli, srv uint16) *wireConn {
	return &wireConn{c: c, a: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), cli), b: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), srv), aseq: 70000, bseq: 90000}
}

// jsonRecsOf is the records of type typ among recs.
func jsonRecsOf(recs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

// TestTransferBegunBeforeCaptureOutputs: what read says of a transfer
// tcpdump was started during (the commonest capture of a hanging or slow
// one), read from the wire. A 426 (or 451, 552) at its end reads failed,
// with the bytes seen, and is diagnosed as for a transfer seen whole: it
// read "transferred" and "the data connection worked", no finding. Its
// mode is active from the server's port 20, else unknown: an active
// download from another port of the server's read as the client's
// connection to a passive port, counted among the server's passive ports.
// One still hanging when the capture ends (no reply but the 150) is
// claimed then, still open: it was not claimed. A 426 of one session
// does not take the connection another session of the same hosts, picked
// up mid-stream and waiting on its own transfer, is running: it did. A
// database connection between the same hosts (bytes both ways, turn
// after turn) is no data connection: it read data #1, and its port 3306
// one of the server's passive ports.
func TestTransferBegunBeforeCaptureOutputs(t *testing.T) {
	body := wireBody(30000)
	for _, tc := range []struct {
		name  string
		write func(c *wireCap)
		check func(t *testing.T, text string, recs []map[string]any)
	}{
		{
			name: "426 after the server's reset",
			write: func(c *wireCap) {
				k := runningWire(c, 50001, 40000)
				k.segments(body, nil)
				c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
				midstreamWire(c, 50000).reply("426 Failure writing network stream.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				if !strings.Contains(text, "30000 bytes seen, then its transfer failed (426)") {
					t.Errorf("no failed transfer with its bytes in:\n%s", text)
				}
				wantFinding(t, recs, "server-data-error", "warning")
			},
		},
		{
			name: "426 after the client gave the download up",
			write: func(c *wireCap) {
				k := runningWire(c, 50001, 40000)
				k.segments(body, nil)
				c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
				c.pkt(k.a, k.b, k.aseq+1, 0, "R", nil)
				midstreamWire(c, 50000).reply("426 Failure writing network stream.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				wantFinding(t, recs, "server-data-error", "info")
			},
		},
		{
			name: "552 after the server's reset",
			write: func(c *wireCap) {
				k := runningWire(c, 50001, 40000)
				k.segments(body, nil)
				c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
				midstreamWire(c, 50000).reply("552 Transfer aborted. Disk quota exceeded.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				wantFinding(t, recs, "transfer-aborted", "warning")
				if v := jsonRecsOf(recs, "server"); len(v) != 1 || !strings.Contains(v[0]["verdict"].(string), "broke its transfer off") {
					t.Errorf("server records %v: want a verdict that the transfer was broken off", v)
				}
			},
		},
		{
			name: "active from an unprivileged port",
			write: func(c *wireCap) {
				k := runningWire(c, 42000, 38112)
				k.segments(body, nil)
				k.closeFromB()
				midstreamWire(c, 50000).reply("226 Transfer complete.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				d := jsonRecsOf(recs, "data")
				if len(d) != 1 || d[0]["mode"] != "unknown" || d[0]["client"] != "10.0.0.2:42000" || d[0]["server"] != "10.0.0.1:38112" {
					t.Errorf("data records %v: want one, mode unknown, client 10.0.0.2:42000, server 10.0.0.1:38112", d)
				}
				if strings.Contains(text, "10.0.0.2:42000 -> 10.0.0.1:38112") || strings.Contains(text, "passive ports") || !strings.Contains(text, "mode unknown") {
					t.Errorf("the client said to connect, or a passive port counted, or no \"mode unknown\":\n%s", text)
				}
			},
		},
		{
			name: "a database between the same hosts",
			write: func(c *wireCap) {
				k := runningWire(c, 51000, 3306)
				for range 20 {
					k.fromA(body[:200])
					k.fromB(body[:1000])
				}
				k.closeFromA()
				c.wait(300 * time.Millisecond)
				midstreamWire(c, 50000).reply("226 Transfer complete.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				if d := jsonRecsOf(recs, "data"); len(d) != 0 || strings.Contains(text, "3306") {
					t.Errorf("data records %v: want none, and no port 3306 in:\n%s", d, text)
				}
			},
		},
		{
			name: "active from port 20",
			write: func(c *wireCap) {
				k := runningWire(c, 42000, 20)
				k.segments(body, nil)
				k.closeFromB()
				midstreamWire(c, 50000).reply("226 Transfer complete.")
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				d := jsonRecsOf(recs, "data")
				if len(d) != 1 || d[0]["mode"] != "active" || d[0]["client"] != "10.0.0.2:42000" || d[0]["server"] != "10.0.0.1:20" || d[0]["bytes_to_client"] != float64(len(body)) {
					t.Errorf("data records %v: want one, mode active, client 10.0.0.2:42000, server 10.0.0.1:20, %d bytes to the client", d, len(body))
				}
			},
		},
		{
			name: "hanging at the capture's end",
			write: func(c *wireCap) {
				midstreamWire(c, 50000).reply("150 Opening BINARY mode data connection for big.iso (4294967296 bytes).")
				k := runningWire(c, 50001, 40000)
				k.segments(body, nil)
				c.wait(20 * time.Second)
				c.pkt(k.b, k.a, k.bseq-1000, k.aseq, "PA", body[:1000]) // resent, unanswered
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				d := jsonRecsOf(recs, "data")
				if len(d) != 1 || d[0]["start_missed"] != true || d[0]["end_reason"] != "capture-end" || d[0]["end_reply"] != nil || d[0]["bytes"] != float64(len(body)) {
					t.Errorf("data records %v: want one begun before the capture, still open at its end, no end_reply, %d bytes", d, len(body))
				}
				if !strings.Contains(text, "still open at its end") {
					t.Errorf("not said still open:\n%s", text)
				}
			},
		},
		{
			name: "426 of one session while another's transfer hangs",
			write: func(c *wireCap) {
				waiting := midstreamWire(c, 50010)
				waiting.reply("150 Opening BINARY mode data connection for big.iso (4294967296 bytes).")
				k := runningWire(c, 50001, 40000)
				k.segments(body[:20000], nil)
				midstreamWire(c, 50000).reply("426 Failure writing network stream.")
				k.segments(body[20000:], nil)
			},
			check: func(t *testing.T, text string, recs []map[string]any) {
				d := jsonRecsOf(recs, "data")
				var waiting float64
				for _, s := range jsonRecsOf(recs, "session") {
					if s["client"] == "10.0.0.2:50010" {
						waiting = s["id"].(float64)
					}
				}
				if len(d) != 1 || d[0]["session"] != waiting || d[0]["end_reply"] != nil {
					t.Errorf("data records %v: want one, of the waiting session %v, taken at the capture's end", d, waiting)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			tc.write(c)
			text, stderr, code := readText(t, path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			tc.check(t, text, runJSONRecords(t, []string{"read", "--json", path}))
		})
	}
}

// wantFinding fails t unless recs hold exactly one finding, of code at
// severity.
func wantFinding(t *testing.T, recs []map[string]any, code, severity string) {
	t.Helper()
	var got []string
	for _, f := range jsonRecsOf(recs, "finding") {
		got = append(got, f["code"].(string)+" "+f["severity"].(string))
	}
	if len(got) != 1 || got[0] != code+" "+severity {
		t.Errorf("findings %q, want one: %s %s", got, code, severity)
	}
}
