package track

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/decode"
)

// tlsUnfinished records that the session's control connection ended
// inside its TLS handshake (decode's ControlClose with TLSUnfinished): the
// client never sent an application data record, so the channel carried
// no command, no login and no announcement; nothing was hidden.
func (t *Tracker) tlsUnfinished(sess *Session, e *decode.ControlEvent) {
	sess.memo().tlsUnfinished = true
	text := fmt.Sprintf("the TLS handshake never completed: the client sent no application data (TLS bytes: %d from the client, %d from the server)", e.TLSBytes[0], e.TLSBytes[1])
	if e.TLSClientAlert {
		text += "; the client sent a TLS alert"
	}
	t.event(sess, Event{Kind: EventTLSUnfinished, TS: e.TS, Num: e.Num, TLSSent: tlsSent(e.TLSBytes), ClientAlert: e.TLSClientAlert, Text: text})
}

// TLSUnfinished tells that the session's control channel turned to TLS
// and its handshake never completed (EventTLSUnfinished): no command
// crossed it.
func (s *Session) TLSUnfinished() bool { return s.xfer != nil && s.xfer.tlsUnfinished }
