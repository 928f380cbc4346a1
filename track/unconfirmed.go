package track

import (
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Bytes at a stream's end their receiver never got (decode's
// ControlUnconfirmed): past the receiver's last acknowledgement, with
// the sender's own FIN, or an RST in its name, at their first byte (a
// PORT forged after the 221 to a QUIT, its TTL too short to reach the
// server). What they said came as the session's commands or replies
// before decode could tell; from here it is not taken as the session's.
// The client's commands among them are marked (Command.Unconfirmed):
// shown, with the event that says why, but the diagnosis derives nothing
// from them, and an active endpoint they announced that nothing
// connected to is retracted, as one the server refused. A server reply
// among them was final when it came (its findings too): the event says
// it was not taken. (A passive reply no command asked for arms nothing
// anyway: unsolicited.go.)

// Unconfirmed tells whether c's bytes were never acknowledged by the
// server while the client's own FIN, or an RST in its name, stood at
// them (EventUnconfirmed): the server never got it.
func (c *Command) Unconfirmed() bool { return c.bits&cmdUnconfirmed != 0 }

// unconfirmed handles decode's ControlUnconfirmed e.
func (t *Tracker) unconfirmed(sess *Session, e *decode.ControlEvent) {
	var verbs []string
	if e.FromClient && e.UnconfirmedFrom != 0 {
		take := func(c *Command) {
			if c == nil || c.Num < e.UnconfirmedFrom || c.Unseen || c.Unconfirmed() {
				return
			}
			c.bits |= cmdUnconfirmed
			v := c.Verb
			if c.Secret || c.Junk {
				v = "a line"
			}
			verbs = append(verbs, v)
			if dc := c.Data; dc != nil && dc.Announce == c && !dc.Done && !dc.reported && !dc.matched() && !dc.Passive {
				t.retract(sess, dc)
			}
		}
		for _, c := range sess.pending {
			take(c)
		}
		for _, c := range sess.Commands {
			take(c)
		}
	}
	t.event(sess, Event{Kind: EventUnconfirmed, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Bytes: e.Gap, Text: unconfirmedText(e, verbs)})
}

// unconfirmedText says what decode's ControlUnconfirmed e found; verbs
// are the client's commands it took back.
func unconfirmedText(e *decode.ControlEvent, verbs []string) string {
	who, peer := "server", "client"
	if e.FromClient {
		who, peer = "client", "server"
	}
	what := ""
	if len(verbs) > 0 {
		what = " (" + strings.Join(verbs, ", ") + ")"
	}
	if e.UnconfirmedBy == decode.FlagRST {
		// (A box between that dropped them may reset the connection in
		// the sender's name at the receiver's place too.)
		return fmt.Sprintf("the %s's last %d bytes%s, from packet %d, were never acknowledged by the %s; an RST in the %s's name (packet %d) stands at the same sequence number, so the %s never got them (injected, or dropped on the way): not taken as the session's",
			who, e.Gap, what, e.UnconfirmedFrom, peer, who, e.Num, peer)
	}
	return fmt.Sprintf("the %s's last %d bytes%s, from packet %d, were never acknowledged by the %s; the %s's FIN (packet %d) stands at the same sequence number, so they are not the %s's (injected): not taken as the session's",
		who, e.Gap, what, e.UnconfirmedFrom, peer, who, e.Num, who)
}
