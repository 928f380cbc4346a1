package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// authThenClear runs a session whose AUTH TLS got its 234 (packets 5, 6)
// and whose control connection carried FTP text again at packet 8, the
// tracker's EventCleartext telling the TLS bytes each side sent between
// (Bytes the client's, Code the server's), then its commands after it.
func authThenClear(t *testing.T, client, server int, after ...[2]string) *Finding {
	t.Helper()
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	d.SessionStart(s)
	auth := cmd(s, 5, "AUTH", "TLS", 234, "AUTH TLS successful")
	d.Command(s, auth)
	d.Event(s, &track.Event{Kind: track.EventCleartext, TS: at(8), Num: 8, TLSSent: [2]uint16{uint16(client), uint16(server)}})
	for i, a := range after {
		d.Command(s, cmd(s, uint64(9+2*i), a[0], a[1], 500, "Invalid command"))
	}
	d.SessionEnd(s)
	f := c.find(CodeControlEncrypted)
	if f == nil {
		t.Fatal("no control-encrypted")
	}
	return f
}

// TestAuthAcceptedTLSNeverStartedWords: after the 234, the client's
// ClientHello and FTP text from the server (a proxy that accepted AUTH,
// a server without its certificate: rev-diff-track auth-hello-clear-
// reply.pcap, auth-hs-fail.pcap) is the server never starting TLS, not a
// client going on in clear, and no login is claimed where none came.
func TestAuthAcceptedTLSNeverStartedWords(t *testing.T) {
	f := authThenClear(t, 517, 0)
	all := f.Message + " | " + f.Advice + " | " + f.Evidence
	for _, w := range []string{"never started TLS", "server's TLS configuration", "ALG", "ClientHello"} {
		if !strings.Contains(all, w) {
			t.Errorf("lacks %q:\n%s", w, all)
		}
	}
	for _, w := range []string{"client's TLS settings", "with no TLS handshake", "a login too"} {
		if strings.Contains(all, w) {
			t.Errorf("says %q:\n%s", w, all)
		}
	}
	// No TLS byte counted (or no count): the packets decide, as before;
	// a login is named only when one came after.
	f = authThenClear(t, 0, 0)
	if all := f.Message + f.Advice; !strings.Contains(all, "no TLS handshake") || strings.Contains(all, "a login too") {
		t.Errorf("no TLS byte, no login after: %s", all)
	}
	f = authThenClear(t, 0, 0, [2]string{"USER", "bob"})
	if !strings.Contains(f.Advice, "a login too") {
		t.Errorf("a USER after the clear text: %s", f.Advice)
	}
	// Both sides sent TLS: a TLS session, then CCC or a close.
	f = authThenClear(t, 517, 1400)
	if all := f.Message + f.Advice; strings.Contains(all, "never started") || strings.Contains(all, "no TLS handshake") {
		t.Errorf("a real TLS session: %s", all)
	}
}

// TestAnonymousWelcomeAfterGap: a 230 that says the login is anonymous,
// its USER and PASS taken by a gap (pcaps/real/mirror-proftpd.pcap.gz
// session 6), gets the anonymous wording, not a password to change; the
// gap seen at the 230's own packet is not named by it twice.
func TestAnonymousWelcomeAfterGap(t *testing.T) {
	for _, text := range []string{"Anonymous access granted, restrictions apply", "Guest login ok, access restrictions apply."} {
		s := sess("10.0.0.2:50000", "10.0.0.1:21")
		c := &collect{}
		d := New(policy.Policy{}, nil, c)
		d.SessionStart(s)
		d.Event(s, &track.Event{Kind: track.EventGap, Seq: 1, TS: at(6), Num: 6, FromClient: true, Bytes: 30})
		d.Event(s, &track.Event{Kind: track.EventReplyGap, Seq: 2, TS: at(6), Num: 6, Code: 230, Text: text})
		d.SessionEnd(s)
		f := c.find(CodeCleartextLogin)
		if f == nil {
			t.Fatalf("%q: no cleartext-login", text)
		}
		if !strings.Contains(f.Message, "anonymous login") || strings.Contains(f.Advice, "change it") {
			t.Errorf("%q: %s | %s", text, f.Message, f.Advice)
		}
		if strings.Contains(f.Evidence, "(packet 6) before it") {
			t.Errorf("%q: gap named by the reply's own packet: %s", text, f.Evidence)
		}
	}
}

// TestGSSAPIAdviceIsGridFTPs: RFC 2228 protected commands are GridFTP's:
// the advice names GLOBUS_TCP_PORT_RANGE, not vsftpd's settings, and the
// finding is stamped where the channel turned, the packet it names
// (rev-diff-track gssapi.pcap, gssapi-mic.pcap).
func TestGSSAPIAdviceIsGridFTPs(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:2811")
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	d.SessionStart(s)
	ev := &track.Event{Kind: track.EventEncrypted, TS: at(9), Num: 9, Protected: "ENC", Text: "RFC 2228 protected commands (ENC)"}
	d.Event(s, ev)
	d.SessionEnd(s)
	f := c.find(CodeControlEncrypted)
	if f == nil {
		t.Fatal("no control-encrypted")
	}
	for _, w := range []string{"GLOBUS_TCP_PORT_RANGE", "GLOBUS_TCP_SOURCE_RANGE"} {
		if !strings.Contains(f.Advice, w) {
			t.Errorf("advice lacks %q: %s", w, f.Advice)
		}
	}
	if strings.Contains(f.Advice, "pasv_min_port") || strings.Contains(f.Advice, "vsftpd") {
		t.Errorf("advice names vsftpd: %s", f.Advice)
	}
	if !f.TS.Equal(ev.TS) || len(f.Packets) != 1 || f.Packets[0] != 9 {
		t.Errorf("finding at %v, packets %v; want %v, [9]", f.TS, f.Packets, ev.TS)
	}
}
