package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// looseEPRT sends EPRT with arg as the client wrote it, read loosely as a
// (decode's EndpointLoose), and the server's reply.
func (w *wire) looseEPRT(arg string, a netip.AddrPort, code int, text string) {
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
		Command:  ftp.Command{Verb: "EPRT", Arg: arg},
		Endpoint: decode.Endpoint{Via: ftp.ViaEPRT, Addr: a, Loose: true}})
	w.reply(code, text)
}

// TestLooseEndpointRefusedIsTheWrittenForm guards wrong advice
// (raw6-proftpd.pcap session 6, raw6-pureftpd.pcap): ProFTPD answers
// "EPRT |2|fd00:99::2%cli0|45005|" (a zone on a global address, which
// vsftpd reads) with "501 Illegal EPRT command", and active-refused blamed
// a NAT in front of the client (or, with an accepted EPRT elsewhere, a
// per-user vsftpd setting). The server refused the written form (501, a
// syntax error): a note whose fix is the standard form, nothing in the
// verdict. A refusal of a standard EPRT, and vsftpd's 500 to a loose one
// (vsftpd reads the form and refuses the address), keep the NAT reading.
func TestLooseEndpointRefusedIsTheWrittenForm(t *testing.T) {
	a := netip.MustParseAddrPort("[fd00:99::2]:45005")
	for _, tc := range []struct {
		name, greeting string
		code           int
		text           string
		loose, note    bool
	}{
		{"ProFTPD", "ProFTPD Server (ftpsniff lab) [fd00:99::1]", 501, "Illegal EPRT command", true, true},
		{"Pure-FTPd", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", 501, "Syntax error in IP address", true, true},
		{"standard form keeps the NAT reading", "ProFTPD Server (ftpsniff lab) [fd00:99::1]", 501, "Illegal EPRT command", false, false},
		{"vsftpd refuses the address, not the form", "(vsFTPd 3.0.3)", 500, "Illegal EPRT command.", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[fd00:99::2]:59196", "[fd00:99::1]:21")
			w.reply(220, tc.greeting)
			if tc.loose {
				w.looseEPRT("|2|fd00:99::2%cli0|45005|", a, tc.code, tc.text)
			} else {
				w.announceEPRT(a, tc.code, tc.text)
			}
			w.cmd("RETR report.txt")
			w.reply(425, "Unable to build data connection: Connection refused")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeActiveRefused)
			if f == nil {
				t.Fatalf("no active-refused:\n%s", wireText(w))
			}
			if !tc.note {
				if f.Severity == SeverityInfo || !strings.Contains(f.Message, "NAT") {
					t.Errorf("%v %s", f.Severity, f.Message)
				}
				return
			}
			if f.Severity != SeverityInfo || !strings.Contains(f.Message, "zone (%cli0)") || !strings.Contains(f.Advice, "EPRT |2|fd00:99::2|45005|") {
				t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
			}
			all := wireText(w)
			for _, s := range []string{"NAT", "user_config_dir", "port_enable", "refused active mode", "<Limit PORT"} {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
		})
	}
}

// TestEPRTFamilyRefusedFailedTransferWarns guards a failed transfer told
// as a note (nat64-vsftpd-client.pcap sessions 2 and 5): an EPRT |2|
// answered "522 Network protocol not supported" or "500 Bad EPRT
// protocol." in a session that then made no data connection is a warning,
// the transfer failed; with a passive transfer after it, a note. Either
// way the server's verdict names no active mode turned off.
func TestEPRTFamilyRefusedFailedTransferWarns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fallback bool
		want     Severity
	}{
		{"no data connection", false, SeverityWarning},
		{"passive worked after it", true, SeverityInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[fd00:64::2]:55306", "[64:ff9b::b00:2]:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.announceEPRT(netip.MustParseAddrPort("[fd00:64::2]:58255"), 522, "Network protocol not supported, use (1)")
			if tc.fallback {
				w.cmd("EPSV")
				to := netip.MustParseAddrPort("[64:ff9b::b00:2]:40001")
				w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40001|)"},
					Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: to}})
				w.cmd("RETR report.txt")
				w.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
				w.helloConn(netip.MustParseAddrPort("[fd00:64::2]:54000"), to, []byte("x"), []byte("data"))
				w.reply(226, "Transfer complete.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeActiveRefused)
			if f == nil {
				t.Fatalf("no active-refused:\n%s", wireText(w))
			}
			if f.Severity != tc.want || !strings.Contains(f.Message, "does not take IPv6 addresses") {
				t.Errorf("%v, want %v: %s", f.Severity, tc.want, f.Message)
			}
			for _, s := range w.d.Summaries() {
				for _, x := range []string{"active mode", "port_enable", "PORT/EPRT"} {
					if strings.Contains(s.Verdict, x) || strings.Contains(strings.Join(s.Rules, "\n"), x) {
						t.Errorf("%q in the verdict: %s\n%s", x, s.Verdict, strings.Join(s.Rules, "\n"))
					}
				}
			}
		})
	}
}

// TestEPSVFallbackWordedByItsReply guards epsv-pasv-fallback's words
// (cli6-proftpd-noepsv.pcap, nat64-proftpd-noepsv-client.pcap): ProFTPD's
// "501 EPSV: Operation not permitted" (a <Limit EPSV> DenyAll) was "The
// server does not implement EPSV", and over IPv6 "clients fall back at
// once", which curl, lftp and Python's ftplib do not. Now by the reply:
// denied by a setting, or not implemented (500); over IPv6 the clients
// that do not fall back are named and the fix is to allow EPSV. Over
// IPv4 a 500 keeps its words.
func TestEPSVFallbackWordedByItsReply(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv, greeting, reply, pasv string
		code                                  int
		want, not                             []string
	}{
		{"IPv6 denied", "[fd00:99::2]:34170", "[fd00:99::1]:21", "ProFTPD Server (lab) [fd00:99::1]", "EPSV: Operation not permitted", "Entering Passive Mode (10,99,0,1,156,108).", 501,
			[]string{"a setting denies it", "curl, lftp and Python's ftplib", "<Limit EPSV>"}, []string{"does not implement", "fall back at once"}},
		{"IPv6 not implemented", "[fd00:99::2]:34170", "[fd00:99::1]:21", "FTP server ready", "Unknown command", "Entering Passive Mode (10,99,0,1,156,108).", 500,
			[]string{"does not implement EPSV", "curl, lftp and Python's ftplib", "implement it"}, []string{"fall back at once", "denies"}},
		{"IPv4 denied", "10.99.0.2:34170", "10.99.0.1:21", "ProFTPD Server (lab) [10.99.0.1]", "EPSV: Operation not permitted", "Entering Passive Mode (10,99,0,1,156,108).", 501,
			[]string{"a setting denies it", "fall back at once", "<Limit EPSV>"}, []string{"does not implement"}},
		{"IPv4 not implemented keeps its words", "10.99.0.2:34170", "10.99.0.1:21", "FTP server ready", "Unknown command", "Entering Passive Mode (10,99,0,1,156,108).", 500,
			[]string{"The server does not implement EPSV (\"500 Unknown command\") and PASV worked: clients fall back at once", "a newer version, or another server"}, []string{"denies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			w.reply(220, tc.greeting)
			w.cmd("EPSV")
			w.reply(tc.code, tc.reply)
			a, _, _ := ftp.ParsePASV(tc.pasv)
			w.passiveTransfer(tc.pasv, netip.AddrPortFrom(w.srv.Addr(), a.Port()))
			w.end()
			f := w.c.find(CodeModeFallback)
			if f == nil {
				t.Fatalf("no epsv-pasv-fallback:\n%s", wireText(w))
			}
			text := f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(text, s) {
					t.Errorf("no %q in %s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("%q in %s", s, text)
				}
			}
		})
	}
}

// TestLinkLocalEndpointUnusedIsHedged guards a note that ruled out a
// failure (linklocal.pcap session 4): Python's ftplib, passive over a
// link-local address, drops the zone and its connect fails (EINVAL)
// before any SYN, and the client quits; data-not-attempted said "it
// chose not to use this endpoint ... Nothing to change". Now it names the
// zone the client may have lost.
func TestLinkLocalEndpointUnusedIsHedged(t *testing.T) {
	for _, tc := range []struct {
		cli, srv, to string
		linkLocal    bool
	}{
		{"[fe80::2]:54616", "[fe80::1]:21", "[fe80::1]:40039", true},
		{"[fd00:99::2]:54616", "[fd00:99::1]:21", "[fd00:99::1]:40039", false},
	} {
		t.Run(tc.srv, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("EPSV")
			w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40039|)"},
				Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: netip.MustParseAddrPort(tc.to)}})
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeDataNotAttempted)
			if f == nil {
				t.Fatalf("no data-not-attempted:\n%s", wireText(w))
			}
			hedged := strings.Contains(f.Message, "link-local") && strings.Contains(f.Message, "zone") && !strings.Contains(f.Advice, "did not need")
			if hedged != tc.linkLocal {
				t.Errorf("link-local %v: %s\nfix: %s", tc.linkLocal, f.Message, f.Advice)
			}
		})
	}
}
