package diagnose

import "fmt"

// noteLostEndpoint counts f, a passive data failure whose endpoint is
// inferred, its announcement lost (Finding.lostEndpoint).
func (a *serverAcc) noteLostEndpoint(f *Finding) {
	a.lostEndpoint++
	if a.lostFirst == nil {
		a.lostFirst = f
	}
}

// lostEndpointOnly: the server's only passive failures are to endpoints
// inferred for announcements the capture lost: a port the client's SYN
// went to, maybe another service's, and no range to open from it.
func (v *verdictWriter) lostEndpointOnly() {
	a := v.a
	v.accountFor(CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable)
	f := a.lostFirst
	how := map[string]string{CodeDataRefused: "was refused with RST", CodeDataUnanswered: "got no answer", CodeDataUnreachable: "was rejected with ICMP"}[f.Code]
	lead := "the passive data connection"
	if a.lostEndpoint > 1 {
		lead = fmt.Sprintf("%d passive data connections failed; the first", a.lostEndpoint)
	}
	v.text = fmt.Sprintf("%s, to port %d, %s, but that port is inferred from the client's SYN, not announced: the reply announcing it is not in the capture (lost in a capture gap or cut short), and the SYN may have gone to another service of the server; capture again with whole packets (tcpdump -s 0) to see the announced endpoint before opening anything (see %s)",
		lead, f.Data.Server.Port(), how, f.Code)
}
