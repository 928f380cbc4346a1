package decode

import "testing"

// TestLostFINAcknowledgedClosesByFIN: a control connection's FIN the
// capture lost, which the peer acknowledged while closing too (its own
// FIN acknowledges it, or its FIN came first and its ACK of the lost one
// follows), ends the stream: the session closes by its FINs, with no
// 1-byte gap (before: "capture gap: 1 client bytes missing", and the
// session ended with the capture, which hid its data connection's
// failure as "undetermined"). One sequence number acknowledged that may
// be a byte of a line (the stream stands inside one), or acknowledged by
// a peer that did not close, stays a gap. rev-loss:
// router-drop-data-syn-client.pcap without packet 21, or 22.
func TestLostFINAcknowledgedClosesByFIN(t *testing.T) {
	const A, F = FlagACK, FlagFIN
	for _, tc := range []struct {
		name        string
		run         func(v *conv)
		byFIN       bool
		clientFirst bool
	}{
		{"client's FIN lost, the server's acknowledges it", func(v *conv) {
			v.cseq++ // the client's FIN, lost
			v.send(v.s, v.c, v.sseq, v.cseq, A|F, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq, A, "")
		}, true, true},
		{"server's FIN lost after the client's", func(v *conv) {
			v.send(v.c, v.s, v.cseq, v.sseq, A|F, "")
			v.cseq++
			v.sseq++ // the server's FIN, lost
			v.send(v.c, v.s, v.cseq, v.sseq, A, "")
		}, true, true},
		{"server's FIN lost, the client's acknowledges it", func(v *conv) {
			v.sseq++ // the server's FIN, lost
			v.send(v.c, v.s, v.cseq, v.sseq, A|F, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, A, "")
		}, true, false},
		{"a line's last byte lost, then the server's FIN", func(v *conv) {
			v.cli("NOOP\r")
			v.cseq++ // its LF, lost
			v.send(v.s, v.c, v.sseq, v.cseq, A|F, "")
			v.sseq++
		}, false, false},
		{"one sequence number acknowledged, nobody closing", func(v *conv) {
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, A, "")
		}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 FTP ready\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 Please specify the password.\r\n")
			tc.run(v)
			d.Finish()
			gaps := convClientount(rec, ControlGap)
			var cl *ControlEvent
			for i := range rec.control {
				if rec.control[i].Kind == ControlClose {
					cl = &rec.control[i]
				}
			}
			if cl == nil {
				t.Fatal("no ControlClose")
			}
			if tc.byFIN {
				if cl.Closed != CloseFIN || cl.ClientClosed != tc.clientFirst || gaps != 0 {
					t.Errorf("closed %v (client first %v), %d gaps; want closed by FIN (client first %v), no gap", cl.Closed, cl.ClientClosed, gaps, tc.clientFirst)
				}
				return
			}
			if cl.Closed == CloseFIN || gaps != 1 {
				t.Errorf("closed %v, %d gaps; want one gap, not closed by FIN", cl.Closed, gaps)
			}
		})
	}
}
