package diagnose

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// Failed logins are counted per client address across sessions, so a
// brute force or a password spray spread over many connections is one
// finding per attacker, not one per session.
const (
	// loginWindow is how far back failures count together.
	loginWindow = 10 * time.Minute
	// bruteFailures failed logins from one address within loginWindow
	// raise login-brute-force.
	bruteFailures = 5
	// sprayUsers distinct users tried with one password make it a spray.
	sprayUsers = 3
	// maxLoginClients bounds the addresses followed; failures from
	// addresses beyond it are counted in loginTable.omitted.
	maxLoginClients = 4096
	// maxLoginFails bounds the failures kept per address (oldest dropped:
	// only the window matters).
	maxLoginFails = 256
	// maxLoginUser bounds the bytes of a user name kept per failure.
	maxLoginUser = 64
)

// forgetStale drops the addresses whose newest failure is older than the
// window: a long capture of a public server sees many, and a full table
// would report no new attacker.
func (t *loginTable) forgetStale(now time.Time) {
	for a, lc := range t.by {
		if n := len(lc.fails); n == 0 || now.Sub(lc.fails[n-1].ts) > loginWindow {
			delete(t.by, a)
		}
	}
}

// loginFail is one refused login. The password is kept only as a keyed
// hash (its key lives in memory for this run), to tell one password
// tried for many users without keeping it.
type loginFail struct {
	ts   time.Time
	num  uint64
	user string
	pass uint64
	sess int
}

type loginClient struct {
	fails    []loginFail
	total    int
	first    time.Time
	reported bool
}

type loginTable struct {
	seed    maphash.Seed
	by      map[netip.Addr]*loginClient
	omitted int
}

func newLoginTable() loginTable {
	return loginTable{seed: maphash.MakeSeed(), by: map[netip.Addr]*loginClient{}}
}

// LoginAttack is what the diagnoser counted of one client's failed logins.
type LoginAttack struct {
	Client   netip.Addr
	Failures int
	First    time.Time
	Last     time.Time
}

// loginFailure records a refused USER or PASS and reports the client the
// first time its failures within loginWindow reach bruteFailures.
func (d *Diagnoser) loginFailure(s *track.Session, c *track.Command) *Finding {
	r := c.Final()
	if r == nil || r.Code != 530 && r.Code != 430 || c.Verb != "PASS" && c.Verb != "USER" {
		return nil
	}
	t := &d.logins
	addr := s.Client.Addr().Unmap()
	lc := t.by[addr]
	if lc == nil {
		if len(t.by) >= maxLoginClients {
			t.forgetStale(r.TS)
		}
		if len(t.by) >= maxLoginClients {
			t.omitted++
			return nil
		}
		lc = &loginClient{first: c.TS}
		t.by[addr] = lc
	}
	var pass uint64
	if c.Verb == "PASS" {
		pass = maphash.String(t.seed, c.Arg)
	}
	user := s.User
	if len(user) > maxLoginUser {
		// The wire's user names are not all worth keeping whole; a copy,
		// so the cut does not keep the whole name alive.
		user = strings.Clone(user[:maxLoginUser])
	}
	lc.total++
	if len(lc.fails) >= maxLoginFails {
		lc.fails = slices.Delete(lc.fails, 0, 1)
	}
	lc.fails = append(lc.fails, loginFail{ts: r.TS, num: c.Num, user: user, pass: pass, sess: s.ID})
	// The failures within the window that ends now (oldest first in
	// fails): counted in place, gathered only when they make a finding.
	n := 0
	for i := len(lc.fails) - 1; i >= 0 && r.TS.Sub(lc.fails[i].ts) <= loginWindow; i-- {
		n++
	}
	if lc.reported || n < bruteFailures {
		return nil
	}
	win := lc.fails[len(lc.fails)-n:]
	lc.reported = true
	users := map[string]bool{}
	sessions := map[int]bool{}
	byPass := map[uint64]map[string]bool{}
	var pk []uint64
	for _, f := range win {
		users[f.user] = true
		sessions[f.sess] = true
		pk = append(pk, f.num)
		if f.pass != 0 {
			if byPass[f.pass] == nil {
				byPass[f.pass] = map[string]bool{}
			}
			byPass[f.pass][f.user] = true
		}
	}
	spray := 0
	for _, us := range byPass {
		spray = max(spray, len(us))
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, clean(u))
	}
	slices.Sort(names)
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	span := win[len(win)-1].ts.Sub(win[0].ts)
	f := &Finding{Code: CodeLoginAttack, Severity: SeverityWarning, TS: r.TS, Packets: packets(pk[max(0, len(pk)-16):])}
	f.Evidence = fmt.Sprintf("%d failed logins from %s in %s over %s (users %v), first at packet %d, latest %q (packet %d)",
		len(win), addr, dur(span), plural(len(sessions), "session", "sessions"), names, win[0].num, replyText(r), r.Num)
	if spray >= sprayUsers {
		f.Message = fmt.Sprintf("Password spraying from %s: one password tried for %d different users, %d failed logins within %s.", addr, spray, len(win), dur(span))
	} else {
		f.Message = fmt.Sprintf("Password guessing from %s: %d failed logins for %s within %s.", addr, len(win), plural(len(users), "user", "users"), dur(span))
	}
	f.Message += " Later failures from this address are counted in the server summary, not reported again."
	// In the words of the server's family and the syntax of its system:
	// no fail2ban jail or nft rule for an IIS host.
	fam := d.family(s)
	f.Advice = fmt.Sprintf("Block or rate-limit the address (%s); limit attempts on the server (%s); disable logins of accounts that need no FTP (%s) and require TLS so passwords are not read on the way.",
		fam.blockRule(addr), fam.loginLimit(), fam.noLogin())
	if fam.ownLoginLimit() {
		f.Advice += fam.note()
	}
	return f
}

// LoginAttacks lists, per client address with at least bruteFailures
// failed logins, the counts over the whole capture, ordered by address.
func (d *Diagnoser) LoginAttacks() []LoginAttack {
	var out []LoginAttack
	for a, lc := range d.logins.by {
		if !lc.reported {
			continue
		}
		out = append(out, LoginAttack{Client: a, Failures: lc.total, First: lc.first, Last: lc.fails[len(lc.fails)-1].ts})
	}
	slices.SortFunc(out, func(x, y LoginAttack) int { return x.Client.Compare(y.Client) })
	return out
}
