package track

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Announcements that expired unused (no connection within
// Options.ExpectationTimeout) leave a small tombstone: the endpoint and
// the peer that was to connect to it. A SYN that comes to it later
// belongs to no data connection any more (the server has long stopped
// waiting, a helper's expectation is gone), and is counted
// (Limits.DataAfterExpiry), not dropped in silence. The tombstones are
// bounded (maxExpiredAnn, oldest out first) and kept expiredAnnKeep of
// packet time.

const (
	maxExpiredAnn  = 1024
	expiredAnnKeep = time.Hour
)

// expiredKey is an expired announcement's endpoint and the address of
// the side that was to connect to it.
type expiredKey struct {
	endpoint netip.AddrPort
	from     netip.Addr
}

// expiredAnns holds the tombstones, by key and in the order made (a key
// made again has a place in order for each time; only the one whose time
// the map holds evicts it).
type expiredAnns struct {
	at    map[expiredKey]time.Time
	order []expiredEntry
	head  int
}

type expiredEntry struct {
	k  expiredKey
	at time.Time
}

// rememberExpired leaves dc's tombstone: dc expired unused.
func (t *Tracker) rememberExpired(dc *DataConn) {
	if !dc.Announced.IsValid() || dc.Session == nil {
		return
	}
	from := dc.Session.Client.Addr()
	if !dc.Passive {
		from = dc.Session.Server.Addr()
	}
	e := &t.expired
	if e.at == nil {
		e.at = make(map[expiredKey]time.Time)
	}
	if len(e.order)-e.head >= maxExpiredAnn {
		if old := e.order[e.head]; e.at[old.k] == old.at {
			delete(e.at, old.k)
		}
		e.head++
	}
	if e.head > maxExpiredAnn {
		e.order = append(e.order[:0], e.order[e.head:]...)
		e.head = 0
	}
	k := expiredKey{endpoint: dc.Announced, from: from.Unmap()}
	e.order = append(e.order, expiredEntry{k: k, at: t.clock.now})
	e.at[k] = t.clock.now
}

// afterExpiry reports whether SYN s goes to the endpoint of an
// announcement that expired unused, from the peer that was to connect,
// and counts it so; the tombstone is used up. (The SYN is still held for
// an announcement just after it: replaySYNs takes the count back if one
// claims it.)
func (t *Tracker) afterExpiry(s *decode.Segment) bool {
	e := &t.expired
	if len(e.at) == 0 {
		return false
	}
	k := expiredKey{endpoint: s.Dst, from: s.Src.Addr().Unmap()}
	at, ok := e.at[k]
	if !ok {
		return false
	}
	delete(e.at, k) // its place in order goes with the next eviction
	if t.clock.since(at) > expiredAnnKeep {
		return false
	}
	t.limits.DataAfterExpiry++
	return true
}

// An announcement waits ExpectationTimeout for its connection, counted
// from the later of its reply and its transfer command: a server
// connects for a PORT only after the RETR, and a client may send the
// transfer command minutes after its PASV (vsftpd keeps the passive
// listener until its idle_session_timeout, 300 s by default, ProFTPD
// until TimeoutIdle, 600 s). Past that, the session's latest
// announcement still waits while its session is alive and its transfer
// command has had no final reply yet (lateWaits): the server may still
// be about to connect (a slow server, seen 6 minutes after the RETR), the
// client about to, and only its SYN between exactly its peers to its
// exact endpoint takes it then (matchSYN), until the client moves on (a
// newer announcing command, ABOR, QUIT, REIN). One per session at most
// (movedOn finishes or supersedes the older ones): the bound of the
// sessions bounds them.

// waitFrom is when dc's wait for its connection began: its reply, or its
// transfer command when that came later.
func waitFrom(dc *DataConn) time.Time {
	if c := dc.Command; c != nil && c.TS.After(dc.Armed) {
		return c.TS
	}
	return dc.Armed
}

// lateWaits tells whether dc, an announcement nothing connected to that
// waited ExpectationTimeout, waits on: a real announcement (not one
// taken for a lost reply), its session's latest (not superseded), the
// session alive, its transfer command (if one came) with no final reply.
func lateWaits(dc *DataConn) bool {
	if dc.Announce == nil || dc.superseded || dc.Session == nil || dc.Session.ended ||
		dc.Command != nil && dc.Command.Status != StatusPending {
		return false
	}
	// Nor once the client moved on: a newer announcing command, an ABOR,
	// QUIT or REIN sent (its reply, which arms or ends, may not be in yet).
	for _, c := range dc.Session.pending {
		if c.Seq > dc.Seq {
			switch c.Verb {
			case "PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT", "ABOR", "QUIT", "REIN":
				return false
			}
		}
	}
	return true
}

// overdue tells whether dc, not connected to, waited as long as it may:
// final now, not attempted.
func (t *Tracker) overdue(dc *DataConn) bool {
	if dc.afterEnd != afterEndNo && t.clock.since(dc.Session.End) > afterEndWait {
		return true
	}
	return t.late(dc) && !lateWaits(dc)
}

// late tells whether dc waited past ExpectationTimeout (waitFrom).
func (t *Tracker) late(dc *DataConn) bool {
	return t.clock.since(waitFrom(dc)) > t.opts.ExpectationTimeout
}
