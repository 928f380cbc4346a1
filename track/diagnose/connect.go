package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Control connections that never opened (track.Session.Connect): the
// client's SYNs to the control port were refused, made unreachable by an
// ICMP error, or never answered, or the server's answers never reached
// the client. Before, such a capture read "0 sessions": the commonest
// "FTP does not work" of all, said by nothing.

// connectFinding is the finding of a session whose control connection
// never opened, or nil.
func (d *Diagnoser) connectFinding(s *track.Session) *Finding {
	c := s.Connect
	if c == nil {
		return nil
	}
	srv := s.Server
	syns := plural(c.SYNs, "SYN", "SYNs")
	over := ""
	if c.SYNs > 1 {
		over = " over " + dur(c.LastSYN.Sub(s.Start))
	}
	f := &Finding{Severity: SeverityError, Session: s, TS: s.Start}
	open := d.controlOpenAdvice(s, place{})
	d.server(s).forwardSeen(d.forwardPlace(s))
	// Others opened: the server listened and its port was open to them,
	// so "nothing listens" and a rule opening the port are wrong here.
	// Only this client's own opened: the port was open to it, and
	// something changed since (a ban after failed logins, a restart).
	who := d.openedBefore(s)
	opened := who != openedNone
	others, openTo, theOthers := "", "", ""
	switch who {
	case openedOthers:
		others = "; another control connection to this server opened before it in this capture"
		openTo, theOthers = "another control connection to this server opened before it", "the others"
	case openedSame:
		others = "; an earlier control connection of this client to this server opened in this capture"
		openTo, theOthers = "an earlier control connection of this client to this server opened", "this client before"
	}
	switch c.How {
	case decode.ConnectRefused:
		f.Code = CodeControlRefused
		f.TS, f.Packets = c.AnswerTS, []uint64{c.AnswerNum}
		f.Evidence = fmt.Sprintf("%s from %s to %s%s, answered by RST (packet %d, %s after the first SYN)", syns, s.Client, srv, over, c.AnswerNum, dur(c.AnswerTS.Sub(s.Start)))
		if c.Refusals > 1 {
			f.Evidence += fmt.Sprintf("; %d RSTs in all", c.Refusals)
		}
		f.Evidence += others
		if opened {
			rejects := "a firewall rejects this client only"
			if who == openedSame {
				rejects = "a firewall began rejecting this client"
			}
			f.Message = fmt.Sprintf("The control connection was refused: the client's SYN to %s was answered by a reset, though %s, so the server listens on port %d. At this moment it did not take this client: it was being restarted, its super-server paused the service (xinetd's cps limit), or %s (a ban such as fail2ban's after failed logins, or a connection-rate limit with a reject rule).",
				srv, openTo, srv.Port(), rejects)
			f.Advice = fmt.Sprintf("Look in the server's log for a restart or a paused service at %s, and on the firewall for a rule that names %s (nft list ruleset | grep -n %s, iptables -S | grep %s, fail2ban-client status). A rule that opens port %d to all is not the fix: the port was open to %s.",
				s.Start.UTC().Format("15:04:05 UTC"), s.Client.Addr(), s.Client.Addr(), s.Client.Addr(), srv.Port(), theOthers)
			break
		}
		if d.sweepProbe(s) {
			// One more probe of a sweep (sweepProbe): the reset is a
			// closed port's answer, and nothing says a server should
			// listen there. Info, so that a scan's thousands of probes
			// over weeks are not errors each telling to open the port;
			// the refusals before the sweep showed stay errors, so a real
			// outage still raises some.
			f.Severity = SeverityInfo
			none := "none of which opened an FTP session in this capture"
			if d.capture != nil && d.capture.spoke.forgotten > 0 {
				// The least recently opened clients were forgotten.
				none = fmt.Sprintf("none of which was among the %d or more client addresses that most recently opened an FTP session in this capture", maxSpokeClients)
			}
			f.Message = fmt.Sprintf("Port %d at %s refused this client's one SYN with a reset, as it refused %d or more other client addresses in a burst before it (the last %d, this one included, within a minute, and no pause longer than 2 minutes since), one SYN each and none sent again, %s, and no control connection to %s opened: a port scan looks like this. If an FTP server should answer at %s, nothing listens on port %d there, or a firewall rejects it with a TCP reset.",
				srv.Port(), srv.Addr(), sweepClients-1, sweepClients, none, srv, srv.Addr(), srv.Port())
			f.Advice = fmt.Sprintf("If an FTP server should answer at %s, check that it listens (ss -ltnp 'sport = :%d'); if it does, find the rule that rejects the port (nft list ruleset | grep -n reject, or iptables -S | grep REJECT). If none should, nothing needs changing: a reset is how a host answers a closed port.",
				srv.Addr(), srv.Port())
			break
		}
		f.Message = fmt.Sprintf("The control connection was refused: the client's SYN to %s was answered by a reset. Nothing listens on port %d at %s (the FTP server is not running, listens on another address or port, or its inetd, xinetd or systemd socket is not set up), or a firewall rejects the port with a TCP reset.",
			srv, srv.Port(), srv.Addr())
		f.Advice = fmt.Sprintf("On the server, check that the FTP server runs and listens on %s (ss -ltnp 'sport = :%d'). If it does, a firewall rejects the connection: find the reject rule (nft list ruleset | grep -n reject, or iptables -S | grep REJECT) and accept the control port before it: %s.",
			srv, srv.Port(), open)
	case decode.ConnectUnreachable:
		i := &track.ICMPInfo{From: c.ICMP.From, V6: c.ICMP.V6, Type: c.ICMP.Type, Code: c.ICMP.Code, TS: c.AnswerTS, Num: c.AnswerNum}
		f.Code = CodeControlUnreachable
		f.TS, f.Packets = c.AnswerTS, []uint64{c.AnswerNum}
		answerer := "the server itself"
		if i.From.Unmap() != srv.Addr().Unmap() {
			answerer = "a router on the path, " + i.From.Unmap().String()
		}
		f.Evidence = fmt.Sprintf("%s from %s to %s%s; ICMP%s %s (%s) from %s (packet %d)", syns, s.Client, srv, over, map[bool]string{true: "v6"}[i.V6], i.TypeName(), i.CodeName(), i.From.Unmap(), c.AnswerNum)
		// (No control address to compare with: the control connection is
		// the one that failed.)
		switch icmpKindOf(i, srv.Addr(), netip.Addr{}) {
		case icmpFirewall:
			d.server(s).connectRejected++
			where := "the server"
			open := open
			if i.From.Unmap() != srv.Addr().Unmap() {
				where = "the router " + i.From.Unmap().String()
				open = d.controlOpenAdvice(s, place{router: true})
			} else {
				open = d.controlOpenAdvice(s, placeHost)
			}
			f.Message = fmt.Sprintf("The control connection to %s was rejected: %s answered the client's SYN with ICMP %s (%s), as a firewall's reject rule does.", srv, answerer, i.TypeName(), i.CodeName())
			f.Advice = fmt.Sprintf("Find the reject rule on %s (%s) and accept the control port before it: %s.", where, icmpRejectRule(i), open)
			switch who {
			case openedOthers:
				f.Message += " The server took another control connection before it, so the rule rejects this client only (its address or network, a ban such as fail2ban's, or a rate limit)."
			case openedSame:
				f.Message += " The server took an earlier control connection of this client, so the rule is new or rejects it now only (a ban such as fail2ban's after failed logins, or a rate limit)."
			}
			if opened {
				f.Advice = fmt.Sprintf("Find the reject rule on %s (%s) that names %s or its network (nft list ruleset | grep -n %s, fail2ban-client status), and lift it if the client is legitimate; a rule that opens port %d to all is not the fix.", where, icmpRejectRule(i), s.Client.Addr(), s.Client.Addr(), srv.Port())
			}
		case icmpRoute:
			f.Message = fmt.Sprintf("The control connection to %s could not be made: %s answered the client's SYN with ICMP %s (%s): the server's address is not reachable from the client (the host is down, or no route leads to it).", srv, answerer, i.TypeName(), i.CodeName())
			f.Advice = fmt.Sprintf("Check that %s is up and that the client reaches its address (ping, traceroute from the client's network); a client told the wrong address (DNS, a NAT's old mapping) fails the same way.", srv.Addr())
		default:
			f.Message = fmt.Sprintf("The control connection to %s could not be made: %s answered the client's SYN with ICMP %s (%s)%s.", srv, answerer, i.TypeName(), i.CodeName(), icmpMeaning(i))
			f.Advice = icmpPathAdvice(i, srv)
		}
	case decode.ConnectUnanswered:
		f.Code = CodeControlUnanswered
		f.Packets = []uint64{}
		f.Evidence = fmt.Sprintf("%s from %s to %s%s, no answer (no SYN-ACK, RST or ICMP error in the capture)", syns, s.Client, srv, over) + others
		if opened {
			openFor, drops := "the port is open to others", "a firewall drops this client only"
			if who == openedSame {
				openFor, drops = "the port was open to it", "a firewall began dropping this client"
			}
			f.Message = fmt.Sprintf("The control connection to %s was never answered: the client sent its SYN %s and nothing came back, though %s, so %s. The server's listen queue was full (a busy server drops SYNs while its accept backlog overflows), or %s (a ban such as fail2ban's, or a connection-rate limit).",
				srv, plural(c.SYNs, "time", "times"), openTo, openFor, drops)
			f.Advice = fmt.Sprintf("On the server, nstat -az TcpExtListenOverflows TcpExtListenDrops counts SYNs dropped by a full queue (then raise the server's backlog and net.core.somaxconn, or its connection limits); else look on the firewall for a rule that names %s (nft list ruleset | grep -n %s, fail2ban-client status) or a rate limit on port %d. A rule that opens port %d to all is not the fix: the port was open to %s.",
				s.Client.Addr(), s.Client.Addr(), srv.Port(), srv.Port(), theOthers)
			break
		}
		f.Message = fmt.Sprintf("The control connection to %s was never answered: the client sent its SYN %s and nothing came back. A firewall drops the SYNs (on the server or a router in front of it), or the server's host is down or not at that address.",
			srv, plural(c.SYNs, "time", "times"))
		f.Advice = fmt.Sprintf("Accept the control port on the firewall that drops it: %s. If the server's host never sees the SYNs (tcpdump -ni any 'tcp port %d' on it), the drop is on the path; if it sees them and no SYN-ACK leaves, its own firewall drops them: the input chain, or the output chain dropping its SYN-ACKs (a capture does not show a packet the output chain dropped, so the two look the same; nft list ruleset shows which).",
			open, srv.Port())
	case decode.ConnectAnswerLost:
		f.Code = CodeControlUnanswered
		f.Evidence = fmt.Sprintf("%s from %s to %s%s; the server answered with %s, and the client sent its SYN again after it", syns, s.Client, srv, over, plural(max(c.SynAcks, 1), "SYN-ACK", "SYN-ACKs"))
		f.Message = fmt.Sprintf("The control connection to %s never opened: the server answered the client's SYN, but the client kept sending its SYN, so the server's SYN-ACKs never reached it. Something on the way back drops them: the server's output chain, a router between (asymmetric routing, where the return path passes a firewall that never saw the SYN), or the client's own input chain.",
			srv)
		f.Advice = "Accept the replies of established connections where they are dropped: on the server, nft insert rule inet filter output ct state established,related accept (or iptables -I OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT); on a router, the same in its forward chain; on the client, in its input chain. With asymmetric routing, make both directions pass the same stateful firewall."
	default:
		return nil
	}
	// Every never-opened connection feeds its client's run, whatever its
	// own wording: the run is the client's across servers.
	if c.How != decode.ConnectAnswerLost && d.hostScanProbe(s) && f.Severity == SeverityError && who == openedNone {
		hostScanWording(f, s)
		d.server(s).noteScanned(s.Client.Addr())
	}
	return f
}

// openedBefore tells which control connections to s's server opened
// before s's first SYN: the server listened and let a client in before
// this one failed. (One that began after says nothing: the server may
// have been down and come back.) Another client's tells the port is open
// to others, so a rule naming this client is a cause; only this client's
// own tell that the port was open to it, and something changed since.
func (d *Diagnoser) openedBefore(s *track.Session) openedWho {
	a := d.server(s)
	if a == d.overflow {
		return openedNone
	}
	return a.openers.before(s.Client.Addr(), s.Start)
}

// opened notes that s's control connection opened (its client spoke, or
// it ended with no failure to open): what openedBefore compares with.
// (Not at its start: a connection that never opens is a session from its
// first SYN too.)
func (a *serverAcc) opened(s *track.Session) {
	a.openers.add(s.Client.Addr(), s.Start)
	if a.shared != nil {
		a.shared.spoke.add(s.Client.Addr())
	}
}

// A sweep of the control port: many addresses each sent one SYN to an
// address of the host where nothing listens on it, drew the kernel's
// reset and never came back, and none of them ever opened an FTP session.
// That is a port scan (spoofed or distributed sources, a botnet, a search
// engine's scanner), or a server nobody should reach there: the capture
// cannot tell which, so it says both, and opens no port.
const (
	// sweepClients distinct client addresses make a sweep. A real client
	// refused sends its SYN again (Windows twice more), retries (lftp,
	// FileZilla, a monitor's next check) or opened a session elsewhere;
	// eight addresses in a row doing none of that is a scanner's shape,
	// and the seven refusals before the sweep shows stay errors, so a
	// real outage of many one-shot clients still raises some.
	sweepClients = 8
	// sweepSpan: the sweepClients addresses' refusals come within it. A
	// scanner's burst sends its probes of one host seconds apart; real
	// clients of a server that is down come as their users and cron jobs
	// do, minutes apart, and eight distinct ones within a minute, none
	// trying again, is rare.
	sweepSpan = time.Minute // "a minute" in sweepProbe's finding
	// sweepGap: a run of refusals with no probe for longer than this has
	// ended (a scanner's burst is over): the next refusal starts a new
	// run, whose first sweepClients-1 are errors again, so an outage
	// hours after a scan alerts as if no scan had been.
	sweepGap = 2 * time.Minute // "2 minutes" in the finding
	// maxSweepAddrs bounds the addresses a server's sweep tells apart
	// (refusalSweep.addrs); past it they are counted, not told apart.
	maxSweepAddrs = 256
	// maxSpokeClients: the client addresses whose control connections
	// opened most recently, capture-wide, that clientsSpoke always
	// keeps (it holds up to twice as many); the least recently opened
	// beyond are forgotten, counted (Omitted.SweepClientsForgotten).
	maxSpokeClients = 8192
)

// refusalSweep is what a server's refused control connections tell of a
// sweep (sweepProbe). The refusals come in runs, each ended by a quiet
// gap longer than sweepGap; a run's sweep shows when its sweepClients
// latest refusals, one SYN each from as many addresses, came within
// sweepSpan, while none broke the shape.
type refusalSweep struct {
	// addrs: the addresses of the current run's refusals, each with its
	// run's number; at most maxSweepAddrs. A run that ends lets its go
	// (a full map would keep every later run from telling a repeat);
	// named counts those of the ended runs whose sweep showed, for the
	// verdict.
	addrs map[netip.Addr]uint32
	named int
	more  bool // an address past maxSweepAddrs
	// run: the current run's number (from 1); last, its latest refusal;
	// recent, the times of its latest sweepClients probes (a ring, at
	// next); runErrs, its refusals reported as errors.
	run     uint32
	last    time.Time
	recent  [sweepClients]time.Time
	next    int
	runErrs int
	// shown: the current run's sweep showed. broken: before it showed,
	// a refusal that is no probe's (more than one SYN, an address
	// refused before in the run, one that opened a session somewhere)
	// or a control connection to the server opened: no sweep in this
	// run.
	shown, broken bool
	// sweeps: runs whose sweep showed; probes, their refusals, the
	// sweepClients-1 errors before each showed included. unexplained:
	// errors of runs whose sweep never showed. spoiled: after a sweep
	// showed, a refusal that is no probe's (an error). Either makes the
	// verdict no scan's.
	sweeps, probes, unexplained int
	spoiled                     bool
}

// found tells whether the server's refusals are a sweep's, all of them:
// a sweep showed, nothing spoiled it, and every refusal reported as an
// error is one of a sweep's first sweepClients-1.
func (w *refusalSweep) found() bool {
	pending := 0
	if !w.shown {
		pending = w.runErrs
	}
	return w.sweeps > 0 && !w.spoiled && w.unexplained+pending == 0
}

// begin ends the current run if nothing came for longer than sweepGap
// before at: a new burst starts with errors.
func (w *refusalSweep) begin(at time.Time) {
	if w.run != 0 && at.Sub(w.last) <= sweepGap {
		return
	}
	if !w.shown {
		w.unexplained += w.runErrs
	} else {
		w.named += len(w.addrs)
	}
	clear(w.addrs) // a run that showed nothing names nobody
	w.run++
	w.runErrs, w.next, w.shown, w.broken = 0, 0, false, false
	w.recent = [sweepClients]time.Time{}
}

// seen tells whether a was refused before in the current run.
func (w *refusalSweep) seen(a netip.Addr) bool {
	r, ok := w.addrs[a]
	return ok && r == w.run
}

// add notes a probe from a at at and tells whether the run's latest
// sweepClients probes came within sweepSpan.
func (w *refusalSweep) add(a netip.Addr, at time.Time) bool {
	w.recent[w.next] = at
	w.next = (w.next + 1) % sweepClients
	oldest := w.recent[w.next] // the ring's oldest: sweepClients probes ago
	if _, ok := w.addrs[a]; ok || len(w.addrs) < maxSweepAddrs {
		if w.addrs == nil {
			w.addrs = make(map[netip.Addr]uint32)
		}
		w.addrs[a] = w.run
	} else {
		w.more = true
	}
	return !oldest.IsZero() && at.Sub(oldest) <= sweepSpan
}

// clientsSpoke is the set of client addresses whose control connections
// opened in the capture, each kept as a 32-bit hash: a few bytes per
// client of a capture of thousands (two addresses sharing one makes a
// probe look like a client's, which only keeps a sweep from showing).
// It follows what is recent, in two generations: cur takes the
// addresses as their connections open, and once it holds
// maxSpokeClients, a new one makes it prev and drops the prev before
// (counted in forgotten). An address of prev that opens again moves to
// cur. So the maxSpokeClients addresses that opened most recently are
// always kept, and one is forgotten only after that many others opened
// since its latest; one that comes back after that is a new client.
// (A set that stayed full once it filled took every later refusal from
// an address not in it for no probe: a capture of weeks lost the sweep
// for good.)
type clientsSpoke struct {
	cur, prev map[uint32]struct{}
	forgotten int
}

// spokeKey is a's FNV-1a hash.
func spokeKey(a netip.Addr) uint32 {
	h := uint32(2166136261)
	for _, b := range a.Unmap().As16() {
		h = (h ^ uint32(b)) * 16777619
	}
	return h
}

func (c *clientsSpoke) add(a netip.Addr) {
	k := spokeKey(a)
	if _, ok := c.cur[k]; ok {
		return
	}
	delete(c.prev, k) // opened again: the latest generation's now
	if len(c.cur) >= maxSpokeClients {
		c.forgotten += len(c.prev)
		c.prev, c.cur = c.cur, c.prev
		clear(c.cur) // keeps its room for the next generation
	}
	if c.cur == nil {
		c.cur = make(map[uint32]struct{})
	}
	c.cur[k] = struct{}{}
}

func (c *clientsSpoke) has(a netip.Addr) bool {
	k := spokeKey(a)
	if _, ok := c.cur[k]; ok {
		return true
	}
	_, ok := c.prev[k]
	return ok
}

// sweepProbe notes s, refused with no control connection to its server
// opened before it, in its server's sweep, and tells whether s is a probe
// of a sweep that has shown by now: one SYN, from an address that opened
// no FTP session in the capture so far (of those clientsSpoke keeps: the
// maxSpokeClients latest or more) and was not refused there before
// in the run, at a server no control connection to which opened so far,
// within sweepGap of the run's refusal before it. Judged as the sessions
// end: a client that opens a session after its refusal does not change
// it.
func (d *Diagnoser) sweepProbe(s *track.Session) bool {
	a := d.server(s)
	if a == d.overflow {
		return false
	}
	w := &a.sweep
	addr := s.Client.Addr().Unmap()
	at := s.Start
	w.begin(at)
	if at.After(w.last) {
		w.last = at
	}
	probe := s.Connect.SYNs == 1 && !a.openers.first.client.IsValid() && !w.seen(addr)
	if probe && a.shared != nil && a.shared.spoke.has(addr) {
		probe = false
	}
	if w.shown {
		if !probe {
			w.spoiled = true
			return false
		}
		w.add(addr, at)
		w.probes++
		return true
	}
	w.runErrs++
	if w.broken {
		return false
	}
	if !probe {
		w.broken = true
		return false
	}
	if !w.add(addr, at) {
		return false
	}
	// The sweep shows: this refusal is its first info; the run's errors
	// before it were its probes too.
	w.runErrs--
	w.shown = true
	w.sweeps++
	w.probes += w.runErrs + 1
	return true
}

// openedWho is what opened at a server before a session's first SYN.
type openedWho uint8

const (
	openedNone   openedWho = iota
	openedSame             // only connections of this session's client
	openedOthers           // another client's
)

// openers keeps, of the clients whose control connections to a server
// opened, the two with the earliest starts (distinct clients, first the
// earliest): enough to tell whether any client other than a given one
// opened before a given time. A client's earliest start only goes down,
// so a client not among the two can never become one of them again
// unless one of its later-seen sessions starts earlier.
type openers struct {
	first, second struct {
		client netip.Addr
		at     time.Time
	}
}

func (o *openers) add(client netip.Addr, at time.Time) {
	switch {
	case !o.first.client.IsValid():
		o.first.client, o.first.at = client, at
	case client == o.first.client:
		if at.Before(o.first.at) {
			o.first.at = at
		}
	case client == o.second.client:
		if at.Before(o.second.at) {
			o.second.at = at
		}
		if o.second.at.Before(o.first.at) {
			o.first, o.second = o.second, o.first
		}
	case at.Before(o.first.at):
		o.second = o.first
		o.first.client, o.first.at = client, at
	case !o.second.client.IsValid() || at.Before(o.second.at):
		o.second.client, o.second.at = client, at
	}
}

// before tells who opened before at, as seen by client.
func (o *openers) before(client netip.Addr, at time.Time) openedWho {
	if !o.first.client.IsValid() || !o.first.at.Before(at) {
		return openedNone
	}
	if o.first.client != client || o.second.client.IsValid() && o.second.at.Before(at) {
		return openedOthers
	}
	return openedSame
}

// controlOpenAdvice is the rule that opens s's control port at p: the
// server's input chain, a router's forward chain, or (p zero) where the
// capture point allows: the server's when the capture is on its side,
// else either.
func (d *Diagnoser) controlOpenAdvice(s *track.Session, p place) string {
	if p == (place{}) {
		p = place{}.either()
		if atServer(d.capture, s) {
			p = placeHost
		}
	}
	port := s.Server.Port()
	rs := policy.Ranges{{Lo: port, Hi: port}}
	v6 := isV6(s.Server)
	var ways []string
	if p.host {
		ways = append(ways, fmt.Sprintf("on the server, %s (or %s)", nftRule(rs), iptablesRule(rs, v6)))
	}
	if p.router {
		// The address the client reached, when the capture shows it
		// (clientReached): a router's own that it forwards (DNAT) to a
		// server behind it, or the server's that it routes to. Behind
		// the NAT (a public client reaching a private address) the
		// capture shows the server's inside address, the one the
		// forward chain sees; where it cannot tell, no address.
		ways = append(ways, "on a router or firewall in front of it, "+forwardRules(rs, v6, d.forwardPlace(s)))
	}
	return strings.Join(ways, "; ")
}

// forwardPlace is the address a forward chain's accept for the control
// connection of s can name: behind the NAT (a public client reaching a
// private address) the capture shows the server's inside address, the
// one the forward chain sees; where the capture shows the address the
// client reached (clientReached), a router's own that it forwards
// (DNAT) to a server behind it or the server's that it routes to, that
// one as conntrack's original destination; where it cannot tell, none.
func (d *Diagnoser) forwardPlace(s *track.Session) place {
	switch srv := s.Server.Addr().Unmap(); {
	case !Local(s.Client.Addr().Unmap()) && Local(srv):
		return place{inside: srv}
	case clientReached(d.capture, s, srv):
		return place{public: srv}
	}
	return place{}
}

// forwardSeen notes, for the server's summary rules (connectVerdict),
// the forward place a failed control connection of s could name: the
// server's rules name an address only when every such session named the
// same one.
func (a *serverAcc) forwardSeen(p place) {
	switch {
	case !a.fwdSet:
		a.fwd, a.fwdSet = p, true
	case a.fwd != p:
		a.fwd = place{}
	}
}

// icmpRejectRule names the reject rule that answers with i: iptables'
// --reject-with name (and nft's reject with icmp type).
func icmpRejectRule(i *track.ICMPInfo) string {
	// Each code's iptables name and nft's, which differ for some
	// (nft describe icmp_code, icmpv6_code: prot-unreachable,
	// admin-prohibited).
	v4 := map[uint8][2]string{0: {"icmp-net-unreachable", "net-unreachable"}, 1: {"icmp-host-unreachable", "host-unreachable"},
		2: {"icmp-proto-unreachable", "prot-unreachable"}, 3: {"icmp-port-unreachable", "port-unreachable"},
		9: {"icmp-net-prohibited", "net-prohibited"}, 10: {"icmp-host-prohibited", "host-prohibited"}, 13: {"icmp-admin-prohibited", "admin-prohibited"}}
	v6 := map[uint8][2]string{0: {"icmp6-no-route", "no-route"}, 1: {"icmp6-adm-prohibited", "admin-prohibited"},
		3: {"icmp6-addr-unreachable", "addr-unreachable"}, 4: {"icmp6-port-unreachable", "port-unreachable"}}
	if i.V6 {
		if n, ok := v6[i.Code]; ok && i.IsUnreachable() {
			return "ip6tables -j REJECT --reject-with " + n[0] + ", or nft reject with icmpv6 type " + n[1]
		}
	} else if n, ok := v4[i.Code]; ok && i.IsUnreachable() {
		return "iptables -j REJECT --reject-with " + n[0] + ", or nft reject with icmp type " + n[1]
	}
	return "a reject rule"
}

// connectFailed counts the server's sessions whose control connection
// never opened.
func (a *serverAcc) connectFailed() int {
	return a.findings[CodeControlRefused] + a.findings[CodeControlUnreachable] + a.findings[CodeControlUnanswered]
}

// connectCodes names the codes of connectFailed's findings, for "see …".
func (a *serverAcc) connectCodes() string {
	var codes []string
	for _, c := range []string{CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered} {
		if a.findings[c] > 0 {
			codes = append(codes, c)
		}
	}
	return strings.Join(codes, ", ")
}

// connectVerdict is the verdict of a server no session of which opened
// its control connection, and the rules that open its control port.
func (a *serverAcc) connectVerdict(fam family) (string, []string) {
	p := a.addr.Port()
	n := a.connectFailed()
	what := plural(n, "control connection", "control connections")
	var v string
	switch {
	case a.scanned == n:
		// Scanners' probes only: no rule that opens the port either.
		from := a.scanFrom.String()
		if a.scanFromMore {
			from = "scanners (" + from + " and others)"
		}
		each := "one SYN each"
		if n == 1 {
			each = "of one SYN"
		}
		v = fmt.Sprintf("no control connection to port %d opened: %s %s from %s, which sent one each to the control ports of many other addresses within a minute, none of them a server any control connection opened to (see %s): a scan of many hosts looks like this; if an FTP server should answer at %s, check that it is up and listens there (ss -ltnp 'sport = :%d')",
			p, plural(n, "connection attempt", "connection attempts"), each, from, a.connectCodes(), a.addr.Addr(), p)
		if a.refused > 0 {
			v += fmt.Sprintf("; %s the server refused (see session-refused)", plural(a.refused, "other session", "other sessions"))
		}
		return v, []string{fmt.Sprintf("# if an FTP server should answer at %s, first check that it is up and listens (ss -ltnp 'sport = :%d'); no rule here opens the port: a scan draws the same answers", a.addr, p)}
	case a.findings[CodeControlRefused] == n && a.sweep.found() && !a.sweep.spoiled:
		// A scan, or a server nobody reaches: no rule that opens the
		// port, only the check that something should listen there.
		w := &a.sweep
		from, once := fmt.Sprintf("%d different addresses", w.named+len(w.addrs)), "none sent again"
		if w.more {
			from = fmt.Sprintf("%d or more different addresses", w.named+len(w.addrs))
		}
		if w.sweeps > 1 {
			// An address may come back in a later burst: each burst's
			// are told apart, not all of them (a burst lets its go).
			from = fmt.Sprintf("%d addresses over %d bursts, each burst's counted apart (one may come back in a later burst)", w.named+len(w.addrs), w.sweeps)
			if w.more {
				from = fmt.Sprintf("%d or more addresses over %d bursts, each burst's counted apart (one may come back in a later burst)", w.named+len(w.addrs), w.sweeps)
			}
			once = "none sent again within its burst"
		}
		v = fmt.Sprintf("no control connection to port %d opened: port %d at %s refused %s from %s, one SYN each and %s, and no FTP session ever opened there (see control-refused): a port scan looks like this; if an FTP server should answer at %s, nothing listens there or a firewall rejects it with a TCP reset (ss -ltnp 'sport = :%d')",
			p, p, a.addr.Addr(), plural(w.probes, "connection attempt", "connection attempts"), from, once, a.addr.Addr(), p)
		if a.refused > 0 {
			v += fmt.Sprintf("; %s the server refused (see session-refused)", plural(a.refused, "other session", "other sessions"))
		}
		return v, []string{fmt.Sprintf("# if an FTP server should answer at %s, first check that it listens (ss -ltnp 'sport = :%d'); no rule here opens the port: a scan draws the same resets", a.addr, p)}
	case a.findings[CodeControlRefused] == n:
		v = fmt.Sprintf("no control connection to port %d opened: every SYN was answered by a reset (see control-refused): the FTP server does not listen on %s, or a firewall rejects the port with a TCP reset", p, a.addr)
	case a.findings[CodeControlUnreachable] == n:
		v = fmt.Sprintf("no control connection to port %d opened: the SYNs drew ICMP errors (see control-unreachable for the sender and what it means)", p)
	case a.findings[CodeControlUnanswered] == n:
		v = fmt.Sprintf("no control connection to port %d opened: the SYNs got no answer the clients took (see control-unanswered): a firewall drops them, or the server's answers, on the way", p)
	default:
		v = fmt.Sprintf("none of %s to port %d opened (see %s)", what, p, a.connectCodes())
	}
	if a.refused > 0 {
		v += fmt.Sprintf("; %s the server refused (see session-refused)", plural(a.refused, "other session", "other sessions"))
	}
	if a.findings[CodeControlRefused]+a.findings[CodeControlUnanswered]+a.connectRejected == 0 {
		return v, nil // ICMP errors of routes, loops, parameters: no rule helps
	}
	// (Where the firewall sits, each finding says from its session's
	// capture point; the rules name both places.)
	var lines []string
	if a.findings[CodeControlRefused] > 0 {
		lines = append(lines, fmt.Sprintf("# first check that the FTP server listens on %s (ss -ltnp 'sport = :%d'): with nothing listening, every SYN is answered by a reset and no rule helps", a.addr, p))
	}
	return v, append(lines, openLines(fam, a.fwd.either(), policy.Ranges{{Lo: p, Hi: p}}, a.v6)...)
}
