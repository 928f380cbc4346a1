package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// eachWay opens data every way a file reaches a reader: a plain file in
// blocks of a few sizes, a pipe, a pipe a byte at a time, and gzip.
func eachWay(t *testing.T, data []byte, check func(t *testing.T, s Source)) {
	t.Helper()
	ways := map[string]func() (Source, error){
		"pipe":          func() (Source, error) { return OpenReader("x", bytes.NewReader(data)) },
		"pipe by bytes": func() (Source, error) { return OpenReader("x", iotest.OneByteReader(bytes.NewReader(data))) },
		"gzip":          func() (Source, error) { return OpenReader("x", bytes.NewReader(gz(t, data))) },
	}
	for _, size := range []int{1, 7, 17, pcapBlockSize} {
		ways[fmt.Sprint("file in blocks of ", size)] = func() (Source, error) {
			return openSized("x", bytes.NewReader(data), nil, false, size)
		}
	}
	for name, open := range ways {
		t.Run(name, func(t *testing.T) {
			s, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			check(t, s)
		})
	}
}

// pcapOf builds a pcap file header (little-endian unless be) with the
// given magic and version, Ethernet, snap length 65535.
func pcapOf(order binary.AppendByteOrder, magic uint32, major, minor uint16) []byte {
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, major)
	b = order.AppendUint16(b, minor)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 65535)
	return order.AppendUint32(b, uint32(layers.LinkTypeEthernet))
}

// pcapRec builds a record; extra follows the classic 16 header bytes (the
// modified format's 8).
func pcapRec(order binary.AppendByteOrder, sec, usec, capLen, origLen uint32, extra, data []byte) []byte {
	b := order.AppendUint32(nil, sec)
	b = order.AppendUint32(b, usec)
	b = order.AppendUint32(b, capLen)
	b = order.AppendUint32(b, origLen)
	b = append(b, extra...)
	return append(b, data...)
}

// TestPcapCaptureLongerThanOriginalReadOn guards caplen_gt_orig.pcap: a
// record whose capture length exceeds its original length (64 > 54: a
// padded frame with its FCS) stopped the whole file as corrupt, losing
// every packet after it. Wireshark reads it; so must the pcap readers,
// counting it as pcapng's reader does.
func TestPcapCaptureLongerThanOriginalReadOn(t *testing.T) {
	le := binary.LittleEndian
	data := cat(pcapOf(le, 0xa1b2c3d4, 2, 4),
		pcapRec(le, 1, 0, 60, 60, nil, payload(1, 60)),
		pcapRec(le, 2, 0, 64, 54, nil, payload(2, 64)),
		pcapRec(le, 3, 0, 60, 60, nil, payload(3, 60)))
	eachWay(t, data, func(t *testing.T, s Source) {
		g := readAll(t, s)
		if g.err != io.EOF || len(g.pkts) != 3 {
			t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
		}
		if p := g.pkts[1]; len(p.data) != 64 || p.orig != 54 || !bytes.Equal(p.data, payload(2, 64)) {
			t.Errorf("packet 2: %d bytes of %d", len(p.data), p.orig)
		}
		if st := StatsOf(s); st.OverLength != 1 || !st.Any() {
			t.Errorf("stats %+v", st)
		}
	})
	// A capture length no capture tool writes is still corrupt, its bytes
	// unread.
	huge := cat(pcapOf(le, 0xa1b2c3d4, 2, 4), pcapRec(le, 1, 0, 60, 60, nil, payload(1, 60)),
		pcapRec(le, 2, 0, 0xffffffff, 54, nil, payload(2, 64)))
	eachWay(t, huge, func(t *testing.T, s Source) {
		g := readAll(t, s)
		var e *Error
		if len(g.pkts) != 1 || !errors.As(g.err, &e) || e.Kind != ErrCorrupt ||
			e.Error() != "x: corrupt packet record after 1 packet (capture length exceeds snap length: 4294967295 > 65535)" {
			t.Errorf("%d packets, then %v", len(g.pkts), g.err)
		}
	})
}

// TestPcapModifiedAndOldVersionsRead guards kuz.pcap and v23.pcap, once
// refused: Kuznetzov's modified pcap (magic a1b2cd34) has 24-byte record
// headers; versions before 2.4 are read as libpcap reads them, the two
// length fields swapped before 2.3 and, in 2.3, when the capture length
// is the larger.
func TestPcapModifiedAndOldVersionsRead(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	kuzExtra := []byte{2, 0, 0, 0, 0x08, 0x00, 0, 0} // ifindex, protocol, pkt_type, pad
	tests := []struct {
		name string
		data []byte
	}{
		{"modified", cat(pcapOf(le, 0xa1b2cd34, 2, 4),
			pcapRec(le, 7, 5, 60, 60, kuzExtra, payload(1, 60)), pcapRec(le, 8, 6, 40, 1500, kuzExtra, payload(2, 40)))},
		{"modified big-endian", cat(pcapOf(be, 0xa1b2cd34, 2, 4),
			pcapRec(be, 7, 5, 60, 60, kuzExtra, payload(1, 60)), pcapRec(be, 8, 6, 40, 1500, kuzExtra, payload(2, 40)))},
		{"2.3 swapped", cat(pcapOf(le, 0xa1b2c3d4, 2, 3),
			pcapRec(le, 7, 5, 60, 60, nil, payload(1, 60)), pcapRec(le, 8, 6, 1500, 40, nil, payload(2, 40)))},
		{"2.3 in order", cat(pcapOf(le, 0xa1b2c3d4, 2, 3),
			pcapRec(le, 7, 5, 60, 60, nil, payload(1, 60)), pcapRec(le, 8, 6, 40, 1500, nil, payload(2, 40)))},
		{"2.2", cat(pcapOf(le, 0xa1b2c3d4, 2, 2),
			pcapRec(le, 7, 5, 60, 60, nil, payload(1, 60)), pcapRec(le, 8, 6, 1500, 40, nil, payload(2, 40)))},
	}
	want := []pkt{
		{link: layers.LinkTypeEthernet, ts: time.Unix(7, 5000).UTC(), data: payload(1, 60)},
		{link: layers.LinkTypeEthernet, ts: time.Unix(8, 6000).UTC(), orig: 1500, data: payload(2, 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachWay(t, tt.data, func(t *testing.T, s Source) {
				g := readAll(t, s)
				if g.err != io.EOF {
					t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
				}
				samePackets(t, g.pkts, want)
				if st := StatsOf(s); st.Any() {
					t.Errorf("stats %+v", st)
				}
			})
		})
	}
}

// ngOpt builds a pcapng option, its value padded.
func ngOpt(order binary.AppendByteOrder, code uint16, val []byte) []byte {
	b := order.AppendUint16(nil, code)
	b = order.AppendUint16(b, uint16(len(val)))
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

var ngEndOpt = []byte{0, 0, 0, 0}

// ngIDBRes describes an Ethernet interface of timestamp resolution res.
func ngIDBRes(order binary.AppendByteOrder, res byte) []byte {
	body := order.AppendUint16(nil, uint16(layers.LinkTypeEthernet))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, 0)
	body = append(body, ngOpt(order, 2, []byte("eth0"))...)
	body = append(body, ngOpt(order, optTsresol, []byte{res})...)
	body = append(body, ngEndOpt...)
	return ngBlock(order, blockIDB, body)
}

// ngEPBTicks builds an enhanced packet block of interface iface with a
// raw timestamp.
func ngEPBTicks(order binary.AppendByteOrder, iface uint32, ticks uint64, data []byte) []byte {
	body := order.AppendUint32(nil, iface)
	body = order.AppendUint32(body, uint32(ticks>>32))
	body = order.AppendUint32(body, uint32(ticks))
	body = order.AppendUint32(body, uint32(len(data)))
	body = order.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return ngBlock(order, blockEPB, body)
}

// TestPcapngTimestampResolutions guards ng_multi.pcapng and
// ng_badres.pcapng: pcapgo takes a 2^-20 tick for 953 ns instead of
// 953.674 (a time of .050000190 s came out .049964837), refuses 2^-64 and
// finer, which ended the file at an interface description no packet even
// used, and wraps its tick count beyond 10^-19. Each time must be the
// exact one, rounded down to the nanosecond.
func TestPcapngTimestampResolutions(t *testing.T) {
	const sec = 1700000000
	tests := []struct {
		res   byte
		ticks uint64
		want  time.Time
	}{
		{6, sec*1e6 + 50000, time.Unix(sec, 50000000)},                                                 // default, passed as it is
		{9, sec*1e9 + 123456789, time.Unix(sec, 123456789)},                                            // nanoseconds
		{0x80 | 20, sec<<20 | 52429, time.Unix(sec, 50000190)},                                         // 52429/2^20 s = .0500001907...
		{0x80 | 32, sec<<32 | 1<<31, time.Unix(sec, 500000000)},                                        // half a second
		{0x80 | 32, sec<<32 | 3, time.Unix(sec, 0)},                                                    // 0.698 ns
		{0x80 | 32, sec<<32 | 5, time.Unix(sec, 1)},                                                    // 1.164 ns
		{0x80 | 70, 1 << 63, time.Unix(0, 7812500)},                                                    // 2^-7 s
		{0x80 | 127, ^uint64(0), time.Unix(0, 0)},                                                      // far below 1 ns
		{0x80, 12, time.Unix(12, 0)},                                                                   // whole seconds
		{0x80 | 9, 512*sec + 256, time.Unix(sec, 500000000)},                                           // exact in pcapgo: untouched
		{25, 5e18, time.Unix(0, 500)},                                                                  // 10^-25
		{99, ^uint64(0), time.Unix(0, 0)},                                                              // 10^-99
		{0x80 | 1, ^uint64(0), time.Unix(int64(^uint64(0)>>1), 500000000)},                             // exact in pcapgo: untouched
		{0x80 | 10, ^uint64(0), time.Unix(math.MaxUint64/1_000_000_000, math.MaxUint64%1_000_000_000)}, // beyond 2^64 ns: the largest
	}
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v res %#x", order, tt.res), func(t *testing.T) {
				// interface 0 plain; the one under test second, described
				// after a packet (as in ng_badres.pcapng); an ISB of it.
				data := cat(ngSHB(order), ngIDBRes(order, 6),
					ngEPBTicks(order, 0, sec*1e6, payload(1, 60)),
					ngIDBRes(order, tt.res),
					ngEPBTicks(order, 1, tt.ticks, payload(2, 61)),
					ngISB(order, 1, tt.ticks, nil),
					ngEPBTicks(order, 0, sec*1e6+1, payload(3, 62)))
				eachWay(t, data, func(t *testing.T, s Source) {
					g := readAll(t, s)
					if g.err != io.EOF || len(g.pkts) != 3 {
						t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
					}
					if got := g.pkts[1].ts; !got.Equal(tt.want) {
						t.Errorf("time %s, want %s", got.Format(time.RFC3339Nano), tt.want.UTC().Format(time.RFC3339Nano))
					}
					if got, want := g.pkts[2].ts, time.Unix(sec, 1000); !got.Equal(want) {
						t.Errorf("interface 0 time %s, want %s", got, want)
					}
				})
			})
		}
	}
}

// ngISB builds an interface statistics block with the given options.
func ngISB(order binary.AppendByteOrder, iface uint32, ticks uint64, opts []byte) []byte {
	body := order.AppendUint32(nil, iface)
	body = order.AppendUint32(body, uint32(ticks>>32))
	body = order.AppendUint32(body, uint32(ticks))
	body = append(body, opts...)
	if len(opts) > 0 {
		body = append(body, ngEndOpt...)
	}
	return ngBlock(order, blockISB, body)
}

// TestPcapngInterfaceStatisticsDrops guards ng_isb_drops.pcapng: the
// drops a capture's statistics blocks record (isb_ifdrop, isb_osdrop)
// explain gaps, and were never reported. Counts are totals since the
// capture started: per interface the last one counts; interfaces and
// sections add up. An ignored interface's statistics are not read.
func TestPcapngInterfaceStatisticsDrops(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		u64 := func(v uint64) []byte { return order.AppendUint64(nil, v) }
		isb := func(iface uint32, ifdrop, osdrop uint64) []byte {
			var opts []byte
			opts = append(opts, ngOpt(order, 1, []byte("a comment"))...)
			if ifdrop != 0 {
				opts = append(opts, ngOpt(order, optIfdrop, u64(ifdrop))...)
			}
			opts = append(opts, ngOpt(order, 4, u64(1000))...) // isb_ifrecv
			if osdrop != 0 {
				opts = append(opts, ngOpt(order, optOsdrop, u64(osdrop))...)
			}
			return ngISB(order, iface, 0, opts)
		}
		epb := ngEPBTicks(order, 0, 1, payload(1, 60))
		section := cat(ngSHB(order), ngIDBRes(order, 6), ngIDBRes(order, 9), epb,
			isb(0, 5, 0), isb(1, 2, 3), epb,
			isb(0, 7, 1),         // interface 0 now 7 and 1: the first counts no more
			isb(0, 1<<60, 1<<60), // no packet count
			epb)
		data := cat(section, section)
		eachWay(t, data, func(t *testing.T, s Source) {
			g := readAll(t, s)
			if g.err != io.EOF || len(g.pkts) != 6 {
				t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
			}
			st := StatsOf(s)
			if st.InterfaceDropped != 2*(7+2) || st.OSDropped != 2*(1+3) || !st.Any() {
				t.Errorf("stats %+v", st)
			}
			var sum Stats
			sum.Add(st)
			sum.Add(st)
			if sum.InterfaceDropped != 36 || sum.OSDropped != 16 {
				t.Errorf("Add: %+v", sum)
			}
		})
	}
}
