package capture

import (
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// endless replays body after head forever: a capture with as many packets
// as a benchmark asks for, opened once, in constant memory.
type endless struct {
	head, body []byte
	off        int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if e.off < len(e.head) {
			c := copy(p[n:], e.head[e.off:])
			e.off += c
			n += c
			continue
		}
		i := (e.off - len(e.head)) % len(e.body)
		c := copy(p[n:], e.body[i:])
		e.off += c
		n += c
	}
	return n, nil
}

// endlessSources returns readers for an unbounded pcap, pcapng and gzip
// pcap of size-byte packets, the last for the decompression cost.
func endlessSources(t testing.TB, size int) map[string]func() io.Reader {
	le := binary.LittleEndian
	p := pkt{ts: t0, data: payload(5, size)}
	pc := writePcap(t, false, 65535, layers.LinkTypeEthernet, []pkt{p})
	ngHead := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535))
	ngSLLHead := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535), ngIDB(le, layers.LinkTypeLinuxSLL, 65535))
	p1 := p
	p1.iface = 1
	return map[string]func() io.Reader{
		"pcap":   func() io.Reader { return &endless{head: pc[:24], body: pc[24:]} },
		"pcapng": func() io.Reader { return &endless{head: ngHead, body: ngEPB(le, p)} },
		// two interfaces, link type changing on every packet
		"pcapng-mixed": func() io.Reader { return &endless{head: ngSLLHead, body: cat(ngEPB(le, p), ngEPB(le, p1))} },
	}
}

// BenchmarkFileSourceNext measures one Next call per op on 1000-byte
// packets, from memory, so it is the reader's cost alone.
func BenchmarkFileSourceNext(b *testing.B) {
	for name, open := range endlessSources(b, 1000) {
		b.Run(name, func(b *testing.B) {
			s, err := OpenReader(name, open())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(1000)
			for b.Loop() {
				if _, _, _, err := s.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNextAllocs holds the zero-copy promise: no allocation per packet.
func TestNextAllocs(t *testing.T) {
	for name, open := range endlessSources(t, 1000) {
		t.Run(name, func(t *testing.T) {
			s, err := OpenReader(name, open())
			if err != nil {
				t.Fatal(err)
			}
			s.Next() // first packet sizes the buffers
			allocs := testing.AllocsPerRun(1000, func() {
				if _, _, _, err := s.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per packet, want 0", allocs)
			}
		})
	}
}

// TestGarbageLengthsDoNotAllocate feeds records that declare huge lengths
// followed by an endless stream: the source must refuse them from the
// header, not buffer the stream while looking for the end of the record.
func TestGarbageLengthsDoNotAllocate(t *testing.T) {
	le := binary.LittleEndian
	zeros := make([]byte, 4096)
	pcapHuge := le.AppendUint32(nil, 0xa1b2c3d4)
	pcapHuge = le.AppendUint16(pcapHuge, 2)
	pcapHuge = le.AppendUint16(pcapHuge, 4)
	pcapHuge = le.AppendUint64(pcapHuge, 0)
	pcapHuge = le.AppendUint32(pcapHuge, 0xffffffff) // snap length
	pcapHuge = le.AppendUint32(pcapHuge, 1)
	pcapHuge = append(pcapHuge, make([]byte, 8)...) // timestamp
	pcapHuge = le.AppendUint32(pcapHuge, 1<<30)     // captured length
	pcapHuge = le.AppendUint32(pcapHuge, 1<<30)

	ngHead := cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 0))
	epbHuge := le.AppendUint32(nil, blockEPB)
	epbHuge = le.AppendUint32(epbHuge, 1<<30+32) // block length
	epbHuge = append(epbHuge, make([]byte, 12)...)
	epbHuge = le.AppendUint32(epbHuge, 1<<30) // captured length
	epbHuge = le.AppendUint32(epbHuge, 1<<30)
	spbHuge := le.AppendUint32(nil, blockSPB)
	spbHuge = le.AppendUint32(spbHuge, 64)
	spbHuge = le.AppendUint32(spbHuge, 1<<30) // original length; no snap length

	tests := []struct {
		name string
		head []byte
		kind error
	}{
		{"pcap record of 1 GiB", pcapHuge, ErrCorrupt},
		{"pcapng block of 1 GiB", cat(ngHead, epbHuge), ErrCorrupt},
		{"pcapng simple packet of 1 GiB", cat(ngHead, spbHuge), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			src := io.LimitReader(&endless{head: tt.head, body: zeros}, 256<<20)
			s, err := OpenReader("x", src)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = s.Next()
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Next = %v, want %v", err, tt.kind)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
				t.Errorf("allocated %d bytes refusing the record", grew)
			}
			t.Log(err)
		})
	}
}
