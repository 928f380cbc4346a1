package track

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// One capture can hold one connection twice: taken on a NAT router with
// tcpdump -i any, it sees each packet arrive on one side and leave on the
// other, under the addresses of each side. The two copies are two control
// connections to decode, and two sessions here; the client's initial
// sequence number, which NAT does not change, shows they are one. Each
// session then names the other (Session.SameConnection), so an admin reads
// the pair as one connection before and after the translation rather
// than as two clients.

// Twin is the other session of a connection seen twice.
type Twin struct {
	ID             int
	Client, Server netip.AddrPort
	// First: the other copy's SYN was seen first. The client opens the
	// control connection, so that copy is the client's side of the box,
	// and this one the server's.
	First bool
}

// sameConnectionWindow bounds how far apart the two sightings of one SYN
// may be: the copies cross one box, microseconds to milliseconds apart;
// two unrelated connections share a 32-bit initial sequence number, and
// open within this window, about never.
const sameConnectionWindow = 2 * time.Second

// pairSameConnection pairs a new session with an open one whose client
// SYN carried the same sequence number under other addresses, or indexes
// it for a later copy.
func (t *Tracker) pairSameConnection(sess *Session, e *decode.ControlEvent) {
	if !e.ClientSYN {
		return
	}
	if slot, ok := t.byISN[e.ClientISN]; ok {
		other := slot.sess
		d := sess.Start.Sub(other.Start)
		// A NAT changes an address (a port alone: two connections of
		// one client, from a stack that reuses its numbers), and keeps
		// the server's number as well as the client's.
		if d <= sameConnectionWindow && d >= -sameConnectionWindow &&
			(other.Client.Addr() != sess.Client.Addr() || other.Server.Addr() != sess.Server.Addr()) &&
			(!e.ServerSYN || !slot.serverSYN || e.ServerISN == slot.serverISN) {
			otherFirst := !sess.Start.Before(other.Start)
			other.SameConnection = &Twin{ID: sess.ID, Client: sess.Client, Server: sess.Server, First: !otherFirst}
			sess.SameConnection = &Twin{ID: other.ID, Client: other.Client, Server: other.Server, First: otherFirst}
			t.unindexISN(other)
			return
		}
		// An older connection that happened to draw the same number:
		// the newer one is the likelier to meet its copy.
		t.unindexISN(other)
	}
	sess.clientISN = e.ClientISN
	t.byISN[e.ClientISN] = isnSlot{sess: sess, serverISN: e.ServerISN, serverSYN: e.ServerSYN}
	t.isnOrder = append(t.isnOrder, isnEntry{isn: e.ClientISN, id: sess.ID, start: sess.Start})
	t.expireISN(sess.Start)
}

// isnSlot is an entry of byISN: a session whose copy may still come, and
// its server's initial sequence number, which the copy must share. Kept
// here, not on the session, since it matters for two seconds only.
type isnSlot struct {
	sess      *Session
	serverISN uint32
	serverSYN bool
}

// isnEntry is one session indexed in byISN, in the order indexed, by ID
// (not by pointer: the queue keeps no ended session alive).
type isnEntry struct {
	isn   uint32
	id    int
	start time.Time
}

// expireISN takes out of byISN the sessions that started more than
// sameConnectionWindow before now: no copy can pair with them any more.
// So the index holds the sessions opened in the last two seconds of packet
// time, not every open one; and the queue at most MaxSessions entries,
// however dense (or frozen) packet time is. The queue's head moves; its
// entries are moved down only once the head passed half of them, so each
// entry is moved a bounded number of times however many sessions open in
// two seconds (a copy of the whole window per session was quadratic).
func (t *Tracker) expireISN(now time.Time) {
	q, i := t.isnOrder, t.isnHead
	for ; i < len(q) && (decode.PacketSub(now, q[i].start) > sameConnectionWindow || len(q)-i > t.opts.MaxSessions); i++ {
		if slot, ok := t.byISN[q[i].isn]; ok && slot.sess.ID == q[i].id {
			delete(t.byISN, q[i].isn)
		}
	}
	switch {
	case i == len(q):
		t.isnOrder, t.isnHead = q[:0], 0
	case i > len(q)/2:
		t.isnOrder, t.isnHead = q[:copy(q, q[i:])], 0
	default:
		t.isnHead = i
	}
}

// unindexISN takes a session out of byISN.
func (t *Tracker) unindexISN(sess *Session) {
	// Its entry in isnOrder stays until it ages out: by ID, it matches
	// nothing once the session left byISN.
	if slot, ok := t.byISN[sess.clientISN]; ok && slot.sess == sess {
		delete(t.byISN, sess.clientISN)
	}
}
