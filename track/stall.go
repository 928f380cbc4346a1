package track

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// stalled records decode's ControlStalled: one side's control bytes sent
// again and again, never acknowledged (EventUndelivered), or acknowledged
// at last (EventDeliveredLate).
func (t *Tracker) stalled(sess *Session, e *decode.ControlEvent) {
	from, to := "server", "client"
	if e.FromClient {
		from, to = "client", "server"
	}
	secs := e.TS.Sub(e.StallSince).Seconds()
	what := "the same bytes"
	if c, r := StalledLine(sess, e.FromClient, e.StallSince); r != nil {
		what = fmt.Sprintf("bytes of its %d reply (packet %d)", r.Code, r.Num)
	} else if c != nil {
		what = fmt.Sprintf("bytes of its %s (packet %d)", c.Verb, c.Num)
	}
	if sess.Encrypted {
		// Only a TLS handshake's stall is reported in TLS (decode's
		// tlsctl.go): its records, not the line before them.
		what = fmt.Sprintf("a %d-byte segment of its TLS handshake", e.StallSize)
	}
	ev := Event{Kind: EventUndelivered, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Since: e.StallSince, Bytes: e.StallResent, SegmentSize: e.StallSize}
	ev.Text = fmt.Sprintf("the %s sent %s again %d times in %.1fs, none of them acknowledged by the %s yet", from, what, e.StallResent, secs, to)
	if e.StallCleared {
		ev.Kind = EventDeliveredLate
		ev.Text = fmt.Sprintf("the %s acknowledged at last %s the %s had sent again %d times, %.1fs after the first copy", to, strings.Replace(what, "its", "the "+from+"'s", 1), from, e.StallResent, secs)
	}
	t.event(sess, ev)
}

// StalledLine is the line whose bytes were sent again unacknowledged from
// since on (EventUndelivered): the latest command (fromClient) or reply
// of the session that came before the first copy sent again; both nil
// when the session keeps none. A copy sent again holds bytes sent before
// it, so the latest line sent before it holds them, or the first
// copy's bytes are the start of a line not yet complete.
func StalledLine(sess *Session, fromClient bool, since time.Time) (*Command, *Reply) {
	for i := len(sess.Commands) - 1; i >= 0; i-- {
		c := sess.Commands[i]
		if fromClient {
			if !c.Unseen && !c.TS.After(since) {
				return c, nil
			}
			continue
		}
		for j := len(c.Replies) - 1; j >= 0; j-- {
			if r := &c.Replies[j]; !r.TS.After(since) {
				return c, r
			}
		}
	}
	return nil, nil
}
