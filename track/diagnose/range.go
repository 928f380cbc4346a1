package diagnose

import (
	"fmt"
	"time"

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
	// minCycled is the fewest ports of a range that must all have been
	// handed out within timeWait before a port outside them counts as the
	// server leaving an exhausted range: two ports seen in turn are no
	// cycled range, known or not.
	minCycled = 4
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
// all.
type portWindow struct {
	uses    []portUse // oldest first
	count   map[uint16]int
	inRange int // distinct ports in count inside the policy's ranges
}

// expire drops the announcements older than timeWait before now.
func (w *portWindow) expire(now time.Time, rs policy.Ranges) {
	for len(w.uses) > 0 && now.Sub(w.uses[0].ts) >= timeWait {
		w.pop(rs)
	}
}

func (w *portWindow) pop(rs policy.Ranges) {
	p := w.uses[0].port
	w.uses = w.uses[1:]
	if w.count[p]--; w.count[p] == 0 {
		delete(w.count, p)
		if rs.Contains(p) {
			w.inRange--
		}
	}
}

func (w *portWindow) push(u portUse, rs policy.Ranges) {
	if len(w.uses) >= maxRecentPorts {
		w.pop(rs)
	}
	if w.count == nil {
		w.count = make(map[uint16]int)
	}
	w.uses = append(w.uses, u)
	if w.count[u.port]++; w.count[u.port] == 1 && rs.Contains(u.port) {
		w.inRange++
	}
}

// exhaustion is what rangeExhaustion found: every port of the range a
// server hands out announced within TIME_WAIT, then a port outside it.
// The range is the one given (--pasv-range or --server-config) or, with
// none, inferred from the announcements: a contiguous block of at least
// minCycled ports, every one of them announced. An inferred range is what
// the packets show the server using, not its configuration, and the
// advice that uses it says so.
type exhaustion struct {
	lo, hi   uint16
	k        int  // ports in the range
	inferred bool // from the announcements: no range was given
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
// --server-config; --pasv-range is the firewall's, which a server leaves
// when it runs another range, not when it runs out. With the server's
// range known, leaving it after at least minCycled of its ports is enough;
// without, the ports must form a contiguous block and the port outside
// must have failed. A family that never leaves its range
// (leavesFullRange) is never exhausted this way: a port outside the range
// given is then another configuration's (port-outside-range). It records the announcement in the server's window,
// so it runs once per data connection, before the findings that use what
// it found.
func (d *Diagnoser) rangeExhaustion(s *track.Session, dc *track.DataConn) *exhaustion {
	if !dc.Passive || dc.Via == 0 || !dc.Announced.IsValid() || dc.Armed.IsZero() {
		return nil
	}
	a := d.server(s)
	p, t := dc.Announced.Port(), dc.Armed
	var rs policy.Ranges
	if sc := d.polOf(s).Server; sc != nil {
		rs = sc.PassiveRange
	}
	w := &a.recent
	w.expire(t, rs)
	defer w.push(portUse{ts: t, port: p}, rs)
	if len(w.uses) == 0 || !leavesFullRange(d.family(s).kind) {
		return nil
	}
	var lo, hi uint16
	k := 0
	if len(rs) > 0 {
		if rs.Contains(p) {
			return nil
		}
		for _, r := range rs {
			k += int(r.Len())
		}
		if w.inRange < k || k < minCycled {
			return nil
		}
		lo, hi = rs[0].Lo, rs[len(rs)-1].Hi
	} else {
		if len(w.count) < minCycled || len(w.count) > maxCycled || !dc.Outcome.Failed() {
			return nil
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
			return nil
		}
		k = len(w.count)
	}
	ex := &exhaustion{lo: lo, hi: hi, k: k, inferred: len(rs) == 0, span: t.Sub(w.uses[0].ts), n: len(w.uses) + 1}
	ex.perMin = float64(ex.n) / max(ex.span.Minutes(), 1.0/60)
	ex.need = max(int(ex.perMin*timeWait.Minutes()*2)+1, 2*k) // twice the rate seen, for headroom
	ex.wider = policy.PortRange{Lo: lo, Hi: uint16(min(int(lo)+ex.need-1, 65535))}
	return ex
}

// leavesFullRange reports whether a server of family k may hand out a
// port outside its passive range when every port of it is in use: ProFTPD
// (PassivePorts: "defaulting to INPORT_ANY", a port the kernel chooses)
// and pyftpdlib (handlers.py PassiveDTP: "A random kernel-assigned port
// will be used") do; vsftpd (privops.c vsf_privop_pasv_listen: a few
// random binds inside the range, then the session ends) and Pure-FTPd
// (ftpd.c dopasv: every port of firstport-lastport tried, then "425"
// MSG_PORTS_BUSY) never do. A family not known, or whose code ftpsniff
// has not read, may.
func leavesFullRange(k policy.ServerKind) bool {
	switch k {
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
	f := &Finding{Code: CodeRangeExhausted, Severity: SeverityWarning, TS: dc.Armed, Data: dc}
	ann, pk := announcement(dc)
	f.Packets = packets(pk, []uint64{dc.SYNNum})
	f.Evidence = joinEvidence(ann, fmt.Sprintf("the %d ports %d-%d were all announced in the %s before it (%d announcements); outcome %s", ex.k, ex.lo, ex.hi, dur(ex.span), ex.n-1, dc.Outcome))
	f.Message = fmt.Sprintf("The server announced port %d, outside the %d ports %d-%d it had been handing out: all of them were announced in the last %s, so each was still in use or in TIME_WAIT (60 s on Linux) and the range was exhausted; %s", p, ex.k, ex.lo, ex.hi, dur(ex.span), fallbackWord(fam))
	if ex.inferred {
		f.Message += fmt.Sprintf(" The server's passive range was not given (--server-config): %d-%d is inferred from the announcements, not read from its configuration.", ex.lo, ex.hi)
	}
	if dc.Outcome.Failed() {
		f.Severity = SeverityError
		f.Message += fmt.Sprintf(" That port is not open on the way: the data connection %s.", dc.Outcome)
	}
	f.Advice = fmt.Sprintf("A range of %d ports allows about %d data connections per minute (each port stays in TIME_WAIT for 60 s); this server handled about %.0f per minute. %s. Or run fewer transfers in parallel.",
		ex.k, ex.k, ex.perMin, d.widenAdvice(s, dc, fam, ex)) + fam.note()
	return f
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
