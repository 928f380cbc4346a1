package diagnose

import (
	"fmt"
	"net/netip"
)

// noteLostEndpoint counts f, a passive data failure whose endpoint is
// inferred, its announcement lost (Finding.lostEndpoint).
func (a *serverAcc) noteLostEndpoint(f *Finding) {
	a.lostEndpoint++
	if a.lostFirst == nil {
		// What the verdict words of it, not the finding: that holds
		// its session and data connections past their end.
		a.lostFirst = &lostFailure{code: f.Code, to: f.Data.Server, misfit: f.misfit, how: failedHow(f.Code, f.Data)}
	}
}

// lostFailure is what lostEndpointOnly says of the first failure to an
// inferred endpoint: its finding's code, the endpoint, how it does not
// fit when it was inferred under TLS (misfitOf), rather than for a lost
// announcement (fits), and how its SYNs fared (failedHow).
type lostFailure struct {
	code   string
	to     netip.AddrPort
	misfit misfitKind
	how    string
}

// lostEndpointOnly: the server's only passive failures are to endpoints
// inferred for announcements the capture lost: a port the client's SYN
// went to, maybe another service's, and no range to open from it.
func (v *verdictWriter) lostEndpointOnly() {
	a := v.a
	v.accountFor(CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable)
	f := a.lostFirst
	how := f.how
	lead := "the passive data connection"
	if a.lostEndpoint > 1 {
		lead = fmt.Sprintf("%d passive data connections failed; the first", a.lostEndpoint)
	}
	switch f.misfit {
	case misfitUnsolicited:
		v.text = fmt.Sprintf("%s, to %s, %s, but that endpoint was named only by a reply that answered no command the client sent (a line injected in the server's name, a stray one, or the answer to a PASV this capture does not show): open nothing for it on this alone (see %s)",
			lead, f.to, how, f.code)
		return
	case misfitElsewhere:
		v.text = fmt.Sprintf("%s, to %s, %s, but that endpoint is inferred from the client's SYN by peers and time (the control channel is encrypted), and the data connections that worked went elsewhere: it may be the client's connection to another service; open nothing for it on this alone (see %s)",
			lead, f.to, how, f.code)
		return
	case misfitServicePort, misfitOutsideRange:
		what := "is " + servicePortName(f.to.Port())
		if f.misfit == misfitOutsideRange {
			what = "is outside the server's configured range"
		}
		v.text = fmt.Sprintf("%s, to %s, %s, but that endpoint is inferred from the client's SYN by peers and time (the control channel is encrypted), none of its session's data connections worked to compare it with, and port %d %s: it may be the client's connection to another service; open nothing for it on this alone (see %s)",
			lead, f.to, how, f.to.Port(), what, f.code)
		return
	}
	v.text = fmt.Sprintf("%s, to port %d, %s, but that port is inferred from the client's SYN, not announced: the reply announcing it is not in the capture (lost in a capture gap or cut short), and the SYN may have gone to another service of the server; capture again with whole packets (tcpdump -s 0) to see the announced endpoint before opening anything (see %s)",
		lead, f.to.Port(), how, f.code)
}
