package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// diagnoseWire runs script through the tracker, keeping every command
// (the text transcript) or what RecentOnly keeps (JSON, zeek, --summary,
// --report, --fail-on), and returns everything the diagnosis said: each
// finding whole, and each server's verdict and rules.
func diagnoseWire(t *testing.T, recent bool, cli, srv string, script func(w *wire)) (string, []*Finding) {
	t.Helper()
	w := &wire{t: t, c: &collect{}, cli: ap(cli), srv: ap(srv), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{RecentOnly: recent})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true})
	script(w)
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
	w.trk.Finish()
	var b strings.Builder
	for _, f := range w.c.fs {
		fmt.Fprintf(&b, "%s %s packets %v", f.Severity, f.Code, f.Packets)
		if f.Command != nil {
			fmt.Fprintf(&b, " under command %d", f.Command.Index) // (where the transcript and zeek put it)
		}
		fmt.Fprintf(&b, "\n  message: %s\n  evidence: %s\n  advice: %s\n", f.Message, f.Evidence, f.Advice)
	}
	for _, s := range w.d.Summaries() {
		fmt.Fprintf(&b, "server %s: %s\n  %s\n", s.Server, s.Verdict, strings.Join(s.Rules, "\n  "))
	}
	return b.String(), w.c.fs
}

// TestDiagnosisReadsFactsNotTheTranscript guards findings that looked back
// at commands JSON's tracker (RecentOnly) does not keep, so that the text
// transcript said one thing and JSON, zeek, --summary, --report and
// --fail-on's exit code another: a QUIT right after a 227 (an info there,
// a warning here), the RFC 775 verbs of Windows's ftp.exe (the netsh rule
// there, iptables and "use passive mode" here), the login after an AUTH
// with no TLS after it (said there only), the commands after a CCC the
// server misread (an info there, a warning here), and the command between
// a client's capture gap and a transfer with no announcement (a lost
// announcement here, whose advice is to capture again); and in a session
// longer than RecentOnly keeps, a PORT refused before the passive
// transfers the client fell back to (said there only), or one refused
// after an accepted one (active mode off, said here only); and a login
// refused for the connection limit, whose session-refused went under the
// USER there and under no command here (zeek put it on another line); an
// FTPS session's data connections with no visible announcement, which
// control-encrypted counted among those the session still kept (40
// there, 8 here).
// Each scenario must
// give the same findings, whole, and the same verdicts and rules either
// way, and the transcript's reading.
func TestDiagnosisReadsFactsNotTheTranscript(t *testing.T) {
	login := func(w *wire) {
		w.reply(220, "(vsFTPd 3.0.3)")
		w.cmd("USER anonymous")
		w.reply(331, "Please specify the password.")
		w.cmd("PASS guest")
		w.reply(230, "Login successful.")
	}
	// transfers makes n passive transfers, each connected and ended
	// with a 226: more announcing and transfer commands than RecentOnly
	// keeps.
	transfers := func(w *wire, n int) {
		for i := range n {
			port := 41000 + i
			w.cmd("PASV")
			w.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", port>>8, port&255))
			w.cmd("RETR f")
			w.reply(150, "Opening BINARY mode data connection.")
			w.helloConn(ap(fmt.Sprintf("198.51.100.7:%d", 51000+i)), ap(fmt.Sprintf("192.0.2.10:%d", port)), []byte("x"), []byte("hello"))
			w.reply(226, "Transfer complete.")
		}
	}
	for _, tc := range []struct {
		name     string
		cli, srv string
		script   func(w *wire)
		want     func(fs []*Finding) string // "" when the findings read as the transcript's
	}{
		{"QUIT right after a 227", "192.168.7.2:40000", "192.168.7.1:21", func(w *wire) {
			login(w)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (192,168,7,1,156,64).")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeDataNotAttempted); f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "The client sent QUIT") {
				return fmt.Sprintf("want an info data-not-attempted naming the QUIT: %+v", f)
			}
			return ""
		}},
		{"Windows's ftp.exe, active mode blocked", "10.0.0.2:50000", "10.0.0.1:21", func(w *wire) {
			w.reply(220, "Microsoft FTP Service")
			w.cmd("USER anonymous")
			w.reply(331, "Anonymous access allowed, send identity (e-mail name) as password.")
			w.cmd("PASS guest")
			w.reply(230, "User logged in.")
			w.cmd("XPWD")
			w.reply(257, `"/" is current directory.`)
			port := ap("10.0.0.2:34109")
			w.announceActive(ftp.ViaPORT, port, 200, "PORT command successful.")
			w.cmd("RETR f.txt")
			w.reply(150, "Opening ASCII mode data connection.")
			for range 3 {
				w.seg(ap("10.0.0.1:20"), port, decode.FlagSYN, 7000, nil)
				w.wait(time.Second)
			}
			w.wait(18 * time.Second)
			w.reply(425, "Can't open data connection.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			f := findIn(fs, CodeActiveBlocked)
			if f == nil || !strings.Contains(f.Advice, "most likely Windows's ftp.exe (it sends XPWD") || strings.Contains(f.Advice, "Use passive mode on the client") {
				return fmt.Sprintf("want ftp.exe's advice, no passive mode: %+v", f)
			}
			return ""
		}},
		{"AUTH accepted, no TLS, then a login", "192.168.8.2:40100", "192.168.8.1:21", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(234, "Proceed with negotiation.")
			w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PWD")
			w.reply(257, `"/home/bob"`)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeControlEncrypted); f == nil || !strings.Contains(f.Advice, "(a login too, see cleartext-login)") {
				return fmt.Sprintf("want the advice to name the login: %+v", f)
			}
			return ""
		}},
		{"CCC the server misread, and the client went on", "192.168.9.2:40200", "192.168.9.1:21", func(w *wire) {
			w.reply(220, "ProFTPD Server ready.")
			w.cmd("AUTH TLS")
			w.reply(234, "AUTH TLS successful")
			for range 6 {
				w.next() // the TLS handshake, and CCC inside it
			}
			w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext, TLSBytes: [2]uint64{900, 3000}})
			w.reply(500, "\x17\x03\x03 not understood")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeControlEncrypted); f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "the client went on (1 command after it)") {
				return fmt.Sprintf("want an info counting the QUIT: %+v", f)
			}
			return ""
		}},
		{"a client gap before a TYPE, then a transfer with no announcement", "198.51.100.7:50000", "192.0.2.10:21", func(w *wire) {
			login(w)
			w.gap(true, 40)
			w.cmd("TYPE I")
			w.reply(200, "Switching to Binary mode.")
			w.cmd("RETR f")
			w.reply(425, "Use PORT or PASV first.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeServerDataError); f == nil || strings.Contains(f.Advice, "does not hold this transfer's data endpoint announcement whole") {
				return fmt.Sprintf("want no lost announcement (the gap came before the TYPE): %+v", f)
			}
			return ""
		}},
		{"a login refused for the connection limit, then QUIT", "198.51.100.7:50000", "192.0.2.10:21", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(530, "Sorry, the maximum number of allowed clients (10) are already connected.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeSessionRefused); f == nil || f.Command == nil || f.Command.Verb != "USER" {
				return fmt.Sprintf("want session-refused under the USER: %+v", f)
			}
			return ""
		}},
		{"an FTPS session of many data connections", "198.51.100.7:50000", "192.0.2.10:21", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(234, "Proceed with negotiation.")
			for i := range 40 {
				w.helloConn(ap(fmt.Sprintf("198.51.100.7:%d", 51000+i)), ap(fmt.Sprintf("192.0.2.10:%d", 41000+i)), []byte("\x16\x03\x01\x00\x05hello"), []byte("\x16\x03\x03\x00\x05hello")) // (TLS records)
			}
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeControlEncrypted); f == nil || !strings.Contains(f.Evidence, "40 data connections seen without a visible announcement") {
				return fmt.Sprintf("want the 40 data connections counted: %+v", f)
			}
			return ""
		}},
		{"a PORT refused, then passive transfers", "198.51.100.7:50000", "192.0.2.10:21", func(w *wire) {
			login(w)
			w.announceActive(ftp.ViaPORT, ap("198.51.100.7:40000"), 500, "Illegal PORT command.")
			transfers(w, 40)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeActiveRefused); f == nil || f.Severity != SeverityInfo {
				return fmt.Sprintf("want an info active-refused (the client fell back to passive mode): %+v", f)
			}
			return ""
		}},
		{"a PORT accepted, passive transfers, then a PORT refused", "198.51.100.7:50000", "192.0.2.10:21", func(w *wire) {
			login(w)
			port := ap("198.51.100.7:40000")
			w.announceActive(ftp.ViaPORT, port, 200, "PORT command successful.")
			w.cmd("LIST")
			w.reply(150, "Here comes the directory listing.")
			w.helloConn(ap("192.0.2.10:20"), port, []byte("x"), []byte("y"))
			w.reply(226, "Directory send OK.")
			transfers(w, 40)
			w.announceActive(ftp.ViaPORT, ap("198.51.100.7:40001"), 500, "Illegal PORT command.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, func(fs []*Finding) string {
			if f := findIn(fs, CodeActiveRefused); f != nil {
				return fmt.Sprintf("want no active-refused (the session's first PORT was accepted): %+v", f)
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, fs := diagnoseWire(t, false, tc.cli, tc.srv, tc.script)
			recent, _ := diagnoseWire(t, true, tc.cli, tc.srv, tc.script)
			if full != recent {
				t.Errorf("the diagnosis differs with RecentOnly:\n transcript:\n%s\n RecentOnly:\n%s", full, recent)
			}
			if why := tc.want(fs); why != "" {
				t.Errorf("%s\n%s", why, full)
			}
		})
	}
}

// findIn is the first finding of fs with code, or nil.
func findIn(fs []*Finding, code string) *Finding {
	for _, f := range fs {
		if f.Code == code {
			return f
		}
	}
	return nil
}
