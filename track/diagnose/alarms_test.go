package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// activeListing sends an active-mode listing on w after a PORT the server
// accepted: its connection from port 20 goes to to (where the server
// really connected), answered, with a line of listing.
func activeListing(w *wire, to netip.AddrPort, isn uint32) {
	srv20 := netip.AddrPortFrom(w.srv.Addr(), 20)
	list := []byte("-rw-r--r-- 1 ftp ftp 1 Jan 01 00:00 x\r\n")
	w.cmd("NLST")
	w.seg(srv20, to, decode.FlagSYN, isn, nil)
	w.seg(to, srv20, decode.FlagSYN|decode.FlagACK, 5000, nil)
	w.seg(srv20, to, decode.FlagACK, isn+1, nil)
	w.reply(150, "Here comes the directory listing.")
	w.seg(srv20, to, decode.FlagACK|decode.FlagPSH, isn+1, list)
	w.seg(srv20, to, decode.FlagFIN|decode.FlagACK, isn+1+uint32(len(list)), nil)
	w.seg(to, srv20, decode.FlagFIN|decode.FlagACK, 5001, nil)
	w.reply(226, "Directory send OK.")
}

// anonLogin logs w's session in anonymously.
func anonLogin(w *wire) {
	w.reply(220, "(vsFTPd 2.3.5)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS guest@")
	w.reply(230, "Login successful.")
}

// TestBounceConnectedToClientIsNoBounce guards a PORT naming another
// address whose connection the server made to the client's own control
// address (Suricata's ftp-ippair-leak-5204.pcap: PORT 192,168,0,13 from
// 192.168.0.14, the server's SYN to 192.168.0.14): no third host was
// contacted, so no warning that the server accepted a bounce and its
// target's port was open; an info that says where the connection went.
func TestBounceConnectedToClientIsNoBounce(t *testing.T) {
	w := newWire(t, "192.168.0.14:59898", "192.168.0.9:21")
	anonLogin(w)
	for i, port := range []uint16{59914, 59926} {
		named := netip.AddrPortFrom(netip.MustParseAddr("192.168.0.13"), port)
		b := named.Addr().As4()
		w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
			Command:  ftp.Command{Verb: "PORT", Arg: strings.Join([]string{itoa(b[0]), itoa(b[1]), itoa(b[2]), itoa(b[3]), itoa(byte(port >> 8)), itoa(byte(port))}, ",")},
			Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: named}})
		w.reply(200, "PORT command successful. Consider using PASV.")
		activeListing(w, netip.AddrPortFrom(w.cli.Addr(), port), uint32(1000+10000*i))
	}
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	f := w.c.find(CodeFTPBounce)
	if f == nil {
		t.Fatal("no ftp-bounce finding: the PORTs named another address")
	}
	if f.Severity != SeverityInfo {
		t.Errorf("severity %s, want info: %s (evidence %s)", f.Severity, f.Message, f.Evidence)
	}
	for _, want := range []string{"connected to the client's own address 192.168.0.14", "No other host was contacted"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q lacks %q", f.Message, want)
		}
	}
	if strings.Contains(f.Evidence, "port open") || !strings.Contains(f.Evidence, "control-address match") {
		t.Errorf("evidence %q: want the connection to the client's address, not an open port of the named host", f.Evidence)
	}
	for _, x := range w.c.fs {
		if x.Severity >= SeverityWarning {
			t.Errorf("%s %s: %s", x.Severity, x.Code, x.Message)
		}
	}
}

func itoa(b byte) string {
	const digits = "0123456789"
	switch {
	case b >= 100:
		return string([]byte{digits[b/100], digits[b/10%10], digits[b%10]})
	case b >= 10:
		return string([]byte{digits[b/10], digits[b%10]})
	}
	return string(digits[b])
}

// TestBounceOtherFamilyIsHedged guards an EPRT naming an address of the
// other family than the control connection's (Suricata's
// ftp-active-dynamic_port-02.pcap: EPRT |2|2601:...| over IPv4): RFC 2428
// lets a dual-stack client name its own address of the other family, so
// the capture proves no bounce, whatever the server answered: an info
// that says so, never a warning that the server was asked to connect to
// another host.
func TestBounceOtherFamilyIsHedged(t *testing.T) {
	for _, tc := range []struct {
		name        string
		code        int
		text        string
		wantInMsg   string
		wantInAdvce string
	}{
		{"accepted", 200, "EPRT command successful. Consider using EPSV", "The server accepted it.", "is one of the client's own addresses"},
		{"refused", 522, "Network protocol not supported, use (1)", "The server refused it.", "does not take"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "1.1.1.1:5555", "2.2.2.2:21")
			anonLogin(w)
			named := netip.MustParseAddrPort("[2601:191:8500:2e00:7c0f:78e0:dc5b:f7c1]:34325")
			w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
				Command:  ftp.Command{Verb: "EPRT", Arg: "|2|2601:191:8500:2e00:7c0f:78e0:dc5b:f7c1|34325|"},
				Endpoint: decode.Endpoint{Via: ftp.ViaEPRT, Addr: named}})
			w.reply(tc.code, tc.text)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeFTPBounce)
			if f == nil {
				t.Fatal("no ftp-bounce finding")
			}
			if f.Severity != SeverityInfo {
				t.Errorf("severity %s, want info: %s", f.Severity, f.Message)
			}
			for _, want := range []string{"nothing here proves it is", "a dual-stack client may name its own address of the other family", tc.wantInMsg} {
				if !strings.Contains(f.Message, want) {
					t.Errorf("message %q lacks %q", f.Message, want)
				}
			}
			if strings.Contains(f.Message, "the server is asked to connect to a host other than the client") {
				t.Errorf("message %q states a bounce as fact", f.Message)
			}
			if !strings.Contains(f.Advice, tc.wantInAdvce) {
				t.Errorf("advice %q lacks %q", f.Advice, tc.wantInAdvce)
			}
			for _, x := range w.c.fs {
				if x.Severity >= SeverityWarning {
					t.Errorf("%s %s: %s", x.Severity, x.Code, x.Message)
				}
			}
		})
	}
}

// TestSessionRefusedWithoutGreeting guards a server that accepts the TCP
// connection and closes it without a byte (Suricata's ftp-quit.pcap: the
// server's FIN 0.186 s after the handshake, the client's QUIT drawing an
// RST): the field notes call it the server refusing the session
// (tcp_wrappers, a limit that sends no 421, a device in front), a
// warning; not when the capture began after the connection's start, ended
// before the server could speak, or the server spoke.
func TestSessionRefusedWithoutGreeting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		midstream bool
		greeting  bool
		commands  []string
		closed    decode.CloseReason
		want      bool
		byClient  bool // the client's FIN came first, or its RST
	}{
		{"reset", false, false, []string{"QUIT"}, decode.CloseRST, true, false},
		{"fin", false, false, []string{"USER anonymous"}, decode.CloseFIN, true, false},
		{"capture ended", false, false, []string{"QUIT"}, decode.CloseCaptureEnd, false, false},
		{"idle", false, false, []string{"QUIT"}, decode.CloseIdle, false, false},
		{"midstream", true, false, []string{"QUIT"}, decode.CloseRST, false, false},
		{"greeted", false, true, []string{"QUIT"}, decode.CloseRST, false, false},
		// A client that went on without replies read replies this capture
		// does not hold (one direction captured).
		{"two commands", false, false, []string{"USER bob", "PASS x"}, decode.CloseRST, false, false},
		// The client gave up on a slow greeting (or never waited: a
		// health check): no refusal of the server's.
		{"client's fin first", false, false, []string{"USER bob"}, decode.CloseFIN, false, true},
		{"client's reset", false, false, []string{"USER bob"}, decode.CloseRST, false, true},
	} {
		// JSON's tracker (RecentOnly) keeps neither events nor a QUIT: the
		// finding must not depend on them.
		for _, recent := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/RecentOnly=%v", tc.name, recent), func(t *testing.T) {
				w := &wire{t: t, c: &collect{}, cli: ap("10.127.0.202:58121"), srv: ap("41.225.70.195:21"), now: t0}
				w.d = New(policy.Policy{}, nil, w.c)
				w.trk = track.New(w.d, track.Options{RecentOnly: recent})
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: tc.midstream, ClientSYN: !tc.midstream})
				if tc.greeting {
					w.reply(220, "ready")
				}
				for _, c := range tc.commands {
					w.cmd(c)
				}
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: tc.closed, ClientClosed: tc.byClient})
				w.trk.Finish()
				f := w.c.find(CodeSessionRefused)
				if !tc.want {
					if f != nil {
						t.Fatalf("session-refused: %s", f.Message)
					}
					return
				}
				if f == nil {
					t.Fatal("no session-refused finding")
				}
				if f.Severity != SeverityWarning || !f.silent {
					t.Errorf("severity %s silent %v, want a warning marked silent", f.Severity, f.silent)
				}
				if strings.Contains(f.Message, "421") || !strings.Contains(f.Message, "sent no greeting") {
					t.Errorf("message %q: want the close without a greeting, no 421", f.Message)
				}
				for _, want := range []string{"tcp_wrappers", "hosts.deny", "max_clients/max_per_ip", "proxy", "IPS"} {
					if !strings.Contains(f.Advice, want) {
						t.Errorf("advice %q lacks %q", f.Advice, want)
					}
				}
			})
		}
	}
}

// TestNotAttemptedWithDataSeenIsNotBlind guards data-not-attempted for a
// transfer the server reported while the capture holds another data
// connection of the session (Zeek's pe-single.pcap: data #4 carried
// 43,568 bytes, the others have no SYN): the capture does see the data
// path, so it must not say it was taken where only the control
// connection passes or with a port-21 filter, and says what else loses
// connections.
func TestNotAttemptedWithDataSeenIsNotBlind(t *testing.T) {
	w := newWire(t, "192.168.1.31:63417", "192.168.1.32:21")
	anonLogin(w)
	pasv := func(p1, p2 int, file string) {
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (192,168,1,32,"+itoa(byte(p1))+","+itoa(byte(p2))+").")
		w.cmd("RETR " + file)
		w.reply(150, "Opening BINARY mode data connection for "+file+".")
	}
	pasv(46, 110, "seen.exe") // 192.168.1.32:11886
	w.helloConn(ap("192.168.1.31:63422"), ap("192.168.1.32:11886"), []byte{}, []byte("MZ-not-tls-payload"))
	w.reply(226, "Transfer complete.")
	pasv(77, 88, "test1.bin") // 192.168.1.32:19800: no SYN
	w.reply(226, "Transfer complete.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	var f *Finding
	for _, x := range w.c.fs {
		if x.Code == CodeDataNotAttempted && x.Data != nil && x.Data.Announced.Port() == 19800 {
			f = x
		}
	}
	if f == nil {
		t.Fatal("no data-not-attempted for 192.168.1.32:19800")
	}
	if strings.Contains(f.Message, "cannot see the data path") || strings.Contains(f.Message, "only port 21") {
		t.Errorf("message %q blames the capture's vantage though it holds data connection #1", f.Message)
	}
	for _, want := range []string{"data connection #1 of this session", "dropped", "another path"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q lacks %q", f.Message, want)
		}
	}
	if strings.Contains(f.Advice, "without a port filter") || !strings.Contains(f.Advice, "drop counts") {
		t.Errorf("advice %q", f.Advice)
	}
}
