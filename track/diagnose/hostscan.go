package diagnose

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// A scan of many hosts: one client address sent one SYN each to the
// control port of many server addresses in a burst, and none of those
// connections opened (refused, unanswered, unreachable). A client that
// means to reach a server sends its SYN again, or comes back; a scanner
// walking an address range sends one and moves on, and most of the
// addresses it tries hold no FTP server at all. The mirror of a sweep
// (sweepProbe), where many addresses probe one server: each server here
// sees one probe only, so no server's own sweep ever shows.
//
// As with a sweep, the first sweepClients-1 failures of a run stay errors
// (an outage of several servers at once still raises some); from the
// sweepClients-th distinct server within sweepSpan on, each further probe
// of the run is info. A run ends after sweepGap without a probe, and a
// SYN sent again to a server the run already tried (a monitor's next
// round, a client's retry) spoils it: its later failures are errors.

// maxHostScanners bounds the client addresses whose runs are followed at
// once (hostScans.runs). A run idle for longer than sweepGap is over and
// makes room; a client that finds no room is not followed, counted
// (Omitted.HostScanClientsNotFollowed): its failures stay errors.
const maxHostScanners = 64

// hostScans is, capture-wide, the runs of never-opened control
// connections of each client address (captureShared.scans).
type hostScans struct {
	runs        map[netip.Addr]*hostScanRun
	notFollowed int
}

// hostScanRun is one client's current run: the times of its latest
// sweepClients probes, the servers it tried (as hashes; past
// maxSweepAddrs not told apart), and whether the run showed as a scan.
type hostScanRun struct {
	recent [sweepClients]time.Time
	next   int
	last   time.Time
	// tried: the servers the client's never-opened connections went to
	// and when, kept past the run for hostScanMemory: a monitor's next
	// round minutes later tries them again, a scanner moves on.
	tried   map[uint32]time.Time
	shown   bool
	spoiled bool
	// user: the client logged in somewhere while its run was followed
	// (loggedIn): a job host pushing to many servers, not a scanner.
	// (One that only read a banner may be one: a scan finds the hosts
	// that listen.)
	user   bool
	probes int // the run's probes, counted from its first
}

// loggedIn notes that cli logged in at a server: its run, if followed,
// is a user's from now on. (A login before its run began is not known:
// the run keeps no more than maxHostScanners clients.)
func (h *hostScans) loggedIn(cli netip.Addr) {
	if r := h.runs[cli.Unmap()]; r != nil {
		r.user = true
	}
}

// hostScanMemory is how long a client's tried servers are remembered
// past its run (hostScanRun.tried).
const hostScanMemory = 30 * time.Minute

// note adds s, a session whose control connection never opened, to its
// client's run, and tells whether s is a probe of a scan of many hosts
// that has shown by now (hostScanRun). opened tells whether any control
// connection to s's server opened before s: a server that took clients
// is no address a scanner happened on.
func (h *hostScans) note(s *track.Session, opened bool) bool {
	cli := s.Client.Addr().Unmap()
	at := s.Start
	r := h.runs[cli]
	if r == nil {
		if !h.room(at) {
			h.notFollowed++
			return false
		}
		r = &hostScanRun{}
		h.runs[cli] = r
	}
	if !r.last.IsZero() {
		// A pause, or the clock set back (a step back is no burst).
		if gap := at.Sub(r.last); gap > sweepGap || gap < -sweepGap {
			*r = hostScanRun{tried: r.tried}
		}
	}
	if r.last.IsZero() || at.After(r.last) {
		r.last = at
	}
	k := serverKey(s.Server)
	if t, ok := r.tried[k]; ok && at.Sub(t) <= hostScanMemory && t.Sub(at) <= hostScanMemory {
		r.spoiled = true // this server tried again: a monitor, a retry
	}
	r.remember(k, at)
	if r.spoiled || r.user || opened || s.Connect == nil || s.Connect.SYNs != 1 {
		return false
	}
	r.probes++
	r.recent[r.next] = at
	r.next = (r.next + 1) % sweepClients
	if r.shown {
		return true
	}
	oldest := r.recent[r.next] // sweepClients probes ago, this one included
	span := at.Sub(oldest)
	r.shown = !oldest.IsZero() && span >= 0 && span <= sweepSpan
	return r.shown
}

// remember notes server k tried at at, within maxSweepAddrs: past it,
// those older than hostScanMemory make room, else k is not kept (a
// retry to it then goes unseen, which keeps it a probe).
func (r *hostScanRun) remember(k uint32, at time.Time) {
	if r.tried == nil {
		r.tried = make(map[uint32]time.Time)
	}
	if _, ok := r.tried[k]; !ok && len(r.tried) >= maxSweepAddrs {
		for x, t := range r.tried {
			if at.Sub(t) > hostScanMemory || t.Sub(at) > hostScanMemory {
				delete(r.tried, x)
			}
		}
		if len(r.tried) >= maxSweepAddrs {
			return
		}
	}
	r.tried[k] = at
}

// room makes room for one more run, letting go of those over by at; false
// when every run followed is still live.
func (h *hostScans) room(at time.Time) bool {
	if h.runs == nil {
		h.runs = make(map[netip.Addr]*hostScanRun)
	}
	if len(h.runs) < maxHostScanners {
		return true
	}
	for a, r := range h.runs {
		if at.Sub(r.last) > sweepGap {
			delete(h.runs, a)
		}
	}
	return len(h.runs) < maxHostScanners
}

// serverKey is a server's address and port as an FNV-1a hash: two that
// share one only make a scan's run look like a retry, which keeps it
// an error.
func serverKey(a netip.AddrPort) uint32 {
	h := spokeKey(a.Addr())
	p := a.Port()
	h = (h ^ uint32(p>>8)) * 16777619
	return (h ^ uint32(p&0xff)) * 16777619
}

// hostScanProbe tells whether s, whose control connection never opened,
// is a probe of a scan of many hosts from its client (hostScans.note).
func (d *Diagnoser) hostScanProbe(s *track.Session) bool {
	if d.capture == nil {
		return false
	}
	a := d.server(s)
	// (Past MaxServers a server's own openers are not kept: taken as none.)
	opened := a != d.overflow && a.openers.first.client.IsValid()
	return d.capture.scans.note(s, opened)
}

// hostScanWording makes f, the error of a never-opened control connection
// that is a probe of a scan of many hosts, the info that says so.
func hostScanWording(f *Finding, s *track.Session) {
	c, srv, cli := s.Connect, s.Server, s.Client.Addr()
	var got, cause string
	switch c.How {
	case decode.ConnectRefused:
		got, cause = "drew a reset", fmt.Sprintf("nothing listens on port %d there, or a firewall rejects it with a TCP reset", srv.Port())
	case decode.ConnectUnreachable:
		got, cause = "drew an ICMP error", "the ICMP error in the evidence says what stopped it"
	default:
		got, cause = "got no answer", "a firewall drops the SYNs, or the host is down or not at that address"
	}
	f.Severity = SeverityInfo
	f.Message = fmt.Sprintf("%s sent one SYN to %s and %s, as it sent one each to the control ports of %d or more other addresses before it (the last %d, this one included, within a minute, and no pause longer than 2 minutes since), none sent again and none to a server any control connection opened to in this capture: a scan of many hosts from %s looks like this. If an FTP server should answer at %s, %s.",
		cli, srv, got, sweepClients-1, sweepClients, cli, srv.Addr(), cause)
	f.Advice = fmt.Sprintf("If an FTP server should answer at %s, check that it is up and listens (ss -ltnp 'sport = :%d') and that no firewall on the way drops or rejects the port. If none should, nothing needs changing; if %s is not a host of yours, it is scanning these addresses.",
		srv.Addr(), srv.Port(), cli)
}

// noteScanned counts one of the server's never-opened sessions as a
// probe of a scan of many hosts from cli.
func (a *serverAcc) noteScanned(cli netip.Addr) {
	a.scanned++
	switch {
	case !a.scanFrom.IsValid():
		a.scanFrom = cli
	case a.scanFrom != cli:
		a.scanFromMore = true
	}
}
