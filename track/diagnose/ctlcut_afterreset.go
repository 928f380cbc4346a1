package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// A command a box between reset the client at, in the server's name,
// that the server carried out all the same: the server, never reset,
// answered it after the reset (track.Reply.AfterReset), to a client
// whose TCP had dropped the connection. The client takes the command
// for failed; the server did it. A client that sends it again (a STOR
// that appends or overwrites, an RNFR/RNTO, a DELE of a file made since)
// or a user who acts on the failure does harm the reset alone would not.

// afterResetReply is c's final reply when the server sent it after a
// box's reset in its name that the client took, else nil.
func afterResetReply(c *track.Command) *track.Reply {
	if r := c.Final(); r != nil && r.AfterReset {
		return r
	}
	return nil
}

// serverWentOn is control-reset for c, the last command of s, reset in
// the server's name by a box between right after it, and answered by
// the server after that reset (r, afterResetReply).
func serverWentOn(s *track.Session, c *track.Command, r *track.Reply) *Finding {
	after, answered := s.End.Sub(c.TS), r.TS.Sub(c.TS)
	verb := verbText(c)
	f := &Finding{Code: CodeControlReset, Severity: SeverityError, Session: s, Command: c, TS: s.End, Packets: []uint64{c.Num, r.Num}}
	unacked, never := "", ""
	if r.Unacked {
		unacked = "; the client never acknowledged it"
		never = " (its TCP never acknowledged what the server sent after it)"
		if r.Resent > 0 {
			more := fmt.Sprintf(", sent %d more times", r.Resent)
			if r.Resent == 1 {
				more = ", sent once more"
			}
			unacked += more
		}
	}
	// (The reply first: the text output cuts a long evidence.)
	f.Evidence = fmt.Sprintf("the server's %q (packet %d) came %s after %q (packet %d), after a reset in its name with a TTL unlike its other segments' %s after the command%s",
		replyText(r), r.Num, dur(answered), commandText(c), c.Num, dur(after), unacked)
	box := fmt.Sprintf("A box between (a firewall that inspects FTP, an IPS) reset the control connection in the server's name %s after the client's %s: the client's host took the reset and dropped the connection%s, while the server, never reset, went on", dur(after), verb, never)
	switch {
	case r.Code >= 400:
		f.Message = fmt.Sprintf("%s and refused the command (its %d, %s after it): nothing was done, but the client was told the connection was reset, not why.", box, r.Code, dur(answered))
	default:
		f.Message = fmt.Sprintf("%s and carried the command out: its %d came %s after it. The server did the %s; the client, told the connection was reset, believes it failed: a client or user that sends it again, or acts on its failure, does harm (a STOR sent again appends or overwrites, an RNTO or DELE sent again fails or hits another file).",
			box, r.Code, dur(answered), verb)
	}
	f.Advice = fmt.Sprintf("Check the FTP inspection policy of the firewalls between %s and %s, and their log at that time, for the rule that resets %s (Cisco ASA: an ftp-map's request-command deny, a policy-map type inspect ftp, inspect ftp strict): allow the command there if the client needs it, or deny it before the server gets it (a reset of both sides, a drop), not after. Check on the server what the %s did (its log: it answered %d), and tell the client's user that it took effect.",
		s.Client.Addr(), s.Server.Addr(), verb, verb, r.Code)
	return f
}
