package track

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Owner returns the open session the TCP connection between a and b
// belongs to: the session whose control connection it is, or the one
// whose announcement its data connection was matched to. It returns nil
// for any other connection, and for one whose session or data
// connection the tracker has already released: a caller that needs the
// late packets of a connection keeps its own record of the answer.
func (t *Tracker) Owner(a, b netip.AddrPort) *Session {
	if s := t.sessions.Get(decode.MakeConnKey(a, b)); s != nil {
		return s
	}
	if dc := t.lookupData(a, b); dc != nil {
		return dc.Session
	}
	return nil
}
