package decode

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestPreStandardQinQTagsFollowed: frames whose service tag has one of
// the TPIDs used before 802.1ad (0x9100, 0x9200, 0x9300), alone or
// stacked over an 802.1Q tag, carry a control connection like any other;
// they were counted as not IP and the session was lost.
func TestPreStandardQinQTagsFollowed(t *testing.T) {
	for _, tpids := range [][]uint16{
		{0x9100},
		{0x9100, 0x8100},
		{0x9200, 0x8100},
		{0x9300, 0x9100, 0x8100},
		{0x88a8, 0x9100},
	} {
		t.Run(fmt.Sprintf("%04x", tpids), func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			ts := convT0
			send := func(src, _ string, seq, ack uint32, fl TCPFlags, p string) {
				f := convFrame(t, convClient, convServer, seq, ack, fl, []byte(p))
				if src == "s" {
					f = convFrame(t, convServer, convClient, seq, ack, fl, []byte(p))
				}
				f = tagged(f, tpids)
				ts = ts.Add(10 * time.Millisecond)
				d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			}
			send("c", "s", 1000, 0, FlagSYN, "")
			send("s", "c", 5000, 1001, FlagSYN|FlagACK, "")
			send("c", "s", 1001, 5001, FlagACK, "")
			send("s", "c", 5001, 1001, FlagACK|FlagPSH, "220 ready\r\n")
			send("c", "s", 1001, 5012, FlagACK|FlagPSH, "USER ann\r\n")
			send("s", "c", 5012, 1011, FlagACK|FlagPSH, "331 password\r\n")
			d.Finish()
			if st := d.Stats(); st.NotIP != 0 || st.TCP != 6 {
				t.Errorf("%d frames not IP, %d TCP of 6", st.NotIP, st.TCP)
			}
			if n := countKind(rec, ControlReply); n != 2 {
				t.Errorf("%d replies, want 2", n)
			}
		})
	}
}

// tagged inserts VLAN tags of the given TPIDs (outermost first) between
// an Ethernet frame's addresses and its EtherType: each tag is its TPID
// and a TCI.
func tagged(f []byte, tpids []uint16) []byte {
	out := append([]byte{}, f[:12]...)
	for i, tp := range tpids {
		out = binary.BigEndian.AppendUint16(out, tp)
		out = binary.BigEndian.AppendUint16(out, uint16(100+i))
	}
	return append(out, f[12:]...)
}
