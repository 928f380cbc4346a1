package track

import (
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// A passive reply no command asked for. A 227, 228 or 229 that pairs
// with no command stands, as a rule, for a PASV the capture lost (a gap,
// a capture begun after it): its endpoint is announced all the same
// (unseenCommand), and a client will connect to it. But in a session
// whose every command is in the capture (seen from its client's SYN, no
// capture gap or conflicting copies, both sides seen, never encrypted)
// and while no command waits for a reply, no PASV was sent: the reply
// is the server's unasked, or injected in its name (one forged after
// the 221 to a QUIT). No client follows an endpoint it did not ask for,
// and nothing about the server's passive ports (a port outside the
// range, a privileged one, a configuration to change) can be read from
// it: it is shown as an unsolicited reply, and arms nothing.
//
// Unless the latest command was a PASV, EPSV or LPSV that another final
// reply answered: the pairing slipped by one (a 500 to a blank line
// before the PASV, a second 200 to the TYPE before it), and the passive
// reply is the PASV's. It arms its endpoint as a PASV's reply does (the
// client connects there), and the PASV is no refusal of passive mode.

// passiveReply tells whether r is a reply that announces a passive
// endpoint (227, 228, 229).
func passiveReply(r *Reply) bool { return r.Code == 227 || r.Code == 228 || r.Code == 229 }

// commandsAllSeen tells whether the capture holds every command the
// session's client sent so far: seen from its SYN, by port, both sides,
// with no capture gap or two copies of its bytes, never encrypted.
func (sess *Session) commandsAllSeen() bool {
	return !sess.Midstream && !sess.ByContent && sess.Resumed == nil && !sess.Desync && !sess.resync &&
		sess.OneSide == BothSides && !sess.WasEncrypted && !sess.Encrypted && sess.Connect == nil
}

// notePassiveAnsweredOther notes c, a PASV, EPSV or LPSV answered by r, a
// final reply other than a passive one (passiveShifted).
func notePassiveAnsweredOther(sess *Session, c *Command, r *Reply) {
	if passiveReply(r) || ftp.IsPreliminary(r.Code) || c.Unseen || !passiveRequest(c.Verb) {
		return
	}
	sess.memo().rareMemo().passiveAnsweredOther = c
}

// passiveShifted tells whether the session's latest command is a PASV,
// EPSV or LPSV that a final reply other than a passive one answered: a
// passive reply no command waits for is then that command's, the pairing
// slipped by one (a reply to a blank line or a second reply to the
// command before it took the PASV's place).
func passiveShifted(sess *Session) bool {
	m := sess.xfer
	if m == nil || m.rare == nil || m.rare.passiveAnsweredOther == nil {
		return false
	}
	return m.rare.passiveAnsweredOther.Index == sess.CommandCount
}

// passiveRequest tells whether verb asks for a passive endpoint.
func passiveRequest(verb string) bool {
	return strings.EqualFold(verb, "PASV") || strings.EqualFold(verb, "EPSV") || strings.EqualFold(verb, "LPSV")
}
