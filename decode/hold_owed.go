package decode

import (
	"net/netip"
	"time"
)

// An RST held while the server owes a reply. A server takes its time
// over some replies: a failed login's 530 comes after a delay (vsftpd
// delay_failed_login, and most servers, sleep seconds before it), a
// LIST of a large directory or a slow file system after seconds more.
// An RST injected while the client waits for such a reply (a firewall's,
// or one forged with the exact sequence number) is shown not taken only
// by that reply and the client's next command, which come later than
// rstHold: closed at rstHold, the session was split in two, the first
// ended by a reset (control-reset) that changed nothing, the second
// picked up "mid-stream" with the reply no command seemed to ask for.
// So while a client line awaits its final reply the RST is held up to
// rstHoldOwed; a connection the RST did end is closed then, reported at
// the RST as before, only later.

// rstHoldOwed bounds the hold of an RST that came while the server owed
// a reply (replyOwed): longer than the delays servers put before a
// failed login's 530, and than most slow commands.
const rstHoldOwed = time.Minute

// replyOwed tells whether a client line of cs awaits its final reply.
func (cs *controlConn) replyOwed() bool { return cs.parser.owed > 0 }

// holdOwed tells whether cs's held RST h is still held at now because
// the server owes a reply (rstHoldOwed), or sent one since that proved
// nothing (the RST's sender's bytes after an RST with another TTL than
// its own: its endpoint never saw it) less than rstHold ago: the client
// answers it, and shows whether it took the RST. A server a box reset
// the client in the name of that said something after it is held to
// rstHoldOwed: its TCP, never acknowledged, sends it again meanwhile
// (afterreset.go counts those).
func holdOwed(cs *controlConn, h *connHold, now time.Time) bool {
	if now.Sub(h.ts) >= rstHoldOwed {
		return false
	}
	return cs.replyOwed() || h.rst == rstSenderWaits && h.boxResetServer() ||
		!h.wentOn.IsZero() && now.Sub(h.wentOn) < rstHold
}

// An RST with another TTL than its sender's (injected on the path in its
// name) whose sender goes on in the hold: its endpoint never saw the
// RST, so its bytes show nothing of whether the receiver took it. A
// failed login's 530, the 250 of a DELE a firewall reset the client at,
// come so. Within rstHold of the RST they are shown in place, as
// before the hold was lengthened; later ones, which then found the
// connection closed, wait (rstSenderWaits: in connHold.waiting, as a
// pick-up's do: waitResumed) until the receiver goes on (goesOn: the
// RST changed nothing, and they are shown in place, the session going
// on), or the hold ends, the receiver silent or resetting what the
// sender sent: it took the RST. The connection then closes at the RST;
// what a server said (a box reset the client in its name) is shown in
// its session before that close, marked: a command carried out that the
// client never heard of (afterreset.go, where the server's events wait
// from the RST on); what a client said, as a session picked up after
// the close (Stats.ResetSenderWentOn).

// waitingPickUp is what a connection whose RST's hold ends with its
// sender's events waiting (rstSenderWaits) leaves for its pick-up after
// the close.
type waitingPickUp struct {
	key            ConnKey
	client, server netip.AddrPort
	ttl            [2]uint8
	ttls           [2]uint8
	queue          []ControlEvent
}

// leftWaiting takes the events waiting in cs's hold h (rstSenderWaits),
// and what their pick-up needs of cs, as it closes.
func (t *controlTable) leftWaiting(cs *controlConn, h *connHold) *waitingPickUp {
	w := &waitingPickUp{key: cs.key, client: cs.client, server: cs.server, ttl: cs.ttl, queue: h.takeWaiting()}
	w.ttls = [2]uint8{cs.asm.half[0].ttls, cs.asm.half[1].ttls}
	return w
}

// shownAfterClose shows the events w took from a connection closed at
// its RST (closeBy, for why: the capture's end closes the pick-up too) as
// a session picked up after the close, from where its streams stood.
func (t *controlTable) shownAfterClose(w *waitingPickUp, why CloseReason, num uint64, ts time.Time) {
	if len(w.queue) == 0 || t.conns.Get(w.key) != nil {
		return
	}
	t.d.stats.ResetSenderWentOn++
	cs := t.newByPort(w.key, &Segment{Src: w.client, Dst: w.server, TS: w.queue[0].TS}, 0, time.Time{})
	if was := t.tombs.find(w.key, t.clock.now()); was != nil {
		cs.continueFrom(was)
		t.tombs.drop(w.key)
	}
	cs.client, cs.server = w.client, w.server
	cs.ttl = w.ttl
	cs.asm.half[0].ttls, cs.asm.half[1].ttls = w.ttls[0], w.ttls[1]
	cs.phase = phaseText
	t.enlist(cs, &t.live)
	if !cs.paired {
		cs.paired = true
		t.pairs.add(cs.client.Addr(), cs.server.Addr())
	}
	cs.showHeld(w.queue)
	cs.lastSeen = PacketSub(w.queue[len(w.queue)-1].TS, cs.firstTS)
	if why == CloseCaptureEnd {
		t.close(cs, CloseCaptureEnd, num, ts)
	}
}

// resetWhileWaiting handles the RST s of the receiver d of cs's held RST,
// while its sender's events wait: it resets what the sender sent, so it
// took the held RST. The connection closes at that RST, what the sender
// said is shown after it (shownAfterClose), and s ends that.
func (t *controlTable) resetWhileWaiting(cs *controlConn, d int, s *Segment, note rstNote) {
	key := cs.key
	t.holdOver(cs, t.holds[cs])
	if up := t.conns.Get(key); up != nil && up != cs {
		up.lastSeen = PacketSub(s.TS, up.firstTS)
		t.closeBy(up, CloseRST, d, s.Num, s.TS, note)
	}
}
