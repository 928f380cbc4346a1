package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestWriteKeepsIPFragments: a chosen session whose 227 or data came in
// IP fragments (plain, and in tunnels whose outer or inner header was
// fragmented) is written with every fragment, not only the one that
// completed the datagram: read back, it shows the same commands,
// endpoints and data outcomes. From a file (two passes) and from a pipe
// (one pass, where the fragments have gone by before their datagram
// shows its session).
func TestWriteKeepsIPFragments(t *testing.T) {
	for _, name := range []string{"../../pcaps/synthetic/fragments.pcap", "../../pcaps/synthetic/tunnels-fragmented.pcapng"} {
		all := carveRecords(t, name)
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if r["type"] != "session" {
				continue
			}
			id := r["id"].(float64)
			for _, pipe := range []bool{false, true} {
				out := filepath.Join(t.TempDir(), "s.pcapng")
				args := []string{"read", "--json", "--session", formatID(id), "--write", out, name}
				if pipe {
					args[len(args)-1] = "-"
					pipeStdin(t, raw)
				}
				var stdout, stderr bytes.Buffer
				if code := run(args, &stdout, &stderr); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
				}
				carved := carveRecords(t, out)
				var ids []float64
				for _, c := range carved {
					if c["type"] == "session" {
						ids = append(ids, c["id"].(float64))
					}
				}
				if len(ids) != 1 {
					t.Fatalf("%s session %v (pipe %v): the carved file holds %d sessions", name, id, pipe, len(ids))
				}
				if g, w := sessionView(carved, ids[0]), sessionView(all, id); !reflect.DeepEqual(g, w) {
					t.Errorf("%s session %v (pipe %v) read from the carved file differs:\n got %v\nwant %v", name, id, pipe, g, w)
				}
			}
		}
	}
}

// TestFragmentHoldBounded: the copies of fragments waiting for their
// datagram stay within maxHeldFragments and maxHeldFragmentBytes; one
// pushed out and then asked for by a written datagram is counted lost,
// and copies older than heldFragmentAge go.
func TestFragmentHoldBounded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pkt := func(n int, at time.Time) heldPacket {
		return heldPacket{data: make([]byte, n), ci: gopacket.CaptureInfo{Timestamp: at}}
	}
	var h fragmentHold
	for i := range maxHeldFragments + 10 {
		h.add(0, uint64(i+1), pkt(100, t0))
	}
	if len(h.list) != maxHeldFragments || h.bytes != maxHeldFragments*100 {
		t.Fatalf("%d copies of %d bytes held, want %d", len(h.list), h.bytes, maxHeldFragments)
	}
	var emitted []uint64
	emit := func(p heldPacket) { emitted = append(emitted, uint64(len(p.data))) }
	h.take(0, []uint64{1, 11, 12}, true, emit) // 1 was pushed out
	if h.lost != 1 || len(emitted) != 2 {
		t.Errorf("lost %d, emitted %d; want 1 and 2", h.lost, len(emitted))
	}
	h.take(0, []uint64{13}, false, emit) // a datagram not written: dropped, not lost
	if h.lost != 1 || len(emitted) != 2 || len(h.list) != maxHeldFragments-3 {
		t.Errorf("dropping: lost %d, emitted %d, held %d", h.lost, len(emitted), len(h.list))
	}
	h.add(0, 5000, pkt(maxHeldFragmentBytes/2, t0.Add(2*heldFragmentAge)))
	h.add(0, 5001, pkt(maxHeldFragmentBytes/2+1, t0.Add(2*heldFragmentAge)))
	if h.bytes > maxHeldFragmentBytes {
		t.Errorf("%d bytes held, bound %d", h.bytes, maxHeldFragmentBytes)
	}
	if len(h.list) != 1 || h.list[0].num != 5001 {
		t.Errorf("past the byte bound %d copies held, want only the newest", len(h.list))
	}
	var aging fragmentHold
	aging.add(0, 1, pkt(10, t0))
	aging.add(0, 2, pkt(10, t0.Add(heldFragmentAge)))
	aging.expire(t0.Add(heldFragmentAge + time.Second))
	if len(aging.list) != 1 || aging.list[0].num != 2 || aging.bytes != 10 {
		t.Errorf("after expiry %d copies (%d bytes) held, want the younger only", len(aging.list), aging.bytes)
	}
}

// TestFragmentHoldKeyedByInput: packet numbers start again in each input,
// so a fragment is taken only from the input its datagram completed in: a
// held fragment of another file with the same number (another host's
// bytes, in a review: a password) is not written, and the datagram's own,
// missing, is counted lost.
func TestFragmentHoldKeyedByInput(t *testing.T) {
	var h fragmentHold
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.add(0, 16, heldPacket{data: []byte("PASS foreign"), ci: gopacket.CaptureInfo{Timestamp: t0}})
	var emitted [][]byte
	h.take(1, []uint64{16}, true, func(p heldPacket) { emitted = append(emitted, p.data) })
	if len(emitted) != 0 || h.lost != 1 || len(h.list) != 1 {
		t.Errorf("emitted %q, lost %d, held %d; want nothing, 1, 1", emitted, h.lost, len(h.list))
	}
}

// rawIPv4Fragments writes an IPv4 datagram of protocol proto and payload
// from src to dst as fragments of at most size payload bytes (a multiple
// of 8), each its own frame.
func (c *wireCap) rawIPv4Fragments(src, dst netip.Addr, proto layers.IPProtocol, id uint16, payload []byte, size int) {
	c.t.Helper()
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		flags := layers.IPv4Flag(0)
		if end < len(payload) {
			flags = layers.IPv4MoreFragments
		}
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, Id: id, Flags: flags, FragOffset: uint16(off / 8), SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, gopacket.Payload(payload[off:end])); err != nil {
			c.t.Fatal(err)
		}
		c.ts = c.ts.Add(time.Millisecond)
		b := buf.Bytes()
		if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			c.t.Fatal(err)
		}
	}
}

// TestWriteKeepsICMPFragmentsAndSaysUnlisted: an ICMP error about a chosen
// data connection that came in two fragments is written whole (only its
// last fragment was, and the carved session read "undetermined"); a
// datagram of more fragments than decode names has the rest counted in
// the closing line, not lost in silence.
func TestWriteKeepsICMPFragmentsAndSaysUnlisted(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	router := netip.MustParseAddr("10.0.0.254")
	// The client's SYN to the announced 10.0.0.1:40000, and a router's
	// host unreachable quoting it, in two fragments.
	c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil)
	quote := gopacket.NewSerializeBuffer()
	qip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: s.data.a.Addr().AsSlice(), DstIP: s.data.b.Addr().AsSlice()}
	qtcp := &layers.TCP{SrcPort: layers.TCPPort(s.data.a.Port()), DstPort: layers.TCPPort(s.data.b.Port()), Seq: s.data.aseq, SYN: true, Window: 65535}
	if err := qtcp.SetNetworkLayerForChecksum(qip); err != nil {
		t.Fatal(err)
	}
	if err := gopacket.SerializeLayers(quote, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, qip, qtcp); err != nil {
		t.Fatal(err)
	}
	icmp := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(icmp, gopacket.SerializeOptions{ComputeChecksums: true}, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 1)}, gopacket.Payload(quote.Bytes())); err != nil {
		t.Fatal(err)
	}
	c.rawIPv4Fragments(router, s.data.a.Addr(), layers.IPProtocolICMPv4, 7, icmp.Bytes(), 24)
	s.reply("425 Failed to establish connection.")
	// A reply in a datagram of about 100 fragments of 8 bytes.
	s.cmd("STAT")
	reply := []byte("211-status\r\n" + strings.Repeat("x", 760) + "\r\n211 End of status\r\n")
	seg := gopacket.NewSerializeBuffer()
	tip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: s.ctl.b.Addr().AsSlice(), DstIP: s.ctl.a.Addr().AsSlice()}
	ttcp := &layers.TCP{SrcPort: 21, DstPort: layers.TCPPort(s.ctl.a.Port()), Seq: s.ctl.bseq, Ack: s.ctl.aseq, ACK: true, PSH: true, Window: 65535}
	if err := ttcp.SetNetworkLayerForChecksum(tip); err != nil {
		t.Fatal(err)
	}
	if err := gopacket.SerializeLayers(seg, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ttcp, gopacket.Payload(reply)); err != nil {
		t.Fatal(err)
	}
	c.rawIPv4Fragments(s.ctl.b.Addr(), s.ctl.a.Addr(), layers.IPProtocolTCP, 8, seg.Bytes(), 8)
	frags := (len(seg.Bytes()) + 7) / 8
	s.ctl.bseq += uint32(len(reply))
	s.quit()

	all := carveRecords(t, path)
	out := filepath.Join(t.TempDir(), "s.pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--session", "1", "--write", out, path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	carved := carveRecords(t, out)
	var got, want string
	for _, r := range carved {
		if r["type"] == "data" {
			got = r["outcome"].(string)
		}
	}
	for _, r := range all {
		if r["type"] == "data" {
			want = r["outcome"].(string)
		}
	}
	if want != "unreachable" || got != want {
		t.Errorf("data outcome: capture %q, carved file %q; want unreachable in both", want, got)
	}
	if n := frags - 1 - decode.MaxFragmentNums; !strings.Contains(stderr.String(), fmt.Sprintf("; %d IP fragments of written packets missing (beyond the %d named per datagram", n, decode.MaxFragmentNums)) {
		t.Errorf("closing line does not count the unlisted fragments: %q", stderr.String())
	}
}
