package main

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// TestZeekWorkersReleaseWhileIdle: with live --workers, a session that
// went quiet has its ftp.log lines released by the workers' idle ticks
// (the packet clock moves on while no packet comes), as one worker's
// live loop does; they waited for the next packet.
func TestZeekWorkersReleaseWhileIdle(t *testing.T) {
	all := readTestFile(t, "../../pcaps/real/passive-curl.pcap")
	data := firstPackets(t, all, 12) // the login and more: the session still open
	opts := workerOpts(t, "zeek")
	var buf bytes.Buffer
	lines := newLiveOutputFor(&opts.analysisOptions, &buf, io.Discard, nil)
	f := newPcapWorkers(t, data, 2)
	r := newLiveWorkers(opts, f, 2, lines)
	r.lines = lines
	var last time.Time
	for _, pk := range f.pkts {
		r.packet(r.workers[pk.worker], pk.data, pk.ci, pk.link, 0)
		last = pk.ci.Timestamp
	}
	r.second()
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 0 {
		t.Fatalf("%d lines written at once, before they waited", n)
	}
	now := last.Add(zeekLiveHoldMax) // no packet since: only idle ticks
	for _, w := range r.workers {    // RunWorker's idle callback
		w.dec.Tick(now)
		w.idleAt = now
		w.publish()
	}
	r.second()
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n == 0 {
		t.Errorf("no ftp.log line written %v after the last packet of a quiet session", zeekLiveHoldMax)
	}
}

// firstPackets is the pcap data with only its first n packets.
func firstPackets(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for range n {
		d, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if err := w.WritePacket(ci, d); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}
