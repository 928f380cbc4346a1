package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// rewritten writes the pcap at path to a temporary file, keeping the
// frames keep accepts (given the frame's source IPv4 address, the zero
// Addr for none), each cut to snap bytes (0: whole): a capture that lost
// those frames, or was made with tcpdump -s snap.
func rewritten(t *testing.T, path string, snap int, keep func(src string) bool) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s: %v", path, err)
	}
	return rewriteCapture(t, path, func(_ int, data *[]byte, ci *gopacket.CaptureInfo, link layers.LinkType) bool {
		if keep != nil {
			src := ""
			p := gopacket.NewPacket(*data, link, gopacket.Default)
			if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
				src = ip.SrcIP.String()
			}
			if !keep(src) {
				return false
			}
		}
		if snap > 0 && len(*data) > snap {
			*data = (*data)[:snap]
			ci.CaptureLength = snap
		}
		return true
	})
}

func wireLogin(w *wire) {
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS guest@")
	w.reply(230, "Login successful.")
}

// TestRefusalPairedAcrossGapNamesNoSetting guards active-refused and
// passive-refused against a reply the tracker paired across a capture
// gap (Command.Uncertain): the PORT's or PASV's own reply lost, the next
// command's "550 Permission denied." (a STOR or RETR refused) paired
// with it. That read as an error "set port_enable=YES", or a warning
// "set pasv_enable=YES ... open that range", though the transcript says
// the pairing is uncertain. The same refusal with no gap is still
// reported.
func TestRefusalPairedAcrossGapNamesNoSetting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		code      string
		gap       bool
		clientGap bool // a gap of the client's stream only: the pairing stands
		want      bool
	}{
		{"EPRT, its 200 lost, a STOR's 550 paired with it", CodeActiveRefused, true, false, false},
		{"EPRT refused, nothing lost", CodeActiveRefused, false, false, true},
		{"EPRT refused, client bytes lost after it", CodeActiveRefused, false, true, true},
		{"PASV, its 227 lost, a RETR's 550 paired with it", CodePassiveRefused, true, false, false},
		{"PASV refused, nothing lost", CodePassiveRefused, false, false, true},
		{"PASV refused, client bytes lost after it", CodePassiveRefused, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			wireLogin(w)
			verb := "RETR"
			if tc.code == CodeActiveRefused {
				a := ap("198.51.100.7:50002")
				w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "EPRT", Arg: "|1|198.51.100.7|50002|"},
					Endpoint: decode.Endpoint{Via: ftp.ViaEPRT, Addr: a}})
				verb = "STOR"
			} else {
				w.cmd("PASV")
			}
			if tc.gap {
				w.gap(false, 51)
			}
			if tc.clientGap {
				w.gap(true, 12)
			}
			w.reply(550, "Permission denied.")
			w.cmd(verb + " f.dat")
			if !tc.gap {
				w.reply(425, "Use PORT or PASV first.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(tc.code)
			if got := f != nil; got != tc.want {
				dumpFindings(t, w.c)
				t.Fatalf("%s raised: %v, want %v", tc.code, got, tc.want)
			}
			if v := w.d.Summaries()[0].Verdict; tc.gap && (strings.Contains(v, "active-refused") || strings.Contains(v, "passive-refused") || strings.Contains(v, "refused active") || strings.Contains(v, "refused passive")) {
				t.Errorf("verdict %q", v)
			}
		})
	}
}

// TestLateRequestAcrossGapIsNoDroppedSYN guards data-not-attempted
// against burst loss: a 227, then a capture gap of both streams, then the
// client's next PASV 1.5 s later. The transfer command and its data
// connection may be in the gap (they were: bench200 with frames
// 9965-10103 lost), so no "its SYNs did not reach this capture point",
// no rule for the firewall in front: an info that names the gap. The
// same late request with nothing lost keeps its warning, and so does one
// whose gaps are bytes the snap length cut (decode.ControlEvent.Cut):
// every frame is in the capture, a data connection's SYNs too.
func TestLateRequestAcrossGapIsNoDroppedSYN(t *testing.T) {
	for _, how := range []string{"lost", "none", "snap-cut"} {
		lost := how == "lost"
		w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
		wireLogin(w)
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (192,0,2,10,171,39).")
		w.wait(1500 * time.Millisecond)
		switch how {
		case "lost":
			w.gap(false, 268)
			w.gap(true, 48)
		case "snap-cut":
			w.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: false, Gap: 268, Cut: true})
			w.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 48, Cut: true})
		}
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (192,0,2,10,171,42).")
		w.cmd("QUIT")
		w.reply(221, "Goodbye.")
		w.end()
		var f *Finding
		for _, x := range w.c.fs {
			if x.Code == CodeDataNotAttempted && x.Data != nil && x.Data.Announced.Port() == 43815 {
				f = x
			}
		}
		if f == nil {
			dumpFindings(t, w.c)
			t.Fatalf("%s: no data-not-attempted for port 43815", how)
		}
		if !lost {
			if f.Severity < SeverityWarning || !strings.Contains(f.Message, "did not reach this capture point") {
				t.Errorf("%s: no frame lost: %v %s", how, f.Severity, f.Message)
			}
			continue
		}
		if f.Severity != SeverityInfo || !strings.Contains(f.Message, "lost control-connection bytes") ||
			!strings.Contains(f.Evidence, "48 client and 268 server bytes missing") ||
			strings.Contains(f.Message, "did not reach") || strings.Contains(f.Advice, "nft") || strings.Contains(f.Advice, "open") {
			t.Errorf("lost: %v %s\nevidence: %s\nfix: %s", f.Severity, f.Message, f.Evidence, f.Advice)
		}
		if v := w.d.Summaries()[0].Verdict; strings.Contains(v, "SYNs") || strings.Contains(v, "dropped") {
			t.Errorf("verdict %q", v)
		}
	}
}

// TestAbortReplyAfterClientGapIsNoBreak guards server-data-error: a 426
// right after a capture gap of the client's stream (abort-proftpd at 1 %
// loss: the ABOR lost) read "the data connection broke ... look for a
// firewall or NAT that times out" with no word of the gap. An ABOR fits
// the gap, and a server answers it with 426: an info naming the gap. The
// same 426 with nothing lost keeps its warning.
func TestAbortReplyAfterClientGapIsNoBreak(t *testing.T) {
	for _, lost := range []bool{true, false} {
		w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
		wireLogin(w)
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (192,0,2,10,156,100).")
		w.cmd("RETR big.bin")
		w.reply(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)")
		if lost {
			w.gap(true, 6)
		}
		w.reply(426, "Transfer aborted. Data connection closed.")
		w.cmd("QUIT")
		w.reply(221, "Goodbye.")
		w.end()
		f := w.c.find(CodeServerDataError)
		if f == nil {
			dumpFindings(t, w.c)
			t.Fatalf("lost %v: no server-data-error", lost)
		}
		switch {
		case !lost && (f.Severity != SeverityWarning || !strings.Contains(f.Advice, "firewall or NAT")):
			t.Errorf("nothing lost: %v %s\nfix: %s", f.Severity, f.Message, f.Advice)
		case lost && (f.Severity != SeverityWarning || !strings.Contains(f.Message, "ABOR") || strings.Contains(f.Advice, "Look for a firewall") || !strings.Contains(f.Evidence, "6 client bytes missing")):
			t.Errorf("lost: %v %s\nevidence: %s", f.Severity, f.Message, f.Evidence)
		}
	}
}

// TestOneDirectionActiveVerdict guards the verdict of a capture of one
// direction in active mode (active-client-firewall.pcap, one side's
// frames only): "no data connections were announced" (server's side:
// the 200 PORT, the SYNs from port 20 and the 425 in it) or "refused or
// got no reply: no data connection was expected" (client's side). The
// verdict says one direction was captured, as for passive mode.
func TestOneDirectionActiveVerdict(t *testing.T) {
	path := filepath.Join(realDir, "active-client-firewall.pcap")
	for _, tc := range []struct {
		src, want string
	}{
		{"10.99.0.1", "only the server's side of 1 session"},
		{"10.99.0.2", "only the client's side of 1 session"},
	} {
		name := rewritten(t, path, 0, func(src string) bool { return src == tc.src })
		_, d := run(t, name, policy.Policy{})
		v := serverSummary(t, d, "10.99.0.1:21").Verdict
		if !strings.Contains(v, tc.want) || !strings.Contains(v, "capture both directions") ||
			strings.Contains(v, "no data connections were announced") || strings.Contains(v, "no data connection was expected") {
			t.Errorf("from %s only: verdict %q", tc.src, v)
		}
	}
	// Both directions: the verdict is the failure's, not one side's.
	_, d := run(t, path, policy.Policy{})
	if v := serverSummary(t, d, "10.99.0.1:21").Verdict; strings.Contains(v, "side of") {
		t.Errorf("whole capture: verdict %q", v)
	}
}

// TestCut421GuessesNoCause guards session-refused and its verdict for a
// 421 greeting the snap length cut (pureftpd-forced-ip-invalid.pcap with
// tcpdump -s 96 and -s 160: "421---------- Welcome to Pure-", the line
// "421 Illegal forced IP for passive connections" lost): the verdict
// read "the server's connection limit, most often". The finding says the
// reply was cut and the verdict guesses no cause; the whole capture
// keeps server-config-error.
func TestCut421GuessesNoCause(t *testing.T) {
	path := filepath.Join(realDir, "pureftpd-forced-ip-invalid.pcap")
	for _, snap := range []int{96, 160} {
		rec, d := run(t, rewritten(t, path, snap, nil), policy.Policy{})
		v := serverSummary(t, d, "10.99.0.1:21").Verdict
		if strings.Contains(v, "connection limit") || !strings.Contains(v, "cut the replies short") {
			t.Errorf("-s %d: verdict %q", snap, v)
		}
		n := 0
		for _, f := range rec.findings {
			if f.Code == CodeSessionRefused {
				n++
				if !strings.Contains(f.Message, "cut its reply short") || !strings.Contains(f.Advice, "tcpdump -s 0") {
					t.Errorf("-s %d: %s\nfix: %s", snap, f.Message, f.Advice)
				}
			}
		}
		if n != 2 {
			t.Errorf("-s %d: %d session-refused, want 2", snap, n)
		}
	}
	rec, _ := run(t, path, policy.Policy{})
	for _, f := range rec.findings {
		if f.Code != CodeServerConfigError {
			t.Errorf("whole capture: %s %s", f.Code, f.Message)
		}
	}
}
