package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// finBoth closes a conv: the server's FIN, the client's, the last ACK.
func (v *conv) finBoth() {
	v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
}

// TestPayloadFullTableRefusesNewcomers guards the payload table when more
// connections deliver bytes at once than it holds: the ones it follows
// are delivered whole, the newcomers are refused and counted once each,
// and their later bytes bring none back mid-stream. Before, a newcomer
// evicted the least recently seen connection, whose next bytes came back
// as a newcomer (from an unknown start) and evicted another: every
// stream was given up, and the counters counted each re-entry (Evicted
// and StartUnknown far above the number of connections).
func TestPayloadFullTableRefusesNewcomers(t *testing.T) {
	const n, table = 6, 2
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true, MaxPayloadConns: table})
	convs := make([]*conv, n)
	for i := range convs {
		c := netip.AddrPortFrom(dataCli.Addr(), uint16(50010+i))
		convs[i] = dataConv(t, d, c, dataSrv)
		convs[i].handshake()
	}
	for _, part := range []string{"one,", "two,", "three"} {
		for _, v := range convs {
			v.srv(part)
		}
	}
	for _, v := range convs {
		v.finBoth()
	}
	d.Finish()
	for i, v := range convs {
		want := ""
		if i < table {
			want = "one,two,three"
		}
		if got := h.stream(dataSrv, v.c).String(); got != want {
			t.Errorf("connection %d: stream %q, want %q", i, got, want)
		}
	}
	st := d.PayloadStats()
	if st.Conns != table || st.Refused != n-table || st.Evicted != 0 || st.StartUnknown != 0 || st.FromSynAck != 0 {
		t.Errorf("stats = %+v, want %d followed, %d refused, none evicted or started late", st, table, n-table)
	}
}

// TestPayloadEvictsOnlyQuietOnes guards which connection a full table
// gives up: the least recently seen one only once it has been silent for
// payloadEvictQuiet (its stream is given up, counted once, and its later
// bytes do not come back mid-stream); and a newcomer refused at its SYN
// is still followed from its SYN-ACK when a place freed meanwhile (no
// longer counted refused).
func TestPayloadEvictsOnlyQuietOnes(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true, MaxPayloadConns: 1})
	a := dataConv(t, d, dataCli, dataSrv)
	a.handshake()
	a.srv("aaa")

	// b comes while a is delivering: refused at its SYN; a's FINs free
	// the place before b's SYN-ACK, which starts it (both ISNs known).
	b := dataConv(t, d, netip.AddrPortFrom(dataCli.Addr(), 50020), dataSrv)
	b.send(b.c, b.s, b.cseq, 0, FlagSYN, "")
	b.cseq++
	if st := d.PayloadStats(); st.Refused != 1 || st.Conns != 1 {
		t.Fatalf("after b's SYN: %+v, want b refused", st)
	}
	a.ts = b.ts
	a.finBoth()
	b.ts = a.ts
	b.send(b.s, b.c, b.sseq, b.cseq, FlagSYN|FlagACK, "")
	b.sseq++
	b.send(b.c, b.s, b.cseq, b.sseq, FlagACK, "")
	b.srv("bbb")

	// c comes once b has been silent past payloadEvictQuiet: b is given
	// up for it; b's later bytes stay out.
	c := dataConv(t, d, netip.AddrPortFrom(dataCli.Addr(), 50030), dataSrv)
	c.ts = b.ts.Add(payloadEvictQuiet + time.Second)
	c.handshake()
	c.srv("ccc")
	b.ts = c.ts
	b.srv("more")
	c.srv("!")
	d.Finish()

	for _, tc := range []struct {
		v    *conv
		want string
	}{{a, "aaa"}, {b, "bbb[given up]"}, {c, "ccc!"}} {
		if got := h.stream(dataSrv, tc.v.c).String(); got != tc.want {
			t.Errorf("%v: stream %q, want %q", tc.v.c, got, tc.want)
		}
	}
	st := d.PayloadStats()
	if st.Conns != 3 || st.Refused != 0 || st.Evicted != 1 || st.FromSynAck != 1 || st.StartUnknown != 0 {
		t.Errorf("stats = %+v, want 3 followed (b from its SYN-ACK), 1 evicted, none refused in the end", st)
	}
}
