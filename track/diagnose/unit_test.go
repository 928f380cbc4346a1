package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// sess builds a session between client and server. It greets as vsftpd
// does by default, as the lab captures' server does: the advice these
// tests check names vsftpd's settings (TestAdviceNamesTheServersOwnSettings
// covers the other families and a greeting that names none).
func sess(client, server string) *track.Session {
	return &track.Session{ID: 1, Client: ap(client), Server: ap(server), Start: t0,
		Greeting: []track.Reply{{Code: 220, Text: "(vsFTPd 3.0.3)", TS: t0, Num: 4}}}
}

// cmd appends an answered command to s, noting it as the tracker does
// (track.Session.NoteCommand; an ABOR or QUIT right after an
// announcement whose data connection no transfer used is its
// CancelledBy, as the tracker notes it).
func cmd(s *track.Session, num uint64, verb, arg string, code int, text string) *track.Command {
	c := &track.Command{Index: len(s.Commands) + 1, TS: at(int(num)), Num: num, Verb: verb, Arg: arg, Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: code, Text: text, TS: at(int(num) + 1), Num: num + 1}}}
	if n := len(s.Commands); n > 0 && (verb == "ABOR" || verb == "QUIT") {
		if p := s.Commands[n-1]; p.Data != nil && p.Data.Command == nil {
			p.CancelledBy = c
		}
	}
	s.Commands = append(s.Commands, c)
	s.NoteCommand(c)
	return c
}

// announce appends an accepted announcement and its data connection.
func announce(s *track.Session, num uint64, verb string, via ftp.Via, ann string, code int, text string) *track.DataConn {
	c := cmd(s, num, verb, "", code, text)
	c.Endpoint, c.EndpointVia = ap(ann), via
	dc := &track.DataConn{ID: len(s.Data) + 1, Session: s, Via: via, Passive: via.Passive(), Announced: ap(ann),
		Armed: at(int(num) + 1), ArmedNum: num + 1, Announce: c, ExpectedSize: -1, Rest: -1}
	c.Data = dc
	s.ListData(dc)
	return dc
}

// syn records n SYNs from client to server starting at packet num.
func syn(dc *track.DataConn, client, server string, num uint64, n int, span time.Duration) {
	dc.Client, dc.Server = ap(client), ap(server)
	dc.SYNs, dc.SYNNum = n, num
	dc.FirstSYN = at(int(num))
	dc.LastSYN = dc.FirstSYN.Add(span)
	dc.Start = dc.FirstSYN
}

type collect struct{ fs []*Finding }

func (c *collect) Finding(f *Finding) { c.fs = append(c.fs, f) }

func (c *collect) find(code string) *Finding {
	for _, f := range c.fs {
		if f.Code == code {
			return f
		}
	}
	return nil
}

// feed sends finished sessions through one Diagnoser, one after the
// other: every command, every data connection, then the end.
func feed(p policy.Policy, ss ...*track.Session) (*collect, *Diagnoser) {
	c := &collect{}
	d := New(p, nil, c)
	for _, s := range ss {
		d.SessionStart(s)
		for _, x := range s.Commands {
			d.Command(s, x)
		}
		for _, dc := range s.Data {
			dc.Done = true
			d.Data(s, dc)
		}
		d.SessionEnd(s)
	}
	return c, d
}

type want struct {
	code     string
	severity Severity
	data     int      // data connection ID, 0 for the session
	contains []string // in Message+Advice+Evidence
}

func check(t *testing.T, c *collect, w want) {
	t.Helper()
	var f *Finding
	for _, x := range c.fs {
		id := 0
		if x.Data != nil {
			id = x.Data.ID
		}
		if x.Code == w.code && id == w.data {
			f = x
			break
		}
	}
	if f == nil {
		var got []string
		for _, x := range c.fs {
			got = append(got, x.Code)
		}
		t.Fatalf("no %s for data %d; got %v", w.code, w.data, got)
	}
	if f.Severity != w.severity {
		t.Errorf("%s severity %s, want %s (%s)", w.code, f.Severity, w.severity, f.Message)
	}
	all := f.Message + " | " + f.Advice + " | " + f.Evidence
	for _, s := range w.contains {
		if !strings.Contains(all, s) {
			t.Errorf("%s lacks %q:\n%s", w.code, s, all)
		}
	}
	if f.Message == "" || f.Advice == "" || f.TS.IsZero() || len(f.Packets) == 0 && f.Code != CodeControlEncrypted {
		t.Errorf("%s incomplete: %+v", w.code, f)
	}
}

func none(t *testing.T, c *collect, codes ...string) {
	t.Helper()
	for _, code := range codes {
		if f := c.find(code); f != nil {
			t.Errorf("unexpected %s: %s", code, f.Message)
		}
	}
}

func TestFindings(t *testing.T) {
	fw := policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}
	tests := []struct {
		name  string
		p     policy.Policy
		build func() *track.Session
		want  []want
		none  []string
	}{
		{"port-outside-range and data-unanswered", fw, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "198.51.100.1:50075", 229, "Entering Extended Passive Mode (|||50075|)")
			syn(dc, "203.0.113.7:40001", "198.51.100.1:50075", 12, 3, 2055*time.Millisecond)
			dc.Match, dc.Outcome, dc.End = track.MatchExact, track.OutcomeUnanswered, dc.LastSYN
			return s
		}, []want{
			{CodePortOutsideRange, SeverityError, 1, []string{"50075", "40000-40100", "pasv_min_port=40000 and pasv_max_port=40100", "(then restart the server)."}},
			{CodeDataUnanswered, SeverityError, 1, []string{"3 SYNs", "2.055s", "firewall is dropping", "outside the passive range"}},
		}, nil},
		{"port inside range: no port finding; helper advice without a firewall range", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40010", 227, "Entering Passive Mode (10,0,0,1,156,74).")
			syn(dc, "10.0.0.2:40001", "10.0.0.1:40010", 12, 2, time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			return s
		}, []want{{CodeDataUnanswered, SeverityError, 1, []string{"conntrack helper", "CT --helper ftp", "beyond it"}}},
			[]string{CodePortOutsideRange, CodeNATMismatch}},
		{"client-side capture names the drop", fw, func() *track.Session {
			s := sess("192.168.1.5:50000", "198.51.100.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "198.51.100.1:40010", 229, "Entering Extended Passive Mode (|||40010|)")
			syn(dc, "192.168.1.5:40001", "198.51.100.1:40010", 12, 7, 7100*time.Millisecond)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			return s
		}, []want{{CodeDataUnanswered, SeverityError, 1, []string{"connecting side", "7 SYNs", "inside the passive range 40000-40100"}}}, nil},
		{"server-side capture names the server host", fw, func() *track.Session {
			s := sess("203.0.113.7:50000", "10.1.1.10:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.1.1.10:40010", 229, "Entering Extended Passive Mode (|||40010|)")
			syn(dc, "203.0.113.7:40001", "10.1.1.10:40010", 12, 2, time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			return s
		}, []want{{CodeDataUnanswered, SeverityError, 1, []string{"server's side", "server host itself"}}}, nil},
		{"data-refused", fw, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.0.0.1:40002", 229, "Entering Extended Passive Mode (|||40002|)")
			syn(dc, "10.0.0.2:40001", "10.0.0.1:40002", 12, 1, 0)
			dc.RSTTS, dc.RSTFromServer = at(13), true
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeRefused
			return s
		}, []want{{CodeDataRefused, SeverityError, 1, []string{"RST from 10.0.0.1", "tcp-reset", "nothing listened"}}}, nil},
		{"data-unreachable from a router", fw, func() *track.Session {
			s := sess("10.0.0.2:50000", "198.51.100.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "198.51.100.1:40002", 229, "Entering Extended Passive Mode (|||40002|)")
			syn(dc, "10.0.0.2:40001", "198.51.100.1:40002", 12, 1, 0)
			dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr("192.0.2.254"), Type: 3, Code: 10, TS: at(13), Num: 13}
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnreachable
			return s
		}, []want{{CodeDataUnreachable, SeverityError, 1, []string{"type 3 code 10", "host administratively prohibited", "192.0.2.254, a router or firewall", "packet 13"}}}, nil},
		{"data-unreachable ICMPv6 from the server", fw, func() *track.Session {
			s := sess("[fd00::2]:50000", "[fd00::1]:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "[fd00::1]:40002", 229, "Entering Extended Passive Mode (|||40002|)")
			syn(dc, "[fd00::2]:40001", "[fd00::1]:40002", 12, 1, 0)
			dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr("fd00::1"), V6: true, Type: 1, Code: 1, TS: at(13), Num: 13}
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnreachable
			return s
		}, []want{{CodeDataUnreachable, SeverityError, 1, []string{"ICMPv6", "type 1 code 1", "the destination host itself"}}}, nil},
		{"data-not-attempted: gave up after a failure", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.0.0.1:40002", 229, "Entering Extended Passive Mode (|||40002|)")
			syn(dc, "10.0.0.2:40001", "10.0.0.1:40002", 12, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			dc2 := announce(s, 20, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
			dc2.Outcome = track.OutcomeNotAttempted
			return s
		}, []want{{CodeDataNotAttempted, SeverityWarning, 2, []string{"gave up", "#1"}}}, nil},
		{"data-not-attempted: fell back from EPSV to PASV", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.0.0.1:40002", 229, "Entering Extended Passive Mode (|||40002|)")
			dc.Outcome = track.OutcomeNotAttempted
			dc2 := announce(s, 20, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
			dc2.Outcome = track.OutcomeTransferred
			return s
		}, []want{{CodeDataNotAttempted, SeverityInfo, 1, []string{"fell back from EPSV to PASV"}}}, nil},
		{"data-not-attempted: the capture cannot see the data path", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
			dc.Outcome = track.OutcomeNotAttempted
			x := cmd(s, 20, "RETR", "f", 150, "Opening BINARY mode data connection")
			x.Replies = append(x.Replies, track.Reply{Code: 226, Text: "Transfer complete.", TS: at(30), Num: 30})
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			return s
		}, []want{{CodeDataNotAttempted, SeverityInfo, 1, []string{"cannot see the data path"}}}, nil},
		{"not attempted after a 550: nothing to say", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PORT", ftp.ViaPORT, "10.0.0.2:41061", 200, "PORT command successful.")
			dc.Outcome = track.OutcomeNotAttempted
			x := cmd(s, 20, "RETR", "nosuch", 550, "Failed to open file.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			return s
		}, nil, []string{CodeDataNotAttempted, CodeActiveBlocked, CodeFTPBounce, CodeNATMismatch}},
		{"nat-mismatch: private 227 ignored by the client", policy.Policy{}, func() *track.Session {
			s := sess("192.168.1.5:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40036", 227, "Entering Passive Mode (10,1,1,10,156,100).")
			syn(dc, "192.168.1.5:40001", "198.51.100.1:40036", 12, 1, 0)
			dc.SynAckTS, dc.Bytes = at(13), [2]int64{0, 100}
			dc.Match, dc.Outcome = track.MatchControlAddress, track.OutcomeTransferred
			return s
		}, []want{{CodeNATMismatch, SeverityWarning, 1, []string{"RFC 1918 private", "works only because the client ignored", "pasv_address=198.51.100.1"}}}, nil},
		{"nat-mismatch: client trusted it and failed", policy.Policy{}, func() *track.Session {
			s := sess("192.168.1.5:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "100.64.3.4:40036", 227, "Entering Passive Mode (100,64,3,4,156,100).")
			syn(dc, "192.168.1.5:40001", "100.64.3.4:40036", 12, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			return s
		}, []want{
			{CodeNATMismatch, SeverityError, 1, []string{"carrier-grade NAT", "pasv_address=198.51.100.1"}},
			{CodeDataUnanswered, SeverityError, 1, []string{"rather than the control address", "Fix the announced address"}},
		}, nil},
		{"nat-mismatch: server side, public client, ProFTPD advice", policy.Policy{Server: &policy.ServerConfig{Kind: policy.ServerProFTPD}}, func() *track.Session {
			s := sess("203.0.113.7:50000", "10.1.1.10:21")
			s.Greeting = nil // none seen: the configuration's family decides (a vsftpd greeting would not take a ProFTPD one)
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40036", 227, "Entering Passive Mode (10,1,1,10,156,100).")
			dc.Outcome = track.OutcomeNotAttempted
			return s
		}, []want{
			{CodeNATMismatch, SeverityError, 1, []string{"cannot see whether a NAT router with the FTP helper rewrites the 227", "MasqueradeAddress"}},
			{CodeDataNotAttempted, SeverityWarning, 1, []string{"trusted the announced address"}},
		}, nil},
		{"nat-mismatch: loopback", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "127.0.0.1:40036", 227, "Entering Passive Mode (127,0,0,1,156,100).")
			dc.Outcome = track.OutcomeNotAttempted
			return s
		}, []want{{CodeNATMismatch, SeverityError, 1, []string{"a loopback address", "no client can connect"}}}, nil},
		{"nat-mismatch: not the configured public address", policy.Policy{PublicAddress: netip.MustParseAddr("198.51.100.1")}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "198.51.100.99:40036", 227, "Entering Passive Mode (198,51,100,99,156,100).")
			dc.Outcome = track.OutcomeNotAttempted
			return s
		}, []want{{CodeNATMismatch, SeverityError, 1, []string{"not the public address 198.51.100.1", "pasv_address=198.51.100.1"}}}, nil},
		{"nat-translated: correct setup behind NAT", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "10.1.1.10:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "198.51.100.1:40036", 227, "Entering Passive Mode (198,51,100,1,156,100).")
			syn(dc, "203.0.113.7:40001", "10.1.1.10:40036", 12, 1, 0)
			dc.SynAckTS, dc.Bytes = at(13), [2]int64{0, 100}
			dc.Match, dc.Outcome = track.MatchControlAddress, track.OutcomeTransferred
			return s
		}, []want{{CodeNATTranslated, SeverityInfo, 1, []string{"arrived here translated", "arrived at 10.1.1.10:40036"}}}, []string{CodeNATMismatch}},
		{"active-blocked: dropped", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PORT", ftp.ViaPORT, "10.0.0.2:34109", 200, "PORT command successful.")
			syn(dc, "10.0.0.1:20", "10.0.0.2:34109", 14, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			x := cmd(s, 12, "RETR", "f", 425, "Failed to establish connection.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			return s
		}, []want{
			{CodeActiveBlocked, SeverityError, 1, []string{"active mode (PORT)", "client's side", "passive mode", "-t raw -A OUTPUT"}},
			{CodeServerDataError, SeverityWarning, 1, []string{"connect_timeout", "425 Failed to establish connection."}},
		}, []string{CodeFTPBounce}},
		{"active-blocked: no SYN reached the capture, 425", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "EPRT", ftp.ViaEPRT, "10.0.0.2:34109", 200, "EPRT command successful.")
			dc.Outcome = track.OutcomeNotAttempted
			x := cmd(s, 12, "RETR", "f", 425, "Failed to establish connection.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			return s
		}, []want{{CodeActiveBlocked, SeverityError, 1, []string{"no SYN of it reached the capture point"}}}, nil},
		{"nat-mismatch: private PORT from a NATed client", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.168.1.5:34109", 200, "PORT command successful.")
			syn(dc, "198.51.100.1:20", "192.168.1.5:34109", 14, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			return s
		}, []want{
			{CodeNATMismatch, SeverityError, 1, []string{"NAT in front of the client does not rewrite PORT", "passive mode"}},
			{CodeActiveBlocked, SeverityError, 1, nil},
		}, []string{CodeFTPBounce}},
		{"ftp-bounce: accepted third host and privileged port", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.0.2.80:25", 200, "PORT command successful.")
			dc.Outcome = track.OutcomeNotAttempted
			return s
		}, []want{{CodeFTPBounce, SeverityWarning, 0, []string{"192.0.2.80", "privileged port 25", "RFC 2577", "port_promiscuous"}}}, []string{CodeNATMismatch, CodeActiveBlocked}},
		{"ftp-bounce: refused PORT", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			c := cmd(s, 10, "PORT", "192,0,2,80,0,25", 500, "Illegal PORT command.")
			c.Endpoint, c.EndpointVia = ap("192.0.2.80:25"), ftp.ViaPORT
			return s
		}, []want{{CodeFTPBounce, SeverityInfo, 0, []string{"refused it", "500 Illegal PORT command."}}}, nil},
		{"nat-mismatch: refused private EPRT", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			c := cmd(s, 10, "EPRT", "|1|10.0.0.5|40000|", 500, "Illegal EPRT command.")
			c.Endpoint, c.EndpointVia = ap("10.0.0.5:40000"), ftp.ViaEPRT
			return s
		}, []want{{CodeNATMismatch, SeverityError, 0, []string{"EPRT", "does not rewrite"}}}, []string{CodeFTPBounce}},
		// A private PORT the server refused as a command (vsftpd
		// port_enable=NO): the mode is off, not the address refused.
		{"nat-mismatch: private PORT refused with active mode off", policy.Policy{}, func() *track.Session {
			s := sess("203.0.113.7:50000", "198.51.100.1:21")
			c := cmd(s, 10, "PORT", "10,0,0,5,156,64", 550, "Permission denied.")
			c.Endpoint, c.EndpointVia = ap("10.0.0.5:40000"), ftp.ViaPORT
			return s
		}, []want{{CodeNATMismatch, SeverityError, 0, []string{"it refuses active mode itself", "would not arrive either"}}}, []string{CodeFTPBounce}},
		{"control-encrypted after AUTH TLS", fw, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			cmd(s, 5, "AUTH", "TLS", 234, "Proceed with negotiation.")
			s.Encrypted = true
			s.Data = append(s.Data, &track.DataConn{ID: 1, Session: s, Match: track.MatchInferred, Passive: true, Outcome: track.OutcomeUnanswered,
				Client: ap("10.0.0.2:40001"), Server: ap("10.0.0.1:40050")})
			return s
		}, []want{{CodeControlEncrypted, SeverityWarning, 0, []string{"AUTH TLS", "234 Proceed", "1 data connection seen without a visible announcement", "dport 40000-40100", "helper cannot help"}}},
			[]string{CodeCleartextLogin}},
		{"control-encrypted: its data connection got through, no rule", fw, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			cmd(s, 5, "AUTH", "TLS", 234, "Proceed with negotiation.")
			s.Encrypted = true
			s.Data = append(s.Data, &track.DataConn{ID: 1, Session: s, Match: track.MatchInferred, Passive: true, Outcome: track.OutcomeTransferred,
				Client: ap("10.0.0.2:40001"), Server: ap("10.0.0.1:40050")})
			return s
		}, []want{{CodeControlEncrypted, SeverityWarning, 0, []string{"AUTH TLS", "Nothing to change in the firewalls", "static opening of the passive range"}}},
			[]string{CodeCleartextLogin}},
		{"control-encrypted: implicit FTPS on 990", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:990")
			s.ImplicitTLS = true // decode's verdict, from the port
			return s
		}, []want{{CodeControlEncrypted, SeverityWarning, 0, []string{"Implicit FTPS", "pasv_min_port/pasv_max_port"}}}, nil},
		{"data-source-nat: 425 bad IP names both sources", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
			syn(dc, "172.17.0.1:40001", "10.0.0.1:40036", 12, 1, 0)
			dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchPortOnly, track.OutcomeConnected
			x := cmd(s, 14, "RETR", "f", 425, "Security: Bad IP connecting.")
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			return s
		}, []want{{CodeDataSourceNAT, SeverityError, 1, []string{"from 172.17.0.1, the control connection from 10.0.0.2", "pasv_promiscuous"}}}, []string{CodeServerDataError}},
		{"server-data-error: 426 mid-transfer and after ABOR", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			cmd(s, 10, "RETR", "big", 426, "Failure writing network stream.")
			x := cmd(s, 20, "RETR", "big", 426, "Failure writing network stream.")
			cmd(s, 21, "ABOR", "", 226, "ABOR successful.")
			_ = x
			return s
		}, []want{{CodeServerDataError, SeverityWarning, 0, []string{"broke during the transfer"}}}, nil},
		{"cleartext-login: a real user", policy.Policy{}, func() *track.Session {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			s.User = "alice"
			cmd(s, 5, "USER", "alice", 331, "Please specify the password.")
			cmd(s, 7, "PASS", "secret", 230, "Login successful.")
			return s
		}, []want{{CodeCleartextLogin, SeverityInfo, 0, []string{"USER alice", "clear text", "PASS ****", "ssl_enable=YES"}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.build()
			c, _ := feed(tc.p, s)
			for _, w := range tc.want {
				check(t, c, w)
			}
			none(t, c, tc.none...)
			for _, f := range c.fs {
				if strings.Contains(f.Evidence+f.Message+f.Advice, "secret") {
					t.Errorf("%s leaks the password", f.Code)
				}
			}
		})
	}
}

func TestServerDataErrorAbort(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	cmd(s, 20, "ABOR", "", 226, "ABOR successful.") // sent while RETR ran
	s.Commands[0].Index = 2
	x := &track.Command{Index: 1, TS: at(10), Num: 10, Verb: "RETR", Arg: "big", Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: 426, Text: "Failure writing network stream.", TS: at(21), Num: 21}}}
	s.Commands = append([]*track.Command{x}, s.Commands...)
	c := &collect{}
	New(policy.Policy{}, nil, c).Command(s, x)
	check(t, c, want{CodeServerDataError, SeverityInfo, 0, []string{"aborted by the client"}})
}

func TestCleartextLoginOncePerSession(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	s.User = "anonymous"
	cmd(s, 5, "USER", "anonymous", 331, "Please specify the password.")
	cmd(s, 7, "PASS", "x", 530, "Login incorrect.")
	cmd(s, 9, "PASS", "y", 230, "Login successful.")
	c, _ := feed(policy.Policy{}, s)
	n := 0
	for _, f := range c.fs {
		if f.Code == CodeCleartextLogin {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d cleartext-login findings, want 1", n)
	}
	check(t, c, want{CodeCleartextLogin, SeverityInfo, 0, []string{"anonymous"}})
}

func TestParseSeverity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Severity
		err  bool
	}{{"info", SeverityInfo, false}, {"WARNING", SeverityWarning, false}, {"warn", SeverityWarning, false}, {" error ", SeverityError, false}, {"fatal", 0, true}, {"", 0, true}} {
		got, err := ParseSeverity(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSeverity(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != strings.ToLower(strings.TrimSpace(tc.in)) && tc.in != "warn" {
			t.Errorf("String() = %q for %q", got.String(), tc.in)
		}
	}
	if !(SeverityInfo < SeverityWarning && SeverityWarning < SeverityError) {
		t.Error("severities out of order")
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		a    string
		want AddrClass
	}{
		{"10.1.2.3", ClassPrivate}, {"172.16.0.1", ClassPrivate}, {"192.168.0.1", ClassPrivate}, {"fd00::1", ClassPrivate},
		{"100.64.0.1", ClassCGNAT}, {"100.127.255.254", ClassCGNAT}, {"100.128.0.1", ClassPublic},
		{"127.0.0.1", ClassLoopback}, {"::1", ClassLoopback}, {"169.254.1.1", ClassLinkLocal}, {"fe80::1", ClassLinkLocal},
		{"0.0.0.0", ClassUnspecified}, {"::", ClassUnspecified}, {"198.51.100.1", ClassPublic}, {"2001:db8::1", ClassPublic},
		{"::ffff:10.0.0.1", ClassPrivate},
	} {
		if got := Classify(netip.MustParseAddr(tc.a)); got != tc.want {
			t.Errorf("Classify(%s) = %d, want %d", tc.a, got, tc.want)
		}
	}
}

// TestFindingBeforeForward checks the contract: a finding is reported
// before the Data call it belongs to is forwarded.
func TestFindingBeforeForward(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.0.0.1:40002", 229, "Entering Extended Passive Mode (|||40002|)")
	syn(dc, "10.0.0.2:40001", "10.0.0.1:40002", 12, 1, 0)
	dc.RSTTS, dc.RSTFromServer, dc.Outcome = at(13), true, track.OutcomeRefused
	rec := &recorder{}
	d := New(policy.Policy{}, rec, rec)
	d.SessionStart(s)
	d.Data(s, dc)
	d.SessionEnd(s)
	wantLog := []string{"start 1", "finding data-refused data=1", "data 1", "end 1"}
	if strings.Join(rec.log, ",") != strings.Join(wantLog, ",") {
		t.Errorf("log %q, want %q", rec.log, wantLog)
	}
}

// TestSynAckLostIsNotAFirewallOnTheWayIn: SYNs the server answered, whose
// SYN-ACKs never reached the client, are said as such: the way back drops
// them, and the server's range needs no change.
func TestSynAckLostIsNotAFirewallOnTheWayIn(t *testing.T) {
	s := sess("198.51.100.7:50000", "192.0.2.10:21")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "192.0.2.10:40066", 227, "Entering Passive Mode (192,0,2,10,156,130).")
	syn(dc, "198.51.100.7:50001", "192.0.2.10:40066", 12, 4, 7*time.Second)
	dc.SynAckTS = dc.FirstSYN.Add(time.Millisecond)
	dc.Outcome, dc.SynAckLost = track.OutcomeUnanswered, true
	c, _ := feed(policy.Policy{}, s)
	f := c.find(CodeDataUnanswered)
	if f == nil {
		t.Fatal("no data-unanswered finding")
	}
	for _, w := range []string{"answered by SYN-ACKs from 192.0.2.10", "dropped on the way back to 198.51.100.7"} {
		if !strings.Contains(f.Message, w) {
			t.Errorf("message lacks %q: %s", w, f.Message)
		}
	}
	if strings.Contains(f.Message, "a firewall is dropping them") || strings.Contains(f.Advice, "pasv_min_port") {
		t.Errorf("blames the way in or the server's range:\n%s\n%s", f.Message, f.Advice)
	}
	if !strings.Contains(f.Evidence, "never ACKed") {
		t.Errorf("evidence does not show the SYN-ACKs: %s", f.Evidence)
	}
}
