package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestLateFragmentThatDiffersIsAConflict: two overlapping IPv4 fragments
// carry the tail of a 227 differently (the forged one first, completing
// the datagram; the port digits swapped so that both TCP checksums
// hold). The later one is no fragment "that never completed": it is
// counted as a conflict (Stats.FragmentConflicts), and the segment it
// makes is decoded too, so the control stream reports two versions of
// the reply, with the other copy's endpoint (rev-attacker e4).
func TestLateFragmentThatDiffersIsAConflict(t *testing.T) {
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
	send := func(pkt []byte) {
		v.ts = v.ts.Add(time.Millisecond)
		fr := ethernetFrame(pkt)
		d.Decode(fr, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(fr), Length: len(fr)}, layers.LinkTypeEthernet)
	}
	send(rawFragment(real, 0, 0, ipPayload(real)[:48], true))
	send(rawFragment(fake, 0, 48, ipPayload(fake)[48:], false))
	send(rawFragment(real, 0, 48, ipPayload(real)[48:], false))
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
		t.Fatal("no ControlConflict for the differing fragment")
	case !conflict.ConflictLast || conflict.Endpoint.Addr != netip.MustParseAddrPort("192.0.2.10:40086"):
		t.Errorf("conflict last=%v endpoint %v, want the other copy's 192.0.2.10:40086", conflict.ConflictLast, conflict.Endpoint.Addr)
	}
	if got := replies(rec); len(got) != 3 {
		t.Errorf("replies %q, want 3", got)
	}
}

// TestReusedFragmentIDIsANewDatagram guards a sender that puts one IP ID
// on every datagram (RFC 6864 lets it on atomic ones; fragmented on the
// way by a router that clears DF): the next segment's first fragment,
// its sequence number not the rebuilt one's, starts a new datagram. It
// is no later version of the one rebuilt before (that read each segment
// as the previous one's tail overwritten: extracted files corrupted,
// false conflicts).
func TestReusedFragmentIDIsANewDatagram(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 ready\r\n")
	send := func(pkt []byte) {
		v.ts = v.ts.Add(time.Millisecond)
		fr := ethernetFrame(pkt)
		d.Decode(fr, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(fr), Length: len(fr)}, layers.LinkTypeEthernet)
	}
	for _, line := range []string{"211-Features of this server, in a reply long enough\r\n", "211 to come in two segments, each in two fragments.\r\n"} {
		pkt := convFrame(t, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, []byte(line))[14:]
		v.sseq += uint32(len(line))
		send(rawFragment(pkt, 7, 0, ipPayload(pkt)[:48], true))
		send(rawFragment(pkt, 7, 48, ipPayload(pkt)[48:], false))
	}
	v.cli("QUIT\r\n")
	v.srv("221 Bye.\r\n")
	d.Finish()
	st := d.Stats()
	if st.FragmentConflicts != 0 || st.Defragmented != 2 || st.FragmentsLost != 0 {
		t.Errorf("fragment conflicts %d, rebuilt %d, lost %d; want 0, 2, 0", st.FragmentConflicts, st.Defragmented, st.FragmentsLost)
	}
	for _, e := range rec.control {
		if e.Kind == ControlConflict {
			t.Errorf("a conflict for a datagram that reused an ID: %+v", e)
		}
	}
	if got := replies(rec); len(got) != 3 {
		t.Errorf("replies %q, want the 220, the 211 whole and the 221", got)
	}
}
