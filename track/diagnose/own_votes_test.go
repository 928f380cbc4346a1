package diagnose

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// ownVotesCheck is a Sink after the Diagnoser that compares, at each
// command and data connection reported, the session's running votes
// (ownVotes) with a walk over every data connection the session keeps.
type ownVotesCheck struct {
	t      testing.TB
	d      *Diagnoser
	checks int
}

func (o *ownVotesCheck) SessionStart(*track.Session)        {}
func (o *ownVotesCheck) Event(*track.Session, *track.Event) {}
func (o *ownVotesCheck) SessionEnd(*track.Session)          {}

func (o *ownVotesCheck) Command(s *track.Session, c *track.Command) {
	o.check(s, fmt.Sprintf("command %d %s", c.Index, c.Verb), false)
}

func (o *ownVotesCheck) Data(s *track.Session, dc *track.DataConn) {
	o.check(s, fmt.Sprintf("data #%d (%v, %s)", dc.ID, dc.Match, dc.Outcome), true)
}

// check looks as vantage does, at every call: the diagnosis looks only
// where a finding needs it, and a look between two changes of a data
// connection is what wrong bookkeeping shows at. From the session's
// first data connection reported on (need), the votes must be kept.
func (o *ownVotesCheck) check(s *track.Session, at string, need bool) {
	o.t.Helper()
	m := o.d.capture.ownMemo(s)
	if m == nil {
		if need {
			o.t.Fatalf("%s: no running votes for the open session", at)
		}
		return
	}
	var want vantageVotes
	for _, x := range s.Data {
		want.add(x)
	}
	var reads int
	if got := m.votes(s, &reads); got != want {
		o.t.Fatalf("%s: running votes %+v, a walk over the session's %d data connections %+v", at, got, len(s.Data), want)
	}
	o.checks++
}

// The kinds of passive transfer ownVotesScene makes.
const (
	kindTimed    = 't' // a handshake timed beside the client: a vote for its side
	kindPool     = 'p' // from the client's NAT pool address, timed beside the server: port-only
	kindRefused  = 'r' // the SYN refused by the server
	kindStranger = 's' // a stranger's SYN on the port first, the client's own takes it over
	kindHeld     = 'h' // a stranger's whole connection first, finished and held; the client's own takes it over
	kindUnused   = 'u' // announced, never used: the next PASV supersedes it
)

// ownVotesScene feeds one session of m passive transfers from client
// 192.168.1.10, of kinds in turn (kindTimed...). next, if set, makes a
// Sink to follow the Diagnoser.
func ownVotesScene(tb testing.TB, m int, kinds string, next func(*Diagnoser) track.Sink) *Diagnoser {
	w := &wire{t: tb, c: &collect{}, cli: ap("192.168.1.10:40000"), srv: ap("10.0.0.21:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	if next != nil {
		w.d.next = next(w.d)
	}
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.reply(220, vsftpdGreeting)
	w.cmd("USER alice")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS secret")
	w.reply(230, "Login successful.")
	pool := netip.MustParseAddr("192.168.2.10")
	stranger := netip.MustParseAddr("203.0.113.9")
	// handshake opens a data connection from src to dst: the SYN-ACK
	// synAck after the SYN, the ACK ack after the SYN-ACK (plus the
	// wire's own millisecond each).
	handshake := func(src, dst netip.AddrPort, synAck, ack time.Duration) {
		w.seg(src, dst, decode.FlagSYN, 1000, nil)
		w.wait(synAck)
		w.seg(dst, src, decode.FlagSYN|decode.FlagACK, 5000, nil)
		w.wait(ack)
		w.seg(src, dst, decode.FlagACK, 1001, nil)
	}
	closeData := func(src, dst netip.AddrPort, payload []byte) {
		w.seg(dst, src, decode.FlagACK|decode.FlagPSH, 5001, payload)
		w.seg(dst, src, decode.FlagFIN|decode.FlagACK, 5001+uint32(len(payload)), nil)
		w.seg(src, dst, decode.FlagFIN|decode.FlagACK, 1001, nil)
	}
	transfer := func(src, dst netip.AddrPort) {
		w.reply(150, "Opening BINARY mode data connection.")
		closeData(src, dst, []byte("data"))
		w.reply(226, "Transfer complete.")
	}
	for i := range m {
		port := uint16(10000 + i%50000)
		w.cmd("PASV")
		w.reply(227, fmt.Sprintf("Entering Passive Mode (10,0,0,21,%d,%d).", port>>8, port&255))
		dst := netip.AddrPortFrom(w.srv.Addr(), port)
		from := netip.AddrPortFrom(w.cli.Addr(), uint16(20000+i%40000))
		retr := fmt.Sprintf("RETR f%d", i)
		switch kinds[i%len(kinds)] {
		case kindTimed:
			w.cmd(retr)
			handshake(from, dst, 20*time.Millisecond, 0)
			transfer(from, dst)
		case kindPool:
			w.cmd(retr)
			from = netip.AddrPortFrom(pool, from.Port())
			handshake(from, dst, 0, 30*time.Millisecond)
			transfer(from, dst)
		case kindRefused:
			w.cmd(retr)
			w.seg(from, dst, decode.FlagSYN, 1000, nil)
			w.segAck(dst, from, decode.FlagRST|decode.FlagACK, 0, 1001)
			w.reply(425, "Failed to establish connection.")
		case kindStranger:
			w.seg(netip.AddrPortFrom(stranger, 33000), dst, decode.FlagSYN, 700, nil)
			w.cmd(retr)
			handshake(from, dst, 25*time.Millisecond, 0)
			transfer(from, dst)
		case kindHeld:
			// Its vote (the server's side) is the stranger's until the
			// client's own SYN gives it back; a command between looks.
			s := netip.AddrPortFrom(stranger, 33000)
			handshake(s, dst, 0, 30*time.Millisecond)
			closeData(s, dst, nil)
			w.cmd("TYPE I")
			w.reply(200, "Switching to Binary mode.")
			w.cmd(retr)
			handshake(from, dst, 25*time.Millisecond, 0)
			transfer(from, dst)
		case kindUnused:
		}
	}
	w.end()
	return w.d
}

// TestOwnVotesRunningMatchWalk guards the running votes of a session's
// data connections on the capture point (ownVotes): at every data
// connection reported they are what a walk over every data connection
// the session keeps counts, through refusals, port-only matches from
// the client's NAT pool, a stranger's SYN given back (supersede) and
// announcements superseded unused; and they exist from the session's
// first data connection reported, whichever look comes first (the
// advice's passivePlace looked before the Diagnoser's vantage made them,
// and walked every data connection).
func TestOwnVotesRunningMatchWalk(t *testing.T) {
	var chk *ownVotesCheck
	d := ownVotesScene(t, 600, "tprshu", func(d *Diagnoser) track.Sink {
		chk = &ownVotesCheck{t: t, d: d}
		return chk
	})
	if chk.checks < 1200 {
		t.Fatalf("%d looks checked, want at least 1200", chk.checks)
	}
	if len(d.capture.own) != 0 {
		t.Errorf("%d sessions' running votes kept after the capture's end, want 0", len(d.capture.own))
	}
}

// TestVantageLookReadsNewDataOnly guards the work of a look at a
// session's capture point: each data connection is read about once,
// however many the session keeps (up to MaxDataPerSession in a text
// transcript). The advice for a refused passive connection looked before
// any Diagnoser.vantage and so walked all of them (8 sessions of 10,000
// refused PASVs: 3 s of 10); the port-only matches of a client's NAT
// pool stayed live forever, each read again at every look.
func TestVantageLookReadsNewDataOnly(t *testing.T) {
	const m = 1000
	for _, kinds := range []string{"r", "p", "tprshu"} {
		d := ownVotesScene(t, m, kinds, nil)
		if r := d.capture.ownReads; r > 3*m {
			t.Errorf("kinds %q: %d data connections read for %d data connections, want at most %d", kinds, r, m, 3*m)
		}
	}
}

// BenchmarkVantageLook measures the looks at one session's capture point
// along a doubling series of data connections per session (ownVotesScene:
// refused, port-only, timed, superseded): ns/data and reads/data should
// stay flat along the series (they grew with m when each look walked the
// session's data connections). A benchmark, not a timed test: compare
// runs with benchstat.
//
//	go test -run '^$' -bench BenchmarkVantageLook ./track/diagnose
func BenchmarkVantageLook(b *testing.B) {
	for _, m := range []int{500, 1000, 2000, 4000} {
		b.Run(fmt.Sprintf("m=%d", m), func(b *testing.B) {
			reads := 0
			for range b.N {
				reads += ownVotesScene(b, m, "tprshu", nil).capture.ownReads
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*m), "ns/data")
			b.ReportMetric(float64(reads)/float64(b.N*m), "reads/data")
		})
	}
}
