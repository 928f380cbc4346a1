package vantage

import (
	"fmt"
	"github.com/ftpsniff/ftpsniff/decode"
	"time"
)

// LineWhere says what became of a command or reply the points saw
// differently.
type LineWhere uint8

const (
	// LineLost: it passed ControlLoss.After and never reached
	// ControlLoss.Before, which was capturing then, and no point saw its
	// receiver acknowledge it.
	LineLost LineWhere = iota + 1
	// LineUnacked: it reached the point nearest its receiver
	// (ControlLoss.After), and the receiver, sending on after it, never
	// acknowledged it: dropped past that point (the receiver's own host,
	// its firewall, when the point is on its link).
	LineUnacked
)

var lineWhereNames = [...]string{LineLost: "line-lost", LineUnacked: "line-unacknowledged"}

func (w LineWhere) String() string {
	if int(w) < len(lineWhereNames) && lineWhereNames[w] != "" {
		return lineWhereNames[w]
	}
	return "unknown"
}

// ControlLoss is one command or reply of a session that did not get
// where it was going, as the points show it.
type ControlLoss struct {
	Where      LineWhere
	FromClient bool
	Code       int    // a reply's code; 0 for a command
	Text       string // Line.Text: raw wire bytes, bounded
	TextCut    bool   // Text is the line's first maxLineText bytes
	// TS: when it passed After, on After's clock.
	TS time.Time
	// After: the last point that saw it; Before: the next toward its
	// receiver, which did not (-1 for LineUnacked).
	After, Before int
	Verdict       string
}

// maxControlLosses bounds the ControlLoss kept per session; the rest are
// counted (Session.ControlLost).
const maxControlLosses = 4

// judgeControl compares the session's commands and replies point by
// point along the path, as judge does a data connection's payload: a line
// one point saw that the next toward its receiver, capturing then and
// capturing that direction, lacks was lost between them unless some point
// saw the receiver acknowledge it (a capture gap); a line the point
// nearest its receiver saw that the receiver, sending on for coverAfter
// and more, never acknowledged was dropped past that point. Nothing is
// placed where the points' order is unknown. Lines are compared by
// alignLines (the first maxLines of each view).
func (r *Report) judgeControl(s *Session) {
	if !s.OrderKnown || len(s.Order) < 2 {
		return
	}
	for _, fromClient := range [2]bool{false, true} {
		// path: the points from the line's sender to its receiver.
		path := make([]int, 0, len(s.Order))
		for k := range s.Order {
			i := s.Order[k]
			if !fromClient {
				i = s.Order[len(s.Order)-1-k]
			}
			if s.Views[i] != nil {
				path = append(path, i)
			}
		}
		d := dirIndex(fromClient)
		for k := 0; k+1 < len(path); k++ {
			r.linesBetween(s, path[k], path[k+1], fromClient)
		}
		if len(path) == 0 {
			continue
		}
		z := path[len(path)-1]
		v := s.Views[z]
		if v.Packets[d] == 0 || v.Packets[1-d] == 0 || v.rst {
			continue // a reset may close without acknowledging
		}
		for _, l := range v.Lines {
			if l.FromClient != fromClient || !l.haveEnd || v.haveAcked[d] && !seqAfter(l.end, v.acked[d]) {
				continue
			}
			if !v.lastFrom[1-d].After(l.TS.Add(coverAfter)) {
				continue // the receiver said nothing after: no proof
			}
			where := fmt.Sprintf("dropped past %s, on the way to the %s or on its host", r.name(z), sideName(!fromClient))
			if decode.InitialTTL(v.TTL[1-d]) && !v.TTLVaried[1-d] {
				// Its packets reach the point unrouted: the point is
				// on the receiver's link, or the receiver itself.
				where = fmt.Sprintf("dropped on the %s's host (its own firewall?)", sideName(!fromClient))
			}
			s.addControlLoss(ControlLoss{Where: LineUnacked, FromClient: fromClient, Code: l.Code, Text: l.Text, TextCut: l.TextCut, TS: l.TS, After: z, Before: -1,
				Verdict: fmt.Sprintf("%s reached %s but the %s never acknowledged it, though it went on sending for %.1f s after: %s",
					lineName(l), r.name(z), sideName(!fromClient), v.lastFrom[1-d].Sub(l.TS).Seconds(), where)})
		}
	}
}

// linesBetween adds the lines from the sender's side (fromClient) that
// point p saw and the next point q, toward their receiver, did not.
func (r *Report) linesBetween(s *Session, p, q int, fromClient bool) {
	a, b := s.Views[p], s.Views[q]
	d := dirIndex(fromClient)
	if a.Packets[d] == 0 || b.Packets[d] == 0 || len(a.Lines) == 0 {
		return // a point that captured the other direction only
	}
	at, _, ok := alignLines(a.Lines, b.Lines)
	if !ok {
		return
	}
	held := make([]bool, len(a.Lines))
	first, last := len(a.Lines), -1
	for _, i := range at {
		if i >= 0 {
			held[i] = true
			first, last = min(first, i), max(last, i)
		}
	}
	for i, l := range a.Lines {
		if held[i] || l.FromClient != fromClient || i < first {
			continue // before q's view starts: its capture began later
		}
		if i > last && len(b.Lines) >= maxLines {
			continue // past what q's view keeps
		}
		if ackedAnywhere(s, a, l) {
			continue // the receiver acknowledged it: q missed it
		}
		if !r.capturingRef(s, q, s.corrected(p, l.TS)) {
			continue
		}
		s.addControlLoss(ControlLoss{Where: LineLost, FromClient: fromClient, Code: l.Code, Text: l.Text, TextCut: l.TextCut, TS: l.TS, After: p, Before: q,
			Verdict: fmt.Sprintf("%s was seen at %s but never at %s: lost between them", lineName(l), r.name(p), r.name(q))})
	}
}

// ackedAnywhere: some point of s saw the receiver of l (a line of view a)
// acknowledge it: at a, as a saw the line end, elsewhere that end moved
// by the difference of the sender's initial sequence numbers (a box that
// randomises them).
func ackedAnywhere(s *Session, a *Control, l Line) bool {
	if !l.haveEnd {
		return false
	}
	d := dirIndex(l.FromClient)
	for _, w := range s.Views {
		if w == nil || !w.haveAcked[d] {
			continue
		}
		end := l.end
		if w != a {
			if !a.HaveISN[d] || !w.HaveISN[d] {
				continue
			}
			end = l.end - a.ISN[d] + w.ISN[d]
		}
		if !seqAfter(end, w.acked[d]) {
			return true
		}
	}
	return false
}

// addControlLoss keeps the first maxControlLosses and counts all.
func (s *Session) addControlLoss(c ControlLoss) {
	s.ControlLost++
	if len(s.ControlLosses) < maxControlLosses {
		s.ControlLosses = append(s.ControlLosses, c)
	}
}

// lineName names a line in a verdict: the sender, and its kept text
// quoted (escaped).
func lineName(l Line) string {
	more := ""
	if l.TextCut {
		more = "…"
	}
	if l.FromClient {
		return fmt.Sprintf("the client's %q%s command", l.Text, more)
	}
	return fmt.Sprintf("the server's reply %q%s", l.Text, more)
}

func sideName(client bool) string {
	if client {
		return "client"
	}
	return "server"
}
