package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// greeted is s greeting as a server of another family does.
func greeted(s *track.Session, greeting string) *track.Session {
	s.Greeting = []track.Reply{{Code: 220, Text: greeting, TS: t0, Num: 4}}
	return s
}

// TestDataAdviceFollowsServerFamily guards the advice of data-source-nat,
// control-idle-timeout and ftp-bounce (a bounce the server served, a PORT
// to the client's own privileged port it accepted) against naming vsftpd,
// ProFTPD and Pure-FTPd settings for an IIS or FileZilla Server: their
// admins get their own server's settings (IIS's dataChannelSecurity and
// Control Channel Timeout, FileZilla Server's data connection IP check
// and Activity timeout) or generic wording, pyftpdlib's its handler
// attributes, and a Unix or unknown server the advice it always had.
func TestDataAdviceFollowsServerFamily(t *testing.T) {
	sourceNAT, bounce, ownPort := sourceNATSession, bounceSession, ownPrivilegedPortSession
	// A download whose data moved and closed while the control
	// connection stayed silent, and whose 226 never arrived.
	idle := func(g string) *track.Session {
		s := greeted(sess("10.0.0.2:50000", "10.0.0.1:21"), g)
		dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
		syn(dc, "10.0.0.2:40001", "10.0.0.1:40036", 12, 1, 0)
		dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchExact, track.OutcomeTransferred
		dc.EndReason, dc.End = track.EndFIN, at(30000)
		x := &track.Command{Index: len(s.Commands) + 1, TS: at(14), Num: 14, Verb: "RETR", Arg: "big.iso", Status: track.StatusNoReply,
			Replies: []track.Reply{{Code: 150, Text: "Opening BINARY mode data connection.", TS: at(15), Num: 15}}}
		s.Commands = append(s.Commands, x)
		dc.Command, x.Transfer = x, []*track.DataConn{dc}
		s.End, s.EndReason = at(40000), track.EndRST
		return s
	}
	unix := []string{"vsftpd", "ProFTPD", "Pure-FTPd", "pasv_promiscuous", "port_promiscuous", "idle_session_timeout"}
	tests := []struct {
		name, greeting                          string
		sourceNAT, idle, bounce, ownPort, never []string
	}{
		{"IIS", "Microsoft FTP Service",
			[]string{`IIS: matchClientAddressForPasv="false"`, "dataChannelSecurity", "(IIS's settings, from its greeting.)"},
			[]string{"IIS's Control Channel Timeout", "controlChannelTimeout"},
			[]string{`IIS: matchClientAddressForPort="true"`},
			[]string{"ftpsniff knows no IIS setting for it"},
			unix},
		{"FileZilla Server", "FileZilla Server 1.8.0",
			[]string{"FileZilla Server 0.9.x: the data connection IP check", "no such setting in FileZilla Server 1.x"},
			[]string{`FileZilla Server's "Activity timeout"`},
			[]string{"FileZilla Server 0.9.x: the data connection IP check of its Security settings, exact"},
			[]string{"ftpsniff knows no FileZilla Server setting for it"},
			unix},
		{"pyftpdlib", "pyftpdlib 1.5.9 ready.",
			[]string{"FTPHandler.permit_foreign_addresses = True"},
			[]string{"FTPHandler.timeout"},
			[]string{"permit_foreign_addresses = False"},
			[]string{"permit_privileged_ports = False"},
			unix},
		{"vsftpd", "(vsFTPd 3.0.3)",
			[]string{"vsftpd pasv_promiscuous=YES", "ProFTPD AllowForeignAddress on"},
			[]string{"idle_session_timeout (vsftpd)"},
			[]string{"vsftpd port_promiscuous=NO"},
			[]string{"port_promiscuous=YES", "ProFTPD refuses them always, whatever AllowForeignAddress says"},
			[]string{"IIS", "FileZilla Server", "from its greeting"}},
		{"unknown", "FTP server ready.",
			[]string{"vsftpd pasv_promiscuous=YES"},
			[]string{"TimeoutIdle/TimeoutNoTransfer (ProFTPD)"},
			[]string{"ProFTPD AllowForeignAddress off"},
			[]string{"and so does Pure-FTPd"},
			[]string{"IIS", "FileZilla Server", "from its greeting"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []struct {
				code  string
				build func(string) *track.Session
				want  []string
			}{
				{CodeDataSourceNAT, sourceNAT, tc.sourceNAT},
				{CodeControlIdle, idle, tc.idle},
				{CodeFTPBounce, bounce, tc.bounce},
				{CodeFTPBounce, ownPort, tc.ownPort},
			} {
				c, _ := feed(policy.Policy{}, k.build(tc.greeting))
				f := c.find(k.code)
				if f == nil {
					dumpFindings(t, c)
					t.Fatalf("no %s", k.code)
				}
				for _, w := range k.want {
					if !strings.Contains(f.Advice, w) {
						t.Errorf("%s advice lacks %q:\n%s", k.code, w, f.Advice)
					}
				}
				for _, n := range tc.never {
					if strings.Contains(f.Advice, n) {
						t.Errorf("%s advice for %s names %q:\n%s", k.code, tc.name, n, f.Advice)
					}
				}
			}
		})
	}
}

// cccWire is a ProFTPD-like session that clears its control channel (CCC)
// after PROT P, then makes a PASV data connection whose TLS handshake is
// full (Python ftplib resumes nothing) and gets reply to its RETR.
func cccWire(t *testing.T, greeting string, code int, text string) *wire {
	return cccWireCarrying(t, greeting, nil, code, text)
}

// cccWireCarrying is cccWire whose data connection's client also sends
// extra after its ClientHello.
func cccWireCarrying(t *testing.T, greeting string, extra []byte, code int, text string) *wire {
	w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	w.reply(220, greeting)
	w.cmd("AUTH TLS")
	w.reply(234, "AUTH TLS successful")
	w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (203,0,113,10,156,145).")
	w.cmd("RETR report.pdf")
	w.reply(150, "Opening BINARY mode data connection for report.pdf (48213 bytes)")
	ch, sh := tls12Full()
	w.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), append(ch, extra...), sh)
	w.reply(code, text)
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	return w
}

// TestTLSNotResumedQuotesAVisibleRefusal: after CCC the transfer's final
// reply is readable, so data-tls-not-resumed quotes the refusal (an
// error: the transfer failed) instead of guessing at a "522/425 inside
// the encrypted control channel"; a reply that names the reason (vsftpd's
// "session reuse required") is taken at its word.
func TestTLSNotResumedQuotesAVisibleRefusal(t *testing.T) {
	tests := []struct {
		name, greeting, text string
		code                 int
		want                 []string
	}{
		{"ProFTPD", "ProFTPD Server (Debian) [203.0.113.10]", "Unable to build data connection: Operation not permitted", 425,
			[]string{`refused the transfer with "425 Unable to build data connection: Operation not permitted" (packet `, "ProFTPD's mod_tls does, unless TLSOptions NoSessionReuseRequired"}},
		{"vsftpd", "(vsFTPd 3.0.3)", "SSL connection failed: session reuse required", 522,
			[]string{`refused the transfer with "522 SSL connection failed: session reuse required" (packet `, "it requires data connections to resume that session"}},
		{"reply escaped", "ProFTPD Server", "Unable to build data connection:\x1b[31m no", 425,
			[]string{`"425 Unable to build data connection:.[31m no"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := cccWire(t, tc.greeting, tc.code, tc.text)
			f := w.c.find(CodeTLSNotResumed)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no data-tls-not-resumed")
			}
			if f.Severity != SeverityError {
				t.Errorf("severity %s, want error for a refusal the capture shows", f.Severity)
			}
			if strings.Contains(f.Message, "inside the encrypted control channel") {
				t.Errorf("message guesses at a reply it can read:\n%s", f.Message)
			}
			for _, s := range tc.want {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message lacks %q:\n%s", s, f.Message)
				}
			}
			if strings.ContainsRune(f.Message, '\x1b') {
				t.Errorf("message prints an escape from the wire: %q", f.Message)
			}
			if len(f.Packets) < 2 {
				t.Errorf("packets %v: want the data SYN and the reply", f.Packets)
			}
		})
	}
}

// TestTLSNotResumedAdviceFollowsFamily guards data-tls-not-resumed against
// leading with vsftpd's require_ssl_reuse for every server: each family
// gets its own setting (ProFTPD's TLSOptions NoSessionReuseRequired,
// FileZilla Server 0.9's "Require TLS session resumption on data
// connection when using PROT P"), or what is known where no setting is
// (IIS, FileZilla Server 1.x), or that it does not require resumption
// (pyftpdlib, a default Pure-FTPd); an unknown server gets the list.
func TestTLSNotResumedAdviceFollowsFamily(t *testing.T) {
	tests := []struct {
		name, greeting string
		want, never    []string
	}{
		{"ProFTPD", "ProFTPD 1.3.8 Server (Debian) [203.0.113.10]",
			[]string{"add NoSessionReuseRequired to ProFTPD's TLSOptions", "(ProFTPD's settings, from its greeting.)", "ProFTPD's mod_tls does", "(425, inside"},
			[]string{"require_ssl_reuse", "vsftpd", "FileZilla Server"}},
		{"vsftpd", "(vsFTPd 3.0.3)",
			[]string{"set require_ssl_reuse=NO in vsftpd.conf", "gives up the check", "(522, inside"},
			[]string{"NoSessionReuseRequired", "FileZilla Server 0.9", "from its greeting"}},
		{"FileZilla Server", "FileZilla Server 1.8.0",
			[]string{`"Require TLS session resumption on data connection when using PROT P"`, "ftpsniff knows no such setting in FileZilla Server 1.x: there the client must resume", "FileZilla Server does by default"},
			[]string{"require_ssl_reuse", "vsftpd", "ProFTPD"}},
		{"IIS", "Microsoft FTP Service",
			[]string{"ftpsniff knows no IIS setting", "the client must resume"},
			[]string{"require_ssl_reuse", "vsftpd", "ProFTPD", "FileZilla Server", "gives up the check"}},
		{"pyftpdlib", "pyftpdlib 1.5.9 ready.",
			[]string{"pyftpdlib does not require resumption"},
			[]string{"require_ssl_reuse", "vsftpd", "gives up the check"}},
		{"Pure-FTPd", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
			[]string{"ONLY_ACCEPT_REUSED_SSL_SESSIONS"},
			[]string{"require_ssl_reuse", "vsftpd"}},
		{"unknown", "FTP server ready.",
			[]string{"vsftpd require_ssl_reuse=NO", "TLSOptions NoSessionReuseRequired", "FileZilla Server 0.9.x"},
			[]string{"from its greeting"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The control channel stays TLS: the reply is ciphertext.
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, tc.greeting)
			w.cmd("AUTH TLS")
			w.reply(234, "AUTH TLS successful")
			ch, sh := tls12Full()
			w.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), ch, sh)
			w.end()
			f := w.c.find(CodeTLSNotResumed)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no data-tls-not-resumed")
			}
			all := f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("lacks %q:\n%s", s, all)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(all, s) {
					t.Errorf("names %q for %s:\n%s", s, tc.name, all)
				}
			}
		})
	}
}

// TestRangeExhaustedRuleFollowsThePlace guards passive-range-exhausted's
// rule for the wider range against an input-chain rule alone where the
// packets cannot tell the server host's firewall from a router's in front
// (range-exhausted.pcap: a public client and a public server on different
// networks): both are named, the router's in its forward chain.
func TestRangeExhaustedRuleFollowsThePlace(t *testing.T) {
	rec, _ := run(t, "../../pcaps/synthetic/range-exhausted.pcap", policy.Policy{})
	fs := findingsOf(rec, CodeRangeExhausted)
	if len(fs) != 1 {
		t.Fatalf("%d passive-range-exhausted findings", len(fs))
	}
	a := fs[0].Advice
	for _, w := range []string{
		"nft insert rule inet filter input tcp dport 40000-40129 ct state new accept",
		"on the server's own firewall, or, if the firewall is a router in front of the server, in its forward chain",
		// The router's rule names the address the client reached, as
		// conntrack saw it before any DNAT (not an accept for every host
		// behind the router).
		"nft insert rule inet filter forward meta l4proto tcp ct original ip daddr 203.0.113.60 ct original proto-dst 40000-40129 ct state new accept",
		"iptables -I FORWARD -p tcp -m conntrack --ctstate NEW --ctorigdst 203.0.113.60 --ctorigdstport 40000:40129",
	} {
		if !strings.Contains(a, w) {
			t.Errorf("advice lacks %q:\n%s", w, a)
		}
	}
}

// TestPortOutsideRangeOpenFollowsThePlace guards port-outside-range's
// "or open the server's own range" against one prose for every place:
// client and server on one network get the server's input rule alone (no
// DNAT to speak of); a NAT the packets prove in front of the server gets
// the NAT router's forward rule naming the server behind it; where the
// packets cannot tell, both rules, and that a router forwarding ports to
// the server must forward the range too.
func TestPortOutsideRangeOpenFollowsThePlace(t *testing.T) {
	p := policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}},
		Server: &policy.ServerConfig{Path: "/etc/vsftpd.conf", Kind: policy.ServerVsftpd, PassiveRange: policy.Ranges{{Lo: 50000, Hi: 50100}}}}
	build := func(client, server string, outcome track.Outcome, hops decode.Hops) *track.Session {
		s := sess(client, server)
		s.Hops = hops
		srv := ap(server).Addr().String()
		dc := announce(s, 10, "EPSV", ftp.ViaEPSV, srv+":50067", 229, "Entering Extended Passive Mode (|||50067|)")
		syn(dc, ap(client).Addr().String()+":40001", srv+":50067", 12, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, outcome
		if outcome == track.OutcomeConnected {
			dc.SYNs, dc.SynAckTS = 1, at(13)
		}
		return s
	}
	tests := []struct {
		name        string
		s           *track.Session
		want, never []string
	}{
		{"one network, no router by the TTLs", build("10.0.0.2:50000", "10.0.0.1:21", track.OutcomeUnanswered, decode.ClientUnrouted|decode.ServerUnrouted),
			[]string{"open it on the server's firewall: nft insert rule inet filter input tcp dport 50000-50100"},
			[]string{"forward", "DNAT"}},
		// One /24 is no proof alone: the address may be a NAT router's
		// on the client's network (the server's TTL one lower).
		{"one network, the server's TTL lowered", build("10.0.0.2:50000", "10.0.0.1:21", track.OutcomeUnanswered, decode.ClientUnrouted|decode.ServerRouted),
			[]string{"nft insert rule inet filter input tcp dport 50000-50100", "if the firewall is a router in front of the server, in its forward chain"},
			nil},
		{"NAT proven in front", build("198.51.100.7:50000", "10.0.0.5:21", track.OutcomeConnected, 0),
			[]string{"open it on the NAT router in front of the server", "nft insert rule inet filter forward ip daddr 10.0.0.5 tcp dport 50000-50100", "on the server's own firewall, if it has one"},
			[]string{"behind DNAT, forward the same range"}},
		{"cannot tell", build("198.51.100.7:50000", "203.0.113.10:21", track.OutcomeUnanswered, decode.ClientUnrouted|decode.ServerUnrouted),
			[]string{"nft insert rule inet filter input tcp dport 50000-50100", "if the firewall is a router in front of the server, in its forward chain", "must forward 50000-50100 to it too"},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(p, tc.s)
			f := c.find(CodePortOutsideRange)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no port-outside-range")
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(f.Advice, n) {
					t.Errorf("advice names %q:\n%s", n, f.Advice)
				}
			}
		})
	}
}

// TestTLSNotResumedAfterCCCWithoutReplyIsNotCalledEncrypted: after CCC
// the RETR is readable; a capture that ends before its final reply must
// not be told that the reply is "inside the encrypted control channel".
func TestTLSNotResumedAfterCCCWithoutReplyIsNotCalledEncrypted(t *testing.T) {
	w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	w.reply(220, "ProFTPD Server (Debian) [203.0.113.10]")
	w.cmd("AUTH TLS")
	w.reply(234, "AUTH TLS successful")
	w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (203,0,113,10,156,145).")
	w.cmd("RETR report.pdf")
	w.reply(150, "Opening BINARY mode data connection for report.pdf (48213 bytes)")
	ch, sh := tls12Full()
	w.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), ch, sh)
	w.end()
	f := w.c.find(CodeTLSNotResumed)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-tls-not-resumed")
	}
	if strings.Contains(f.Message, "inside the encrypted control channel") || !strings.Contains(f.Message, "no final reply to RETR is in the capture") {
		t.Errorf("message: %s", f.Message)
	}
	if f.Severity != SeverityWarning {
		t.Errorf("severity %s, want warning: the refusal is not seen", f.Severity)
	}
}

// TestExhaustedRangeFindingsAgree guards the findings of a data connection
// to the port a server fell back to once its passive range was used up
// (range-exhausted.pcap: ProFTPD hands out 40000-40003, then 47129, which
// is dropped): data-unanswered and port-outside-range give the range
// passive-range-exhausted inferred or was given, widened to what it
// gives, never the example range of an unknown server, never a rule for
// the fallback port, and never "the server does not run that
// configuration". An inferred range is said to be inferred, and never
// called the server's configured one.
func TestExhaustedRangeFindingsAgree(t *testing.T) {
	proftpd := &policy.ServerConfig{Path: "/etc/proftpd/proftpd.conf", Kind: policy.ServerProFTPD, PassiveRange: policy.Ranges{{Lo: 40000, Hi: 40003}}}
	for _, tc := range []struct {
		name  string
		p     policy.Policy
		codes []string // findings that must give the widened range
	}{
		{"no range given", policy.Policy{}, []string{CodeDataUnanswered}},
		{"--pasv-range 40000-40003", policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40003}}}, []string{CodePortOutsideRange, CodeDataUnanswered}},
		{"--server-config with PassivePorts 40000 40003", policy.Policy{Server: proftpd}, []string{CodePortOutsideRange, CodeDataUnanswered}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := run(t, "../../pcaps/synthetic/range-exhausted.pcap", tc.p)
			ex := findingsOf(rec, CodeRangeExhausted)
			if len(ex) != 1 || !strings.Contains(ex[0].Advice, "PassivePorts 40000 40129") {
				t.Fatalf("passive-range-exhausted: %v", ex)
			}
			inferred := tc.p.Server == nil
			if said := strings.Contains(ex[0].Message, "inferred from the announcements"); said != inferred {
				t.Errorf("passive-range-exhausted says the range is inferred: %v, want %v: %s", said, inferred, ex[0].Message)
			}
			for _, code := range tc.codes {
				fs := findingsOf(rec, code)
				if len(fs) != 1 {
					t.Fatalf("%d %s findings", len(fs), code)
				}
				text := fs[0].Message + " " + fs[0].Advice
				for _, w := range []string{"PassivePorts 40000 40129", "passive-range-exhausted"} {
					if !strings.Contains(text, w) {
						t.Errorf("%s lacks %q: %s", code, w, text)
					}
				}
				for _, bad := range []string{"40000-40100", "40000 40100", "dport 47129", "not known here (give --server-config or --pasv-range): if the server has a fixed passive range", "does not run that configuration", "keep the server inside it"} {
					if strings.Contains(text, bad) {
						t.Errorf("%s says %q: %s", code, bad, text)
					}
				}
				if inferred && !strings.Contains(text, "40000-40003 is inferred from its announcements, not read from its configuration") {
					t.Errorf("%s does not say the range is inferred: %s", code, text)
				}
				if strings.Contains(text, "configured range 40000-40003") || strings.Contains(text, "passive ports announced 40000-40003") {
					t.Errorf("%s presents the announced ports as a configured range: %s", code, text)
				}
			}
		})
	}
}

// TestTLSNotResumedIgnoresUnrelatedRefusal guards data-tls-not-resumed
// against blaming resumption for any readable failure after a full TLS
// handshake on the data connection: a quota (ProFTPD's 552, a server that
// does not require resumption), a full disk (451, from a server whose
// greeting names no family, and from Pure-FTPd), a broken transfer
// (vsftpd's 426), a source address check (a 425 naming a foreign
// address) are the transfer's own failures. No data-tls-not-resumed, and
// the server's verdict says nothing of resumption.
func TestTLSNotResumedIgnoresUnrelatedRefusal(t *testing.T) {
	tests := []struct {
		name, greeting, text string
		code                 int
	}{
		{"ProFTPD quota", "ProFTPD Server (Debian) [203.0.113.10]", "Transfer aborted. Disk quota exceeded", 552},
		{"unknown full disk", "FTP server ready", "Transfer aborted. No space left on device", 451},
		{"Pure-FTPd full disk", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", "Transfer aborted. No space left on device", 451},
		{"vsftpd broken transfer", "(vsFTPd 3.0.3)", "Failure writing network stream.", 426},
		{"unknown source check", "FTP server ready", "Rejected data connection from foreign address 198.51.100.9:50621.", 425},
		{"ProFTPD 450", "ProFTPD Server (Debian) [203.0.113.10]", "report.pdf: Permission denied", 450},
		// vsftpd names reuse when that is the reason; its bare 522 is
		// another handshake failure (require_cert, say).
		{"vsftpd other TLS failure", "(vsFTPd 3.0.3)", "SSL connection failed", 522},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := cccWire(t, tc.greeting, tc.code, tc.text)
			if f := w.c.find(CodeTLSNotResumed); f != nil {
				t.Errorf("data-tls-not-resumed for %d %q:\n%s\nfix: %s", tc.code, tc.text, f.Message, f.Advice)
			}
			for _, sum := range w.d.Summaries() {
				if strings.Contains(sum.Verdict, "resum") {
					t.Errorf("verdict blames resumption for %d %q: %s", tc.code, tc.text, sum.Verdict)
				}
			}
		})
	}
}

// TestTLSNotResumedPyftpdlibReadableRefusal guards data-tls-not-resumed
// for pyftpdlib, which never requires resumption (its TLS_DTPHandler makes
// no such check): a readable refusal, whatever its code, is never blamed
// on resumption, and its foreign-address 425 is data-source-nat's; only a
// reply that itself says reuse is required (a handler subclass can add the
// check) is taken at its word, and then neither the message nor the fix
// says pyftpdlib does not require it.
func TestTLSNotResumedPyftpdlibReadableRefusal(t *testing.T) {
	const greeting = "pyftpdlib 1.5.9 ready."
	for _, tc := range []struct {
		text string
		code int
	}{
		{"Rejected data connection from foreign address 198.51.100.9:50621.", 425},
		{"Unable to build data connection: Operation not permitted", 425},
		{"Error writing file: No space left on device.", 451},
	} {
		w := cccWire(t, greeting, tc.code, tc.text)
		if f := w.c.find(CodeTLSNotResumed); f != nil {
			t.Errorf("data-tls-not-resumed for pyftpdlib's %d %q:\n%s\nfix: %s", tc.code, tc.text, f.Message, f.Advice)
		}
		if f := w.c.find(CodeServerDataError); f != nil && strings.Contains(f.Message, "requires resumption") {
			t.Errorf("server-data-error blames resumption for pyftpdlib's %d %q: %s", tc.code, tc.text, f.Message)
		}
		for _, sum := range w.d.Summaries() {
			if strings.Contains(sum.Verdict, "resum") {
				t.Errorf("verdict blames resumption for pyftpdlib's %d %q: %s", tc.code, tc.text, sum.Verdict)
			}
		}
	}
	if w := cccWire(t, greeting, 425, "Rejected data connection from foreign address 198.51.100.9:50621."); w.c.find(CodeDataSourceNAT) == nil {
		dumpFindings(t, w.c)
		t.Error("pyftpdlib's foreign-address 425 is not data-source-nat")
	}
	w := cccWire(t, greeting, 522, "SSL session reuse required.")
	f := w.c.find(CodeTLSNotResumed)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-tls-not-resumed for a reply that says reuse is required")
	}
	if f.Severity != SeverityError || strings.Contains(f.Message+f.Advice, "does not require resumption") || !strings.Contains(f.Advice, "Use a client that resumes") {
		t.Errorf("%s: %s\nfix: %s\nwant an error that takes the reply at its word, without contradicting it", f.Severity, f.Message, f.Advice)
	}
}

// TestTLSNotResumedSaysHandshakeOnlyWhenRead guards data-tls-not-resumed
// and the encrypted server's verdict against saying a data connection
// carried "no more than a handshake" or "only a TLS handshake" when its
// records were not all read as handshake (here the client sent an
// application data record): they give its size instead.
func TestTLSNotResumedSaysHandshakeOnlyWhenRead(t *testing.T) {
	appData := []byte{23, 3, 3, 0, 40}
	appData = append(appData, make([]byte, 40)...)
	w := cccWireCarrying(t, "ProFTPD Server (Debian) [203.0.113.10]", appData, 425, "Unable to build data connection: Operation not permitted")
	f := w.c.find(CodeTLSNotResumed)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-tls-not-resumed for ProFTPD's 425")
	}
	if strings.Contains(f.Message, "no more than a handshake") || strings.Contains(f.Message, "no application data") || !strings.Contains(f.Message, "bytes in all") {
		t.Errorf("message: %s\nwant the connection's size, not a handshake it was not read to be", f.Message)
	}

	// The control channel stays TLS: the verdict counts the connection
	// among those that did not resume, in the same words.
	e := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	e.reply(220, "(vsFTPd 3.0.3)")
	e.cmd("AUTH TLS")
	e.reply(234, "AUTH TLS successful")
	ch, sh := tls12Full()
	e.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), append(ch, appData...), sh)
	e.end()
	if e.c.find(CodeTLSNotResumed) == nil {
		dumpFindings(t, e.c)
		t.Fatal("no data-tls-not-resumed under TLS")
	}
	sums := e.d.Summaries()
	if len(sums) != 1 || strings.Contains(sums[0].Verdict, "only a TLS handshake") || !strings.Contains(sums[0].Verdict, "did not resume") {
		t.Errorf("verdicts %+v\nwant the unresumed connection counted without calling it handshake only", sums)
	}
}

// sourceNATSession: a server greeting g refuses a passive data connection
// that came from another address than the control connection (vsftpd's
// 425 "Security: Bad IP connecting.").
func sourceNATSession(g string) *track.Session {
	s := greeted(sess("10.0.0.2:50000", "10.0.0.1:21"), g)
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
	syn(dc, "172.17.0.1:40001", "10.0.0.1:40036", 12, 1, 0)
	dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchPortOnly, track.OutcomeConnected
	x := cmd(s, 14, "RETR", "f", 425, "Security: Bad IP connecting.")
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	return s
}

// bounceSession: a server greeting g accepts a PORT naming a third host.
func bounceSession(g string) *track.Session {
	s := greeted(sess("203.0.113.7:50000", "198.51.100.1:21"), g)
	dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.0.2.80:25", 200, "PORT command successful.")
	dc.Outcome = track.OutcomeNotAttempted
	return s
}

// ownPrivilegedPortSession: a server greeting g accepts a PORT naming
// port 25 of the client's own address.
func ownPrivilegedPortSession(g string) *track.Session {
	s := greeted(sess("203.0.113.7:50000", "198.51.100.1:21"), g)
	dc := announce(s, 10, "PORT", ftp.ViaPORT, "203.0.113.7:25", 200, "PORT command successful.")
	dc.Outcome = track.OutcomeNotAttempted
	return s
}

// bounceScanSession: a server greeting g accepts PORTs naming four ports
// of a third host and connects out to each: a bounce port scan it served.
func bounceScanSession(g string) *track.Session {
	s := greeted(sess("203.0.113.7:50000", "198.51.100.1:21"), g)
	for i, port := range []string{"22", "25", "80", "443"} {
		dc := announce(s, uint64(10+10*i), "PORT", ftp.ViaPORT, "192.0.2.80:"+port, 200, "PORT command successful.")
		syn(dc, "198.51.100.1:20", "192.0.2.80:"+port, uint64(12+10*i), 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeRefused
		dc.RSTTS = at(13 + 10*i)
	}
	return s
}

// TestServerSettingsStatedAsTheirSourcesSay guards the server settings
// the data advice states against what the servers' sources do:
// Pure-FTPd's opendata() drops a passive data connection from another
// address unless AllowUserFXP (-w) or AllowAnonymousFXP (-W), so it has
// such a check, and both options let PORT name another host; ProFTPD's
// core_port/core_eprt refuse a port below 1024 always, whatever
// AllowForeignAddress says, so no <Limit PORT> is needed and one that
// accepted it is no stock ProFTPD.
func TestServerSettingsStatedAsTheirSourcesSay(t *testing.T) {
	pure := "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------"
	for _, tc := range []struct {
		name        string
		code        string
		s           *track.Session
		want, never []string
	}{
		{"data-source-nat, Pure-FTPd", CodeDataSourceNAT, sourceNATSession(pure),
			[]string{"Pure-FTPd AllowUserFXP yes, -w, for authenticated users, or AllowAnonymousFXP yes, -W, for everyone"},
			[]string{"no such check"}},
		{"data-source-nat, unknown", CodeDataSourceNAT, sourceNATSession("FTP server ready."),
			[]string{"AllowUserFXP", "AllowAnonymousFXP"},
			[]string{"no such check"}},
		{"bounce accepted, Pure-FTPd", CodeFTPBounce, bounceSession(pure),
			[]string{"Pure-FTPd without AllowUserFXP (-w, for authenticated users) and AllowAnonymousFXP (-W, for everyone)"},
			[]string{"unless started with -W"}},
		{"privileged port accepted, ProFTPD", CodeFTPBounce, ownPrivilegedPortSession("ProFTPD 1.3.8 Server (Debian)"),
			[]string{"ProFTPD refuses them always, whatever AllowForeignAddress says", "not a stock build", "block its active-mode data connections to ports below 1024"},
			[]string{"does not cover it", "<Limit PORT>", "refuses them by default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, tc.s)
			f := c.find(tc.code)
			if f == nil {
				dumpFindings(t, c)
				t.Fatalf("no %s", tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(f.Advice, n) {
					t.Errorf("advice says %q:\n%s", n, f.Advice)
				}
			}
		})
	}
}

// TestBounceVerdictNamesTheFamilysSetting guards the server verdict of a
// bounce scan the server served against naming vsftpd and ProFTPD
// settings for every server, or none for IIS: it gives the family's own
// (refuseForeign, as the ftp-bounce finding does). A later session's
// bounce attempt that the server never answered (a warning) does not
// replace the scan's verdict.
func TestBounceVerdictNamesTheFamilysSetting(t *testing.T) {
	for _, tc := range []struct {
		name, greeting string
		want, never    []string
	}{
		{"pyftpdlib", "pyftpdlib 1.5.9 ready.", []string{"permit_foreign_addresses = False", "(pyftpdlib's settings, from its greeting)"}, []string{"port_promiscuous", "AllowForeignAddress"}},
		{"IIS", "Microsoft FTP Service", []string{`matchClientAddressForPort="true"`}, []string{"port_promiscuous", "in the server's own settings"}},
		{"unknown", "FTP server ready.", []string{"vsftpd port_promiscuous=NO", "ProFTPD AllowForeignAddress off", "AllowUserFXP"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			later := greeted(sess("203.0.113.8:50010", "198.51.100.1:21"), tc.greeting)
			later.ID = 2
			later.Commands = append(later.Commands, &track.Command{Index: 1, TS: at(200), Num: 200, Verb: "PORT", Arg: "192,0,2,81,0,25",
				Status: track.StatusNoReply, Endpoint: ap("192.0.2.81:25"), EndpointVia: ftp.ViaPORT})
			c, d := feed(policy.Policy{}, bounceScanSession(tc.greeting), later)
			if f := c.find(CodeFTPBounce); f == nil || f.Severity != SeverityError {
				dumpFindings(t, c)
				t.Fatal("no ftp-bounce error for a scan the server served")
			}
			sums := d.Summaries()
			if len(sums) != 1 || !strings.Contains(sums[0].Verdict, "bounce port scan") {
				t.Fatalf("verdicts %+v", sums)
			}
			v := sums[0].Verdict
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q: %s", w, v)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(v, n) {
					t.Errorf("verdict says %q: %s", n, v)
				}
			}
		})
	}
}
