package main

import (
	"strings"
	"testing"
	"time"
)

// TestStallsAndRefusalsInEveryView guards what the text, --summary and
// JSON outputs say of the rv-real2 stalls (pcaps/real README, "Stalls
// behind a path MTU black hole"): a download whose bytes never reached
// the client, its server's FIN alone did, read "transferred: 4640 bytes
// ... ended by fin" and (lftp) control-idle-timeout though the server
// acknowledged the client's close; a stalled transfer the client gave up
// beside one that worked, and a STOR refused 550 beside transfers that
// worked, left --summary saying "no session failed or raised a warning".
func TestStallsAndRefusalsInEveryView(t *testing.T) {
	const real = "../../pcaps/real/"
	for _, tc := range []struct {
		name      string
		args      []string
		want, not []string
	}{
		{"lost before the FIN, text", []string{real + "pmtu-small-client.pcap"},
			[]string{"connected: handshake done; the 4640 bytes 10.99.1.1 sent before its FIN never arrived", "warning pmtu-blackhole"},
			[]string{"transferred: 4640", "the data connection worked"}},
		{"lost before the FIN, lftp: no idle timeout", []string{real + "pmtu-hostfw-client.pcap"},
			[]string{"warning pmtu-blackhole", "warning transfer-stalled"},
			[]string{"control-idle-timeout", "transferred"}},
		{"lost before the FIN, JSON", []string{"--json", real + "pmtu-small-client.pcap"},
			[]string{`"lost_before_fin":{"sender":"10.99.1.1:40030","bytes":4640}`, `"outcome":"connected"`},
			[]string{`"outcome":"transferred"`}},
		{"a stall beside a transfer that worked, summary", []string{"--summary", real + "pmtu-blackhole-client.pcap"},
			[]string{"--session 2 warning transfer-stalled", "the transfer on one of them stalled"},
			[]string{"no session failed or raised a warning", "2 data connections worked"}},
		{"an upload stall on the server's side, summary", []string{"--summary", real + "pmtu-upload-server.pcap"},
			[]string{"--session 1 warning transfer-stalled"},
			[]string{"no session failed or raised a warning"}},
		{"a refused STOR, summary", []string{"--summary", real + "proftpd-masq-ok-server.pcap"},
			[]string{"--session 3 10.99.1.2:51480 -> 10.99.2.2:21", "STOR upload/x.txt refused: 550 upload/x.txt: Operation not permitted",
				"5 data connections worked; but the server refused 1 file transfer"},
			[]string{"no session failed or raised a warning"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := readText(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			flat := strings.Join(strings.Fields(out), " ") // (sentences are wrapped)
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(flat, n) {
					t.Errorf("output has %q", n)
				}
			}
			if t.Failed() {
				t.Log(out)
			}
		})
	}
}

// TestIdleTimeoutNeedsDeadControl guards control-idle-timeout on the
// client's side: a RETR whose data moved and closed by its FINs, no 226,
// and the client closing the control connection seconds later read as a
// NAT or firewall that forgot the silent control connection (the 226 lost
// there) even when the server acknowledged that close: the connection was
// alive both ways, and no NAT had forgotten it (rv-real2
// pmtu-hostfw-client, where lftp gave up). Without the server's
// acknowledgment the finding stands.
func TestIdleTimeoutNeedsDeadControl(t *testing.T) {
	for _, acked := range []bool{false, true} {
		c, path := newWireCap(t)
		s := newWireSession(c) // PASV 10.0.0.1:40000
		k := &s.data
		k.handshake()
		s.cmd("RETR f.bin")
		s.reply("150 Opening BINARY mode data connection for f.bin (3000 bytes).")
		for range 3 {
			c.wait(time.Second)
			k.fromB(wireBody(1000))
		}
		k.closeFromB()
		c.wait(5 * time.Second)
		c.pkt(s.ctl.a, s.ctl.b, s.ctl.aseq, s.ctl.bseq, "FA", nil)
		s.ctl.aseq++
		if acked {
			c.pkt(s.ctl.b, s.ctl.a, s.ctl.bseq, s.ctl.aseq, "A", nil)
		}
		out, errs, code := readText(t, path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if got := strings.Contains(out, "control-idle-timeout"); got == acked {
			t.Errorf("server acknowledged the close %v: control-idle-timeout %v, want %v\n%s", acked, got, !acked, out)
		}
	}
}
