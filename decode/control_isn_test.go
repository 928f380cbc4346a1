package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// isnTranscript reports what decode made of a control connection: its
// server ISN, each command and reply, each gap and how it closed.
func isnTranscript(rec *recorder) []string {
	var out []string
	for _, e := range rec.control {
		switch e.Kind {
		case ControlOpen:
			out = append(out, fmt.Sprintf("open server ISN %d", e.ServerISN))
		case ControlCommand:
			out = append(out, "C "+e.Command.Verb)
		case ControlReply:
			out = append(out, "S "+e.Reply.Lines[0])
		case ControlGap:
			out = append(out, fmt.Sprintf("gap client=%v %d", e.FromClient, e.Gap))
		case ControlJunk:
			out = append(out, "junk "+e.Line)
		case ControlClose:
			out = append(out, fmt.Sprintf("close %d", e.Closed))
		}
	}
	return out
}

// isnSession runs a small FTP session from the client's next byte and
// the server's (v.cseq, v.sseq) and closes it with FINs both ways.
func isnSession(v *conv) {
	v.srv("220 Welcome\r\n")
	v.cli("USER anonymous\r\n")
	v.srv("331 Password please\r\n")
	v.cli("PASS x@y\r\n")
	v.srv("230 Logged in\r\n")
	v.cli("PWD\r\n")
	v.srv("257 \"/\" is current\r\n")
	v.cli("QUIT\r\n")
	v.srv("221 Bye\r\n")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
}

func isnWant(isn uint32) []string {
	return []string{
		fmt.Sprintf("open server ISN %d", isn),
		"S 220 Welcome", "C USER", "S 331 Password please", "C PASS", "S 230 Logged in",
		"C PWD", "S 257 \"/\" is current", "C QUIT", "S 221 Bye", fmt.Sprintf("close %d", CloseFIN),
	}
}

// TestControlSynAckISNTheClientTakes guards the start of a control
// connection's server stream when the server answered the SYN with two
// SYN-ACKs of different ISNs (a SYN cookie then a real one, a half-open
// connection restarted, a middlebox answering first) and the client went
// on with one of them: the server's bytes start where that one puts them,
// named by the client's ACK or, when the capture lacks that ACK, by where
// the banner starts. Before, the first SYN-ACK's start stayed: the
// distance to the second became a gap of millions of bytes (second ahead:
// "8500000 server bytes missing"), or, the second behind, every reply was
// taken for a retransmission and dropped (each command "unanswered", the
// close missed).
func TestControlSynAckISNTheClientTakes(t *testing.T) {
	const cisn, first, second = 1000, 500000, 9000000
	tests := []struct {
		name  string
		isns  []uint32 // the SYN-ACKs' ISNs, in capture order
		ack   bool     // the client's handshake ACK is in the capture
		took  uint32   // the ISN the client goes on with
		stale bool     // the first SYN-ACK answers another SYN (the client's ISN + 6)
	}{
		{name: "second ahead, acked", isns: []uint32{first, second}, ack: true, took: second},
		{name: "second behind, acked", isns: []uint32{second, first}, ack: true, took: first},
		{name: "second ahead, banner meets it", isns: []uint32{first, second}, took: second},
		{name: "second behind, banner meets it", isns: []uint32{second, first}, took: first},
		{name: "first acked, stray second before the ACK", isns: []uint32{first, second}, ack: true, took: first},
		{name: "first, banner meets it, stray second", isns: []uint32{first, second}, took: first},
		{name: "third of three acked", isns: []uint32{first, second, 77}, ack: true, took: 77},
		{name: "first of three acked", isns: []uint32{first, second, 77}, ack: true, took: first},
		{name: "first of three, banner meets it", isns: []uint32{first, second, 77}, took: first},
		{name: "retransmitted second, first acked", isns: []uint32{first, second, second}, ack: true, took: first},
		{name: "acked one the capture lacks, behind", isns: []uint32{second}, ack: true, took: first},
		{name: "acked one the capture lacks, far ahead", isns: []uint32{first}, ack: true, took: second},
		{name: "first answers another SYN", isns: []uint32{second, first}, took: first, stale: true},
		{name: "first answers another SYN, acked", isns: []uint32{second, first}, ack: true, took: first, stale: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: cisn, ts: convT0}
			v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
			v.cseq++
			for i, isn := range tc.isns {
				ack := v.cseq
				if i == 0 && tc.stale {
					ack += 5
				}
				v.send(v.s, v.c, isn, ack, FlagSYN|FlagACK, "")
			}
			v.sseq = tc.took + 1
			if tc.ack {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			isnSession(v)
			d.Finish()
			if got, want := isnTranscript(rec), isnWant(tc.took); !slices.Equal(got, want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestControlSynAckISNSettled guards the other side of
// TestControlSynAckISNTheClientTakes: once the client acknowledged the
// server's ISN, or the server's bytes flowed, a SYN-ACK with another ISN
// (stale, another incarnation's, or forged by someone who wants the real
// replies to vanish) changes nothing, and its ACK is not taken: a forged
// one acknowledging far ahead of the client's stream reported the client's
// next bytes lost (a gap before USER) before.
func TestControlSynAckISNSettled(t *testing.T) {
	const isn = 5000
	for _, tc := range []struct {
		name  string
		after int    // how many server lines came before the stray SYN-ACK
		seq   uint32 // its ISN
		ack   int    // its acknowledgement, from the client's next byte
	}{
		{"after the handshake, ahead", 0, 9000000, 0},
		{"after the handshake, behind", 0, 100, 0},
		{"after the banner, behind", 1, 100, 0},
		{"after the banner, just ahead", 1, isn + 14, 0},
		{"after the banner, acking far ahead", 1, 9000000, 5000},
		{"after the banner, acking behind", 1, 100, -5},
		{"after 331, at the stream", 2, isn + 14 + 21 - 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t) // client 1000, server 5000
			stray := func() {
				v.send(v.s, v.c, tc.seq, v.cseq+uint32(tc.ack), FlagSYN|FlagACK, "")
			}
			lines := []func(){
				func() { v.srv("220 Welcome\r\n") },
				func() { v.cli("USER anonymous\r\n"); v.srv("331 Password please\r\n") },
			}
			for i := range tc.after {
				lines[i]()
			}
			stray()
			for _, f := range lines[tc.after:] {
				f()
			}
			v.cli("PASS x@y\r\n")
			v.srv("230 Logged in\r\n")
			v.cli("PWD\r\n")
			v.srv("257 \"/\" is current\r\n")
			v.cli("QUIT\r\n")
			v.srv("221 Bye\r\n")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
			d.Finish()
			if got, want := isnTranscript(rec), isnWant(isn); !slices.Equal(got, want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if n := d.Stats().SynAcksDropped; n != 1 {
				t.Errorf("%d SYN-ACKs counted as dropped, want the stray one", n)
			}
		})
	}
}

// TestControlSynRetransmittedNewISN: a client that sends its SYN again
// with a new ISN opens a new connection on the 4-tuple (reusedBy), and
// the server's SYN-ACK to it, or a late one to the first SYN before it,
// starts the server's stream where the client's ACK says.
func TestControlSynRetransmittedNewISN(t *testing.T) {
	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("late SYN-ACK to the first SYN %v", late), func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
			v.send(v.c, v.s, 1000, 0, FlagSYN, "")
			v.send(v.c, v.s, 77777, 0, FlagSYN, "")
			v.cseq = 77778
			if late {
				v.send(v.s, v.c, 123456, 1001, FlagSYN|FlagACK, "")
			}
			v.send(v.s, v.c, 9000000, v.cseq, FlagSYN|FlagACK, "")
			v.sseq = 9000001
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			isnSession(v)
			d.Finish()
			if got, want := isnTranscript(rec), isnWant(9000000); !slices.Equal(got, want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestControlSynAckISNAllocs: the handshake and session of a connection
// whose server answered twice cost no more allocations than one answered
// once (the ISN bookkeeping lives in the connection).
func TestControlSynAckISNAllocs(t *testing.T) {
	_, _, a := openConv(t)
	once := allocsPerPair(t, a, "NOOP\r\n", "200 OK\r\n")
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, ts: convT0}
	v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
	v.cseq++
	v.send(v.s, v.c, 500000, v.cseq, FlagSYN|FlagACK, "")
	v.send(v.s, v.c, 9000000, v.cseq, FlagSYN|FlagACK, "")
	v.sseq = 9000001
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	v.srv("220 Welcome\r\n")
	twice := allocsPerPair(t, v, "NOOP\r\n", "200 OK\r\n")
	if twice > once {
		t.Errorf("%.1f allocations per command and reply after two SYN-ACKs, %.1f after one", twice, once)
	}
}

// FuzzControlSynAckISN: a server that answers the SYN with up to five
// SYN-ACKs (any ISNs, some answering another SYN), a client that goes on
// with one of them (its handshake ACK in the capture or not), and stray
// SYN-ACKs (any ISN and acknowledgement) once the start is settled: the
// session reads the same as without them, from the start the client
// took.
func FuzzControlSynAckISN(f *testing.F) {
	rec := func(isn uint32, stale bool) []byte {
		b := binary.BigEndian.AppendUint32(nil, isn)
		if stale {
			return append(b, 1)
		}
		return append(b, 0)
	}
	f.Add(append(append([]byte{1, 1, 1}, rec(500000, false)...), rec(9000000, false)...))
	f.Add(append(append([]byte{1, 0, 0}, rec(9000000, false)...), rec(500000, false)...))
	f.Add(append(append(append([]byte{2, 0, 1}, rec(9000000, true)...), rec(500000, false)...), rec(77, false)...))
	f.Add(append(append(append([]byte{0, 0, 1}, rec(5000, false)...), 3, 0, 0, 1, 0, 0, 0, 0, 44), 1, 0, 0, 19, 137, 0, 0, 3, 233))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		n, tookAt, acked := 1+int(in[0])%5, int(in[1]), in[2]&1 == 1
		in = in[3:]
		if len(in) < 5*n {
			return
		}
		const cisn = 1000
		isns := make([]uint32, n)
		stale := make([]bool, n)
		for i := range n {
			isns[i], stale[i] = binary.BigEndian.Uint32(in[5*i:]), in[5*i+4]&1 == 1
		}
		in = in[5*n:]
		tookAt %= n
		took := isns[tookAt]
		stale[tookAt] = false
		for i := range n {
			if isns[i] == took {
				stale[i] = false // (the same SYN-ACK again)
			}
		}
		rec := &recorder{}
		d := New(rec, Options{})
		v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: cisn, ts: convT0}
		v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
		v.cseq++
		for i, isn := range isns {
			ack := v.cseq
			if stale[i] {
				ack += 5
			}
			v.send(v.s, v.c, isn, ack, FlagSYN|FlagACK, "")
		}
		v.sseq = took + 1
		if acked {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
		}
		// Strays (up to 16): 9 bytes each, where (after which step), ISN,
		// and acknowledgement past the client's next byte.
		var strays [6][][2]uint32
		for k := 0; k < 16 && len(in) >= 9; k, in = k+1, in[9:] {
			at := int(in[0]) % 6
			if at == 0 && !acked {
				at = 1 // (not settled before the banner)
			}
			strays[at] = append(strays[at], [2]uint32{binary.BigEndian.Uint32(in[1:]), binary.BigEndian.Uint32(in[5:])})
		}
		steps := []func(){
			func() {},
			func() { v.srv("220 Welcome\r\n") },
			func() { v.cli("USER anonymous\r\n"); v.srv("331 Password please\r\n") },
			func() { v.cli("PASS x@y\r\n"); v.srv("230 Logged in\r\n") },
			func() { v.cli("PWD\r\n"); v.srv("257 \"/\" is current\r\n") },
			func() { v.cli("QUIT\r\n"); v.srv("221 Bye\r\n") },
		}
		for i, step := range steps {
			step()
			for _, s := range strays[i] {
				v.send(v.s, v.c, s[0], v.cseq+s[1], FlagSYN|FlagACK, "")
			}
		}
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.sseq++
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		v.cseq++
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
		d.Finish()
		if got, want := isnTranscript(rec), isnWant(took); !slices.Equal(got, want) {
			t.Errorf("ISNs %d (stale %v), took %d, acked %v: got\n  %s\nwant\n  %s", isns, stale, took, acked,
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
}

// TestControlSynAckISNSettledTLS: a connection followed from its TLS
// headers (implicit FTPS) ends at its FINs though a SYN-ACK with another
// ISN came after its bytes. Before, the headers' follower started the
// server's stream again at any SYN, and the real FIN was no longer where
// the stream stood: the close was missed until the capture ended.
func TestControlSynAckISNSettledTLS(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: netip.MustParseAddrPort("192.0.2.10:990"), cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	v.cli("\x16\x03\x01\x00\x04abcd")
	v.srv("\x16\x03\x03\x00\x04efgh")
	v.send(v.s, v.c, 9000000, v.cseq, FlagSYN|FlagACK, "")
	v.cli("\x17\x03\x03\x00\x02ij")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
	var closes []CloseReason
	for _, e := range rec.control {
		if e.Kind == ControlClose {
			closes = append(closes, e.Closed)
		}
	}
	d.Finish()
	if !slices.Equal(closes, []CloseReason{CloseFIN}) {
		t.Errorf("closes before the capture's end %v, want one by FIN", closes)
	}
}
