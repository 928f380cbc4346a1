package decode

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// payloadLog keeps the payload of every segment.
type payloadLog struct {
	recorder
	payloads [][]byte
}

func (l *payloadLog) Segment(s *Segment) {
	l.recorder.Segment(s)
	l.payloads = append(l.payloads, bytes.Clone(s.Payload))
}

// rawFragment is one fragment of IP packet pkt: its payload bytes from
// off on replaced by data, more the MF flag; IPv6 ones get a Fragment
// header with identification id, IPv4 ones keep the packet's.
func rawFragment(pkt []byte, id uint32, off int, data []byte, more bool) []byte {
	if pkt[0]>>4 == 6 {
		f := append([]byte(nil), pkt[:40]...)
		next := f[6]
		f[6] = byte(layers.IPProtocolIPv6Fragment)
		fh := make([]byte, 8)
		fh[0] = next
		fo := uint16(off/8) << 3
		if more {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], fo)
		binary.BigEndian.PutUint32(fh[4:], id)
		f = append(append(f, fh...), data...)
		binary.BigEndian.PutUint16(f[4:], uint16(len(f)-40))
		return f
	}
	ihl := int(pkt[0]&0x0f) * 4
	f := append(append([]byte(nil), pkt[:ihl]...), data...)
	fo := uint16(off / 8)
	if more {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(f[6:], fo)
	binary.BigEndian.PutUint16(f[2:], uint16(len(f)))
	f[10], f[11] = 0, 0
	binary.BigEndian.PutUint16(f[10:], ipv4Checksum(f[:ihl]))
	return f
}

// ipPayload is pkt's payload after its fixed IP header.
func ipPayload(pkt []byte) []byte {
	if pkt[0]>>4 == 6 {
		return pkt[40:]
	}
	return pkt[int(pkt[0]&0x0f)*4:]
}

// TestFragmentsAgeOnPacketTime: IP fragments are given up after a minute
// of packet time, however fast a file is read, IPv6 as IPv4: a forged
// tail fragment five minutes before the real fragments does not complete
// their datagram with its bytes; fragments that never complete (expired,
// dropped for an overlap, or left at the capture's end) count as lost,
// each of them.
func TestFragmentsAgeOnPacketTime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type frame struct {
		at  time.Duration
		pkt []byte
	}
	// A 229 reply: TCP payload of 20 + 48 bytes, cut at 24 and 48.
	reply := []byte("229 Entering Extended Passive Mode (|||40001|)\r\n")
	for _, fam := range []struct {
		name     string
		src, dst netip.AddrPort
	}{
		{"v4", netip.MustParseAddrPort("192.0.2.10:21"), netip.MustParseAddrPort("10.1.0.2:50000")},
		{"v6", netip.MustParseAddrPort("[2001:db8:2::10]:21"), netip.MustParseAddrPort("[2001:db8:1::2]:50000")},
	} {
		pkt := innerTCP(t, fam.src, fam.dst, len(reply))
		copy(ipPayload(pkt)[20:], reply)
		pl := ipPayload(pkt)
		forged := bytes.Clone(pl[48:])
		copy(forged[60-48:], "40999")
		real := func(at time.Duration) []frame {
			return []frame{
				{at, rawFragment(pkt, 7, 0, pl[:24], true)},
				{at, rawFragment(pkt, 7, 24, pl[24:48], true)},
				{at, rawFragment(pkt, 7, 48, pl[48:], false)},
			}
		}
		var flood []frame
		for m := range 5 {
			for i := range 100 {
				other := netip.MustParseAddrPort("[2001:db8:3::7]:1234")
				if fam.src.Addr().Is4() {
					other = netip.MustParseAddrPort("198.51.100.7:1234")
				}
				p := innerTCP(t, other, fam.dst, 1200)
				if p[0]>>4 == 4 {
					binary.BigEndian.PutUint16(p[4:], uint16(1000+m*100+i))
				}
				flood = append(flood, frame{time.Duration(m)*time.Minute + time.Duration(i)*time.Second/2,
					rawFragment(p, uint32(1000+m*100+i), 0, ipPayload(p)[:1200], true)})
			}
		}
		for _, tc := range []struct {
			name      string
			frames    []frame
			rebuilt   uint64 // datagrams rebuilt
			lost      uint64
			want40001 bool // the 229 read carries the real port
		}{
			{"in order", real(0), 1, 0, true},
			{"stale forged tail", append([]frame{{0, rawFragment(pkt, 7, 48, forged, false)}}, real(5*time.Minute)...), 1, 1, true},
			{"overlap drops the datagram", []frame{
				{0, rawFragment(pkt, 7, 0, pl[:24], true)},
				{0, rawFragment(pkt, 7, 24, pl[24:48], true)},
				{0, rawFragment(pkt, 7, 40, append(bytes.Clone(pl[40:48]), forged...), false)},
				{0, rawFragment(pkt, 7, 48, pl[48:], false)},
			}, 0, 4, false},
			{"first missing, left at the end", real(0)[1:], 0, 2, false},
			{"flood expires", flood, 0, 500, false},
		} {
			t.Run(fam.name+"/"+tc.name, func(t *testing.T) {
				rec := &payloadLog{}
				d := New(rec, Options{})
				for _, f := range tc.frames {
					fr := ethernetFrame(f.pkt)
					d.Decode(fr, gopacket.CaptureInfo{Timestamp: t0.Add(f.at), CaptureLength: len(fr), Length: len(fr)}, layers.LinkTypeEthernet)
				}
				d.Finish()
				st := d.Stats()
				if st.Defragmented != tc.rebuilt || st.FragmentsLost != tc.lost {
					t.Errorf("rebuilt %d, lost %d; want %d, %d", st.Defragmented, st.FragmentsLost, tc.rebuilt, tc.lost)
				}
				got40001 := false
				for _, p := range rec.payloads {
					if bytes.Contains(p, []byte("40999")) {
						t.Errorf("rebuilt with the forged fragment: %q", p)
					}
					got40001 = got40001 || bytes.Contains(p, []byte("|||40001|"))
				}
				if got40001 != tc.want40001 {
					t.Errorf("229 with the real port read: %v, want %v", got40001, tc.want40001)
				}
				if d.fragsHeld != 0 {
					t.Errorf("%d fragments still held after Finish", d.fragsHeld)
				}
			})
		}
	}
}

// TestIPv6FragmentFloodBounded: IPv6 fragments that never complete are held
// up to the bound IPv4's are, within one minute of packet time too: the
// bound empties decode's own IPv6 reassembly, and counts what it held.
func TestIPv6FragmentFloodBounded(t *testing.T) {
	d := New(&recorder{}, Options{})
	src := netip.MustParseAddrPort("[2001:db8:3::7]:1234")
	dst := netip.MustParseAddrPort("[2001:db8:1::2]:80")
	p := innerTCP(t, src, dst, 64)
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := maxFragments*2 + 10
	for id := range n {
		f := rawFragment(p, uint32(id), 0, ipPayload(p)[:80], true)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeRaw)
		if len(d.frags) > maxFragments || d.fragsHeld > maxFragments {
			t.Fatalf("after %d fragments: %d datagrams held, %d fragments counted; bound %d", id+1, len(d.frags), d.fragsHeld, maxFragments)
		}
	}
	st := d.Stats()
	if st.FragmentsFull != 2 || st.FragmentsLost != 2*maxFragments {
		t.Errorf("bound hit %d times, %d lost; want 2, %d", st.FragmentsFull, st.FragmentsLost, 2*maxFragments)
	}
	d.Finish()
	if st := d.Stats(); st.FragmentsLost != uint64(n) || len(d.frags) != 0 {
		t.Errorf("after Finish %d lost, want %d; %d datagrams held", st.FragmentsLost, n, len(d.frags))
	}
}

// TestFragmentsAgeFromFirst: a datagram gets Linux's time from its first
// fragment (net.ipv4.ipfrag_time 30 s, net.ipv6.ip6frag_time 60 s; the
// timer is armed once), however its later fragments spread: IPv4
// fragments 20 s apart completed a datagram 40 s old.
func TestFragmentsAgeFromFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v4 := [2]netip.AddrPort{netip.MustParseAddrPort("192.0.2.10:21"), netip.MustParseAddrPort("10.1.0.2:50000")}
	v6 := [2]netip.AddrPort{netip.MustParseAddrPort("[2001:db8:2::10]:21"), netip.MustParseAddrPort("[2001:db8:1::2]:50000")}
	s := time.Second
	for _, tc := range []struct {
		name    string
		addrs   [2]netip.AddrPort
		at      [3]time.Duration
		rebuilt uint64
		lost    uint64
	}{
		{"v4 within 30 s", v4, [3]time.Duration{0, 10 * s, 29 * s}, 1, 0},
		{"v4 20 s apart, 40 s from the first", v4, [3]time.Duration{0, 20 * s, 40 * s}, 0, 3},
		{"v4 last 31 s after the first", v4, [3]time.Duration{0, 0, 31 * s}, 0, 3},
		{"v6 within 60 s", v6, [3]time.Duration{0, 30 * s, 59 * s}, 1, 0},
		{"v6 40 s apart, 80 s from the first", v6, [3]time.Duration{0, 40 * s, 80 * s}, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := innerTCP(t, tc.addrs[0], tc.addrs[1], 48)
			pl := ipPayload(pkt)
			frames := [][]byte{
				rawFragment(pkt, 7, 0, pl[:24], true),
				rawFragment(pkt, 7, 24, pl[24:48], true),
				rawFragment(pkt, 7, 48, pl[48:], false),
			}
			d := New(&recorder{}, Options{})
			for i, f := range frames {
				d.Decode(f, gopacket.CaptureInfo{Timestamp: t0.Add(tc.at[i]), CaptureLength: len(f), Length: len(f)}, layers.LinkTypeRaw)
			}
			d.Finish()
			if st := d.Stats(); st.Defragmented != tc.rebuilt || st.FragmentsLost != tc.lost {
				t.Errorf("rebuilt %d, lost %d; want %d, %d", st.Defragmented, st.FragmentsLost, tc.rebuilt, tc.lost)
			}
		})
	}
}

// TestFragmentBytesBounded: the fragments held are bounded in bytes too
// (4,000 first fragments of 64,992 bytes held 305 MB under the count
// bound), and a fragment costs its data, not its frame: 8-byte fragments
// in frames padded to 64 KiB held the frames (1 GB for 4,000 of them
// padded to 256 KiB).
func TestFragmentBytesBounded(t *testing.T) {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, fam := range []struct {
		name     string
		src, dst netip.AddrPort
	}{
		{"v4", netip.MustParseAddrPort("198.51.100.7:1234"), netip.MustParseAddrPort("192.0.2.10:80")},
		{"v6", netip.MustParseAddrPort("[2001:db8:3::7]:1234"), netip.MustParseAddrPort("[2001:db8:1::2]:80")},
	} {
		for _, tc := range []struct {
			name   string
			n      int // fragments, each its own datagram
			data   int // bytes of data in each
			pad    int // frame padded to this length
			full   uint64
			maxCap int // bytes a held fragment may take
		}{
			{"big fragments", 1000, 60000, 0, 1, 60000},
			{"padded frames", 200, 8, 1 << 16, 0, 64},
		} {
			t.Run(fam.name+"/"+tc.name, func(t *testing.T) {
				d := New(&recorder{}, Options{})
				p := innerTCP(t, fam.src, fam.dst, tc.data)
				for i := range tc.n {
					q := p
					if fam.src.Addr().Is4() {
						q = setIPv4(p, uint16(i), layers.IPProtocolTCP)
					}
					f := rawFragment(q, uint32(i), 0, ipPayload(q)[:tc.data], true)
					if len(f) < tc.pad {
						f = append(f, make([]byte, tc.pad-len(f))...)
					}
					d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeRaw)
					checkHeld(t, d, i+1)
					for _, g := range d.frags {
						for _, pc := range g.pieces {
							if cap(pc.data) > tc.maxCap {
								t.Fatalf("a fragment of %d bytes holds %d", len(pc.data), cap(pc.data))
							}
						}
					}
				}
				d.Finish()
				if st := d.Stats(); st.FragmentsFull != tc.full || st.FragmentsLost != uint64(tc.n) {
					t.Errorf("bound hit %d times, %d lost; want %d, %d", st.FragmentsFull, st.FragmentsLost, tc.full, tc.n)
				}
			})
		}
	}
}
