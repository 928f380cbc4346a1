package track

import "github.com/ftpsniff/ftpsniff/decode"

// A multi-line 227, 228 or 229 whose last line names another endpoint
// than the first one found in its text (decode's EndpointAlt): curl
// connects to the last line's, Python's ftplib to the first. Which one
// this client took only its data connection shows, so the last line's
// endpoint waits for a connection too, as the other copy of a conflicted
// line does (conflict.go: armOther, conflictProven): the first connection
// to either makes it the announcement shown, the other one is dropped
// unreported, and while neither is proven the findings about the one
// shown are hedged (LineConflict.Multiline says why).

// armAmbiguous arms the last line's endpoint of c's reply, e, beside the
// one c armed (c.Data).
func (t *Tracker) armAmbiguous(sess *Session, c *Command, e *decode.ControlEvent) {
	dc := c.Data
	if c.Conflict != nil || dc == nil || dc.Announce != c {
		return
	}
	other := sess.armedEndpoint(e.EndpointAlt.Via, e.EndpointAlt.Addr)
	if other == dc.Announced {
		return
	}
	c.Conflict = &LineConflict{Other: other, OtherVia: e.EndpointAlt.Via, Num: e.Num, Multiline: true, First: dc.Announced}
	t.armOther(sess, c)
}
