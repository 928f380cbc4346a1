package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The captures of pcaps/synthetic/README.md "Verdicts an admin must
// trust", read end to end: each test names the fix it guards and fails
// with what the JSON records show instead.

// trustRecord is the union of the JSON record fields these tests read.
type trustRecord struct {
	Type     string          `json:"type"`
	Session  int             `json:"session"`
	ID       int             `json:"id"`
	Kind     string          `json:"kind"`
	Packet   uint64          `json:"packet"`
	Code     json.RawMessage `json:"code"` // a number in events, a string in findings
	Severity string          `json:"severity"`
	Data     int             `json:"data"`
	Evidence string          `json:"evidence"`
	Message  string          `json:"message"`
	Advice   string          `json:"advice"`
	From     string          `json:"from"`

	Command string `json:"command"`
	Replies []struct {
		Code int `json:"code"`
	} `json:"replies"`

	Via               string   `json:"via"`
	Announced         string   `json:"announced"`
	Client            string   `json:"client"`
	Server            string   `json:"server"`
	Outcome           string   `json:"outcome"`
	Bytes             int64    `json:"bytes"`
	Match             string   `json:"match"`
	SYNs              int      `json:"syns"`
	FinalReply        int      `json:"final_reply"`
	CaptureEndedAfter *float64 `json:"capture_ended_after_ms"`

	User       string `json:"user"`
	Login      bool   `json:"login"`
	LoginState string `json:"login_state"`
	Encrypted  bool   `json:"encrypted"`
	Verdict    string `json:"verdict"`

	Decode struct {
		CleartextAgain uint64 `json:"cleartext_again"`
		Defragmented   uint64 `json:"defragmented"`
		Fragments      uint64 `json:"fragments"`
	} `json:"decode"`
}

// brief is what a failure message shows of a record: the fields of its
// type these tests read.
func (r trustRecord) brief() string {
	switch r.Type {
	case "data":
		return fmt.Sprintf("data #%d (session %d) %s %s %s -> %s %s/%s %d bytes, %d SYNs, %s, final reply %d",
			r.ID, r.Session, r.Via, r.Announced, r.Client, r.Server, r.Outcome, r.Match, r.Bytes, r.SYNs, r.Command, r.FinalReply)
	case "session":
		return fmt.Sprintf("session %d %s user %q login %v (%s) encrypted %v", r.ID, r.Client, r.User, r.Login, r.LoginState, r.Encrypted)
	case "server":
		return fmt.Sprintf("server %s verdict %q", r.Server, r.Verdict)
	case "summary":
		return fmt.Sprintf("summary: %d fragments, %d rebuilt, cleartext_again %d", r.Decode.Fragments, r.Decode.Defragmented, r.Decode.CleartextAgain)
	}
	return r.Type
}

func briefs(recs []trustRecord) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.brief())
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// findingCode is a finding's code ("" for the numeric code of an event).
func (r trustRecord) findingCode() string {
	var s string
	if json.Unmarshal(r.Code, &s) != nil {
		return ""
	}
	return s
}

// trustRecords runs `read --json` on a capture of pcaps/synthetic.
func trustRecords(t *testing.T, name string) []trustRecord {
	t.Helper()
	var stdout, stderr bytes.Buffer
	file := filepath.Join("../../pcaps/synthetic", name)
	if code := run([]string{"read", "--json", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("read %s: exit %d: %s", name, code, stderr.String())
	}
	var out []trustRecord
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r trustRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: bad JSON line %q: %v", name, sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func trustOfType(recs []trustRecord, typ string) []trustRecord {
	var out []trustRecord
	for _, r := range recs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// commandsAfter lists "VERB code code" for the commands of session sess
// sent at or after packet num, in order.
func commandsAfter(recs []trustRecord, sess int, num uint64) string {
	var out []string
	for _, r := range trustOfType(recs, "command") {
		if r.Session != sess || r.Packet < num {
			continue
		}
		s := r.Command
		for _, rp := range r.Replies {
			s += fmt.Sprintf(" %d", rp.Code)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// TestCCCCapturesParsedAfterTLS guards the return to clear text: after
// CCC (TLS 1.3, its close_notify hidden in application data) and after
// TLS 1.2 ended by visible close_notify alerts, the control channel is
// parsed again, and the PASV it carries gives an exact data match.
func TestCCCCapturesParsedAfterTLS(t *testing.T) {
	tests := []struct {
		file      string
		clearAt   uint64 // the first clear-text packet
		commands  string // the commands from there, with their replies
		announced string
		command   string
		bytes     int64
	}{
		{"ftps-ccc.pcap", 35, "PWD 257, PASV 227, LIST 150 226, QUIT 221", "203.0.113.10:40074", "LIST", 1044},
		{"ftps-alert-clear.pcap", 33, "TYPE 200, PASV 227, RETR 150 226, QUIT 221", "203.0.113.11:40075", "RETR", 2500},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := trustRecords(t, tt.file)
			var kinds []string
			for _, e := range trustOfType(recs, "event") {
				kinds = append(kinds, fmt.Sprintf("%s@%d", e.Kind, e.Packet))
			}
			if got, want := strings.Join(kinds, " "), fmt.Sprintf("encrypted@7 cleartext@%d", tt.clearAt); got != want {
				t.Errorf("events %q, want %q: the return to clear text is not reported where the FTP text resumes", got, want)
			}
			if got := commandsAfter(recs, 1, tt.clearAt); got != tt.commands {
				t.Errorf("commands after clear text: %q, want %q", got, tt.commands)
			}
			data := trustOfType(recs, "data")
			if len(data) != 1 {
				t.Fatalf("%d data records, want 1: the PASV after clear text was not followed", len(data))
			}
			d := data[0]
			if d.Via != "PASV" || d.Announced != tt.announced || d.Match != "exact" || d.Outcome != "transferred" ||
				d.Command != tt.command || d.Bytes != tt.bytes || d.FinalReply != 226 {
				t.Errorf("%s, want PASV %s matched exactly, transferred %d bytes by %s, final reply 226", d.brief(), tt.announced, tt.bytes, tt.command)
			}
			for _, s := range trustOfType(recs, "session") {
				if s.Encrypted {
					t.Error("the session is still reported encrypted after its control channel was clear again")
				}
				// The login happened inside TLS: not seen, not absent.
				if s.LoginState != "login not visible (encrypted)" {
					t.Errorf("login_state %q, want \"login not visible (encrypted)\"", s.LoginState)
				}
			}
			sum := trustOfType(recs, "summary")
			if len(sum) != 1 || sum[0].Decode.CleartextAgain != 1 {
				t.Errorf("%s, want cleartext_again 1", briefs(sum))
			}
		})
	}
}

// TestEncryptedSessionDataElsewhereCapture guards the data connection of
// an encrypted session that went to a private address other than the
// server's (a 227 read inside TLS): it is reported as the session's, with
// its outcome, and the client's own LAN traffic is not.
func TestEncryptedSessionDataElsewhereCapture(t *testing.T) {
	recs := trustRecords(t, "ftps-elsewhere.pcap")
	data := trustOfType(recs, "data")
	if len(data) != 1 {
		t.Fatalf("%d data records, want 1 (the SYNs to 10.0.0.5:40001 only): %s", len(data), briefs(data))
	}
	d := data[0]
	if d.Session != 1 || d.Match != "inferred" || d.Client != "192.168.1.100:50701" || d.Server != "10.0.0.5:40001" || d.Outcome != "unanswered" || d.SYNs != 4 {
		t.Errorf("%s, want session 1, inferred, 192.168.1.100:50701 -> 10.0.0.5:40001, unanswered after 4 SYNs", d.brief())
	}
	onData, encrypted, hidden := false, false, false
	for _, f := range trustOfType(recs, "finding") {
		if f.Data == d.ID && f.Severity == "error" {
			onData = true
		}
		// The failure is the private address the encrypted 227 named,
		// not a firewall: it is said as such, with the address to set.
		if f.Data == d.ID && f.findingCode() == "nat-mismatch" {
			hidden = true
			if !strings.Contains(f.Advice, "203.0.113.20") {
				t.Errorf("nat-mismatch advice %q does not name the address clients reach", f.Advice)
			}
		}
		if f.Data == d.ID && f.findingCode() == "data-unanswered" && strings.Contains(f.Message, "a firewall is dropping them") {
			t.Errorf("data-unanswered blames a firewall for a private address elsewhere: %s", f.Message)
		}
		if f.findingCode() == "control-encrypted" {
			encrypted = true
			if !strings.Contains(f.Evidence, "1 data connection seen without a visible announcement") {
				t.Errorf("control-encrypted evidence %q does not count the connection elsewhere", f.Evidence)
			}
		}
	}
	if !onData {
		t.Error("no error finding on the unanswered data connection elsewhere")
	}
	if !encrypted {
		t.Error("no control-encrypted finding")
	}
	if !hidden {
		t.Error("no nat-mismatch finding for the private address the encrypted 227 named")
	}
	s := trustOfType(recs, "session")
	if len(s) != 1 || !s[0].Encrypted {
		t.Errorf("%s, want one session, encrypted", briefs(s))
	}
}

// TestCaptureEndTooSoonUndeterminedCapture guards against false alarms
// when the capture stops right after a data SYN, or right after an
// announcement nothing connected to yet: both are undetermined, never an
// unanswered SYN or a client that gave up.
func TestCaptureEndTooSoonUndeterminedCapture(t *testing.T) {
	recs := trustRecords(t, "capture-ends-early.pcap")
	data := trustOfType(recs, "data")
	var got []string
	for _, d := range data {
		s := fmt.Sprintf("%d:%s", d.Session, d.Outcome)
		if d.CaptureEndedAfter != nil {
			s += fmt.Sprintf("/%gms", *d.CaptureEndedAfter)
		}
		got = append(got, s)
	}
	if g, want := strings.Join(got, " "), "1:undetermined/8ms 2:undetermined/1ms"; g != want {
		t.Errorf("data outcomes %q, want %q", g, want)
	}
	for _, f := range trustOfType(recs, "finding") {
		if c := f.findingCode(); c == "data-unanswered" || c == "data-not-attempted" || f.Severity == "error" {
			t.Errorf("false alarm on a capture that ended too soon: %s %s", f.Severity, c)
		}
	}
	srv := trustOfType(recs, "server")
	if len(srv) != 1 || !strings.Contains(srv[0].Verdict, "capture ended") {
		t.Errorf("%s: the verdict does not say the capture ended too soon", briefs(srv))
	}
}

// TestLoginReplyCutByGapCapture guards the login whose multi-line 230
// lost its last line to a capture gap: the first 230- line proves it.
func TestLoginReplyCutByGapCapture(t *testing.T) {
	recs := trustRecords(t, "login-reply-gap.pcap")
	s := trustOfType(recs, "session")
	if len(s) != 1 || s[0].User != "alice" || !s[0].Login || s[0].LoginState != "logged in" {
		t.Fatalf("%s, want one session, user alice, logged in", briefs(s))
	}
	var gaps []string
	for _, e := range trustOfType(recs, "event") {
		if e.Kind == "gap" {
			gaps = append(gaps, e.From)
		}
	}
	if strings.Join(gaps, " ") != "server" {
		t.Errorf("gaps from %v, want one in the server's stream", gaps)
	}
	if got, want := commandsAfter(recs, 1, 0), "USER 331, PASS 230, SYST 215, PWD 257, TYPE 200, PASV 227, RETR 150 226, QUIT 221"; got != want {
		t.Errorf("commands %q, want %q", got, want)
	}
	data := trustOfType(recs, "data")
	if len(data) != 1 || data[0].Outcome != "transferred" || data[0].Bytes != 2048 {
		t.Errorf("%s, want one data connection transferred, 2048 bytes", briefs(data))
	}
}

// TestFragmentedTunnelsEndToEnd guards tunnels whose outer packets were
// fragmented: every session keeps its login (the 230 came in fragments)
// and every data byte.
func TestFragmentedTunnelsEndToEnd(t *testing.T) {
	recs := trustRecords(t, "tunnels-fragmented.pcapng")
	var got []string
	for _, s := range trustOfType(recs, "session") {
		got = append(got, fmt.Sprintf("%s %s", s.Client, s.LoginState))
	}
	want := "10.78.0.100:52100 logged in, [fd00:78:1::100]:52101 logged in, 10.78.2.100:52102 logged in, 10.78.3.100:52103 logged in"
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("sessions %q, want %q", g, want)
	}
	got = nil
	for _, d := range trustOfType(recs, "data") {
		got = append(got, fmt.Sprintf("%s=%d", d.Outcome, d.Bytes))
	}
	if g, want := strings.Join(got, " "), "transferred=5840 transferred=5760 transferred=5840 transferred=5840"; g != want {
		t.Errorf("data %q, want %q", g, want)
	}
	if sum := trustOfType(recs, "summary"); len(sum) != 1 || sum[0].Decode.Fragments != 40 || sum[0].Decode.Defragmented != 20 {
		t.Errorf("%s, want 40 fragments rebuilt into 20 packets", briefs(sum))
	}
}

// TestCCCRefusalQuotedNotGuessed guards data-tls-not-resumed after CCC
// (ftps-ccc-refused.pcap: ftplib's full TLS handshake on the data
// connection, ProFTPD's 425): the refusal is readable, so the finding
// quotes it as an error and names ProFTPD's setting, instead of guessing
// at a "522/425 inside the encrypted control channel" and leading with
// vsftpd's; the server's verdict says the server refused it.
func TestCCCRefusalQuotedNotGuessed(t *testing.T) {
	recs := trustRecords(t, "ftps-ccc-refused.pcap")
	data := trustOfType(recs, "data")
	if len(data) != 1 || data[0].Command != "RETR" || data[0].FinalReply != 425 || data[0].Match != "exact" {
		t.Fatalf("%s, want one data connection, matched exactly, of the RETR refused with 425", briefs(data))
	}
	var tls *trustRecord
	for _, f := range trustOfType(recs, "finding") {
		if f.findingCode() == "data-tls-not-resumed" {
			tls = &f
		}
	}
	if tls == nil {
		t.Fatal("no data-tls-not-resumed")
	}
	if tls.Severity != "error" || !strings.Contains(tls.Message, `"425 Unable to build data connection: Operation not permitted"`) ||
		strings.Contains(tls.Message, "inside the encrypted control channel") {
		t.Errorf("%s data-tls-not-resumed: %s\nwant an error quoting the 425, not a guess at an encrypted reply", tls.Severity, tls.Message)
	}
	if !strings.Contains(tls.Advice, "NoSessionReuseRequired") || strings.Contains(tls.Advice, "require_ssl_reuse") {
		t.Errorf("advice for a ProFTPD server: %s", tls.Advice)
	}
	srv := trustOfType(recs, "server")
	if len(srv) != 1 || !strings.Contains(srv[0].Verdict, "the server refused 1 data connection") {
		t.Errorf("%s, want the server's refusal in its verdict", briefs(srv))
	}
}

// TestRefusedTLSDataNotATransfer guards the outcome of a protected data
// connection that carried its TLS handshake and nothing else, end to end
// (ftps-ccc-refused.pcap: ftplib's full TLS 1.3 handshake, ProFTPD's two
// session tickets and close_notify, then "425 ... Operation not
// permitted"): connected, with the handshake's bytes still counted, not
// "transferred" with "server announced 48213 bytes, 2322 moved"; the
// finding says the connection carried no application data.
func TestRefusedTLSDataNotATransfer(t *testing.T) {
	recs := trustRecords(t, "ftps-ccc-refused.pcap")
	data := trustOfType(recs, "data")
	if len(data) != 1 || data[0].Outcome != "connected" || data[0].Bytes != 2322 || data[0].FinalReply != 425 {
		t.Fatalf("%s, want one data connection connected, its 2322 handshake bytes counted, refused with 425", briefs(data))
	}
	for _, f := range trustOfType(recs, "finding") {
		if f.findingCode() == "data-tls-not-resumed" && !strings.Contains(f.Message, "carried its TLS handshake and no application data") {
			t.Errorf("data-tls-not-resumed: %s\nwant it to say the connection carried no application data", f.Message)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", filepath.Join("../../pcaps/synthetic", "ftps-ccc-refused.pcap")}, &stdout, &stderr); code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr.String())
	}
	if text := stdout.String(); strings.Contains(text, "2322 moved") || strings.Contains(text, "data: 1 transferred") {
		t.Errorf("the text still reports the handshake as a transfer:\n%s", text)
	}
}

// TestTLSTransferNotComparedWithAnnouncedSize guards the text output of a
// protected transfer whose 150 announced the file's size
// (ftps-ccc-sized-retr.pcap): the bytes counted are TLS records, so they
// differ from the size, and no "server announced ... moved" warning may
// stand beside a whole transfer.
func TestTLSTransferNotComparedWithAnnouncedSize(t *testing.T) {
	recs := trustRecords(t, "ftps-ccc-sized-retr.pcap")
	data := trustOfType(recs, "data")
	if len(data) != 1 || data[0].Outcome != "transferred" || data[0].Bytes == 20000 || data[0].FinalReply != 226 {
		t.Fatalf("%s, want one data connection transferred, its record bytes (not 20000) counted, 226", briefs(data))
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", filepath.Join("../../pcaps/synthetic", "ftps-ccc-sized-retr.pcap")}, &stdout, &stderr); code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr.String())
	}
	if text := stdout.String(); strings.Contains(text, "server announced") {
		t.Errorf("the text compares TLS record bytes with the file's size:\n%s", text)
	}
}

// TestExhaustedRangeAdviceAgrees guards data-unanswered's advice for the
// port a server fell back to after using up its passive range, end to end
// (range-exhausted.pcap, no range given): it gives the range
// passive-range-exhausted inferred, widened, says it is inferred, and
// never falls back to "the server's passive range is not known" with an
// example range.
func TestExhaustedRangeAdviceAgrees(t *testing.T) {
	recs := trustRecords(t, "range-exhausted.pcap")
	var unanswered, exhausted *trustRecord
	for _, f := range trustOfType(recs, "finding") {
		switch f.findingCode() {
		case "data-unanswered":
			unanswered = &f
		case "passive-range-exhausted":
			exhausted = &f
		}
	}
	if unanswered == nil || exhausted == nil {
		t.Fatalf("findings: data-unanswered %v, passive-range-exhausted %v", unanswered != nil, exhausted != nil)
	}
	for _, w := range []string{"PassivePorts 40000 40129", "40000-40003 is inferred from its announcements", "see passive-range-exhausted"} {
		if !strings.Contains(unanswered.Advice, w) {
			t.Errorf("data-unanswered advice lacks %q: %s", w, unanswered.Advice)
		}
	}
	if strings.Contains(unanswered.Advice, "40000 40100") || strings.Contains(unanswered.Advice, "40000-40100") {
		t.Errorf("data-unanswered still offers the example range: %s", unanswered.Advice)
	}
	if !strings.Contains(exhausted.Advice, "PassivePorts 40000 40129") {
		t.Errorf("passive-range-exhausted advice: %s", exhausted.Advice)
	}
}

// TestRefusalForAnotherCauseNotBlamedOnResumption guards
// data-tls-not-resumed end to end (ftps-ccc-other-refusals.pcap: after
// CCC, two STORs whose data connections make a full TLS handshake and
// carry part of the file, then a readable "552 ... Disk quota exceeded"
// from a ProFTPD and "451 ... No space left on device" from a server of
// unknown family): the refusals are the transfers' own, so no
// data-tls-not-resumed, no other warning or error than the two
// transfer-aborted the 552 and the 451 are, and no verdict speaks of
// resumption.
func TestRefusalForAnotherCauseNotBlamedOnResumption(t *testing.T) {
	recs := trustRecords(t, "ftps-ccc-other-refusals.pcap")
	var got []string
	for _, d := range trustOfType(recs, "data") {
		got = append(got, fmt.Sprintf("%s %s %d", d.Command, d.Outcome, d.FinalReply))
	}
	if g, want := strings.Join(got, ", "), "STOR transferred 552, STOR transferred 451"; g != want {
		t.Fatalf("data %q, want %q", g, want)
	}
	aborted := 0
	for _, f := range trustOfType(recs, "finding") {
		if f.findingCode() == "transfer-aborted" && f.Severity == "warning" {
			aborted++
			continue
		}
		if f.findingCode() == "data-tls-not-resumed" || f.Severity != "info" {
			t.Errorf("%s %s: %s\nfix: %s", f.Severity, f.findingCode(), f.Message, f.Advice)
		}
	}
	if aborted != 2 {
		t.Errorf("%d transfer-aborted warnings, want 2 (the 552 and the 451)", aborted)
	}
	for _, s := range trustOfType(recs, "server") {
		if strings.Contains(s.Verdict, "resum") {
			t.Errorf("%s: blames resumption", s.brief())
		}
	}
}

// TestServerSideUnreachedPortGetsNoRuleOfItsOwn guards data-not-attempted
// end to end (pasv-unreached-server-side.pcap: seen behind the NAT in
// front of a vsftpd that announces its public address and a port of its
// own choosing; no SYN arrives): the fix sets a fixed passive range and
// forwards that range to the server on the NAT router, never the one port
// this session was given: the example range holds it (the hundred around
// 47123), so that the example does not contradict the port that failed.
func TestServerSideUnreachedPortGetsNoRuleOfItsOwn(t *testing.T) {
	recs := trustRecords(t, "pasv-unreached-server-side.pcap")
	var f *trustRecord
	for _, r := range trustOfType(recs, "finding") {
		if r.findingCode() == "data-not-attempted" {
			f = &r
		}
	}
	if f == nil || f.Severity != "error" {
		t.Fatalf("data-not-attempted: %v, want an error", f)
	}
	for _, w := range []string{"if it has none, set one (pasv_min_port/pasv_max_port", "on the NAT router in front of the server", "ip daddr 10.0.0.5 tcp dport 47100-47200"} {
		if !strings.Contains(f.Advice, w) {
			t.Errorf("advice lacks %q: %s", w, f.Advice)
		}
	}
	if strings.Contains(f.Advice, "47123") {
		t.Errorf("advice opens the port this session was given: %s", f.Advice)
	}
}

// TestCollapsedFindingsKeepTheirSeverity guards the summary's grouping of
// repeated findings (pcaps/real/proftpd-nat-no-masquerade-client.pcap):
// session 1's nat-mismatch is a warning (curl ignored the private 227
// address and got the file), session 2's an error (curl trusted it and
// failed), with the same advice. They must not be counted together under
// the first one's severity.
func TestCollapsedFindingsKeepTheirSeverity(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", "../../pcaps/real/proftpd-nat-no-masquerade-client.pcap"}, &stdout, &stderr); code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr.String())
	}
	text := stdout.String()
	if strings.Contains(text, "nat-mismatch in 2 sessions") {
		t.Errorf("a warning and an error are counted as one finding in 2 sessions:\n%s", text)
	}
	if !strings.Contains(text, "--session 2  error nat-mismatch") {
		t.Errorf("session 2's error nat-mismatch is not listed:\n%s", text)
	}
}

// TestRefusedPortThen425 guards the 425 that follows a refused PORT or
// EPRT (pcaps/real/proftpd-port-refused.pcap, pureftpd-port-refused.pcap:
// the client sent RETR anyway): no data port was ever set, so the finding
// says the refusal caused it, as info, and never sends the admin to a
// firewall; repeats in the same session say "again, as above", not "as
// in session 1" inside session 1.
func TestRefusedPortThen425(t *testing.T) {
	for _, name := range []string{"proftpd-port-refused.pcap", "pureftpd-port-refused.pcap"} {
		var stdout, stderr bytes.Buffer
		file := filepath.Join("../../pcaps/real", name)
		if code := run([]string{"read", "--json", file}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if !strings.Contains(line, `"code":"server-data-error"`) {
				continue
			}
			n++
			if !strings.Contains(line, `"severity":"info"`) || !strings.Contains(line, "had refused the client") || strings.Contains(line, "firewall") {
				t.Errorf("%s: %s", name, line)
			}
		}
		if n == 0 {
			t.Errorf("%s: no server-data-error for the 425s", name)
		}
		stdout.Reset()
		run([]string{"read", "--color", "never", file}, &stdout, &stderr)
		if text := stdout.String(); strings.Contains(text, "as in session 1 (") {
			t.Errorf("%s: a single session's repeat says \"as in session 1\":\n%s", name, text)
		}
	}
}

// TestASCIITransferNotComparedWithAnnouncedSize guards the size check of
// the text output (pcaps/real/proftpd-port-refused.pcap): its last RETR
// ran in ASCII mode, never changed from RFC 959's default, so the 4640
// bytes ProFTPD announced moved as 4720 with CR LF line ends. That is not
// a short or long transfer.
func TestASCIITransferNotComparedWithAnnouncedSize(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "../../pcaps/real/proftpd-port-refused.pcap"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if text := stdout.String(); strings.Contains(text, "server announced") || !strings.Contains(text, "transferred: 4720 bytes") {
		t.Errorf("ASCII transfer compared with the file's size, or not shown:\n%s", text)
	}
}

// TestEncryptedSessionsPortsAreSeenNotAnnounced guards the server line of
// captures whose control channel is TLS (pcaps/real/pureftpd-ftps.pcap):
// the passive ports come from the data connections' peers, since the
// announcements were ciphertext; the text says they were seen, and JSON
// counts them in passive_ports_inferred.
func TestEncryptedSessionsPortsAreSeenNotAnnounced(t *testing.T) {
	file := "../../pcaps/real/pureftpd-ftps.pcap"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if text := stdout.String(); !strings.Contains(text, "passive ports seen (their announcements encrypted)") || strings.Contains(text, "passive ports announced") {
		t.Errorf("server line:\n%s", text)
	}
	stdout.Reset()
	run([]string{"read", "--json", file}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), `"passive_ports_announced":2,"passive_ports_distinct":2,"passive_ports_inferred":2`) {
		t.Errorf("server record:\n%s", stdout.String())
	}
}
