package decode

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// Link types of IEEE 802.11 captures (a monitor-mode interface, a Wi-Fi
// access point's own capture): the 802.11 header, bare or behind a
// radiotap header, then LLC/SNAP and the EtherType. Only unprotected data
// frames carry IP that can be read: an encrypted network's frames (WEP,
// WPA) are not IP to ftpsniff, unless the capture was decrypted.
const (
	linkTypeIEEE80211 layers.LinkType = 105 // DLT_IEEE802_11
	linkTypeRadiotap  layers.LinkType = 127 // DLT_IEEE802_11_RADIO
)

// peelRadiotap skips a radiotap header (its length is in its bytes 2-3,
// little-endian), and the frame check sequence its Flags field says the
// frame ends with; a frame whose Flags say its FCS failed is no IP.
func peelRadiotap(b []byte) ([]byte, int) {
	if len(b) < 8 || b[0] != 0 {
		return nil, -1
	}
	n := int(binary.LittleEndian.Uint16(b[2:4]))
	if n < 8 || n > len(b) {
		return nil, -1
	}
	// The present bitmaps, 32 bits each, chained by their bit 31; the
	// fields follow, each aligned to its size. Only TSFT (bit 0, 8
	// bytes) comes before Flags (bit 1, 1 byte).
	present := binary.LittleEndian.Uint32(b[4:8])
	off := 8
	for w := present; w&(1<<31) != 0; {
		if off+4 > n {
			return nil, -1
		}
		w = binary.LittleEndian.Uint32(b[off : off+4])
		off += 4
	}
	frame := b[n:]
	if present&(1<<1) != 0 {
		if present&1 != 0 {
			off = (off+7)&^7 + 8
		}
		if off >= n {
			return nil, -1
		}
		const (
			flagFCS    = 0x10 // the frame ends with its FCS
			flagBadFCS = 0x40 // and it failed
		)
		flags := b[off]
		if flags&flagBadFCS != 0 {
			return nil, -1
		}
		if flags&flagFCS != 0 {
			if len(frame) < 4 {
				return nil, -1
			}
			frame = frame[:len(frame)-4]
		}
	}
	return peel80211(frame)
}

// peel80211 skips the 802.11 header of an unprotected data frame and its
// LLC/SNAP header (RFC 1042, or 802.1H's bridge tunnel) to the IP packet.
// Management and control frames, null data, protected (encrypted) frames,
// fragments and A-MSDU aggregates carry no IP that can be read here.
func peel80211(b []byte) ([]byte, int) {
	const (
		typeData     = 2
		toDS         = 0x01
		fromDS       = 0x02
		moreFrags    = 0x04
		protected    = 0x40
		order        = 0x80
		subtypeNull  = 0x4 // no body (null data, QoS null, CF-Ack, CF-Poll)
		subtypeQoS   = 0x8 // a 2-byte QoS control field
		qosAMSDU     = 0x80
		headerLength = 24
	)
	if len(b) < headerLength {
		return nil, -1
	}
	fc0, fc1 := b[0], b[1]
	subtype := fc0 >> 4
	if fc0&3 != 0 || (fc0>>2)&3 != typeData || subtype&subtypeNull != 0 || fc1&(protected|moreFrags) != 0 {
		return nil, -1
	}
	if binary.LittleEndian.Uint16(b[22:24])&0xf != 0 { // fragment number
		return nil, -1
	}
	n := headerLength
	if fc1&(toDS|fromDS) == toDS|fromDS {
		n += 6 // a fourth address (WDS, mesh)
	}
	if subtype&subtypeQoS != 0 {
		if len(b) < n+2 || b[n]&qosAMSDU != 0 {
			return nil, -1
		}
		n += 2
		if fc1&order != 0 {
			n += 4 // HT control
		}
	}
	if len(b) < n+8 {
		return nil, -1
	}
	llc := b[n : n+8]
	if llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 || llc[3] != 0 || llc[4] != 0 || (llc[5] != 0 && llc[5] != 0xf8) {
		return nil, -1
	}
	return afterEtherType(layers.EthernetType(binary.BigEndian.Uint16(llc[6:8])), b[n+8:])
}
