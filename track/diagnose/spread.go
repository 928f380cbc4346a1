package diagnose

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// Passive data connections refused by RST at the control connection's own
// address, interleaved by port with ones to that address that worked,
// within a short time (failure story 8, pcaps/real/lb-split-*): no port
// rule refuses 40084 and lets 40060 and 40094 through in the same
// second. More than one host answers at that address: a load balancer
// or DNAT spreading connections over backends, and a data connection
// landed on a backend that never announced its port. A firewall opening
// part of the range refuses every port above (or below) those that work,
// and drops are no refusals: neither interleaves.

// spreadWindow is how close in time the connections of an interleaving
// must lie (every one within it of every other): a firewall changed
// while the capture ran may refuse a port before and accept the next
// one after, minutes apart.
const spreadWindow = 30 * time.Second

// maxSpread bounds the connections a server keeps to look for one: the
// latest ones, within spreadWindow of the newest.
const maxSpread = 32

// spreadConn is one passive data connection to the control address that
// worked, or that the address refused by RST.
type spreadConn struct {
	port    uint16
	refused bool
	at      time.Time
}

// spreadSeen is what the server keeps: the latest connections, and the
// first interleaving found (found; the refused port and the worked ones
// around it, or the worked one between refused ones; span, the time the
// three took).
type spreadSeen struct {
	recent []spreadConn
	found  bool
	mid    spreadConn
	lo, hi uint16
	span   time.Duration
}

// spreadStale bounds how long after its announcement a refused data
// connection counts: a client that comes back after the server stopped
// waiting for it is refused by the one host too.
const spreadStale = 5 * time.Second

// note records dc, a data connection of a server whose control
// connection goes to ctl, and looks for an interleaving.
func (sp *spreadSeen) note(dc *track.DataConn, ctl netip.Addr) {
	if sp.found || !dc.Passive || dc.Match != track.MatchExact || dc.SYNs == 0 || dc.Server.Addr().Unmap() != ctl {
		return
	}
	c := spreadConn{port: dc.Server.Port(), at: connTime(dc)}
	switch {
	case gotThrough(dc):
	case dc.Outcome == track.OutcomeRefused && dc.RSTFromServer && dc.ICMP == nil && dc.FirstSYN.Sub(dc.Armed) < spreadStale:
		c.refused = true
	default:
		return
	}
	// Keep those within the window of the newest, at most maxSpread.
	// (Bounds compared, not a Sub per connection: 30 s from packet
	// times cannot overflow.)
	from, to := c.at.Add(-spreadWindow), c.at.Add(spreadWindow)
	keep := sp.recent[:0]
	for _, x := range sp.recent {
		if x.at.After(from) && x.at.Before(to) {
			keep = append(keep, x)
		}
	}
	if len(keep) >= maxSpread {
		keep = keep[len(keep)-maxSpread+1:]
	}
	sp.recent = append(keep, c)
	sp.look()
}

// look finds, among recent, a connection of one kind whose port lies
// strictly between two ports of the other kind.
func (sp *spreadSeen) look() {
	// None without both kinds (most servers refuse nothing): a pass,
	// not a pass per connection.
	var kinds [2]bool
	for _, x := range sp.recent {
		if x.refused {
			kinds[1] = true
		} else {
			kinds[0] = true
		}
	}
	if !kinds[0] || !kinds[1] {
		return
	}
	for _, m := range sp.recent {
		var lo, hi spreadConn
		for _, x := range sp.recent {
			if x.refused == m.refused {
				continue
			}
			if x.port < m.port && (lo.at.IsZero() || x.port > lo.port) {
				lo = x
			}
			if x.port > m.port && (hi.at.IsZero() || x.port < hi.port) {
				hi = x
			}
		}
		if lo.at.IsZero() || hi.at.IsZero() {
			continue
		}
		first, last := m.at, m.at
		for _, t := range []time.Time{lo.at, hi.at} {
			if t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
		sp.found, sp.mid, sp.lo, sp.hi, sp.span = true, m, lo.port, hi.port, last.Sub(first)
		sp.recent = nil
		return
	}
}

// words says the interleaving found: "port 40084 was refused between
// ports 40060 and 40094, which worked, within 0.181s".
func (sp *spreadSeen) words() string {
	if sp.mid.refused {
		return fmt.Sprintf("port %d was refused between ports %d and %d, which worked, within %s", sp.mid.port, sp.lo, sp.hi, dur(sp.span))
	}
	return fmt.Sprintf("port %d worked between ports %d and %d, which were refused, within %s", sp.mid.port, sp.lo, sp.hi, dur(sp.span))
}

// RefusedByBackend reports whether f is a data-refused finding of a
// passive data connection that the control connection's own address
// refused with RST (no ICMP, and not a router's nearer RST: routerReset),
// the refusals spreadSeen weighs. When the server's verdict reads them as
// backends spread (ServerSummary.BackendsSpread), BackendsSpreadAdvice is
// its fix, not the port-opening rules a finding made before the
// interleaving was seen carries.
func RefusedByBackend(f *Finding) bool {
	dc, s := f.Data, f.Session
	if f.Code != CodeDataRefused || dc == nil || s == nil {
		return false
	}
	nearer, _ := routerReset(s, dc)
	return dc.Passive && dc.Outcome == track.OutcomeRefused && dc.RSTFromServer && dc.ICMP == nil && !nearer &&
		dc.Server.Addr().Unmap() == s.Server.Addr().Unmap()
}

// BackendsSpreadAdvice is the fix of a data-refused finding at at, the
// control address, when the server's verdict reads more than one host
// answering there (backendsSpread).
func BackendsSpreadAdvice(at netip.Addr) string {
	return backendsAdvice(at, "see the server's verdict")
}

// backendsAdvice: no port to open; the load balancer must keep each
// client on one backend. why says what shows the backends.
func backendsAdvice(at netip.Addr, why string) string {
	return fmt.Sprintf("More than one host answers at %s (%s): the data connection reached a backend other than the one that announced the port, which refused it; opening ports changes nothing. Keep each client's connections, control and data, on one backend (source-address persistence: IPVS ipvsadm -p under one firewall mark for port 21 and the passive range, HAProxy balance source, nftables dnat by jhash ip saddr instead of numgen), or give each backend its own public address (its pasv_address), or run one backend.", at.Unmap(), why)
}
