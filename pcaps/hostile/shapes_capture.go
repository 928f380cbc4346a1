package hostile

import (
	"bytes"
	"encoding/binary"
	"io"
)

func captureShapes() []Shape {
	return []Shape{
		{"idb-flood", "capture", ".pcapng.gz", "a session, idbs interface description blocks in one section, a session", idbFlood},
		{"pcapng-sections", "capture", ".pcapng.gz", "a session, sections section headers each with an interface, a session", sections},
		{"pcap-header-cut", "capture", ".pcap", "a pcap file header cut after 10 bytes", pcapHeaderCut},
		{"pcapng-blocklen-zero", "capture", ".pcapng", "a session, then a packet block of length 0, then a session", badBlock(blockHeader(6, 0))},
		{"pcapng-blocklen-odd", "capture", ".pcapng", "a session, then a block of length 130 (not a multiple of 4)", badBlock(blockHeader(6, 130))},
		{"pcapng-blocklen-past-eof", "capture", ".pcapng", "a session, then a block of 16 MiB less 4 in a file far smaller", badBlock(blockHeader(0x0bad, 16<<20-4))},
		{"pcapng-blocklen-4g", "capture", ".pcapng", "a session, then a block of length 2^32-4", badBlock(blockHeader(6, 0xfffffffc))},
		{"pcapng-option-huge", "capture", ".pcapng", "a session, then a packet block whose option declares 65535 bytes in a 48-byte block", badBlock(hugeOption())},
		{"pcapng-caplen-past-block", "capture", ".pcapng", "a session, then a packet block whose captured length runs 1 MiB past it", badBlock(caplenPastBlock())},
		{"pcapng-unknown-15mib", "capture", ".pcapng", "a session, a legal 15 MiB block of an unknown type, a session (all readable)", badBlock(ngBlock(0x0bad, make([]byte, 15<<20)))},
		{"pcap-snaplen-0", "capture", ".pcap", "sessions in a pcap whose header says snap length 0", snaplenFile(0, nil)},
		{"pcap-snaplen-max", "capture", ".pcap", "sessions in a pcap whose header says snap length 2^32-1", snaplenFile(0xffffffff, nil)},
		{"pcap-caplen-over-snaplen", "capture", ".pcap", "sessions whose records are longer than the header's snap length 64", snaplenFile(64, nil)},
		{"pcap-caplen-1mib", "capture", ".pcap", "a session, then a record of 1 MiB (above libpcap's 256 KiB), then a session", snaplenFile(65535, bigRecord)},
		{"pcap-caplen-over-origlen", "capture", ".pcap", "a session, then a record whose captured length exceeds its original length, then a session", snaplenFile(65535, overOrig)},
		{"gzip-bomb", "capture", ".pcap.gz", "a session, then bomb-mib MiB of zero-filled 65535-byte frames, then a session", gzipBomb},
	}
}

// repeat writes b n times through w's buffer.
func (p *pcapWriter) repeat(b []byte, n int) {
	chunk := bytes.Repeat(b, max(1, (64<<10)/len(b)))
	per := len(chunk) / len(b)
	for n > 0 {
		k := min(n, per)
		p.write(chunk[:k*len(b)])
		n -= k
	}
}

func idbFlood(out io.Writer, p Params) error {
	w := newPcapng(out)
	shortSession(w, 1)
	w.repeat(ngIDB(101), p.n("idbs")) // raw IP interfaces
	shortSession(w, 2)
	return w.flush()
}

func sections(out io.Writer, p Params) error {
	w := newPcapng(out)
	shortSession(w, 1)
	var sec bytes.Buffer
	newPcapng(&sec).flush()
	w.repeat(sec.Bytes(), p.n("sections"))
	shortSession(w, 2)
	return w.flush()
}

func pcapHeaderCut(out io.Writer, _ Params) error {
	var b bytes.Buffer
	newPcap(&b, 65535).flush()
	_, err := out.Write(b.Bytes()[:10])
	return err
}

func blockHeader(typ, length uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, typ)
	return binary.LittleEndian.AppendUint32(b, length)
}

// hugeOption is an EPB of 48 bytes: 4 bytes of packet, then a comment
// option declaring 65535 bytes.
func hugeOption() []byte {
	le := binary.LittleEndian
	body := make([]byte, 12)
	body = le.AppendUint32(body, 4)
	body = le.AppendUint32(body, 4)
	body = append(body, 1, 2, 3, 4)
	body = le.AppendUint16(body, 1)
	body = le.AppendUint16(body, 0xffff)
	body = append(body, "abcd"...)
	return ngBlock(6, body)
}

// caplenPastBlock is an EPB of 92 bytes claiming 1 MiB of packet.
func caplenPastBlock() []byte {
	le := binary.LittleEndian
	body := make([]byte, 12)
	body = le.AppendUint32(body, 1<<20)
	body = le.AppendUint32(body, 1<<20)
	body = append(body, make([]byte, 60)...)
	return ngBlock(6, body)
}

// badBlock is a pcapng file: a session, the block, a session.
func badBlock(block []byte) func(io.Writer, Params) error {
	return func(out io.Writer, _ Params) error {
		w := newPcapng(out)
		shortSession(w, 1)
		w.write(block)
		shortSession(w, 2)
		return w.flush()
	}
}

// snaplenFile writes two sessions in a pcap of the snap length, with
// middle (if any) between them.
func snaplenFile(snaplen uint32, middle func(*pcapWriter)) func(io.Writer, Params) error {
	return func(out io.Writer, _ Params) error {
		w := newPcap(out, snaplen)
		shortSession(w, 1)
		if middle != nil {
			middle(w)
		}
		shortSession(w, 2)
		return w.flush()
	}
}

func bigRecord(w *pcapWriter) {
	w.record(make([]byte, 1<<20), 1<<20, 1<<20)
}

func overOrig(w *pcapWriter) {
	c := newConn(w, client(3), server, 77)
	s := segment{src: c.ep[0], dst: c.ep[1], seq: 77, flags: flagSYN}
	frame := s.appendFrame(nil)
	w.record(frame, uint32(len(frame)), 20)
}

func gzipBomb(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	shortSession(w, 1)
	frame := make([]byte, 65535)
	for range p.n("bomb-mib") * 16 { // 16 frames a MiB
		w.packet(frame)
	}
	shortSession(w, 2)
	return w.flush()
}
