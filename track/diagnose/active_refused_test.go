package diagnose

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// announceActive sends a PORT (or EPRT) naming a from w's client, and the
// server's reply to it.
func (w *wire) announceActive(via ftp.Via, a netip.AddrPort, code int, text string) {
	b := a.Addr().As4()
	arg := fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], a.Port()>>8, a.Port()&0xff)
	if via == ftp.ViaEPRT {
		arg = fmt.Sprintf("|1|%s|%d|", a.Addr(), a.Port())
	}
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: via.String(), Arg: arg},
		Endpoint: decode.Endpoint{Via: via, Addr: a}})
	w.reply(code, text)
}

// noFinding: a TestActiveRefused case that wants no active-refused.
const noFinding = Severity(255)

// TestActiveRefused guards a missed failure (rev19 rev-newnet,
// vsftpd-port-disabled.pcap): vsftpd with port_enable=NO answered PORT and
// EPRT with "550 Permission denied.", nothing was transferred (ftplib exit
// 1, curl exit 30), yet no finding said so and the verdict read "no data
// connection was expected". And active-snat-*-client.pcap: a client behind
// a masquerade, captured at the client, whose PORT named its own private
// address; vsftpd (port_promiscuous=NO) and ProFTPD (AllowForeignAddress
// off) answered "500 Illegal PORT command.". Now active-refused: an error
// when the session then made no data connection, with the setting or the
// NAT as the cause, and a verdict that says it; info when the client fell
// back to passive mode; nothing when the server accepted another PORT, for
// a privileged port (ftp-bounce's), after the client's own EPSV ALL, or
// for a reply that does not refuse the mode or the address.
func TestActiveRefused(t *testing.T) {
	type step struct {
		via  ftp.Via // 0: a PASV answered 227
		code int
		text string
	}
	port := func(code int, text string) step { return step{ftp.ViaPORT, code, text} }
	eprt := func(code int, text string) step { return step{ftp.ViaEPRT, code, text} }
	pasv := step{}
	const denied = "Permission denied."
	tests := []struct {
		name     string
		cli      string
		greeting string
		pol      policy.Policy
		epsvAll  bool
		privPort bool
		steps    []step
		sev      Severity // noFinding: none
		want     []string // in the message, advice and evidence
		verdict  []string // in the server's verdict
		notVerd  []string
	}{
		{name: "vsftpd port_enable=NO, PORT", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(550, denied)}, sev: SeverityError,
			want:    []string{"refused active mode", `"550 Permission denied."`, "port_enable=YES", "passive mode", "made none"},
			verdict: []string{"refused active mode", "550 Permission denied.", "port_enable=YES", "passive mode", "see active-refused"},
			notVerd: []string{"no data connection was expected"}},
		{name: "vsftpd port_enable=NO, EPRT then PORT (curl -P)", cli: "10.99.0.2:42180", greeting: "(vsFTPd 3.0.3)",
			steps: []step{eprt(550, denied), port(550, denied)}, sev: SeverityError,
			want:    []string{"EPRT and PORT", `"EPRT |1|10.99.0.2|`, `"PORT 10,99,0,2,`},
			verdict: []string{"refused active mode", "port_enable=YES"}},
		{name: "the configuration given says port_enable=NO", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			pol:   policy.Policy{Server: &policy.ServerConfig{Kind: policy.ServerVsftpd, Path: "/etc/vsftpd.conf", PassiveEnabled: true}},
			steps: []step{port(550, denied)}, sev: SeverityError,
			want: []string{"as /etc/vsftpd.conf sets"}},
		{name: "ProFTPD <Limit PORT EPRT> DenyAll", cli: "10.99.0.2:42172", greeting: "ProFTPD Server (lab) [10.99.0.1]",
			steps: []step{port(501, "PORT: Operation not permitted")}, sev: SeverityError,
			want:    []string{"refused active mode", "<Limit PORT EPRT>"},
			verdict: []string{"refused active mode", "<Limit PORT EPRT>"}},
		{name: "client behind masquerade, vsftpd port_promiscuous=NO", cli: "192.168.50.2:46068", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(500, "Illegal PORT command.")}, sev: SeverityError,
			want:    []string{"refused the address", "192.168.50.2", "NAT in front of the client", "passive mode", "nf_nat_ftp"},
			verdict: []string{"refused the addresses clients named", "NAT in front of the clients", "passive mode", "FTP helper"},
			notVerd: []string{"no data connection was expected", "port_enable"}},
		{name: "client behind masquerade, ProFTPD AllowForeignAddress off", cli: "192.168.50.2:46124", greeting: "ProFTPD Server (ftpsniff lab) [10.99.3.2]",
			steps: []step{eprt(500, "Illegal EPRT command"), port(500, "Illegal PORT command")}, sev: SeverityError,
			want: []string{"refused the address", "NAT in front of the client"}},
		{name: "refused, then passive mode worked: info", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(550, denied), pasv}, sev: SeverityInfo,
			want:    []string{"passive mode, which worked"},
			notVerd: []string{"refused active mode"}},
		{name: "another PORT accepted: active mode works", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(500, "Illegal PORT command."), port(200, "PORT command successful. Consider using PASV.")}, sev: noFinding},
		{name: "privileged port: ftp-bounce's", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)", privPort: true,
			steps: []step{port(500, "Illegal PORT command.")}, sev: noFinding},
		{name: "after the client's own EPSV ALL", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)", epsvAll: true,
			steps: []step{port(500, "Illegal PORT command.")}, sev: noFinding},
		{name: "not logged in: not the mode", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(530, "Please login with USER and PASS.")}, sev: noFinding},
		{name: "vsftpd's fatal error: not the mode", cli: "10.99.0.2:42172", greeting: "(vsFTPd 3.0.3)",
			steps: []step{port(500, "OOPS: vsf_sysutil_bind")}, sev: noFinding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap(tc.cli), srv: ap("10.99.0.1:21"), now: t0}
			w.d = New(tc.pol, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, tc.greeting)
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS guest@")
			w.reply(230, "Login successful.")
			if tc.epsvAll {
				w.cmd("EPSV ALL")
				w.reply(200, "EPSV ALL ok.")
			}
			for i, st := range tc.steps {
				if st.via == 0 {
					w.cmd("PASV")
					w.reply(227, "Entering Passive Mode (10,99,0,1,156,64).")
					continue
				}
				p := uint16(46785 + i)
				if tc.privPort {
					p = 25
				}
				w.announceActive(st.via, netip.AddrPortFrom(w.cli.Addr(), p), st.code, st.text)
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			fs := w.c.all(CodeActiveRefused)
			if tc.sev == noFinding {
				if len(fs) != 0 {
					t.Fatalf("active-refused raised: %s | %s", fs[0].Message, fs[0].Evidence)
				}
				return
			}
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d active-refused findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Severity != tc.sev {
				t.Errorf("severity %v, want %v", f.Severity, tc.sev)
			}
			all := f.Message + " | " + f.Advice + " | " + f.Evidence
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			for _, s := range tc.verdict {
				if !strings.Contains(sums[0].Verdict, s) {
					t.Errorf("no %q in the verdict: %s", s, sums[0].Verdict)
				}
			}
			for _, s := range tc.notVerd {
				if strings.Contains(sums[0].Verdict, s) {
					t.Errorf("%q in the verdict: %s", s, sums[0].Verdict)
				}
			}
		})
	}
}

// TestActiveRefusalOf reads the replies servers refuse PORT/EPRT with.
func TestActiveRefusalOf(t *testing.T) {
	for _, tc := range []struct {
		code int
		text string
		want activeRefusal
	}{
		{550, "Permission denied.", activeModeOff},                                            // vsftpd port_enable=NO
		{501, "PORT: Operation not permitted", activeModeOff},                                 // ProFTPD <Limit PORT> DenyAll
		{502, "Command not implemented.", activeModeOff},                                      // not implemented
		{500, "Illegal PORT command.", activeAddrRefused},                                     // vsftpd port_promiscuous=NO
		{500, "Illegal EPRT command", activeAddrRefused},                                      // ProFTPD AllowForeignAddress off
		{500, "I won't open a connection to 10.0.0.2 (only to 192.0.2.7)", activeAddrRefused}, // Pure-FTPd
		{501, "Rejected data connection to foreign address 10.0.0.2:4000.", activeAddrRefused},
		{500, "OOPS: vsf_sysutil_bind", activeNotRefused},
		{530, "Please login with USER and PASS.", activeNotRefused},
		{421, "Timeout.", activeNotRefused},
		{501, "Syntax error in parameters or arguments.", activeNotRefused},
		{200, "PORT command successful. Consider using PASV.", activeNotRefused},
	} {
		if got := activeRefusalOf(&track.Reply{Code: tc.code, Text: tc.text}); got != tc.want {
			t.Errorf("%d %s: %v, want %v", tc.code, tc.text, got, tc.want)
		}
	}
}

// TestVerdictMostSessionsRefused guards a verdict that hid refused
// sessions (rev19 pureftpd-range-small.pcap: 5 of 6 sessions got "421 1
// users (the maximum) are already logged in, sorry", the sixth
// transferred; the verdict read "the data connection worked"). Now it says
// how many sessions were refused, and that the data connections made
// worked; a single refused session among many leaves the verdict as it
// was.
func TestVerdictMostSessionsRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refused int
		ok      int
		want    []string
		not     []string
	}{
		{"5 of 6 refused", 5, 1, []string{"5 of 6 sessions were refused with 421 at connect (see session-refused)", "1 data connection was made and worked"}, []string{"the data connection worked"}},
		{"1 of 2 refused", 1, 1, []string{"1 of 2 sessions was refused with 421"}, nil},
		{"1 of 4 refused", 1, 3, []string{"3 data connections worked"}, []string{"refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("10.99.0.2:38000"), srv: ap("10.99.0.1:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			n := 0
			for i := range tc.ok {
				n++
				w.cli = ap("10.99.0.2:" + strconv.Itoa(38000+n))
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(220, "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------")
				w.cmd("USER anonymous")
				w.reply(230, "Anonymous user logged in")
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (10,99,0,1,156,65)")
				w.cmd("LIST")
				w.reply(150, "Accepted data connection")
				w.helloConn(ap("10.99.0.2:"+strconv.Itoa(51000+i)), ap("10.99.0.1:40001"), nil, []byte("x\r\n"))
				w.reply(226, "Transfer complete")
				w.cmd("QUIT")
				w.reply(221, "Goodbye.")
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			for range tc.refused {
				n++
				w.cli = ap("10.99.0.2:" + strconv.Itoa(38000+n))
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(421, "1 users (the maximum) are already logged in, sorry")
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			w.trk.Finish()
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.want {
				if !strings.Contains(v, s) {
					t.Errorf("no %q in the verdict: %s", s, v)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(v, s) {
					t.Errorf("%q in the verdict: %s", s, v)
				}
			}
		})
	}
}

// TestLoginRefusedEverywhere guards rev19 vsftpd-anon-disabled.pcap: four
// anonymous sessions, each "530 Login incorrect." (anonymous_enable=NO),
// no finding, a verdict "no data connections were announced", and a
// cleartext-login saying "An anonymous login crossed the network" of a
// login that never happened. Now the verdict says every login was refused
// (with vsftpd's setting for anonymous logins), and cleartext-login speaks
// of an attempt.
func TestLoginRefusedEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name     string
		user     string
		greeting string
		want     []string
		not      []string
		msg      string
	}{
		{"vsftpd anonymous_enable=NO", "anonymous", "(vsFTPd 3.0.3)",
			[]string{`every login was refused ("530 Login incorrect.")`, "in 2 sessions", "no announcement or transfer was tried", "anonymous_enable=YES"},
			[]string{"no data connections were announced"}, "An anonymous login attempt crossed the network in clear text, and the server refused it"},
		{"a named user, wrong password", "alice", "(vsFTPd 3.0.3)",
			[]string{"every login was refused", "check the user names and passwords"},
			[]string{"anonymous_enable"}, msgPasswordCrossed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("10.99.0.2:58058"), srv: ap("10.99.0.1:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			for i := range 2 {
				w.cli = ap("10.99.0.2:" + strconv.Itoa(58058+i))
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(220, tc.greeting)
				w.cmd("USER " + tc.user)
				w.reply(331, "Please specify the password.")
				w.cmd("PASS secret@")
				w.reply(530, "Login incorrect.")
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			w.trk.Finish()
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.want {
				if !strings.Contains(v, s) {
					t.Errorf("no %q in the verdict: %s", s, v)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(v, s) {
					t.Errorf("%q in the verdict: %s", s, v)
				}
			}
			fs := w.c.all(CodeCleartextLogin)
			if len(fs) == 0 {
				t.Fatal("no cleartext-login")
			}
			for _, f := range fs {
				if !strings.Contains(f.Message, tc.msg) || strings.Contains(f.Message, "An anonymous login crossed") {
					t.Errorf("cleartext-login: %s", f.Message)
				}
			}
		})
	}
}

// TestAnonymousLoginStillSaysLogin: an anonymous login the server
// accepted keeps its wording.
func TestAnonymousLoginStillSaysLogin(t *testing.T) {
	w := newWire(t, "10.99.0.2:58058", "10.99.0.1:21")
	anonLogin(w)
	w.end()
	fs := w.c.all(CodeCleartextLogin)
	if len(fs) != 1 || fs[0].Message != msgAnonymousLogin {
		dumpFindings(t, w.c)
		t.Fatalf("cleartext-login: %d findings, want 1 with %q", len(fs), msgAnonymousLogin)
	}
}

// TestActiveRefusedBesideWorkingSessions: a server whose other sessions'
// data connections worked keeps that verdict, and says that it refused
// PORT/EPRT in the session that could not transfer.
func TestActiveRefusedBesideWorkingSessions(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.99.0.2:42100"), srv: ap("10.99.0.1:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	anonLogin(w)
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,99,0,1,156,65).")
	w.cmd("LIST")
	w.reply(150, "Here comes the directory listing.")
	w.helloConn(ap("10.99.0.2:51000"), ap("10.99.0.1:40001"), nil, []byte("x\r\n"))
	w.reply(226, "Directory send OK.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	w.cli = ap("10.99.0.2:42101")
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	anonLogin(w)
	w.announceActive(ftp.ViaPORT, netip.AddrPortFrom(w.cli.Addr(), 46785), 550, "Permission denied.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	w.trk.Finish()
	fs := w.c.all(CodeActiveRefused)
	if len(fs) != 1 || fs[0].Severity != SeverityError {
		dumpFindings(t, w.c)
		t.Fatalf("%d active-refused findings, want 1 error", len(fs))
	}
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	if v := sums[0].Verdict; !strings.Contains(v, "the data connection worked; but the server refused PORT/EPRT in 1 session (see active-refused)") {
		t.Errorf("verdict: %s", v)
	}
}
