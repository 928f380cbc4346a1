package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pppFrame is an IPv4 TCP segment from src to dst behind a DLT_PPP
// header with HDLC framing (0xff 0x03, protocol 0x0021).
func pppFrame(t *testing.T, src, dst netip.Addr) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: 1, SYN: true, Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp); err != nil {
		t.Fatal(err)
	}
	return append([]byte{0xff, 0x03, 0x00, 0x21}, buf.Bytes()...)
}

// TestHostFilterReadsPointToPointLinks guards --host/--net on the link
// types decode reads by hand (PPP, Cisco HDLC): their frames were kept
// whatever the filter, as a link type the filter does not know.
func TestHostFilterReadsPointToPointLinks(t *testing.T) {
	f, err := newPacketFilter(capture.LiveConfig{Filter: capture.Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}}}, "--host 10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.9.9.9")
	if n := f.keep(pppFrame(t, a, b), 9); n == 0 {
		t.Errorf("a PPP frame of 10.0.0.1 was dropped")
	}
	if n := f.keep(pppFrame(t, c, b), 9); n != 0 {
		t.Errorf("a PPP frame of other hosts was kept (%d bytes)", n)
	}
	if n := f.keep([]byte{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4}, 9); n != 0 {
		t.Errorf("an LCP frame (no IP) was kept by a host filter (%d bytes)", n)
	}
}

// TestSummaryNamesWhatDecodeCannotFollow guards the text summary's notes
// on frames of unknown link types (named, each with its count, the rest
// as other link types) and tunnels not followed (their kinds named).
func TestSummaryNamesWhatDecodeCannotFollow(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	o := newTextOutput(bw, newPalette(false), false)
	o.Summary(totals{
		Decode: decode.Stats{Packets: 40, UnknownLink: 30, TunnelsNotFollowed: 10, NotTCP: 10},
		Links: decode.LinkStats{
			Tunnels:      []string{"L2TP"},
			UnknownLinks: []decode.LinkTypeCount{{Link: 127, Name: "IEEE 802.11 radiotap", Frames: 25}},
		},
	})
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"25 frames of link type 127 (IEEE 802.11 radiotap), not decoded",
		"5 frames of other link types ftpsniff does not decode",
		"10 tunnelled packets of a kind ftpsniff does not follow (L2TP)",
	} {
		if !strings.Contains(unwrapped(got), want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

// TestSummaryReportsTheCaptureOwnDrops guards the notes on what the
// capture file's own statistics say was dropped (pcapng interface
// statistics), which explain gaps ftpsniff reports.
func TestSummaryReportsTheCaptureOwnDrops(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	o := newTextOutput(bw, newPalette(false), false)
	o.Summary(totals{Files: capture.Stats{InterfaceDropped: 5, OSDropped: 2, OverLength: 1}})
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5 packets dropped by the interface", "2 packets dropped by the operating system", "1 packet longer than its original length, read as it is"} {
		if !strings.Contains(unwrapped(out.String()), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}
