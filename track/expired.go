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

// expiredAnns holds the tombstones, by key and in the order made.
type expiredAnns struct {
	at    map[expiredKey]time.Time
	order []expiredKey
	head  int
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
		delete(e.at, e.order[e.head])
		e.head++
	}
	if e.head > maxExpiredAnn {
		e.order = append(e.order[:0], e.order[e.head:]...)
		e.head = 0
	}
	k := expiredKey{endpoint: dc.Announced, from: from.Unmap()}
	if _, ok := e.at[k]; !ok {
		e.order = append(e.order, k)
	}
	e.at[k] = t.clock.now
}

// afterExpiry reports whether SYN s goes to the endpoint of an
// announcement that expired unused, from the peer that was to connect,
// and counts it so; the tombstone is used up.
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
