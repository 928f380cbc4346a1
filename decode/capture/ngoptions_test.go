package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// ngComments is n opt_comment options of 65535 bytes each: legal, and
// more than a megabyte from n = 17.
func ngComments(order binary.AppendByteOrder, n int) []byte {
	one := ngOpt(order, 1, bytes.Repeat([]byte{'c'}, 65535))
	return bytes.Repeat(one, n)
}

// TestHugeOptionsKeepPackets guards fmt_bigopts.pcapng (review rev-evade):
// 30 interface descriptions of 13 MB each, legal (200 opt_comment options
// of 64 KB), were all ignored for the 1 MiB interface byte bound, and
// with them every packet of the file: "0 sessions", exit 0. Blocks with
// megabytes of options (interfaces, section headers, statistics, name
// resolution, packets) must be read past in bounded memory, their
// options dropped but an interface's link type, snap length, if_tsresol
// and if_tsoffset kept, and no packet lost.
func TestHugeOptionsKeepPackets(t *testing.T) {
	const sec = 1700000000
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		big := ngComments(order, 17) // 1.1 MiB
		u64 := func(v uint64) []byte { return order.AppendUint64(nil, v) }
		idb := func(link layers.LinkType, opts ...[]byte) []byte {
			body := order.AppendUint16(nil, uint16(link))
			body = order.AppendUint16(body, 0)
			body = order.AppendUint32(body, 65535)
			body = append(body, ngOpt(order, 2, []byte("eth0"))...)
			body = append(body, cat(opts...)...)
			body = append(body, ngEndOpt...)
			return ngBlock(order, blockIDB, body)
		}
		shb := func(opts []byte) []byte {
			body := order.AppendUint32(nil, 0x1a2b3c4d)
			body = order.AppendUint16(body, 1)
			body = order.AppendUint16(body, 0)
			body = order.AppendUint64(body, ^uint64(0))
			body = append(body, opts...)
			body = append(body, ngEndOpt...)
			return ngBlock(order, blockSHB, body)
		}
		epbOpts := func(iface uint32, ticks uint64, data, opts []byte) []byte {
			b := ngEPBTicks(order, iface, ticks, data)
			body := cat(b[8:len(b)-4], opts, ngEndOpt)
			return ngBlock(order, blockEPB, body)
		}
		// interface 0: nanoseconds, 100 s offset, a megabyte of comments;
		// interface 1: raw IP, microseconds, a megabyte of comments.
		plain := idb(layers.LinkTypeEthernet, ngOpt(order, optTsresol, []byte{9}), ngOpt(order, optTsoffset, u64(100)))
		bigIDB0 := idb(layers.LinkTypeEthernet, big, ngOpt(order, optTsresol, []byte{9}), ngOpt(order, optTsoffset, u64(100)), big)
		bigIDB1 := idb(layers.LinkTypeRaw, big)
		small1 := idb(layers.LinkTypeRaw)
		p0 := ngEPBTicks(order, 0, sec*1e9+5, payload(1, 60))
		p1 := ngEPBTicks(order, 1, sec*1e6+7, payload(2, 40))
		p0b := ngEPBTicks(order, 0, sec*1e9+9, payload(3, 61))
		nrb := ngBlock(order, blockNRB, cat(big, ngEndOpt))
		isb := ngISB(order, 0, 0, cat(big, ngOpt(order, optIfdrop, u64(5))))
		tests := []struct {
			name    string
			file    []byte
			dropped uint64
		}{
			{"interfaces with a megabyte of comments", cat(shb(nil), bigIDB0, p0, bigIDB1, p1, p0b), 0},
			{"section header with a megabyte of comments", cat(shb(big), plain, p0, small1, p1, p0b), 0},
			{"name resolution block of a megabyte", cat(shb(nil), plain, p0, nrb, small1, p1, p0b), 0},
			{"statistics with a megabyte of comments", cat(shb(nil), plain, p0, isb, small1, p1, p0b), 5},
			{"packet with a megabyte of comments", cat(shb(nil), plain, epbOpts(0, sec*1e9+5, payload(1, 60), big), small1, p1, p0b), 0},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v %s", order, tt.name), func(t *testing.T) {
				eachWay(t, tt.file, func(t *testing.T, s Source) {
					g := readAll(t, s)
					if g.err != io.EOF || len(g.pkts) != 3 {
						t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
					}
					want := []struct {
						iface int
						link  layers.LinkType
						ts    time.Time
					}{
						{0, layers.LinkTypeEthernet, time.Unix(sec+100, 5)},
						{1, layers.LinkTypeRaw, time.Unix(sec, 7000)},
						{0, layers.LinkTypeEthernet, time.Unix(sec+100, 9)},
					}
					for i, w := range want {
						p := g.pkts[i]
						if p.iface != w.iface || p.link != w.link || !p.ts.Equal(w.ts) {
							t.Errorf("packet %d: interface %d %v at %s, want %d %v at %s", i, p.iface, p.link, p.ts.UTC().Format(time.RFC3339Nano), w.iface, w.link, w.ts.UTC().Format(time.RFC3339Nano))
						}
					}
					if st := StatsOf(s); st != (Stats{Sections: 1, InterfaceDropped: tt.dropped}) {
						t.Errorf("stats %+v", st)
					}
					if ng, ok := s.(*ngSource); ok {
						// pcapgo keeps none of the option strings
						in, err := ng.r.Interface(0)
						if err != nil || in.Name != "" || in.Comment != "" || in.SnapLength != 65535 {
							t.Errorf("interface 0 kept as %q %d bytes of comment, snap length %d (%v)", in.Name, len(in.Comment), in.SnapLength, err)
						}
						if c := ng.r.SectionInfo().Comment; c != "" {
							t.Errorf("section comment of %d bytes kept", len(c))
						}
					}
				})
			})
		}
	}
}

// TestInterfaceOptionsAreBounded: interfaces with long option strings
// are kept (their packets read) while the strings are not, so a few
// hundred 60 KB names cannot build a table of tens of megabytes.
func TestInterfaceOptionsAreBounded(t *testing.T) {
	le := binary.LittleEndian
	big := ngIDBNamed(le, layers.LinkTypeEthernet, 60000)
	const n = 200 // 12 MB of interface blocks
	file := cat(ngSHB(le), bytes.Repeat(big, n), ngEPB(le, pkt{iface: n - 1, data: payload(1, 60)}))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := OpenReader("names.pcapng", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if g := readAll(t, s); len(g.pkts) != 1 || g.pkts[0].iface != n-1 || g.err != io.EOF {
		t.Fatalf("%d packets, %v", len(g.pkts), g.err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if kept := s.(*ngSource).r.NInterfaces(); kept != n || StatsOf(s).InterfacesIgnored != 0 {
		t.Errorf("kept %d interfaces, stats %+v", kept, StatsOf(s))
	}
	// the file itself stays live: count what was retained beyond it
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("%d bytes retained for %d interfaces", grew, n)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(file)
}

// TestPacketOptionsDoNotAllocate: options on every packet (dumpcap writes
// epb_flags; comments are common) cost pcapgo no allocation once dropped
// (it made a flags value and a comment string per packet).
func TestPacketOptionsDoNotAllocate(t *testing.T) {
	le := binary.LittleEndian
	data := payload(1, 1000)
	epb := ngEPBTicks(le, 0, 0, data)
	epb = ngBlock(le, blockEPB, cat(epb[8:len(epb)-4],
		ngOpt(le, 2, le.AppendUint32(nil, 1)), // epb_flags
		ngOpt(le, 1, []byte("a comment")),
		ngEndOpt))
	s, err := OpenReader("x", &endless{head: cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535)), body: epb})
	if err != nil {
		t.Fatal(err)
	}
	s.Next() // first packet sizes the buffers
	allocs := testing.AllocsPerRun(1000, func() {
		if d, _, _, err := s.Next(); err != nil || len(d) != len(data) {
			t.Fatalf("%d bytes, %v", len(d), err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}
