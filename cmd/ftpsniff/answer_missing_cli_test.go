package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestAnswerMissingNotADrop: pasv-reject-rst.pcap with its RSTs taken
// out (a capture that lost them) holds data SYNs the client gave up on
// at once: no error data-unanswered and no firewall rule, but an
// undetermined outcome with gave_up_after_ms in the JSON, the text saying
// the answer is missing, and a verdict to capture again.
func TestAnswerMissingNotADrop(t *testing.T) {
	in, err := os.Open("../../pcaps/real/pasv-reject-rst.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "no-rst.pcap")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.RST {
			dropped++
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	out.Close()
	if dropped == 0 {
		t.Fatal("the capture has no RST to take out")
	}

	var text, stderr bytes.Buffer
	run([]string{"read", "--color", "never", path}, &text, &stderr)
	for _, bad := range []string{"data-unanswered", "nft insert rule", "iptables -I"} {
		if strings.Contains(text.String(), bad) {
			t.Errorf("text output has %q:\n%s", bad, text.String())
		}
	}
	for _, want := range []string{"undetermined: no answer in the capture, but the client gave up", "warning data-answer-missing", "capture again without a filter that leaves ICMP out"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	run([]string{"read", "--json", path}, &js, &stderr)
	gaveUp := 0
	for _, rec := range jsonLines(t, path, js.Bytes()) {
		if rec["type"] == "data" {
			if ms, ok := rec["gave_up_after_ms"].(float64); ok && ms > 0 && ms < 1000 && rec["outcome"] == "undetermined" {
				gaveUp++
			}
		}
	}
	if gaveUp == 0 {
		t.Errorf("no data record with gave_up_after_ms:\n%s", js.String())
	}
}
