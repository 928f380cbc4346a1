package diagnose

import (
	"fmt"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

const (
	// timeWait is how long a closed TCP connection's port stays taken
	// (Linux TCP_TIMEWAIT_LEN): a range of k ports allows about k data
	// connections per timeWait.
	timeWait = 60 * time.Second
	// maxRecentPorts bounds the passive announcements each server keeps
	// for the exhaustion check (the oldest go first).
	maxRecentPorts = 1024
	// minCycled is the fewest ports of a range inferred from the
	// announcements alone that must all have been handed out within
	// timeWait before a port outside them counts as the server leaving an
	// exhausted range: two or three ports seen in turn are no cycled
	// range.
	minCycled = 4
	// minKnown is the same for a range that is given (--server-config, or
	// --pasv-range's when the server's own is not): every port of it
	// announced within timeWait, and no announcement near it outside it,
	// is the range in use; ProFTPD's PassivePorts takes two ports at
	// least (a one-port range proves nothing: two ports seen in turn).
	minKnown = 2
	// maxCycled bounds the block of ports looked for when the range is not
	// known: finding its ends walks the ports in the window, and a block
	// wider than this is not told from a server's ordinary spread (a
	// pipelined flood of 227s would otherwise cost a walk per
	// announcement).
	maxCycled = 256
	// farOutside is how far from the cycled block a port must be to be a
	// fallback rather than the next port of a sequential allocator.
	farOutside = 64
)

type portUse struct {
	ts   time.Time
	port uint16
}

// portWindow holds a server's passive announcements of the last timeWait
// (at most maxRecentPorts), with a count per port, so that each new
// announcement costs what it adds and what ages out, not a walk of them
// all. inRange and near count its distinct ports against the range rs
// given for the server; a session that gets another range (its greeting
// names another family than the configuration's) recounts them.
type portWindow struct {
	uses    []portUse // oldest first
	count   map[uint16]int
	rs      policy.Ranges // the range inRange and near count against
	inRange int           // distinct ports in count inside rs
	near    int           // distinct ports in count outside rs, within farOutside of it
}

// setRanges makes rs the range the window counts against, recounting
// when it was another (at most maxRecentPorts ports).
func (w *portWindow) setRanges(rs policy.Ranges) {
	if slices.Equal(rs, w.rs) {
		return
	}
	w.rs = slices.Clone(rs)
	w.inRange, w.near = 0, 0
	for p := range w.count {
		w.tally(p, 1)
	}
}

// tally adds d to the counts of the distinct port p's class.
func (w *portWindow) tally(p uint16, d int) {
	switch {
	case len(w.rs) == 0:
	case w.rs.Contains(p):
		w.inRange += d
	case nearRange(w.rs, p):
		w.near += d
	}
}

// expire drops the announcements older than timeWait before now.
func (w *portWindow) expire(now time.Time) {
	for len(w.uses) > 0 && decode.PacketSub(now, w.uses[0].ts) >= timeWait {
		w.pop()
	}
}

func (w *portWindow) pop() {
	p := w.uses[0].port
	w.uses = w.uses[1:]
	if w.count[p]--; w.count[p] == 0 {
		delete(w.count, p)
		w.tally(p, -1)
	}
}

func (w *portWindow) push(u portUse) {
	if len(w.uses) >= maxRecentPorts {
		w.pop()
	}
	if w.count == nil {
		w.count = make(map[uint16]int)
	}
	w.uses = append(w.uses, u)
	if w.count[u.port]++; w.count[u.port] == 1 {
		w.tally(u.port, 1)
	}
}

// span is the lowest and highest port of rs.
func span(rs policy.Ranges) (lo, hi uint16) {
	lo, hi = rs[0].Lo, rs[0].Hi
	for _, r := range rs[1:] {
		lo, hi = min(lo, r.Lo), max(hi, r.Hi)
	}
	return lo, hi
}

// nearRange reports whether p, outside rs, lies within farOutside of it:
// the next port of a sequential allocator, or a port of a wider range the
// server runs, rather than a fallback the kernel chose.
func nearRange(rs policy.Ranges, p uint16) bool {
	lo, hi := span(rs)
	return int(p)+farOutside >= int(lo) && int(p) <= int(hi)+farOutside
}

// exhaustion is what rangeExhaustion found: every port of the range a
// server hands out announced within TIME_WAIT, then a port outside it.
// The range is the server's configuration's (--server-config) or, with
// none, inferred: the firewall's (--pasv-range) when every port of it was
// announced and none near it outside it (firewall), else a contiguous
// block of at least minCycled ports, every one of them announced. An inferred range
// is what the packets show the server using, not its configuration, and
// the advice that uses it says so.
type exhaustion struct {
	lo, hi   uint16
	k        int  // ports in the range
	inferred bool // not read from the server's configuration
	firewall bool // of those, --pasv-range's, every port of it announced
	span     time.Duration
	n        int     // announcements in the window, this one included
	perMin   float64 // announcements per minute over the window
	need     int     // ports the rate calls for: twice it, for headroom
	wider    policy.PortRange
}

// rangeExhaustion checks a passive announcement against the server's
// recent ones: every port of its range announced within TIME_WAIT, then a
// port outside it (ProFTPD falls back to a kernel-chosen port when its
// PassivePorts are all in use). The range is the server's own, from
// --server-config; without it, --pasv-range's, the firewall's, which a
// server may leave because it runs another range rather than because it
// ran out. Either is taken as the one in use when every port of it (at
// least minKnown) was announced within TIME_WAIT and neither this port nor
// any other announced outside it lies near it (within farOutside: a wider
// range or a sequential allocator's next port, not a kernel's fallback).
// With neither given, or with the firewall's not the range the server
// cycled through (a part of its range, or a wider one), the ports must
// form a contiguous block of at least minCycled and the port outside must
// have failed. A family that never
// leaves its range (leavesFullRange) is never exhausted this way: a port
// outside the range given is then another configuration's
// (port-outside-range). It records the announcement in the server's
// window, so it runs once per data connection, before the findings that
// use what it found.
func (d *Diagnoser) rangeExhaustion(s *track.Session, dc *track.DataConn) *exhaustion {
	if !dc.Passive || dc.Via == 0 || !dc.Announced.IsValid() || dc.Armed.IsZero() {
		return nil
	}
	a := d.server(s)
	p, t := dc.Announced.Port(), dc.Armed
	pol := d.polOf(s)
	rs, inferred, firewall := pol.Ranges, true, len(pol.Ranges) > 0
	if sc := pol.Server; sc != nil && len(sc.PassiveRange) > 0 {
		rs, inferred, firewall = sc.PassiveRange, false, false
	}
	w := &a.recent
	w.setRanges(rs)
	w.expire(t)
	defer w.push(portUse{ts: t, port: p})
	if len(w.uses) == 0 || !leavesFullRange(d.family(s)) {
		return nil
	}
	lo, hi, k, ok := givenExhausted(w, rs, p)
	switch {
	case ok:
	case len(rs) > 0 && !firewall:
		// The configuration's range is the server's own: a block of
		// other ports is not its range.
		return nil
	default:
		// No range given, or the firewall's is not the one the server
		// cycled through (a part of its range, or a wider one): the
		// block of ports it did cycle through.
		firewall = false
		if lo, hi, k, ok = cycledBlock(w, p, dc.Outcome.Failed()); !ok {
			return nil
		}
	}
	ex := &exhaustion{lo: lo, hi: hi, k: k, inferred: inferred, firewall: firewall, span: t.Sub(w.uses[0].ts), n: len(w.uses) + 1}
	ex.perMin = float64(ex.n) / max(ex.span.Minutes(), 1.0/60)
	ex.need = max(int(ex.perMin*timeWait.Minutes()*2)+1, 2*k) // twice the rate seen, for headroom
	ex.wider = policy.PortRange{Lo: lo, Hi: uint16(min(int(lo)+ex.need-1, 65535))}
	return ex
}

// givenExhausted reports whether every port of the range rs given (at
// least minKnown) is in the window w and neither p nor any other port of
// w outside rs lies near it; lo, hi and k are then its span and its size.
func givenExhausted(w *portWindow, rs policy.Ranges, p uint16) (lo, hi uint16, k int, ok bool) {
	if len(rs) == 0 || rs.Contains(p) || nearRange(rs, p) {
		return 0, 0, 0, false
	}
	for _, r := range rs {
		k += r.Len()
	}
	if k < minKnown || w.inRange < k || w.near > 0 {
		return 0, 0, 0, false
	}
	lo, hi = span(rs)
	return lo, hi, k, true
}

// cycledBlock reports whether the window w's ports form a contiguous
// block of minCycled to maxCycled ports, every one of them announced, and
// p, a port whose connection failed, lies far outside it; lo, hi and k
// are then the block's span and its size.
func cycledBlock(w *portWindow, p uint16, failed bool) (lo, hi uint16, k int, ok bool) {
	if len(w.count) < minCycled || len(w.count) > maxCycled || !failed {
		return 0, 0, 0, false
	}
	first := true
	for q := range w.count {
		if first || q < lo {
			lo = q
		}
		if first || q > hi {
			hi = q
		}
		first = false
	}
	if int(hi-lo)+1 != len(w.count) || int(p)+farOutside >= int(lo) && int(p) <= int(hi)+farOutside {
		return 0, 0, 0, false
	}
	return lo, hi, len(w.count), true
}

// leavesFullRange reports whether a server of family f may hand out a
// port outside its passive range when every port of it is in use: ProFTPD
// (PassivePorts: "defaulting to INPORT_ANY", a port the kernel chooses)
// and pyftpdlib (handlers.py PassiveDTP: "A random kernel-assigned port
// will be used") do; vsftpd (privops.c vsf_privop_pasv_listen: a few
// random binds inside the range, then the session ends) and Pure-FTPd
// (ftpd.c dopasv: every port of firstport-lastport tried, then "425"
// MSG_PORTS_BUSY) never do, and neither does a server without passive
// settings (GNU inetutils ftpd: its ports are the kernel's, whose bind of
// port 0 fails when they are all taken). A family not known, or whose code
// ftpsniff has not read, may.
func leavesFullRange(f family) bool {
	if f.noPassive {
		return false
	}
	switch f.kind {
	case policy.ServerVsftpd, policy.ServerPureFTPd:
		return false
	}
	return true
}

// block names the exhausted range: "the 4 ports 40000-40003 it had been
// handing out" when inferred (a block of announced ports, never called a
// configured range), "its range 40000-40003" when given.
func (ex *exhaustion) block() string {
	if ex.inferred {
		return fmt.Sprintf("the %d ports %d-%d it had been handing out", ex.k, ex.lo, ex.hi)
	}
	return fmt.Sprintf("all %d ports of its range %d-%d", ex.k, ex.lo, ex.hi)
}

// widenBrief is the fix for findings that point to passive-range-exhausted
// for the rules: the setting only.
func (ex *exhaustion) widenBrief(fam family) string {
	return fmt.Sprintf("Widen the range to at least %d ports (%s) and open the widened range (the rules, where the packets place the firewall, are under passive-range-exhausted)", ex.need, fam.rangeSetIn(ex.wider))
}

// rangeExhausted is the passive-range-exhausted finding for what
// rangeExhaustion found (nil: nothing).
func (d *Diagnoser) rangeExhausted(s *track.Session, dc *track.DataConn, ex *exhaustion) *Finding {
	if ex == nil {
		return nil
	}
	p := dc.Announced.Port()
	fam := d.family(s)
	f := &Finding{Code: CodeRangeExhausted, Severity: SeverityWarning, TS: dc.Armed, Data: dc, widened: ex.wider}
	ann, pk := announcement(dc)
	f.Packets = packets(pk, []uint64{dc.SYNNum})
	f.Evidence = joinEvidence(ann, fmt.Sprintf("the %d ports %d-%d were all announced in the %s before it (%d announcements); outcome %s", ex.k, ex.lo, ex.hi, dur(ex.span), ex.n-1, dc.Outcome))
	f.Message = fmt.Sprintf("The server announced port %d, outside the %d ports %d-%d it had been handing out: all of them were announced in the last %s, so each was still in use or in TIME_WAIT (60 s on Linux) and the range was exhausted; %s", p, ex.k, ex.lo, ex.hi, dur(ex.span), fallbackWord(fam))
	switch {
	case ex.firewall:
		f.Message += fmt.Sprintf(" The server's passive range was not given (--server-config): %d-%d, the firewall's (--pasv-range), is inferred from the announcements (it had been handing out every port of it), not read from its configuration.", ex.lo, ex.hi)
	case ex.inferred:
		f.Message += fmt.Sprintf(" The server's passive range was not given (--server-config): %d-%d is inferred from the announcements, not read from its configuration.", ex.lo, ex.hi)
	}
	if dc.Outcome.Failed() {
		f.Severity = SeverityError
		f.Message += fmt.Sprintf(" That port is not open on the way: the data connection %s.", dc.Outcome)
	}
	f.Advice = fmt.Sprintf("A range of %d ports allows about %d data connections per minute (each port stays in TIME_WAIT for 60 s); this server handled about %.0f per minute. %s. Or run fewer transfers in parallel.",
		ex.k, ex.k, ex.perMin, d.widenAdvice(s, dc, fam, ex)) + fam.note()
	return f // (Data hedges it, with every data finding, when its announcement is in doubt: conflicted.go)
}

// fallbackWord says where the server went when its range was used up:
// ProFTPD lets the kernel choose (a server not known may be ProFTPD);
// another family is not said to do what ProFTPD does.
func fallbackWord(fam family) string {
	switch fam.kind {
	case policy.ServerProFTPD, policy.ServerUnknown:
		return "the server fell back to a port the kernel chose (ProFTPD does so when all PassivePorts are in use)."
	case policy.ServerPyftpdlib:
		return "the server fell back to a port the kernel chose (pyftpdlib does so when all its passive_ports are in use)."
	}
	return "the server fell back to a port outside it."
}

// widenAdvice is the fix for an exhausted range: widen it to what the
// rate calls for and open that, where the packets place the firewall (the
// server host's input chain, a router's forward chain in front, or both
// named), in the syntax of the server's system. passive-range-exhausted
// and the failed connection's own finding both give it.
func (d *Diagnoser) widenAdvice(s *track.Session, dc *track.DataConn, fam family, ex *exhaustion) string {
	open := policy.Ranges{ex.wider}
	v6 := isV6(dc.Server)
	if !dc.Server.IsValid() {
		v6 = isV6(dc.Announced)
	}
	at := passivePlace(d.capture, s, dc)
	host := fam.hostRule(open, v6, linuxOpenRule(open, v6))
	return fmt.Sprintf("Widen the range to at least %d ports (%s) and open it: %s", ex.need, fam.rangeSetIn(ex.wider), openAt(at, open, v6, host))
}
