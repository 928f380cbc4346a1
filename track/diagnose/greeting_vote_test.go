package diagnose

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestGreetingVoteFollowsTheGreeting: the vote over a session's greeting
// is read once and kept in its state (greetingVote), not at every ask;
// a reply added to the greeting after (a 220 after a 120, or one that
// came after the client's first command) has it read again, and a
// session with no state is read each time. Each answer is what reading
// the greeting then gives (greetingKind).
func TestGreetingVoteFollowsTheGreeting(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	s := &track.Session{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:21"), Start: time.Unix(1, 0)}
	other := &track.Session{Client: netip.MustParseAddrPort("10.0.0.3:40000"), Server: netip.MustParseAddrPort("10.0.0.2:21")}
	other.Greeting = []track.Reply{{Code: 220, Text: "Microsoft FTP Service"}}
	d.state(s)
	steps := []struct {
		add  track.Reply
		want kindVote
	}{
		{track.Reply{Code: 120, Text: "(vsFTPd 3.0.3) busy, wait"}, kindVote{kind: policy.ServerVsftpd}},
		{track.Reply{Code: 220, Text: "(vsFTPd 3.0.3)"}, kindVote{kind: policy.ServerVsftpd}},
		{track.Reply{Code: 220, Text: "ProFTPD Server (Debian)"}, kindVote{mixed: true}},
	}
	for i, st := range steps {
		s.Greeting = append(s.Greeting, st.add)
		for range 2 {
			if got := d.greetingVote(s); got != st.want || got != greetingKind(s) {
				t.Errorf("after greeting reply %d: vote %+v, want %+v (greetingKind %+v)", i+1, got, st.want, greetingKind(s))
			}
			// Another session's ask in between reads its own greeting.
			if got := d.greetingVote(other); got.kind != policy.ServerIIS {
				t.Errorf("a session without state: vote %+v, want IIS", got)
			}
		}
	}
}

// TestStateCacheLetsEndedSessionGo: the diagnoser's last looked-up state
// (state's one-entry cache) is let go with its session's entry at the
// session's end, so that it neither keeps an ended session alive nor hands
// a later session of the same address the old state.
func TestStateCacheLetsEndedSessionGo(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	s := &track.Session{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:21"), Start: time.Unix(1, 0), End: time.Unix(2, 0)}
	st := d.state(s)
	if d.state(s) != st {
		t.Fatal("state gave a second state for the same session")
	}
	d.SessionEnd(s)
	if d.lastSess == s || d.lastState == st {
		t.Errorf("after SessionEnd the cache still holds the session (%p, %p)", d.lastSess, d.lastState)
	}
	if d.state(s) == st {
		t.Errorf("state after SessionEnd gave the ended session's state")
	}
}

// TestSessStateSize: every open session has a sessState; 112 bytes is
// its allocation class, and the cached greeting vote lives in what was
// padding. One byte more takes every open session 16 bytes up
// (track's TestMemoryPerOpenSession bounds the whole).
func TestSessStateSize(t *testing.T) {
	if n := unsafe.Sizeof(sessState{}); n > 112 {
		t.Errorf("sessState is %d bytes, more than its 112-byte class", n)
	}
}
