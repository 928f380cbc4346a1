package decode

import (
	"net/netip"
	"strings"
	"testing"
)

// noticeRecorder is a payloadRecorder that also writes the notices of a
// copy not compared and of a FIN behind the bytes delivered.
type noticeRecorder struct{ payloadRecorder }

func (p *noticeRecorder) DataGap(src, dst netip.AddrPort, n int64) {
	if back, ok := GapUncheckedBack(n); ok {
		p.stream(src, dst).WriteString("[unchecked " + itoa(int(back)) + " back]")
		return
	}
	if back, ok := GapEarlyEndBack(n); ok {
		p.stream(src, dst).WriteString("[ends " + itoa(int(back)) + " back]")
		return
	}
	p.payloadRecorder.DataGap(src, dst, n)
}

// noticeRun feeds a data connection to a decoder with payload on and
// returns the server's stream, the client's and the counters.
func noticeRun(t *testing.T, feed func(v *conv)) (srv, cli string, st PayloadStats) {
	t.Helper()
	h := &noticeRecorder{payloadRecorder{streams: map[string]*strings.Builder{}}}
	d := New(h, Options{DataPayload: true})
	feed(dataConv(t, d, dataCli, dataSrv))
	d.Finish()
	return h.stream(dataSrv, dataCli).String(), h.stream(dataCli, dataSrv).String(), d.PayloadStats()
}

// TestPayloadResetOutlivedBySender guards an upload whose stream an RST
// at exactly the sender's next byte seemed to end (forged, or dropped by
// its receiver for a wrong checksum) while the sender went on, as the
// tracker judges an exact RST it holds (track heldReset.sentPast): the
// bytes after it are the stream's, at their offsets. Before, the
// connection left the payload table at the RST and every later byte was
// counted after its end: the file held the first 10000 bytes of 20000
// and was "complete" while the data record counted 20000. A late segment
// from before the RST, or the receiver's bytes, still start nothing.
func TestPayloadResetOutlivedBySender(t *testing.T) {
	chunk := strings.Repeat("u", 1000)
	upload := func(v *conv, n int) {
		for range n {
			v.cli(chunk)
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
		}
	}
	for _, tc := range []struct {
		name  string
		after func(v *conv) // after the RST
		want  string        // the client's stream: its bytes as a count
		again uint64        // ResetsOutlived
	}{
		{"the sender's next bytes", func(v *conv) { upload(v, 10) }, "20000", 1},
		{"the receiver's ACK past it, then the bytes", func(v *conv) {
			v.send(v.s, v.c, v.sseq, v.cseq+1000, FlagACK, "") // (the capture lost the segment)
			v.cseq += 1000
			upload(v, 9)
		}, "10000[gap 1000]9000", 1},
		{"the sender's FIN", func(v *conv) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
		}, "10000", 1},
		{"nothing of the sender's: the RST stands", func(v *conv) {
			v.send(v.c, v.s, v.cseq-1000, v.sseq, FlagACK, chunk) // a late copy
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "x")
		}, "10000", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cli, st := noticeRun(t, func(v *conv) {
				v.handshake()
				upload(v, 10)
				v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
				tc.after(v)
				v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "") // (the receiver's FIN says nothing)
			})
			if got := runs(cli, 'u'); got != tc.want || st.ResetsOutlived != tc.again {
				t.Errorf("client's stream %s, resets outlived %d; want %s, %d", got, st.ResetsOutlived, tc.want, tc.again)
			}
		})
	}
}

// TestPayloadFinBehindDeliveredBytes guards the end of a stream that
// the capture holds two versions of: bytes at the next sequence number
// (forged: a wrong checksum, which payload reassembly does not check),
// then the sender's FIN where they began, acknowledged by the receiver.
// Before, the FIN was ignored and the file held the 500 forged bytes at
// its end, "complete". The stream says where the FIN puts the end (the
// bytes stay: which version the receiver took is not known here), and
// so it does for bytes delivered past a FIN.
func TestPayloadFinBehindDeliveredBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed func(v *conv)
		want string
	}{
		{"bytes, then the FIN where they began", func(v *conv) {
			v.cli("real")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "EVIL")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.s, v.c, v.sseq, v.cseq+1, FlagACK, "")
		}, "realEVIL[ends 4 back]"},
		{"the FIN, then bytes at its place", func(v *conv) {
			v.cli("real")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "EVIL")
		}, "realEVIL[ends 4 back]"},
		{"a FIN sent again, with the last bytes", func(v *conv) {
			v.cli("real")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.send(v.c, v.s, v.cseq-4, v.sseq, FlagFIN|FlagACK, "real")
		}, "real"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cli, _ := noticeRun(t, func(v *conv) {
				v.handshake()
				tc.feed(v)
				v.send(v.s, v.c, v.sseq, v.cseq+1, FlagFIN|FlagACK, "")
			})
			if cli != tc.want {
				t.Errorf("client's stream %q; want %q", cli, tc.want)
			}
		})
	}
}

// TestPayloadUncheckedCopyNoticed guards a copy of delivered bytes that
// comes after they left the recent bytes kept (payloadRecent): the first
// 1000 bytes of a download came only as a forged copy, and the real ones
// were sent again 400000 bytes later. Before, only a global counter
// (unchecked_copies) said so, and the file, holding the forged bytes,
// was complete. The stream carries a notice of where the copy starts.
func TestPayloadUncheckedCopyNoticed(t *testing.T) {
	srv, _, st := noticeRun(t, func(v *conv) {
		v.handshake()
		base := v.sseq
		v.srv(strings.Repeat("A", 1000)) // forged
		chunk := strings.Repeat("r", 1000)
		for range 399 {
			v.srv(chunk)
		}
		v.send(v.s, v.c, base, v.cseq, FlagACK|FlagPSH, strings.Repeat("R", 1000)) // the real first bytes, again
		v.finBoth()
	})
	if !strings.HasSuffix(srv, "[unchecked 400000 back]") || st.Unchecked != 1 {
		t.Errorf("server's stream ends %q, unchecked %d; want a notice 400000 back, 1", srv[max(len(srv)-40, 0):], st.Unchecked)
	}
}

// runs writes each run of c in s as its length.
func runs(s string, c byte) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == c {
			j++
		}
		if j > i {
			b.WriteString(itoa(j - i))
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// TestPayloadEndOutlivedAfterBothFins guards a forged pair of FINs (wrong
// checksums: the peers dropped them) in the middle of an upload: the
// connection leaves the table at them, as the tracker ends the data
// connection there, and the bytes after them reach no file. Before,
// nothing told: the file was the bytes before the FINs, "complete". The
// decoder now says the end was outlived (bytes past a FIN, or an ACK past
// one) for the file to say so; a late copy and the last ACK do not.
func TestPayloadEndOutlivedAfterBothFins(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(v *conv)
		want  bool
	}{
		{"the sender's bytes go on", func(v *conv) { v.cli("more") }, true},
		{"the receiver acknowledges past the FIN", func(v *conv) {
			v.send(v.s, v.c, v.sseq, v.cseq+5, FlagACK, "")
		}, true},
		{"the last ACK, a late copy", func(v *conv) {
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			v.send(v.c, v.s, v.cseq-5, v.sseq, FlagACK|FlagPSH, "bytes")
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &noticeRecorder{payloadRecorder{streams: map[string]*strings.Builder{}}}
			d := New(h, Options{DataPayload: true})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			v.cli("bytes")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
			v.sseq++
			v.cseq-- // (the client's FIN was forged: its stream goes on there)
			tc.after(v)
			d.Finish()
			if got := d.PayloadEndOutlived(dataCli, dataSrv); got != tc.want || (d.PayloadStats().FinsOutlived == 1) != tc.want {
				t.Errorf("end outlived %v (fins_outlived %d); want %v", got, d.PayloadStats().FinsOutlived, tc.want)
			}
		})
	}
}
