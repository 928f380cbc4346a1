package decode

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// taggedFrame is an Ethernet frame whose EtherType field is typ, followed
// by body (the tags and what they carry).
func taggedFrame(typ uint16, body ...[]byte) []byte {
	f := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, byte(typ >> 8), byte(typ)}
	return slices.Concat(append([][]byte{f}, body...)...)
}

// be16 is v in network order.
func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// Tags in front of IP as SPAN ports and port extenders deliver them, and
// IEEE 802.3 frames carrying IP in LLC/SNAP (RFC 1042).
var (
	cmdTag  = []byte{0x01, 0x01, 0x00, 0x01, 0x00, 0x64} // version 1, length 1, SGT option, SGT 100
	eTag    = []byte{0, 0, 0, 0, 0, 0}
	vnTag   = []byte{0x80, 0x05, 0x00, 0x07}
	snapHdr = []byte{0xaa, 0xaa, 0x03, 0, 0, 0}
)

// lengthOf is an 802.3 length field for an LLC frame of body.
func lengthOf(body ...[]byte) []byte {
	n := 0
	for _, b := range body {
		n += len(b)
	}
	return be16(uint16(n))
}

// taggedIPFrames are Ethernet frames carrying ip behind each tag the
// decoder peels by hand, named.
func taggedIPFrames(ip []byte, typ layers.EthernetType) map[string][]byte {
	et := be16(uint16(typ))
	return map[string][]byte{
		"Cisco MetaData":                 taggedFrame(0x8909, cmdTag, et, ip),
		"Cisco MetaData, 802.1Q":         taggedFrame(0x8909, cmdTag, be16(0x8100), be16(100), et, ip),
		"802.1Q, Cisco MetaData":         taggedFrame(0x8100, be16(100), be16(0x8909), cmdTag, et, ip),
		"802.1BR E-tag":                  taggedFrame(0x893f, eTag, et, ip),
		"VN-Tag":                         taggedFrame(0x8926, vnTag, et, ip),
		"802.3 LLC/SNAP":                 taggedFrame(uint16(len(snapHdr)+2+len(ip)), snapHdr, et, ip),
		"802.3 LLC/SNAP, 802.1H":         taggedFrame(uint16(len(snapHdr)+2+len(ip)), []byte{0xaa, 0xaa, 0x03, 0, 0, 0xf8}, et, ip),
		"802.1Q, 802.3 LLC/SNAP":         taggedFrame(0x8100, be16(100), lengthOf(snapHdr, et, ip), snapHdr, et, ip),
		"0x9100, 802.3 LLC/SNAP":         taggedFrame(0x9100, be16(100), lengthOf(snapHdr, et, ip), snapHdr, et, ip),
		"E-tag, Cisco MetaData, 0x88a8":  taggedFrame(0x893f, eTag, be16(0x8909), cmdTag, be16(0x88a8), be16(7), et, ip),
		"802.3 LLC/SNAP, padded to 60 B": append(taggedFrame(uint16(len(snapHdr)+2+len(ip)), snapHdr, et, ip), make([]byte, 8)...),
	}
}

// TestTagsInFrontOfIPAreFollowed: a Cisco MetaData tag (TrustSec
// inline tagging, EtherType 0x8909, as a SPAN port of a TrustSec network
// delivers frames), an 802.1BR E-tag (0x893f), a VN-Tag (0x8926) and an
// IEEE 802.3 frame carrying IP in LLC/SNAP (alone or inside a VLAN) were
// not followed: their sessions were lost, counted as "not IP" with no
// note under half the capture. Each carries its segment now, IPv4 and
// IPv6, as Wireshark's dissectors read them (tshark -V: cmd, etag,
// vntag, llc).
func TestTagsInFrontOfIPAreFollowed(t *testing.T) {
	ip4 := buildFrame(t, 50000, 21, []byte("USER x\r\n"))[14:]
	ip6 := buildFrame6(t, 50000, 21, []byte("USER x\r\n"))[14:]
	for _, c := range []struct {
		ip  []byte
		typ layers.EthernetType
	}{{ip4, layers.EthernetTypeIPv4}, {ip6, layers.EthernetTypeIPv6}} {
		for name, frame := range taggedIPFrames(c.ip, c.typ) {
			t.Run(c.typ.String()+" "+name, func(t *testing.T) {
				rec := &recorder{}
				d := New(rec, Options{})
				d.Decode(frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame)}, layers.LinkTypeEthernet)
				st := d.Stats()
				if rec.segments != 1 || rec.lastLen != 8 || st.TCP != 1 || st.NotIP != 0 || st.Malformed != 0 {
					t.Errorf("%d segments (payload %d), stats %+v", rec.segments, rec.lastLen, st)
				}
			})
		}
	}
	// At most 8 tags a frame are peeled.
	for _, n := range []int{maxTags, maxTags + 1} {
		var tags [][]byte
		for range n - 1 {
			tags = append(tags, cmdTag, be16(0x8909))
		}
		f := taggedFrame(0x8909, append(tags, cmdTag, be16(0x0800), ip4)...)
		rec := &recorder{}
		d := New(rec, Options{})
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		if got := rec.segments == 1; got != (n == maxTags) {
			t.Errorf("%d tags: %d segments, stats %+v", n, rec.segments, d.Stats())
		}
	}
	// An 802.3 frame whose LLC header carries no EtherType (spanning
	// tree) is no IP.
	stp := taggedFrame(38, []byte{0x42, 0x42, 0x03}, make([]byte, 35))
	d := New(&recorder{}, Options{})
	d.Decode(stp, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(stp), Length: len(stp)}, layers.LinkTypeEthernet)
	if st := d.Stats(); st.NotIP != 1 || st.TCP != 0 {
		t.Errorf("spanning tree: %+v", st)
	}
}

// buildFrame6 is buildFrame over IPv6.
func buildFrame6(t testing.TB, sport, dport uint16, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
		SrcIP: []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}, DstIP: []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1, Ack: 1, ACK: true, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestNotIPFramesNamedByEtherType: frames with no IP of an EtherType
// other than the link's own protocols (MACsec's, a tag the decoder does
// not peel) were counted in not_ip alone, with a note only past half the
// capture. LinkStats names their EtherTypes (the first 8, the frames of
// others summed), behind the tags peeled (a TrustSec-tagged ARP is ARP);
// ARP, LLDP, LACP, spanning tree and the like are not named.
func TestNotIPFramesNamedByEtherType(t *testing.T) {
	d := New(&recorder{}, Options{})
	decode := func(f []byte, n int) {
		for range n {
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		}
	}
	body := make([]byte, 46)
	decode(taggedFrame(0x0806, body), 3)                                   // ARP
	decode(taggedFrame(0x8909, cmdTag, be16(0x0806), body), 2)             // ARP, TrustSec-tagged
	decode(taggedFrame(0x88cc, body), 1)                                   // LLDP
	decode(taggedFrame(0x8809, body), 1)                                   // LACP
	decode(taggedFrame(38, []byte{0x42, 0x42, 0x03}, make([]byte, 35)), 1) // spanning tree
	decode(taggedFrame(0x8100, be16(5), be16(0x88cc), body), 1)            // LLDP in a VLAN
	decode(taggedFrame(0x88e5, body), 30)                                  // MACsec
	decode(taggedFrame(0x8909, cmdTag, be16(0x88e5), body), 2)             // MACsec, TrustSec-tagged
	decode(taggedFrame(0x8909, []byte{1, 1}), 1)                           // a tag cut short
	for typ := uint16(0x7000); typ < 0x7008; typ++ {                       // 8 more types: 6 fit
		decode(taggedFrame(typ, body), 2)
	}
	decode(buildFrame(t, 50000, 21, []byte("USER x\r\n")), 1)
	st, ls := d.Stats(), d.LinkStats()
	if st.NotIP != 3+2+1+1+1+1+30+2+1+16 || st.TCP != 1 {
		t.Fatalf("stats %+v", st)
	}
	want := []EtherTypeCount{
		{EtherType: 0x88e5, Name: "MACsec, encrypted", Frames: 32},
		{EtherType: 0x8909, Name: "Cisco MetaData, cut short", Frames: 1},
		{EtherType: 0x7000, Frames: 2}, {EtherType: 0x7001, Frames: 2}, {EtherType: 0x7002, Frames: 2},
		{EtherType: 0x7003, Frames: 2}, {EtherType: 0x7004, Frames: 2}, {EtherType: 0x7005, Frames: 2},
	}
	if !slices.Equal(ls.NotIPTypes, want) || ls.NotIPOtherTypes != 4 || ls.Empty() {
		t.Errorf("EtherTypes %+v, %d others; want %+v, 4 others", ls.NotIPTypes, ls.NotIPOtherTypes, want)
	}
	if got := want[0].String(); got != "32 frames of EtherType 0x88e5 (MACsec, encrypted), not decoded" {
		t.Errorf("note %q", got)
	}
	if got := want[2].String(); got != "2 frames of EtherType 0x7000, not decoded" {
		t.Errorf("note %q", got)
	}
	// live's workers: the same EtherTypes summed, new ones past the 8
	// with the others.
	m := ls.Merge(LinkStats{NotIPTypes: []EtherTypeCount{{EtherType: 0x88e5, Frames: 1}, {EtherType: 0x9999, Frames: 5}}, NotIPOtherTypes: 1})
	if m.NotIPTypes[0].Frames != 33 || len(m.NotIPTypes) != maxNotIPTypes || m.NotIPOtherTypes != 4+5+1 || ls.NotIPTypes[0].Frames != 32 {
		t.Errorf("merged %+v, %d others", m.NotIPTypes, m.NotIPOtherTypes)
	}
}

// TestLinkTypeNotDecodedNamesItsInputs: the note of frames of a link type
// not decoded did not say which of the files read held them; the names
// of the inputs (SetInput) are kept with the link type, the first 4,
// and merged across live's workers.
func TestLinkTypeNotDecodedNamesItsInputs(t *testing.T) {
	d := New(&recorder{}, Options{})
	frame := make([]byte, 40)
	ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: 40, Length: 40}
	for _, in := range []string{"a.pcapng", "b.pcapng", "a.pcapng", "c", "d", "e", "f"} {
		d.SetInput(in)
		d.Decode(frame, ci, 300)
		d.Decode(frame, ci, 300)
	}
	ls := d.LinkStats()
	if len(ls.UnknownLinks) != 1 || ls.UnknownLinks[0].Frames != 14 {
		t.Fatalf("%+v", ls.UnknownLinks)
	}
	files, more := ls.InputsOf(300)
	if !slices.Equal(files, []string{"a.pcapng", "b.pcapng", "c", "d"}) || !more {
		t.Errorf("inputs %q, more %v", files, more)
	}
	m := LinkStats{
		UnknownLinks:      []LinkTypeCount{{Link: 300, Frames: 1}},
		UnknownLinkInputs: []LinkInputs{{Link: 300, Files: []string{"x"}}},
	}.Merge(ls)
	files, more = m.InputsOf(300)
	if m.UnknownLinks[0].Frames != 15 || !slices.Equal(files, []string{"x", "a.pcapng", "b.pcapng", "c"}) || !more {
		t.Errorf("merged %+v: inputs %q, more %v", m.UnknownLinks, files, more)
	}
	if files, _ := ls.InputsOf(300); len(files) != 4 || files[0] != "a.pcapng" {
		t.Errorf("merge changed its argument: %q", files)
	}
	// One input: no name (the capture is that file).
	one := New(&recorder{}, Options{})
	one.Decode(frame, ci, 300)
	if files, more := one.LinkStats().InputsOf(300); len(files) != 0 || more {
		t.Errorf("one input: %q, %v", files, more)
	}
}

// TestTaggedAndNotIPFramesDoNotAllocate: peeling a tag and counting a
// frame's EtherType are per frame: nothing allocated once the EtherType
// is known.
func TestTaggedAndNotIPFramesDoNotAllocate(t *testing.T) {
	d := New(&recorder{}, Options{})
	ip := buildFrame(t, 50000, 40000, make([]byte, 100))[14:]
	for name, f := range map[string][]byte{
		"Cisco MetaData": taggedFrame(0x8909, cmdTag, be16(0x0800), ip),
		"LLC/SNAP":       taggedFrame(uint16(len(snapHdr)+2+len(ip)), snapHdr, be16(0x0800), ip),
		"MACsec":         taggedFrame(0x88e5, make([]byte, 46)),
		"ARP":            taggedFrame(0x0806, make([]byte, 46)),
	} {
		ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}
		d.Decode(f, ci, layers.LinkTypeEthernet)
		if n := testing.AllocsPerRun(1000, func() { d.Decode(f, ci, layers.LinkTypeEthernet) }); n != 0 {
			t.Errorf("%s: %v allocations a frame", name, n)
		}
	}
}

// TestCaptureKnowsTheLinkTypesDecoded: the capture package refuses a
// file of a link type the decoder does not read; its list is the
// decoder's.
func TestCaptureKnowsTheLinkTypesDecoded(t *testing.T) {
	ip := []byte{0x45}
	for l := range 1 << 16 {
		link := layers.LinkType(l)
		_, _, stripped := stripLink(link, ip)
		if decoded := firstLayer(link, ip) >= 0 || stripped; decoded != capture.LinkTypeDecoded(link) {
			t.Errorf("link type %d: decoded %v, the capture package says %v", l, decoded, !decoded)
		}
	}
}
