package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// convStep is one segment of a control conversation a test writes
// (writeConv): the client's bytes or the server's, after a pause, or
// lost from the capture (its sequence space skipped: the next segment
// shows the gap).
type convStep struct {
	server bool
	text   string
	after  time.Duration // pause before it (20 ms when 0)
	lost   bool
}

// writeConv writes a control connection from 198.51.100.7:50000 to
// 192.0.2.10:21, its handshake and steps, then its close by FINs unless
// open (the capture ends with it open), into dir; it returns the path.
func writeConv(t *testing.T, steps []convStep, open bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conv.pcap")
	var buf bytes.Buffer
	w := &strayWire{t: t, w: pcapgo.NewWriter(&buf), ts: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	if err := w.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	cli, srv := netip.MustParseAddrPort("198.51.100.7:50000"), netip.MustParseAddrPort("192.0.2.10:21")
	const ms = time.Millisecond
	cseq, sseq := uint32(1000), uint32(5000)
	w.send(ms, cli, srv, cseq-1, 0, "S", "")
	w.send(ms, srv, cli, sseq-1, cseq, "SA", "")
	w.send(ms, cli, srv, cseq, sseq, "A", "")
	for _, s := range steps {
		after := s.after
		if after == 0 {
			after = 20 * ms
		}
		from, to, seq, ack := cli, srv, &cseq, sseq
		if s.server {
			from, to, seq, ack = srv, cli, &sseq, cseq
		}
		if s.lost {
			w.ts = w.ts.Add(after)
		} else {
			w.send(after, from, to, *seq, ack, "A", s.text)
		}
		*seq += uint32(len(s.text))
	}
	if !open {
		w.send(ms, srv, cli, sseq, cseq, "FA", "")
		w.send(ms, cli, srv, cseq, sseq+1, "FA", "")
		w.send(ms, srv, cli, sseq+1, cseq+1, "A", "")
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readConv runs ftpsniff read with args on path and returns its output.
func readConv(t *testing.T, path string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append(append([]string{"read"}, args...), path), &stdout, &stderr); code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}
