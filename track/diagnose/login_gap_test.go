package diagnose

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// gap is a capture gap of n bytes in one direction of the wire's control
// connection, as decode reports it.
func (w *wire) gap(fromClient bool, n int) {
	w.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: fromClient, Gap: n})
}

// TestCleartextLoginAfterGapDoesNotClaimNoPassword guards cleartext-login
// against a false statement: when a capture gap of the client's stream
// lies between a USER and the 230 the tracker pairs with it, the PASS
// may be in the gap, so the finding must not say the login was accepted
// without a password (a gap of the server's stream alone hides none). Where the PASS itself is in the capture
// (only the 331 was lost), the evidence names it. Without a gap between
// them, a USER answered by 230 is a login without a password.
func TestCleartextLoginAfterGapDoesNotClaimNoPassword(t *testing.T) {
	for _, tc := range []struct {
		name  string
		user  string
		login func(w *wire) // what follows the USER, up to the 230
		want  []string      // in the evidence, message and advice
		never []string
	}{
		{"331 and PASS both lost in gaps", "alice", func(w *wire) {
			w.gap(false, 34) // "331 Please specify the password.\r\n"
			w.gap(true, 15)  // "PASS secret99\r\n"
			w.reply(230, "Login successful.")
		}, []string{"USER alice (packet 3), then the login succeeded (\"230 Login successful.\", packet 6)", "a capture gap (packet 5) between them hides whether a password was sent",
			"a gap in the capture hides whether a password was sent", "if this login sent a password, change it"},
			[]string{"without a password", "and its password crossed"}},
		{"only the client's PASS line in a gap", "alice", func(w *wire) {
			w.gap(true, 15)
			w.reply(230, "Login successful.")
		}, []string{"a capture gap (packet 4) between them hides whether a password was sent"}, []string{"without a password"}},
		{"331 lost, PASS seen: the 230 pairs with the USER", "alice", func(w *wire) {
			w.gap(false, 34)
			w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PASS", Arg: "secret99"}, Secret: true})
			w.reply(230, "Login successful.")
		}, []string{"USER alice, then \"PASS ****\" (packet 5), then \"230 Login successful.\" (packet 6)", "A user name and its password crossed the network in clear text"},
			[]string{"without a password", "secret99", "hides whether"}},
		{"anonymous, both lost in gaps", "anonymous", func(w *wire) {
			w.gap(false, 34)
			w.gap(true, 20)
			w.reply(230, "Login successful.")
		}, []string{"a capture gap (packet 5) between them hides whether a password was sent", "An anonymous login crossed the network in clear text"},
			[]string{"without a password"}},
		{"no gap: the USER alone logged in", "anonymous", func(w *wire) {
			w.reply(230, "Login successful.")
		}, []string{"USER anonymous accepted without a password (packet 3)"}, []string{"gap"}},
		// A named user let in on its name
		// alone was "a user name and its password crossed … change the
		// password that was exposed"; no password crossed.
		{"no gap: a named user logged in on its name alone", "bob", func(w *wire) {
			w.reply(230, "Login successful.")
		}, []string{"USER bob accepted without a password (packet 3)", "without asking for a password", "Give the account a password"},
			[]string{"gap", "its password crossed", "password that was exposed"}},
		// A gap in the server's stream only (part of a multi-line 230
		// lost): the client's stream is whole, so no PASS was sent.
		{"a gap in the server's stream only", "bob", func(w *wire) {
			w.gap(false, 40)
			w.reply(230, "Login successful.")
		}, []string{"USER bob accepted without a password (packet 3)", "without asking for a password"},
			[]string{"hides whether", "its password crossed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER " + tc.user)
			tc.login(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeCleartextLogin)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no cleartext-login finding")
			}
			all := f.Evidence + " | " + f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("cleartext-login lacks %q:\n%s", s, all)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(all, s) {
					t.Errorf("cleartext-login says %q:\n%s", s, all)
				}
			}
		})
	}
}

// TestSecretLineIsMaskedInEvidence guards the password masking of
// evidence and messages: a line decode took for a password that is not a
// PASS (the tail of one whose first bytes a gap took) is hidden whole,
// its verb too, where a finding quotes the command it is (here vsftpd's
// "500 OOPS" to it, server-config-error).
func TestSecretLineIsMaskedInEvidence(t *testing.T) {
	w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER alice")
	w.reply(331, "Please specify the password.")
	w.gap(true, 2) // "PA"
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "SS", Arg: "Zq9xW7kv"}, Secret: true})
	w.reply(500, "OOPS: vsftpd: refusing to run with writable root inside chroot()")
	w.end()
	f := w.c.find(CodeServerConfigError)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no server-config-error finding")
	}
	for _, text := range []string{f.Evidence, f.Message} {
		if strings.Contains(text, "Zq9xW7kv") || strings.Contains(text, "SS ") {
			t.Errorf("password line shown: %s", text)
		}
		if !strings.Contains(text, hiddenLine) {
			t.Errorf("no mask in %q", text)
		}
	}
}

// frames builds Ethernet/IPv4/TCP frames of one TCP connection and
// decodes them, each a millisecond after the last.
type frames struct {
	d          *decode.Decoder
	now        time.Time
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

func (f *frames) send(src, dst netip.AddrPort, seq, ack uint32, flags byte, payload string) {
	b := []byte{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00} // Ethernet, IPv4
	ip := len(b)
	b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0)
	s, d := src.Addr().As4(), dst.Addr().As4()
	b = append(append(b, s[:]...), d[:]...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[ip+2:], uint16(len(b)-ip))
	f.d.Decode(b, gopacket.CaptureInfo{Timestamp: f.now, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeEthernet)
	f.now = f.now.Add(time.Millisecond)
}

func (f *frames) open() {
	f.cseq, f.sseq = 1000, 5000
	f.send(f.cli, f.srv, f.cseq, 0, tcpSYN, "")
	f.send(f.srv, f.cli, f.sseq, f.cseq+1, tcpSYN|tcpACK, "")
	f.cseq++
	f.sseq++
	f.send(f.cli, f.srv, f.cseq, f.sseq, tcpACK, "")
}

// client and server send p; lost is true for bytes sent on the wire
// that the capture missed.
func (f *frames) client(p string, lost bool) {
	if !lost {
		f.send(f.cli, f.srv, f.cseq, f.sseq, tcpACK|tcpPSH, p)
	}
	f.cseq += uint32(len(p))
}

func (f *frames) server(p string, lost bool) {
	if !lost {
		f.send(f.srv, f.cli, f.sseq, f.cseq, tcpACK|tcpPSH, p)
	}
	f.sseq += uint32(len(p))
}

func (f *frames) close() {
	f.send(f.cli, f.srv, f.cseq, f.sseq, tcpFIN|tcpACK, "")
	f.cseq++
	f.send(f.srv, f.cli, f.sseq, f.cseq, tcpFIN|tcpACK, "")
	f.sseq++
	f.send(f.cli, f.srv, f.cseq, f.sseq, tcpACK, "")
}

// TestCleartextLoginAfterGapFromPackets is the gap case from packets, the
// decoder's own gap reports and masking included: the 331 and the PASS
// line (and so the password) lost from the capture, the 230 seen. The
// finding must not say the login needed no password, nor show the
// password; with nothing lost, the same session's PASS is named.
func TestCleartextLoginAfterGapFromPackets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lost  bool
		want  string
		never []string
	}{
		{"331 and PASS lost", true, "hides whether a password was sent", []string{"without a password", "secret99"}},
		{"nothing lost", false, `USER alice, then "PASS ****"`, []string{"without a password", "secret99", "gap"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			f := &frames{now: t0, cli: ap("198.51.100.22:50620"), srv: ap("203.0.113.10:21")}
			f.d = decode.New(track.New(New(policy.Policy{}, nil, c), track.Options{}), decode.Options{})
			f.open()
			f.server("220 (vsFTPd 3.0.3)\r\n", false)
			f.client("USER alice\r\n", false)
			f.server("331 Please specify the password.\r\n", tc.lost)
			f.client("PASS secret99\r\n", tc.lost)
			f.server("230 Login successful.\r\n", false)
			f.client("SYST\r\n", false)
			f.server("215 UNIX Type: L8\r\n", false)
			f.client("QUIT\r\n", false)
			f.server("221 Goodbye.\r\n", false)
			f.close()
			f.d.Finish()
			fd := c.find(CodeCleartextLogin)
			if fd == nil {
				dumpFindings(t, c)
				t.Fatal("no cleartext-login finding")
			}
			all := fd.Evidence + " | " + fd.Message + " | " + fd.Advice
			if !strings.Contains(all, tc.want) {
				t.Errorf("cleartext-login lacks %q:\n%s", tc.want, all)
			}
			for _, n := range tc.never {
				if strings.Contains(all, n) {
					t.Errorf("cleartext-login says %q:\n%s", n, all)
				}
			}
		})
	}
}

// TestCleartextLoginMidstreamNamesNoEmptyUser: a session picked up after
// its USER shows its PASS and 230 only; the evidence must not quote an
// empty user name ("USER , then ..."), and says the USER came before the
// capture.
func TestCleartextLoginMidstreamNamesNoEmptyUser(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
	w.cmd("PASS secret99")
	w.reply(230, "Login successful.")
	w.end()
	f := w.c.find(CodeCleartextLogin)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no cleartext-login finding")
	}
	if strings.Contains(f.Evidence, "USER ,") || !strings.Contains(f.Evidence, "its USER was before the capture") {
		t.Errorf("evidence %q", f.Evidence)
	}
}
