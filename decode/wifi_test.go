package decode

import (
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestIEEE80211LinkTypes: captures of a Wi-Fi interface in monitor mode,
// bare 802.11 (DLT 105) or behind radiotap (DLT 127), carry IP behind the
// 802.11 header and LLC/SNAP; their frames were counted as a link type
// not decoded and every session in them lost. Frames that carry no
// readable IP (management, null data, encrypted, fragments, A-MSDU, a
// failed FCS) are not IP.
func TestIEEE80211LinkTypes(t *testing.T) {
	pkt4 := innerTCP(t, tunInner4Src, tunInner4Dst, 10)
	pkt6 := innerTCP(t, tunInner6Src, tunInner6Dst, 10)
	snap := func(etherType uint16) []byte {
		return []byte{0xaa, 0xaa, 0x03, 0, 0, 0, byte(etherType >> 8), byte(etherType)}
	}
	// dot11 is a data frame header: fc0 (type and subtype), fc1 (flags),
	// duration, three addresses, sequence control (seq fragment number).
	dot11 := func(fc0, fc1 byte, frag byte) []byte {
		h := make([]byte, 24)
		h[0], h[1], h[22] = fc0, fc1, frag
		return h
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	data := dot11(0x08, 0x01, 0)                          // data, to the AP
	qos := cat(dot11(0x88, 0x02, 0), []byte{0, 0})        // QoS data, from the AP
	wds := cat(dot11(0x08, 0x03, 0), make([]byte, 6))     // four addresses
	qosHT := cat(dot11(0x88, 0x82, 0), make([]byte, 2+4)) // QoS with HT control
	// radiotap: version 0, length, present bitmap.
	radiotap := func(present uint32, fields ...byte) []byte {
		h := []byte{0, 0, 0, 0, byte(present), byte(present >> 8), byte(present >> 16), byte(present >> 24)}
		h = append(h, fields...)
		h[2] = byte(len(h))
		return h
	}
	fcs := []byte{1, 2, 3, 4}
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
		tcp   bool
	}{
		{"802.11 data v4", 105, cat(data, snap(0x0800), pkt4), true},
		{"802.11 QoS data v6", 105, cat(qos, snap(0x86dd), pkt6), true},
		{"802.11 four addresses", 105, cat(wds, snap(0x0800), pkt4), true},
		{"802.11 QoS with HT control", 105, cat(qosHT, snap(0x0800), pkt4), true},
		{"802.11 bridge tunnel SNAP", 105, cat(data, []byte{0xaa, 0xaa, 0x03, 0, 0, 0xf8, 0x08, 0x00}, pkt4), true},
		{"radiotap no fields", 127, cat(radiotap(0), data, snap(0x0800), pkt4), true},
		{"radiotap flags FCS", 127, cat(radiotap(1<<1, 0x10), data, snap(0x0800), pkt4, fcs), true},
		{"radiotap TSFT then flags FCS", 127, cat(radiotap(1|1<<1, 0, 0, 0, 0, 0, 0, 0, 0, 0x10), data, snap(0x0800), pkt4, fcs), true},
		{"radiotap extended bitmap", 127, cat(radiotap(1<<31|1<<1, 0, 0, 0, 0, 0x00), data, snap(0x0800), pkt4), true},
		{"radiotap bad FCS", 127, cat(radiotap(1<<1, 0x50), data, snap(0x0800), pkt4, fcs), false},
		{"802.11 beacon", 105, cat(dot11(0x80, 0, 0), make([]byte, 40)), false},
		{"802.11 null data", 105, cat(dot11(0x48, 0x01, 0), snap(0x0800), pkt4), false},
		{"802.11 protected", 105, cat(dot11(0x08, 0x41, 0), make([]byte, 8), pkt4), false},
		{"802.11 fragment", 105, cat(dot11(0x08, 0x01, 1), snap(0x0800), pkt4), false},
		{"802.11 A-MSDU", 105, cat(dot11(0x88, 0x02, 0), []byte{0x80, 0}, snap(0x0800), pkt4), false},
		{"802.11 ARP", 105, cat(data, snap(0x0806), make([]byte, 28)), false},
		{"802.11 cut short", 105, data[:20], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLinkFrame(t, tc.link, tc.frame, tc.tcp)
			if !tc.tcp {
				return
			}
			if off, ok := PointToPointIPOffset(tc.link, tc.frame); !ok || off <= 0 || tc.frame[off]>>4 != 4 && tc.frame[off]>>4 != 6 {
				t.Errorf("IP offset %d, %v", off, ok)
			}
		})
	}
}
