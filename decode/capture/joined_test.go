package capture

import (
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapHead builds a pcap file header with every field given.
func pcapHead(order binary.AppendByteOrder, magic uint32, minor uint16, zone, snap uint32, link layers.LinkType) []byte {
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, minor)
	b = order.AppendUint32(b, zone) // thiszone
	b = order.AppendUint32(b, zone) // sigfigs
	b = order.AppendUint32(b, snap)
	return order.AppendUint32(b, uint32(link))
}

// TestPcapFilesJoinedReadOn guards cat3.pcap: pcap files joined end to end
// (cat a.pcap b.pcap | ftpsniff read -, rotated files piped on) had the
// second file header read as a record (a malformed frame of 0 bytes), then
// its snap length and link type as the next record's time, and stopped
// as corrupt, the packets of every later file lost. Each header starts a
// new file, with its own byte order, time resolution, link type and
// record format, counted once.
func TestPcapFilesJoinedReadOn(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	kuzExtra := []byte{2, 0, 0, 0, 0x08, 0x00, 0, 0}
	data := cat(
		pcapOf(le, 0xa1b2c3d4, 2, 4),
		pcapRec(le, 7, 5, 60, 60, nil, payload(1, 60)),
		pcapRec(le, 8, 6, 40, 1500, nil, payload(2, 40)),
		pcapHead(le, 0xa1b2c3d4, 4, 0, 262144, layers.LinkTypeEthernet), // no records
		pcapHead(be, 0xa1b23c4d, 4, 0, 65535, layers.LinkTypeRaw),
		pcapRec(be, 9, 7, 20, 20, nil, payload(3, 20)),
		pcapHead(le, 0xa1b2cd34, 4, 0, 65535, layers.LinkTypeLinuxSLL),
		pcapRec(le, 10, 8, 30, 30, kuzExtra, payload(4, 30)),
		pcapHead(le, 0xa1b2c3d4, 4, 0, 65535, layers.LinkTypeEthernet),
		pcapRec(le, 11, 9, 60, 60, nil, payload(5, 60)),
	)
	want := []pkt{
		{link: layers.LinkTypeEthernet, ts: time.Unix(7, 5000).UTC(), data: payload(1, 60)},
		{link: layers.LinkTypeEthernet, ts: time.Unix(8, 6000).UTC(), orig: 1500, data: payload(2, 40)},
		{link: layers.LinkTypeRaw, ts: time.Unix(9, 7).UTC(), data: payload(3, 20)},
		{link: layers.LinkTypeLinuxSLL, ts: time.Unix(10, 8000).UTC(), data: payload(4, 30)},
		{link: layers.LinkTypeEthernet, ts: time.Unix(11, 9000).UTC(), data: payload(5, 60)},
	}
	eachWay(t, data, func(t *testing.T, s Source) {
		g := readAll(t, s)
		if g.err != io.EOF {
			t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
		}
		samePackets(t, g.pkts, want)
		if st := StatsOf(s); st.JoinedFiles != 4 || !st.Any() {
			t.Errorf("stats %+v, want 4 joined files", st)
		}
	})
}

// TestPcapRecordLikeFileHeaderIsRecord: a record whose header starts with
// a pcap magic and version is still a record unless the rest makes a file
// header whose records can follow (version 2.4, a snap length within the
// bound, a link type decoded), whatever its length, 0 included.
func TestPcapRecordLikeFileHeaderIsRecord(t *testing.T) {
	le := binary.LittleEndian
	after := pcapRec(le, 12, 1, 4, 4, nil, payload(9, 4))
	tests := []struct {
		name string
		rec  []byte // a record of 8 bytes: snap length and link type
	}{
		{"link type not decoded", pcapHead(le, 0xa1b2c3d4, 4, 8, 65535, 147)},
		{"version 2.3", pcapHead(le, 0xa1b2c3d4, 3, 8, 65535, layers.LinkTypeEthernet)},
		{"snap length beyond the bound", pcapHead(le, 0xa1b2c3d4, 4, 8, maxRecord+1, layers.LinkTypeEthernet)},
		{"other byte order", pcapHead(binary.BigEndian, 0xa1b2c3d4, 4, 0x08000000, 65535, 147)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := cat(pcapOf(le, 0xa1b2c3d4, 2, 4), tt.rec, after)
			h := tt.rec
			want := []pkt{
				{link: layers.LinkTypeEthernet, ts: time.Unix(int64(le.Uint32(h)), int64(le.Uint32(h[4:])*1000)).UTC(), data: h[16:24]},
				{link: layers.LinkTypeEthernet, ts: time.Unix(12, 1000).UTC(), data: payload(9, 4)},
			}
			eachWay(t, data, func(t *testing.T, s Source) {
				g := readAll(t, s)
				if g.err != io.EOF {
					t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
				}
				samePackets(t, g.pkts, want)
				if st := StatsOf(s); st.JoinedFiles != 0 {
					t.Errorf("stats %+v", st)
				}
			})
		})
	}
	// A record of 0 bytes that looks like a header whose link type is not
	// decoded: the 8 bytes read ahead start the next record.
	zero := pcapHead(le, 0xa1b2c3d4, 4, 0, 12, 1000)
	data := cat(pcapOf(le, 0xa1b2c3d4, 2, 4), zero, le.AppendUint32(nil, 4), le.AppendUint32(nil, 4), payload(9, 4))
	want := []pkt{
		{link: layers.LinkTypeEthernet, ts: time.Unix(0xa1b2c3d4, 0x00040002*1000).UTC(), data: []byte{}},
		{link: layers.LinkTypeEthernet, ts: time.Unix(12, 1000*1000).UTC(), data: payload(9, 4)},
	}
	eachWay(t, data, func(t *testing.T, s Source) {
		g := readAll(t, s)
		if g.err != io.EOF {
			t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
		}
		samePackets(t, g.pkts, want)
	})
}
