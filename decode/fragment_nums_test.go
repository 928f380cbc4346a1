package decode

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fragRecorder records what a writer of chosen packets needs of
// fragments: the frames held (FragmentHeld) and, per segment of a
// rebuilt datagram, the frames it names (Segment.Fragments).
type fragRecorder struct {
	recorder
	held      []uint64
	rebuilt   map[uint64][]uint64 // completing frame -> the other fragments
	onSegment func(*Segment)      // if set, called with every segment
}

func (r *fragRecorder) FragmentHeld(num uint64) { r.held = append(r.held, num) }

func (r *fragRecorder) Segment(s *Segment) {
	r.recorder.Segment(s)
	if r.onSegment != nil {
		r.onSegment(s)
	}
	if s.Fragments != nil {
		r.rebuilt[s.Num] = slices.Clone(s.Fragments)
	}
}

// TestSegmentNamesItsFragments: the segment of a datagram rebuilt from
// fragments names the frames of its other fragments, each reported held
// when it arrived, so read --write can write a chosen segment whole; an
// unfragmented segment names none.
func TestSegmentNamesItsFragments(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[uint64][]uint64
	}{
		// tshark: frames 13-15 are the IPv4 227's fragments, 50-51 the
		// IPv6 229's.
		{"fragments.pcap", map[uint64][]uint64{15: {13, 14}, 51: {50}}},
		// Outer headers fragmented, inner ones, and both: every fragment
		// held is named once.
		{"tunnels-fragmented.pcapng", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rec := &fragRecorder{rebuilt: map[uint64][]uint64{}}
			decodeFileTo(t, "../pcaps/synthetic/"+tc.file, Options{}, rec)
			for num, want := range tc.want {
				if got := rec.rebuilt[num]; !slices.Equal(got, want) {
					t.Errorf("frame %d's segment names fragments %v, want %v", num, got, want)
				}
			}
			if tc.want != nil && len(rec.rebuilt) != len(tc.want) {
				t.Errorf("segments naming fragments: %v, want %v", rec.rebuilt, tc.want)
			}
			var named []uint64
			for _, l := range rec.rebuilt {
				named = append(named, l...)
			}
			slices.Sort(named)
			if !slices.Equal(named, rec.held) {
				t.Errorf("held %v, named %v", rec.held, named)
			}
		})
	}
}

// checkHeld fails t unless decode's count of the fragments and bytes it
// holds is what its datagrams hold, within the bounds.
func checkHeld(t *testing.T, d *Decoder, at int) {
	t.Helper()
	n, b := 0, 0
	for _, g := range d.frags {
		n += len(g.pieces)
		for _, p := range g.pieces {
			b += len(p.data)
		}
	}
	if d.fragsHeld != n || d.fragBytes != b || n > maxFragments || b > maxFragmentBytes {
		t.Fatalf("after frame %d: counted %d fragments, %d bytes; held %d, %d", at, d.fragsHeld, d.fragBytes, n, b)
	}
}

// setIPv4 sets an IPv4 packet's identification and protocol (rawFragment
// keeps them in each fragment).
func setIPv4(pkt []byte, id uint16, proto layers.IPProtocol) []byte {
	p := bytes.Clone(pkt)
	binary.BigEndian.PutUint16(p[4:], id)
	p[9] = byte(proto)
	return p
}

// TestFragmentCountIsWhatIsHeld: IPv4 fragments belong to one datagram
// only when their protocol matches too (RFC 791 2.3, as Linux keys
// them): UDP fragments followed by a tiny TCP fragment of the same
// addresses and identification stay held when the TCP one is dropped,
// and count against the bound (v4-proto-desync: 2.2 GB held, the bound
// never hit), and a UDP fragment sharing a TCP datagram's identification
// is neither part of it nor named with it, and counts as lost. After
// every frame the fragments counted are those held.
func TestFragmentCountIsWhatIsHeld(t *testing.T) {
	src := netip.MustParseAddrPort("198.51.100.7:40000")
	dst := netip.MustParseAddrPort("192.0.2.10:21")
	tcp := innerTCP(t, src, dst, 40)
	for _, tc := range []struct {
		name     string
		frames   func() [][]byte
		full     uint64
		lost     uint64 // after Finish
		rebuilt  uint64
		numbered map[uint64][]uint64 // completing frame -> other fragments
	}{
		{"udp fragments, tiny tcp fragment, same id", func() [][]byte {
			var fs [][]byte
			for i := range 1200 {
				udp := setIPv4(tcp, uint16(i), layers.IPProtocolUDP)
				for k := range 4 {
					fs = append(fs, rawFragment(udp, 0, k*16, ipPayload(udp)[:16], true))
				}
				tiny := setIPv4(tcp, uint16(i), layers.IPProtocolTCP)
				fs = append(fs, rawFragment(tiny, 0, 1000, ipPayload(tiny)[:4], true))
			}
			return fs
		}, 1, 6000, 0, nil},
		{"udp fragment amid a tcp datagram, same id", func() [][]byte {
			p := setIPv4(tcp, 7, layers.IPProtocolTCP)
			udp := setIPv4(tcp, 7, layers.IPProtocolUDP)
			return [][]byte{
				rawFragment(p, 0, 0, ipPayload(p)[:24], true),
				rawFragment(udp, 0, 24, ipPayload(udp)[24:48], true),
				rawFragment(p, 0, 24, ipPayload(p)[24:], false),
			}
		}, 0, 1, 1, map[uint64][]uint64{3: {1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &fragRecorder{rebuilt: map[uint64][]uint64{}}
			d := New(rec, Options{})
			ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, f := range tc.frames() {
				d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeRaw)
				checkHeld(t, d, i+1)
			}
			d.Finish()
			checkHeld(t, d, -1)
			st := d.Stats()
			if st.FragmentsFull != tc.full || st.FragmentsLost != tc.lost || st.Defragmented != tc.rebuilt {
				t.Errorf("bound hit %d times, %d lost, %d rebuilt; want %d, %d, %d", st.FragmentsFull, st.FragmentsLost, st.Defragmented, tc.full, tc.lost, tc.rebuilt)
			}
			if tc.numbered != nil && !reflect.DeepEqual(rec.rebuilt, tc.numbered) {
				t.Errorf("segments name fragments %v, want %v", rec.rebuilt, tc.numbered)
			}
		})
	}
}

// unreachLog keeps each ICMP error's fragments, and each segment's count
// of fragments not listed.
type unreachLog struct {
	fragRecorder
	icmpFrags [][]uint64
	unlisted  []int
}

func (l *unreachLog) Unreachable(u *Unreachable) {
	l.fragRecorder.Unreachable(u)
	l.icmpFrags = append(l.icmpFrags, slices.Clone(u.Fragments))
	l.unlisted = append(l.unlisted, u.FragmentsUnlisted)
}

func (l *unreachLog) Segment(s *Segment) {
	l.fragRecorder.Segment(s)
	l.unlisted = append(l.unlisted, s.FragmentsUnlisted)
}

// TestRebuiltNamesItsFragments: an ICMP error rebuilt from fragments
// names them as a segment does (read --write wrote only the completing
// one), and a datagram of more fragments than are listed says how many
// it left out, so a writer can count them missing.
func TestRebuiltNamesItsFragments(t *testing.T) {
	v4 := [3]string{"10.1.0.1", "10.1.0.2:51000", "192.0.2.10:40001"}
	v6 := [3]string{"2001:db8:1::1", "[2001:db8:1::2]:51000", "[2001:db8:2::10]:40001"}
	for _, tc := range []struct {
		name     string
		pkt      func() []byte
		pieces   int // fragments of 8 bytes, the last takes the rest
		icmp     bool
		listed   int
		unlisted int
	}{
		{"v4 ICMP error in 2 fragments", func() []byte {
			return icmpQuotingSYN(netip.MustParseAddr(v4[0]), netip.MustParseAddrPort(v4[1]), netip.MustParseAddrPort(v4[2]), 1, 3, 3, 0)
		}, 2, true, 1, 0},
		{"v6 ICMP error in 2 fragments", func() []byte {
			return icmpQuotingSYN(netip.MustParseAddr(v6[0]), netip.MustParseAddrPort(v6[1]), netip.MustParseAddrPort(v6[2]), 1, 1, 4, 0)
		}, 2, true, 1, 0},
		{"v4 segment in 100 fragments", func() []byte {
			return innerTCP(t, netip.MustParseAddrPort(v4[2]), netip.MustParseAddrPort(v4[1]), 780)
		}, 100, false, MaxFragmentNums, 99 - MaxFragmentNums},
		{"v6 segment in 100 fragments", func() []byte {
			return innerTCP(t, netip.MustParseAddrPort(v6[2]), netip.MustParseAddrPort(v6[1]), 780)
		}, 100, false, MaxFragmentNums, 99 - MaxFragmentNums},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.pkt()
			pl := ipPayload(pkt)
			rec := &unreachLog{fragRecorder: fragRecorder{rebuilt: map[uint64][]uint64{}}}
			d := New(rec, Options{})
			ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range tc.pieces {
				data, more := pl[i*8:i*8+8], true
				if i == tc.pieces-1 {
					data, more = pl[i*8:], false
				}
				f := rawFragment(pkt, 9, i*8, data, more)
				d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeRaw)
			}
			var listed []uint64
			if tc.icmp {
				if len(rec.unreach) != 1 {
					t.Fatalf("%d ICMP errors, want 1", len(rec.unreach))
				}
				listed = rec.icmpFrags[0]
			} else {
				listed = rec.rebuilt[uint64(tc.pieces)]
			}
			want := make([]uint64, tc.listed)
			for i := range want {
				want[i] = uint64(i + 1)
			}
			if !slices.Equal(listed, want) || len(rec.unlisted) != 1 || rec.unlisted[0] != tc.unlisted {
				t.Errorf("names fragments %v, %v not listed; want %v, %d", listed, rec.unlisted, want, tc.unlisted)
			}
		})
	}
}

// TestFragmentNumbersPerInput: a datagram's fragments are named by their
// packet numbers in the input the datagram completed in: one that came in
// an earlier input (numbers start again at each SetInput) is not listed,
// but counted (FragmentsUnlisted), so a writer never takes another
// packet of the same number; an exact repeat is listed and said held, so
// the writer writes what the wire carried.
func TestFragmentNumbersPerInput(t *testing.T) {
	src, dst := netip.MustParseAddrPort("192.0.2.10:40000"), netip.MustParseAddrPort("198.51.100.2:50000")
	pkt := innerTCP(t, src, dst, 1000)
	binary.BigEndian.PutUint16(pkt[4:], 0x77) // identification
	frags := ipFragments(t, pkt, 0, 504)
	other := innerTCP(t, netip.MustParseAddrPort("203.0.113.7:40000"), dst, 10)
	for _, tc := range []struct {
		name      string
		frames    [][]byte // one per packet; nil: SetInput (the next file)
		listed    []uint64
		unlisted  int
		heldCount int
	}{
		{"one input", [][]byte{frags[0], frags[1]}, []uint64{1}, 0, 1},
		// Packet 1 of the second file is another host's: never named.
		{"first fragment in the file before", [][]byte{frags[0], nil, other, frags[1]}, nil, 1, 1},
		{"an exact repeat", [][]byte{frags[0], frags[0], frags[1]}, []uint64{1, 2}, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &fragRecorder{rebuilt: map[uint64][]uint64{}}
			d := New(rec, Options{})
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(1767225600, 0)}
			unlisted := -1
			rec.onSegment = func(s *Segment) {
				if s.Fragments != nil || s.FragmentsUnlisted > 0 {
					unlisted = s.FragmentsUnlisted
				}
			}
			for _, f := range tc.frames {
				if f == nil {
					d.SetInput("next.pcap")
					continue
				}
				e := ethernetFrame(f)
				ci.CaptureLength, ci.Length = len(e), len(e)
				d.Decode(e, ci, layers.LinkTypeEthernet)
			}
			var listed []uint64
			for _, l := range rec.rebuilt {
				listed = l
			}
			if !slices.Equal(listed, tc.listed) || unlisted != tc.unlisted || len(rec.held) != tc.heldCount {
				t.Errorf("listed %v, unlisted %d, held %v; want %v, %d, %d held", listed, unlisted, rec.held, tc.listed, tc.unlisted, tc.heldCount)
			}
		})
	}
}
