package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestControlConnectFailureWhileServerListens guards the reading of a
// control connection that failed to open at a server others reached
// before it in the same capture: the server listens and its port is open,
// so "nothing listens" is wrong and a rule opening the port to all is no
// fix (it would also undo a ban); the cause is one of a restart, a full
// listen queue, or a rule naming this client.
func TestControlConnectFailureWhileServerListens(t *testing.T) {
	const srv = "192.0.2.10:21"
	for _, tc := range []connectCase{
		{"refused", decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: 2, AnswerTS: t0, Refusals: 1}, CodeControlRefused,
			[]string{"the server listens on port 21", "restarted", "fail2ban", "names 203.0.113.10", "another control connection to this server opened before it"},
			[]string{"Nothing listens", "ct state new accept"}},
		{"unanswered", decode.ConnectFailure{How: decode.ConnectUnanswered, SYNs: 3}, CodeControlUnanswered,
			[]string{"open to others", "listen queue was full", "TcpExtListenOverflows", "names 203.0.113.10"},
			[]string{"ct state new accept"}},
		{"admin-prohibited from the server", decode.ConnectFailure{How: decode.ConnectUnreachable, SYNs: 1, AnswerNum: 2, AnswerTS: t0,
			ICMP: decode.ICMPAnswer{From: ap(srv).Addr(), Type: 3, Code: 13}}, CodeControlUnreachable,
			[]string{"rejects this client only", "names 203.0.113.10"},
			[]string{"ct state new accept"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkConnectAfterOpened(t, "203.0.113.9", tc.f, tc.code, tc.want, tc.notWant) })
	}
}

// connectCase is a control connection failing as f after another session
// opened: the finding of code must say every want and no notWant.
type connectCase struct {
	name    string
	f       decode.ConnectFailure
	code    string
	want    []string
	notWant []string
}

// checkConnectAfterOpened feeds a session of earlier that opened, then
// a minute later 203.0.113.10's control connection failing as f, and
// checks the finding of code says every want and no notWant.
func checkConnectAfterOpened(t *testing.T, earlier string, f decode.ConnectFailure, code string, want, notWant []string) {
	t.Helper()
	const srv = "192.0.2.10:21"
	ok := passiveConnSession(1, earlier, srv, passiveAtClient)
	late := failedConnect(2, "203.0.113.10:50010", srv, f)
	late.Start = ok.Start.Add(time.Minute)
	c, _ := feed(policy.Policy{}, ok, late)
	fd := c.find(code)
	if fd == nil {
		t.Fatalf("no %s finding", code)
	}
	text := fd.Message + "\n" + fd.Advice + "\n" + fd.Evidence
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("finding lacks %q:\n%s", w, text)
		}
	}
	for _, w := range notWant {
		if strings.Contains(text, w) {
			t.Errorf("finding has %q:\n%s", w, text)
		}
	}
}

// TestControlConnectFailureBeforeServerCameUp: a connection that opened
// only after the failed one began says nothing of the server at the time
// of the failure (it may have been down, and come back): the finding
// keeps its plain reading.
func TestControlConnectFailureBeforeServerCameUp(t *testing.T) {
	const srv = "192.0.2.10:21"
	early := failedConnect(2, "203.0.113.10:50010", srv, decode.ConnectFailure{How: decode.ConnectUnanswered, SYNs: 5})
	ok := passiveConnSession(1, "203.0.113.9", srv, passiveAtClient)
	ok.Start = early.Start.Add(15 * time.Second)
	c, _ := feed(policy.Policy{}, ok, early)
	f := c.find(CodeControlUnanswered)
	if f == nil {
		t.Fatal("no control-unanswered finding")
	}
	if text := f.Message + f.Evidence; strings.Contains(text, "opened before it") || strings.Contains(text, "listen queue") {
		t.Errorf("claims the server listened before the failure:\n%s", text)
	}
}

// TestControlConnectFailureAfterOwnSession: when the only control
// connection that opened before the failed one was the same client's,
// the port was open to that client, not shown open to others: the
// finding says something changed since (a ban after failed logins, a
// restart), not that a rule names this client only.
func TestControlConnectFailureAfterOwnSession(t *testing.T) {
	const srv = "192.0.2.10:21"
	for _, tc := range []connectCase{
		{"refused", decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: 2, AnswerTS: t0, Refusals: 1}, CodeControlRefused,
			[]string{"an earlier control connection of this client to this server opened", "began rejecting this client", "open to this client before"},
			[]string{"rejects this client only", "open to the others", "another control connection"}},
		{"unanswered", decode.ConnectFailure{How: decode.ConnectUnanswered, SYNs: 3}, CodeControlUnanswered,
			[]string{"the port was open to it", "began dropping this client", "open to this client before"},
			[]string{"open to others", "drops this client only", "another control connection"}},
		{"admin-prohibited from the server", decode.ConnectFailure{How: decode.ConnectUnreachable, SYNs: 1, AnswerNum: 2, AnswerTS: t0,
			ICMP: decode.ICMPAnswer{From: ap(srv).Addr(), Type: 3, Code: 13}}, CodeControlUnreachable,
			[]string{"an earlier control connection of this client", "names 203.0.113.10"},
			[]string{"rejects this client only", "another control connection"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkConnectAfterOpened(t, "203.0.113.10", tc.f, tc.code, tc.want, tc.notWant) })
	}
}

// TestOpenersTellOthersFromSelf: the two earliest openers of distinct
// clients answer "did another client open before T" exactly, in any
// order of arrival.
func TestOpenersTellOthersFromSelf(t *testing.T) {
	a, b, c := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("198.51.100.3")
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type open struct {
		client netip.Addr
		at     int
	}
	for _, tc := range []struct {
		name   string
		opens  []open
		client netip.Addr
		before int
		want   openedWho
	}{
		{"none", nil, a, 100, openedNone},
		{"only later", []open{{b, 50}}, a, 10, openedNone},
		{"own only", []open{{a, 5}, {a, 7}}, a, 10, openedSame},
		{"other", []open{{b, 5}}, a, 10, openedOthers},
		{"own first, other later than asked", []open{{a, 5}, {b, 20}}, a, 10, openedSame},
		{"own first, other before asked", []open{{a, 5}, {b, 8}}, a, 10, openedOthers},
		{"other arrives first then own earlier", []open{{b, 8}, {a, 5}}, a, 10, openedOthers},
		{"third displaced then asked by second", []open{{a, 5}, {b, 6}, {c, 1}}, b, 10, openedOthers},
		{"second's own earlier start swaps", []open{{a, 5}, {b, 9}, {b, 1}}, b, 3, openedSame},
		{"second's own earlier start swaps, asked by first", []open{{a, 5}, {b, 9}, {b, 1}}, a, 3, openedOthers},
		{"own at the same time is not before", []open{{a, 10}}, a, 10, openedNone},
	} {
		var o openers
		for _, op := range tc.opens {
			o.add(op.client, at(op.at))
		}
		if got := o.before(tc.client, at(tc.before)); got != tc.want {
			t.Errorf("%s: before(%v, %d) = %d, want %d", tc.name, tc.client, tc.before, got, tc.want)
		}
	}
}
