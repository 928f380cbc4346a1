package diagnose

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// failingClients builds n sessions from n distinct client addresses to
// one server, each with one refused PASS, the i-th at start+i*gap.
func failingClients(n int, start time.Time, gap time.Duration) ([]*track.Session, []*track.Command) {
	ss := make([]*track.Session, n)
	cs := make([]*track.Command, n)
	for i := range n {
		s := sess(fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255), "192.0.2.10:21")
		s.ID, s.User = i+1, "alice"
		c := cmd(s, uint64(10*i+7), "PASS", "x", 530, "Login incorrect.")
		ts := start.Add(time.Duration(i) * gap)
		c.TS, c.Replies[0].TS = ts, ts.Add(time.Millisecond)
		ss[i], cs[i] = s, c
	}
	return ss, cs
}

// TestLoginSweepWorkBoundedManyClients guards against the sweep of the
// login table rescanning the whole table for every new failing address
// once it holds maxLoginClients pairs (40,000 failing addresses took
// 14 s): the records forgetStale looks at stay a few per login, whether
// no pair is due (every address within the window: the ones beyond the
// bound are counted, not followed) or one pair falls due with every new
// address (a steady stream, each new address taking the room of the one
// a window older). The table stays within its bound either way.
func TestLoginSweepWorkBoundedManyClients(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		gap     time.Duration
		omitted int // failures beyond the bound
	}{
		// 40,000 addresses 10 ms apart: 400 s, all within the window.
		{"all within the window", 10 * maxLoginClients, 10 * time.Millisecond, 9 * maxLoginClients},
		// One new address every window/maxLoginClients: the oldest
		// pair falls due as each new one comes, so every one is followed.
		{"one due per new address", 10 * maxLoginClients, loginWindow/maxLoginClients + time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(policy.Policy{}, nil, nil)
			ss, cs := failingClients(tt.n, t0, tt.gap)
			for i := range ss {
				d.loginFailure(ss[i], cs[i])
			}
			lt := &d.logins
			if lt.omitted != tt.omitted {
				t.Errorf("omitted %d failures, want %d", lt.omitted, tt.omitted)
			}
			if len(lt.by) > maxLoginClients || len(lt.cross) > len(lt.by) {
				t.Errorf("table holds %d pairs, %d cross entries: beyond the bound %d", len(lt.by), len(lt.cross), maxLoginClients)
			}
			// A full rescan per new address looks at maxLoginClients
			// entries each time: some 300 million here.
			if per := float64(lt.sweepVisits) / float64(tt.n); per > 4 {
				t.Errorf("the sweep looked at %d records for %d logins (%.1f per login): want a few per login, not the table",
					lt.sweepVisits, tt.n, per)
			}
		})
	}
}

// TestLoginSweepForgetsExactlyStale guards that the sweep by age drops
// exactly the pairs a scan of the whole table drops: those not reported
// with no login, failed or not, within the window, and the cross-server
// entries none of whose listed pairs is left; and nothing else. Random
// failures and successes from a few addresses at a few servers, the
// clock now and then jumping back, checked against that scan after every
// login.
func TestLoginSweepForgetsExactlyStale(t *testing.T) {
	rng := rand.New(rand.NewSource(19))
	d := New(policy.Policy{}, nil, nil)
	lt := &d.logins
	servers := []string{"192.0.2.1:21", "192.0.2.2:21", "192.0.2.3:21"}
	ms := 0
	for step := range 20000 {
		switch r := rng.Intn(100); {
		case r < 2:
			ms -= rng.Intn(int(2 * loginWindow / time.Millisecond)) // the clock jumps back
		case r < 10:
			ms += rng.Intn(int(3 * loginWindow / time.Millisecond))
		default:
			ms += rng.Intn(20000)
		}
		s := sess(fmt.Sprintf("198.51.100.%d:40000", rng.Intn(40)), servers[rng.Intn(len(servers))])
		s.ID = step + 1
		users := []string{"alice", "bob", "root", "admin"}
		s.User = users[rng.Intn(len(users))]
		code := 530
		if rng.Intn(4) == 0 {
			code = 230
		}
		c := cmd(s, uint64(step), "PASS", fmt.Sprintf("p%d", rng.Intn(3)), code, "x")
		c.TS, c.Replies[0].TS = at(ms), at(ms+1)
		now := c.Replies[0].TS

		// What the scan keeps, were the sweep to run now.
		keep := map[loginKey]bool{}
		for k, lc := range lt.by {
			if now.Sub(lc.last) <= loginWindow || lc.reported {
				keep[k] = true
			}
		}
		keepCross := map[netip.Addr]bool{}
		for a, cc := range lt.cross {
			for _, srv := range cc.servers[:cc.n] {
				if keep[loginKey{client: a, server: srv}] {
					keepCross[a] = true
				}
			}
		}
		added := false
		switch {
		case rng.Intn(2) == 0:
			lt.forgetStale(now)
		case code == 530:
			before := lt.swept
			d.loginFailure(s, c)
			if lt.swept == before {
				continue // no sweep ran
			}
			added = true
		default:
			d.loginSuccess(s, c)
			continue
		}
		var got, want []string
		for k := range lt.by {
			got = append(got, k.client.String()+" "+k.server.String())
		}
		for k := range keep {
			want = append(want, k.client.String()+" "+k.server.String())
		}
		if added {
			// loginFailure adds its own pair after the sweep.
			k := loginKey{client: s.Client.Addr(), server: s.Server}
			if !keep[k] {
				want = append(want, k.client.String()+" "+k.server.String())
				keepCross[k.client] = true
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d at %s: pairs left %v, want %v", step, now, got, want)
		}
		for a := range lt.cross {
			if !keepCross[a] {
				t.Fatalf("step %d: cross entry of %s left with none of its pairs", step, a)
			}
		}
		for a := range keepCross {
			if lt.cross[a] == nil {
				t.Fatalf("step %d: cross entry of %s dropped with pairs left", step, a)
			}
		}
	}
}

// BenchmarkLoginsManyClients: one failed login from each of n distinct
// addresses, 100 ms apart (a spread-out guesser, or a scan): the time
// per login (ns/login) stays flat as n doubles past the table's bound.
func BenchmarkLoginsManyClients(b *testing.B) {
	for _, n := range []int{5000, 10000, 20000, 40000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			ss, cs := failingClients(n, t0, 100*time.Millisecond)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				d := New(policy.Policy{}, nil, nil)
				for i := range ss {
					d.loginFailure(ss[i], cs[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/login")
		})
	}
}
