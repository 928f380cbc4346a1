package track

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// raceShape drives two sessions of one client host (cli, the session
// newSession opens, and raceB) that may be told the same passive
// endpoint, and their data connections d1 (from raceD1) and d2 (from
// raceD2), each opened and carrying its file when the shape says.
type raceShape struct {
	s *session
	// synLost: the capture lost d1's SYN (pickUp takes it at its SYN-ACK).
	synLost bool
}

var (
	raceB  = netip.MustParseAddrPort("198.51.100.7:50100")
	raceD1 = netip.MustParseAddrPort("198.51.100.7:45001")
	raceD2 = netip.MustParseAddrPort("198.51.100.7:45002")
)

// on makes the next control events session a's (a is cli or raceB).
func (r raceShape) on(a netip.AddrPort) { r.s.as(a, false) }

// pasv: a's PASV answered with 192.0.2.10:port.
func (r raceShape) pasv(a netip.AddrPort, port int) {
	r.on(a)
	r.s.cmd("PASV", "")
	r.s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", port>>8, port&255))
}

func (r raceShape) retr(a netip.AddrPort, file string) {
	r.on(a)
	r.s.cmd("RETR", file)
}

// opening: the server's 150 on a, announcing n bytes.
func (r raceShape) opening(a netip.AddrPort, file string, n int) {
	r.on(a)
	r.s.reply(150, fmt.Sprintf("Opening BINARY mode data connection for %s (%d bytes).", file, n))
}

// alreadyOpen: the server's 125 on a ("already open"), announcing n
// bytes.
func (r raceShape) alreadyOpen(a netip.AddrPort, n int) {
	r.on(a)
	r.s.reply(125, fmt.Sprintf("Data connection already open; transfer starting (%d bytes).", n))
}

func (r raceShape) complete(a netip.AddrPort) {
	r.on(a)
	r.s.reply(226, "Transfer complete.")
}

// open: the handshake of a data connection from d to 192.0.2.10:port
// (d1's without its SYN with synLost).
func (r raceShape) open(d netip.AddrPort, port int) {
	to := netip.AddrPortFrom(srv.Addr(), uint16(port))
	if !r.synLost || d != raceD1 {
		r.s.seg(d, to, decode.FlagSYN, 1000, 0)
	}
	r.s.seg(to, d, decode.FlagSYN|decode.FlagACK, 5000, 0)
	r.s.seg(d, to, decode.FlagACK, 1001, 0)
}

// carry: n bytes from the server on the connection open opened, and its
// close.
func (r raceShape) carry(d netip.AddrPort, port, n int) {
	to := netip.AddrPortFrom(srv.Addr(), uint16(port))
	for sent := 0; sent < n; {
		k := min(1448, n-sent)
		r.s.seg(to, d, decode.FlagACK, 5001+uint32(sent), k)
		sent += k
	}
	r.s.seg(to, d, decode.FlagFIN|decode.FlagACK, 5001+uint32(n), 0)
	r.s.seg(d, to, decode.FlagFIN|decode.FlagACK, 1001, 0)
}

// TestSharedPassiveEndpointGoesToItsSession guards data connections to
// one passive endpoint two sessions of a client were both told (a server
// whose passive range is a single port, or one that hands a port out
// again): each must be reported once, with its bytes, under the session
// whose transfer it carried, with that transfer's command and announced
// size; and where nothing tells whose it is, its record says its session
// is a guess (AmongRace). Before, the newest announcement took the first
// connection whatever came after (race-pasv: session 2 got session 1's
// 10,000 bytes against its own 150's 5,000), session 1's announcement
// ended "not attempted" at its 226, and session 2's own connection, to
// an endpoint taken, was not followed at all. The shapes a "first
// announced wins" rule broke stay as they are: r1-repasv (session 1 asked
// again elsewhere: 40000 was free for session 2) and r2-second-first
// (session 2's client connected first, its RETR waiting).
func TestSharedPassiveEndpointGoesToItsSession(t *testing.T) {
	a, b := cli, raceB
	cases := []struct {
		name   string
		shape  func(r raceShape)
		d1, d2 netip.AddrPort // the session whose each is (zero: d2 never opens)
		guess  uint8          // d1's AmongRace as reported
	}{
		{"race-pasv", func(r raceShape) {
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.open(raceD1, 40000)
			r.retr(a, "one.bin")
			r.retr(b, "two.bin")
			r.opening(a, "one.bin", 10000)
			r.opening(b, "two.bin", 5000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
			r.open(raceD2, 40000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
		}, a, b, 0},
		{"r1-repasv", func(r raceShape) {
			r.pasv(a, 40000)
			r.pasv(a, 40001)
			r.pasv(b, 40000)
			r.open(raceD2, 40000)
			r.retr(b, "two.bin")
			r.opening(b, "two.bin", 5000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
			r.open(raceD1, 40001)
			r.retr(a, "one.bin")
			r.opening(a, "one.bin", 10000)
			r.carry(raceD1, 40001, 10000)
			r.complete(a)
		}, a, b, 0},
		{"r2-second-first", func(r raceShape) {
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(b, "two.bin")
			r.opening(b, "two.bin", 5000)
			r.open(raceD2, 40000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
			r.retr(a, "one.bin")
			r.opening(a, "one.bin", 10000)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
		}, a, b, 0},
		{"first-announced-waits", func(r raceShape) {
			// Session 1's RETR waits when its client connects: its
			// announcement, though not the newest.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.opening(a, "one.bin", 10000)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
			r.open(raceD2, 40000)
			r.retr(b, "two.bin")
			r.opening(b, "two.bin", 5000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
		}, a, b, 0},
		{"newest-superseded", func(r raceShape) {
			// Session 1 announced 40000 last, but asked again (40001)
			// before anything connected: 40000 is session 2's.
			r.pasv(b, 40000)
			r.pasv(a, 40000)
			r.pasv(a, 40001)
			r.open(raceD2, 40000)
			r.retr(b, "two.bin")
			r.opening(b, "two.bin", 5000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
			r.open(raceD1, 40001)
			r.retr(a, "one.bin")
			r.opening(a, "one.bin", 10000)
			r.carry(raceD1, 40001, 10000)
			r.complete(a)
		}, a, b, 0},
		{"both-150s-before", func(r raceShape) {
			// Both 150s before any SYN tell nothing; session 1's 226,
			// as d1 closes, does.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.retr(b, "two.bin")
			r.opening(a, "one.bin", 10000)
			r.opening(b, "two.bin", 5000)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
			r.open(raceD2, 40000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
		}, a, b, 0},
		{"race-150-waiting", func(r raceShape) {
			// Session 1's server sends its 150 as it starts waiting
			// (IIS: 150 before the connection, 125 once it is open)
			// after d2 came: it tells nothing; session 2's 125 keeps d2
			// its own. Before, the 150 gave d2 to session 1 and d1, to
			// an endpoint taken, was not followed.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.retr(b, "two.bin")
			r.open(raceD2, 40000)
			r.opening(a, "one.bin", 10000)
			r.alreadyOpen(b, 5000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
		}, a, b, 0},
		{"race-150-mixed", func(r raceShape) {
			// Session 2's 150 right after d1's SYN is its server
			// starting to wait, not taking d1: session 1's 226 as d1
			// closes says whose d1 is. Before, the 150 settled d1 as
			// session 2's.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.retr(b, "two.bin")
			r.opening(a, "one.bin", 10000)
			r.open(raceD1, 40000)
			r.opening(b, "two.bin", 5000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
			r.open(raceD2, 40000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
		}, a, b, 0},
		{"race-pending-older-wrong", func(r raceShape) {
			// Session 1's RETR waits (its 150 before any SYN), but d2,
			// the first to come, is session 2's: its RETR and 125 ("already
			// open") follow. The waiting transfer's rank made d2 session
			// 1's without calling it a guess; before, the 125 could not
			// correct it, and d1, to an endpoint taken, was not followed.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.opening(a, "one.bin", 10000)
			r.open(raceD2, 40000)
			r.retr(b, "two.bin")
			r.alreadyOpen(b, 5000)
			r.carry(raceD2, 40000, 5000)
			r.complete(b)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
			r.complete(a)
		}, a, b, 0},
		{"unsettled", func(r raceShape) {
			// As both-150s-before, but the capture ends before any 226:
			// d1 is session 2's (the newest), a guess among 2.
			r.pasv(a, 40000)
			r.pasv(b, 40000)
			r.retr(a, "one.bin")
			r.retr(b, "two.bin")
			r.opening(a, "one.bin", 10000)
			r.opening(b, "two.bin", 10000)
			r.open(raceD1, 40000)
			r.carry(raceD1, 40000, 10000)
		}, b, netip.AddrPort{}, 2},
	}
	files := map[netip.AddrPort]string{a: "one.bin", b: "two.bin"}
	for _, tc := range cases {
		for _, synLost := range []bool{false, true} {
			name := tc.name
			if synLost {
				name += "/d1-syn-lost"
			}
			t.Run(name, func(t *testing.T) {
				s := newSession(t)
				s.login()
				s.as(b, true)
				s.login()
				tc.shape(raceShape{s: s, synLost: synLost})
				for _, c := range []netip.AddrPort{b, a} {
					s.as(c, false)
					s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
				}
				s.trk.Finish()
				if s.rec.late > 0 {
					t.Errorf("%d sink calls came after SessionEnd", s.rec.late)
				}
				want := map[netip.AddrPort]netip.AddrPort{raceD1: tc.d1}
				if tc.d2.IsValid() {
					want[raceD2] = tc.d2
				}
				seen := map[netip.AddrPort]int{}
				for _, d := range s.rec.data {
					if !d.Client.IsValid() {
						continue // an announcement nothing connected to
					}
					seen[d.Client]++
					owner, ok := want[d.Client]
					if !ok {
						t.Errorf("a data connection from %v, none opened", d.Client)
						continue
					}
					file := ""
					if d.Command != nil {
						file = d.Command.Arg
					}
					bytes, guess := int64(5000), uint8(0)
					if d.Client == raceD1 {
						bytes, guess = 10000, tc.guess
					}
					if d.Session.Client != owner || file != files[owner] || d.Bytes[1] != bytes || d.AmongRace != guess {
						t.Errorf("%v: session %v, RETR %q, %d bytes, AmongRace %d; want session %v, RETR %q, %d bytes, AmongRace %d",
							d.Client, d.Session.Client, file, d.Bytes[1], d.AmongRace, owner, files[owner], bytes, guess)
					}
					if guess == 0 && d.ExpectedSize != bytes {
						t.Errorf("%v: the size announced %d, want its own 150's %d", d.Client, d.ExpectedSize, bytes)
					}
				}
				for d := range want {
					if seen[d] != 1 {
						t.Errorf("%v reported %d times, want once", d, seen[d])
					}
				}
			})
		}
	}
}

// TestRaceEverySYNInOneRecord guards three sessions of one client racing
// for one passive endpoint (each its PASV, then its RETR, answered by a
// 125 or 150): every connection must be reported exactly once, under its
// own session or with its session called a guess (AmongRace). Before, a
// 125 or 226 took the oldest guess for its session where another fitted
// (or where a connection had ended before the 125, "already open"): one
// session's announcement, its transfer answered, ended without a
// connection, and the last connection, its own session's, found nothing
// to match: no record, counted only as to an endpoint taken. And the
// connection that took the one announcement left free by guesses before
// it was not called a guess.
func TestRaceEverySYNInOneRecord(t *testing.T) {
	sessions := []netip.AddrPort{cli, raceB, netip.MustParseAddrPort("198.51.100.7:50200")}
	conns := []netip.AddrPort{raceD1, raceD2, netip.MustParseAddrPort("198.51.100.7:45003")}
	// steps: "<session> <what>", what: open (its connection's
	// handshake), 125, 150, carry (its bytes and close), 226.
	cases := []struct {
		name     string
		steps    []string
		unplaced int // Limits.DataRaceUnplaced
	}{
		{"125-after-older-closed", []string{"2 open", "2 150", "2 carry", "0 open", "0 125", "2 226", "0 carry", "0 226", "1 open", "1 125", "1 carry", "1 226"}, 0},
		{"125-two-open", []string{"1 open", "0 open", "0 150", "1 125", "0 carry", "0 226", "1 carry", "1 226", "2 open", "2 150", "2 carry", "2 226"}, 0},
		// The capture holds no reply after the connections: the last
		// takes the one announcement the guesses before it left free,
		// itself a guess.
		{"last-free-left", []string{"1 open", "0 open", "2 open", "1 carry", "0 carry", "2 carry"}, 0},
		{"226-two-ended", []string{"2 open", "0 open", "0 125", "0 carry", "2 150", "2 carry", "0 226", "2 226", "1 open", "1 150", "1 carry", "1 226"}, 0},
		// Session 1's 226 right after its connection's last byte, the
		// FIN following, takes that connection, open still, from the
		// guess that gave it to session 3. Before, it settled nothing:
		// session 1's announcement ended not attempted, and the
		// connections of sessions 2 and 3 found every announcement used
		// (one unplaced).
		{"226-before-close", []string{"0 open", "0 150", "0 bytes", "0 226", "0 fin", "1 open", "1 150", "1 carry", "1 226", "2 open", "2 150", "2 carry", "2 226"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			for _, c := range sessions[1:] {
				s.as(c, true)
				s.login()
			}
			r := raceShape{s: s}
			for _, c := range sessions {
				r.pasv(c, 40000)
			}
			for i, c := range sessions {
				r.retr(c, fmt.Sprintf("f%d.bin", i))
			}
			size := func(i int) int { return 1000 * (i + 1) }
			for _, st := range tc.steps {
				var i int
				var what string
				if _, err := fmt.Sscanf(st, "%d %s", &i, &what); err != nil {
					t.Fatal(err)
				}
				switch what {
				case "open":
					r.open(conns[i], 40000)
				case "125":
					r.alreadyOpen(sessions[i], size(i))
				case "150":
					r.opening(sessions[i], fmt.Sprintf("f%d.bin", i), size(i))
				case "carry":
					r.carry(conns[i], 40000, size(i))
				case "bytes": // carry's bytes, its close left for "fin"
					to := netip.AddrPortFrom(srv.Addr(), 40000)
					s.seg(to, conns[i], decode.FlagACK, 5001, size(i))
				case "fin":
					to := netip.AddrPortFrom(srv.Addr(), 40000)
					s.seg(to, conns[i], decode.FlagFIN|decode.FlagACK, 5001+uint32(size(i)), 0)
					s.seg(conns[i], to, decode.FlagFIN|decode.FlagACK, 1001, 0)
				case "226":
					r.complete(sessions[i])
				}
			}
			for i := len(sessions) - 1; i >= 0; i-- {
				s.as(sessions[i], false)
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			s.trk.Finish()
			seen := map[netip.AddrPort]int{}
			for _, d := range s.rec.data {
				i := slices.Index(conns, d.Client)
				if i < 0 {
					continue // an announcement nothing connected to
				}
				seen[d.Client]++
				if d.Bytes[1] != int64(size(i)) {
					t.Errorf("%v: %d bytes, want %d", d.Client, d.Bytes[1], size(i))
				}
				if d.Session.Client != sessions[i] && d.AmongRace < 2 {
					t.Errorf("%v: in session %v, not a guess; its session is %v", d.Client, d.Session.Client, sessions[i])
				}
			}
			for _, c := range conns {
				if seen[c] != 1 {
					t.Errorf("%v reported %d times, want once", c, seen[c])
				}
			}
			if got := s.trk.limits.DataRaceUnplaced; got != tc.unplaced {
				t.Errorf("DataRaceUnplaced %d, want %d", got, tc.unplaced)
			}
		})
	}
}
