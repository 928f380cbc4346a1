package relay

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// callLog is a Handler that writes down every call it gets, payload
// included, and answers ExpectsData with a rule over what it was given.
type callLog struct {
	calls    []string
	asked    atomic.Int32 // ExpectsData calls that reached it
	finished atomic.Bool
	expect   func(l *callLog, src, dst netip.AddrPort) bool
}

func (l *callLog) Segment(s *decode.Segment) {
	l.calls = append(l.calls, fmt.Sprintf("seg %d %v %v>%v %d/%d ctl=%v p=%x", s.Num, s.TS.UnixNano(), s.Src, s.Dst, s.Seq, s.PayloadLen, s.Control, s.Payload))
}
func (l *callLog) Unreachable(u *decode.Unreachable) {
	l.calls = append(l.calls, fmt.Sprintf("icmp %d %v %v>%v", u.Num, u.From, u.Src, u.Dst))
}
func (l *callLog) Control(e *decode.ControlEvent) {
	l.calls = append(l.calls, fmt.Sprintf("ctl %d %d %q %v %p", e.Kind, e.Num, e.Command.Verb, e.Endpoint.Addr, e.Reply))
}
func (l *callLog) Tick(now time.Time) {
	l.calls = append(l.calls, fmt.Sprintf("tick %d", now.UnixNano()))
}
func (l *callLog) Finish() { l.calls = append(l.calls, "finish"); l.finished.Store(true) }
func (l *callLog) ExpectsData(src, dst netip.AddrPort) bool {
	l.asked.Add(1)
	return l.expect(l, src, dst)
}

var (
	sharedReply = &ftp.Reply{Code: 200, Text: "ok"}
	t0          = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cli         = netip.MustParseAddrPort("10.0.0.1:50000")
	srv         = netip.MustParseAddrPort("10.0.0.2:21")
)

// script makes the same calls on h, whatever h is: control and data
// segments with payloads, ICMP, ticks, a PROT half way, enough calls for
// many batches, and payloads big enough to hand batches over by size.
func script(h decode.Handler) {
	reply := sharedReply // one Reply both ways: the handler gets the decoder's
	num := uint64(0)
	seg := func(src, dst netip.AddrPort, control bool, payload []byte) {
		num++
		s := decode.Segment{Num: num, TS: t0.Add(time.Duration(num) * time.Millisecond), Src: src, Dst: dst,
			Seq: uint32(num * 7), Payload: payload, PayloadLen: len(payload), Control: control}
		h.Segment(&s)
		// The caller reuses its buffer at once, as the decoder does.
		for i := range payload {
			payload[i] = 'X'
		}
	}
	buf := make([]byte, 70_000)
	for i := range 3000 {
		data := netip.AddrPortFrom(srv.Addr(), uint16(40000+i%50))
		if i == 1500 {
			e := decode.ControlEvent{Kind: decode.ControlCommand, Num: num, Command: ftp.Command{Verb: "PROT", Arg: "P"}}
			h.Control(&e)
		}
		line := fmt.Appendf(nil, "NOOP %d\r\n", i)
		seg(cli, srv, true, line)
		e := decode.ControlEvent{Kind: decode.ControlReply, Num: num, Reply: reply,
			Endpoint: decode.Endpoint{Via: ftp.ViaPASV, Addr: data}}
		h.Control(&e)
		n := i % 300
		if i%97 == 0 {
			n = len(buf) // past the arena bound in one segment
		}
		for j := range buf[:n] {
			buf[j] = byte(i + j)
		}
		seg(cli, data, false, buf[:n])
		if i%10 == 0 {
			u := decode.Unreachable{Num: num, From: srv.Addr(), Src: cli, Dst: data}
			h.Unreachable(&u)
		}
		if i%100 == 0 {
			h.Tick(t0.Add(time.Duration(i) * time.Second))
		}
	}
	h.Finish()
}

// TestRelayMakesTheSameCalls: the handler behind a relay gets every call
// a direct handler gets, in the same order, with the same values; a data
// segment's payload is there, whole and as it was, from the first PROT
// on, and a control segment's only with Options.ControlPayload; a data
// segment's before the PROT too where Options.PayloadOf says so (the
// helper simulation reads a connection to an attached port before
// decode knows it for FTP).
func TestRelayMakesTheSameCalls(t *testing.T) {
	const picked = ">10.0.0.2:40007 " // the port PayloadOf picks, as the log writes it
	pick := func(s *decode.Segment) bool { return s.Dst.Port() == 40007 }
	for _, o := range []Options{{}, {ControlPayload: true}, {ControlPayload: true, PayloadOf: pick}} {
		direct := &callLog{}
		script(direct)
		behind := &callLog{}
		r := New(behind, o)
		script(r)
		if !behind.finished.Load() {
			t.Fatal("Finish returned before the handler finished")
		}
		r.Close()
		if len(direct.calls) != len(behind.calls) {
			t.Fatalf("%+v: %d calls direct, %d relayed", o, len(direct.calls), len(behind.calls))
		}
		prot := false
		for i, want := range direct.calls {
			got := behind.calls[i]
			if strings.Contains(want, `"PROT"`) {
				prot = true
			}
			control := strings.Contains(want, "ctl=true")
			if strings.HasPrefix(want, "seg ") && (control && !o.ControlPayload || !control && !prot && (o.PayloadOf == nil || !strings.Contains(want, picked))) {
				// No payload relayed: the rest of the call must match.
				want = want[:strings.LastIndex(want, " ")]
				if !strings.HasSuffix(got, " p=") {
					t.Fatalf("%+v: call %d: a payload was relayed that the handler cannot need: %.120s", o, i, got)
				}
				got = got[:strings.LastIndex(got, " ")]
			}
			if got != want {
				t.Fatalf("%+v: call %d differs:\n  direct:  %.200s\n  relayed: %.200s", o, i, want, got)
			}
		}
		if st := r.Stats(); st.Batches < 10 || st.PayloadBytes == 0 {
			t.Errorf("stats %+v: the script should fill many batches and copy payloads", st)
		}
	}
}

// TestRelayExpectsDataWaits: where the contract allows a yes, the relay
// asks the handler once it has been given every call before the question;
// where it does not, the handler is not asked.
func TestRelayExpectsDataWaits(t *testing.T) {
	behind := &callLog{expect: func(l *callLog, src, dst netip.AddrPort) bool {
		// Yes once the PORT naming port 21 reached it.
		for _, c := range l.calls {
			if strings.Contains(c, "192.0.2.50:21") {
				return true
			}
		}
		return false
	}}
	r := New(behind, Options{})
	defer r.Close()
	from := netip.MustParseAddrPort("10.0.0.2:20")
	target := netip.MustParseAddrPort("192.0.2.50:21")
	for i := range 100 {
		s := decode.Segment{Num: uint64(i + 1), TS: t0, Src: cli, Dst: srv, Control: true}
		r.Segment(&s)
	}
	if r.ExpectsData(from, target) {
		t.Error("expected before any announcement")
	}
	if n := behind.asked.Load(); n != 0 {
		t.Errorf("the handler was asked %d times with no endpoint announced on port 21", n)
	}
	e := decode.ControlEvent{Kind: decode.ControlCommand, Command: ftp.Command{Verb: "PORT"},
		Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: target}}
	r.Control(&e)
	if !r.ExpectsData(from, target) {
		t.Error("not expected after the PORT reached the handler: the relay asked before it caught up")
	}
	if n := behind.asked.Load(); n != 1 {
		t.Errorf("the handler was asked %d times, want 1", n)
	}
	// An encrypted session's data connections are inferred: a control
	// port of 1024 or above may be asked about, a privileged one not.
	enc := decode.ControlEvent{Kind: decode.ControlReply, Encrypts: true}
	r.Control(&enc)
	r.ExpectsData(from, netip.MustParseAddrPort("192.0.2.50:990"))
	r.ExpectsData(from, netip.MustParseAddrPort("192.0.2.50:2121"))
	if n := behind.asked.Load(); n != 2 {
		t.Errorf("the handler was asked %d times, want 2", n)
	}
}

// TestRelayClosed: after Close every call goes straight to the handler.
func TestRelayClosed(t *testing.T) {
	behind := &callLog{expect: func(*callLog, netip.AddrPort, netip.AddrPort) bool { return true }}
	r := New(behind, Options{})
	r.Tick(t0)
	r.Close()
	if len(behind.calls) != 1 {
		t.Fatalf("Close did not wait for the calls before it: %v", behind.calls)
	}
	r.Tick(t0)
	s := decode.Segment{Src: cli, Dst: srv, Payload: []byte("abc"), PayloadLen: 3}
	r.Segment(&s)
	if len(behind.calls) != 3 || !strings.HasSuffix(behind.calls[2], "p=616263") {
		t.Errorf("calls after Close: %v", behind.calls)
	}
	if !r.ExpectsData(cli, srv) {
		t.Error("ExpectsData after Close did not ask the handler")
	}
	r.Close() // twice is harmless
}
