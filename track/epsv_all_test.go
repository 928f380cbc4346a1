package track

import "testing"

// TestEPSVAllOpensNoEndpoint guards EPSV ALL answered with a port (Node's
// ftp-srv 4.6: "229 EPSV OK (|||40007|)", rv-clients'
// ftpsrv-clients.pcap session 5): RFC 2428 section 4 makes EPSV ALL a mode
// switch, not a request for an endpoint, so no data connection is expected
// from it (it was, and ended not-attempted: a false data-not-attempted
// warning), and it is not refused. The plain EPSV after it still
// announces its own.
func TestEPSVAllOpensNoEndpoint(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "ALL")
	s.reply(229, "EPSV OK (|||40007|)")
	s.cmd("EPSV", "")
	s.reply(229, "EPSV OK (|||40008|)")
	s.cmd("QUIT", "")
	s.reply(221, "Bye")
	sess := s.end()
	for _, c := range s.rec.commands {
		if c.Verb != "EPSV" {
			continue
		}
		all := c.Arg == "ALL"
		if c.Refused {
			t.Errorf("EPSV %s refused", c.Arg)
		}
		if all && (c.Data != nil || c.EndpointVia != 0) {
			t.Errorf("EPSV ALL announced %v (armed: %v)", c.Endpoint, c.Data != nil)
		}
		if !all && (c.Data == nil || c.Endpoint.Port() != 40008) {
			t.Errorf("EPSV announced %v (armed: %v), want port 40008", c.Endpoint, c.Data != nil)
		}
	}
	if len(s.rec.data) != 1 || sess.DataCount != 1 {
		t.Errorf("%d data connections reported, %d counted; want only the plain EPSV's", len(s.rec.data), sess.DataCount)
	}
}
