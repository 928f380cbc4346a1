package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestOverlapWithinDatagramThatDiffersIsAConflict: two fragments of one
// datagram, not yet rebuilt, carry the tail of a 227 differently (the
// forged one first; the port digits swapped so that both TCP checksums
// hold). The second was taken for a repeat and dropped unseen, whichever
// came first (rev-attack3 frag_BfirstThenA, frag_AfirstThenB): it is a
// conflict as a differing fragment after the datagram was rebuilt is
// (Stats.FragmentConflicts), and the segment it makes is decoded too,
// named by its own packet, so the control stream reports the two
// versions of the reply with the other copy's endpoint.
func TestOverlapWithinDatagramThatDiffersIsAConflict(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 ready\r\n")
	v.cli("PASV\r\n")
	realTxt := "227 Entering Passive Mode (192,0,2,10,156,150).\r\n" // 40086
	fakeTxt := "227 Entering Passive Mode (192,0,2,10,150,156).\r\n" // 38556
	ipOf := func(p string) []byte {
		return convFrame(t, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, []byte(p))[14:]
	}
	real, fake := ipOf(realTxt), ipOf(fakeTxt)
	v.sseq += uint32(len(realTxt))
	var nums []uint64
	send := func(pkt []byte) {
		v.ts = v.ts.Add(time.Millisecond)
		fr := ethernetFrame(pkt)
		d.Decode(fr, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(fr), Length: len(fr)}, layers.LinkTypeEthernet)
		nums = append(nums, d.num)
	}
	send(rawFragment(fake, 0, 48, ipPayload(fake)[48:], false))
	send(rawFragment(real, 0, 48, ipPayload(real)[48:], false))
	send(rawFragment(real, 0, 0, ipPayload(real)[:48], true))
	v.cli("QUIT\r\n")
	v.srv("221 Bye.\r\n")
	d.Finish()
	st := d.Stats()
	if st.FragmentConflicts != 1 || st.FragmentsLost != 0 || st.Defragmented != 1 {
		t.Errorf("fragment conflicts %d, lost %d, rebuilt %d; want 1, 0, 1", st.FragmentConflicts, st.FragmentsLost, st.Defragmented)
	}
	var conflict *ControlEvent
	for i := range rec.control {
		if rec.control[i].Kind == ControlConflict {
			conflict = &rec.control[i]
		}
	}
	switch {
	case conflict == nil:
		dumpEvents(t, rec)
		t.Fatal("no ControlConflict for the overlapping fragment that differs")
	case conflict.Endpoint.Addr != netip.MustParseAddrPort("192.0.2.10:40086"):
		t.Errorf("conflict endpoint %v, want the other copy's 192.0.2.10:40086", conflict.Endpoint.Addr)
	case conflict.Num != nums[1]:
		t.Errorf("conflict at packet %d, want the other copy's %d", conflict.Num, nums[1])
	}
	if got := replies(rec); len(got) != 3 {
		t.Errorf("replies %q, want 3", got)
	}
	if d.fragBytes != 0 || d.fragsHeld != 0 {
		t.Errorf("fragments held after the datagram was rebuilt: %d (%d bytes)", d.fragsHeld, d.fragBytes)
	}
}

// TestOverlapWithinDatagramThatRepeatsIsNoConflict: a fragment repeated
// byte for byte before its datagram is rebuilt is a retransmission, no
// conflict.
func TestOverlapWithinDatagramThatRepeatsIsNoConflict(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 ready\r\n")
	v.cli("PASV\r\n")
	txt := "227 Entering Passive Mode (192,0,2,10,156,150).\r\n"
	pkt := convFrame(t, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, []byte(txt))[14:]
	v.sseq += uint32(len(txt))
	send := func(pkt []byte) {
		v.ts = v.ts.Add(time.Millisecond)
		fr := ethernetFrame(pkt)
		d.Decode(fr, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(fr), Length: len(fr)}, layers.LinkTypeEthernet)
	}
	send(rawFragment(pkt, 0, 48, ipPayload(pkt)[48:], false))
	send(rawFragment(pkt, 0, 48, ipPayload(pkt)[48:], false))
	send(rawFragment(pkt, 0, 0, ipPayload(pkt)[:48], true))
	d.Finish()
	if st := d.Stats(); st.FragmentConflicts != 0 || st.Defragmented != 1 {
		t.Errorf("fragment conflicts %d, rebuilt %d; want 0, 1", st.FragmentConflicts, st.Defragmented)
	}
	for _, e := range rec.control {
		if e.Kind == ControlConflict {
			t.Errorf("a conflict for a repeated fragment: %+v", e)
		}
	}
}
