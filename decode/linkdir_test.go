package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// dirRecorder keeps the LinkDir of every segment and the Hops of the
// latest control event.
type dirRecorder struct {
	recorder
	dirs []LinkDir
	hops Hops
}

func (r *dirRecorder) Segment(s *Segment)      { r.dirs = append(r.dirs, s.LinkDir) }
func (r *dirRecorder) Control(e *ControlEvent) { r.hops = e.Hops }

// cooked puts an Ethernet frame's IP packet in a Linux cooked header (v1
// or v2) of packet type ptype.
func cooked(eth []byte, v2 bool, ptype uint8) []byte {
	ip := eth[14:]
	if v2 {
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(layers.EthernetTypeIPv4))
		binary.BigEndian.PutUint32(h[4:], 3)
		binary.BigEndian.PutUint16(h[8:], uint16(layers.ARPHardwareTypeEthernet))
		h[10], h[11] = ptype, 6
		return append(h, ip...)
	}
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], uint16(ptype))
	binary.BigEndian.PutUint16(h[2:], uint16(layers.ARPHardwareTypeEthernet))
	binary.BigEndian.PutUint16(h[4:], 6)
	binary.BigEndian.PutUint16(h[14:], uint16(layers.EthernetTypeIPv4))
	return append(h, ip...)
}

// TestLinkDirFromCookedHeader guards the direction a cooked capture
// (tcpdump -i any) records of each packet, which tells a box that
// forwards a connection (its packets arriving and leaving) from one at
// its end: received (host, broadcast, multicast, another host's) is in,
// outgoing is out, a looped-back or unknown type and a link without the
// field say nothing.
func TestLinkDirFromCookedHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
		want  LinkDir
	}{
		{"SLL host", layers.LinkTypeLinuxSLL, []byte{0, 0}, LinkIn},
		{"SLL otherhost", layers.LinkTypeLinuxSLL, []byte{0, 3}, LinkIn},
		{"SLL outgoing", layers.LinkTypeLinuxSLL, []byte{0, 4}, LinkOut},
		{"SLL loopback type", layers.LinkTypeLinuxSLL, []byte{0, 5}, LinkDirUnknown},
		{"SLL cut before its type", layers.LinkTypeLinuxSLL, []byte{0}, LinkDirUnknown},
		{"SLL2 outgoing", layers.LinkTypeLinuxSLL2, []byte{8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 4}, LinkOut},
		{"SLL2 host", layers.LinkTypeLinuxSLL2, []byte{8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0}, LinkIn},
		{"SLL2 cut", layers.LinkTypeLinuxSLL2, []byte{8, 0, 0, 0, 0, 0, 0, 2, 0, 1}, LinkDirUnknown},
		{"Ethernet", layers.LinkTypeEthernet, []byte{0, 4}, LinkDirUnknown},
	} {
		if got := frameLinkDir(tc.link, tc.frame); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestControlHopsForwardedOnlyArrivingAndLeaving guards Hops' Forwarded
// bits: a side whose segments a cooked capture saw both arriving and
// leaving (a router's tcpdump -i any: each packet in, then out one hop
// lower) is forwarded; one seen only arriving (the capture on the server,
// the client's packets) or only leaving is not; and Segment.LinkDir says
// each segment's way.
func TestControlHopsForwardedOnlyArrivingAndLeaving(t *testing.T) {
	c, s := netip.MustParseAddrPort("10.1.1.2:40000"), netip.MustParseAddrPort("10.1.2.10:21")
	for _, v2 := range []bool{false, true} {
		for _, tc := range []struct {
			name          string
			copies        bool // each segment again, leaving
			cli, srv      bool // Forwarded(false), Forwarded(true)
			wantSegsOfDir []LinkDir
		}{
			{"router: arriving and leaving", true, true, true, []LinkDir{LinkIn, LinkOut}},
			{"end host: arriving only", false, false, false, []LinkDir{LinkIn}},
		} {
			r := &dirRecorder{}
			d := New(r, Options{})
			link := layers.LinkTypeLinuxSLL
			if v2 {
				link = layers.LinkTypeLinuxSLL2
			}
			ts := convT0
			send := func(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p string) {
				f := convFrame(t, src, dst, seq, ack, fl, []byte(p))
				for i, pt := range []uint8{0, 4} {
					if i == 1 && !tc.copies {
						break
					}
					ts = ts.Add(time.Millisecond)
					fr := cooked(f, v2, pt)
					d.Decode(fr, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(fr), Length: len(fr)}, link)
				}
			}
			send(c, s, 100, 0, FlagSYN, "")
			send(s, c, 500, 101, FlagSYN|FlagACK, "")
			send(c, s, 101, 501, FlagACK, "")
			send(s, c, 501, 101, FlagACK|FlagPSH, "220 ready\r\n")
			send(c, s, 101, 512, FlagACK|FlagPSH, "USER a\r\n")
			d.Finish()
			if got := r.hops.Forwarded(false); got != tc.cli {
				t.Errorf("v2 %v, %s: client forwarded %v, want %v (hops %08b)", v2, tc.name, got, tc.cli, r.hops)
			}
			if got := r.hops.Forwarded(true); got != tc.srv {
				t.Errorf("v2 %v, %s: server forwarded %v, want %v (hops %08b)", v2, tc.name, got, tc.srv, r.hops)
			}
			if len(r.dirs) < 2 || r.dirs[0] != tc.wantSegsOfDir[0] || r.dirs[1] != tc.wantSegsOfDir[len(tc.wantSegsOfDir)-1] {
				t.Errorf("v2 %v, %s: segment directions %v", v2, tc.name, r.dirs)
			}
			// The direction bits are no TTL class: the hops read as before.
			if r.hops&^(ClientForwarded|ServerForwarded) != r.hops&(ClientUnrouted|ClientRouted|ClientFar|ServerUnrouted|ServerRouted|ServerFar) {
				t.Errorf("v2 %v, %s: stray bits in hops %08b", v2, tc.name, r.hops)
			}
		}
	}
}
