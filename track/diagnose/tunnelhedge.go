package diagnose

import (
	"github.com/ftpsniff/ftpsniff/track"
)

// Accusations resting on a tunnel. A session that came only inside a
// tunnel whose outer addresses are no monitored fabric's tunnel
// endpoints (track.Session.TunnelUnverified) is what a cloud mirror
// (AWS VPC Traffic Mirroring, Azure vTAP: both sides inside VXLAN from
// one mirror source to the collector) delivers every day, and also what
// anyone can send, from their own address to any host. The session
// itself is shown as information; only a finding that names a culprit
// (a bounce, password guessing, a data connection taken by another
// host), and the server's verdict on a bounce, say whose packets they
// were, for the admin to check against their mirror or tap.

// tunnelVerdictDoubt hedges a bounce verdict whose finding's session
// came only inside such a tunnel.
const tunnelVerdictDoubt = "; that session was seen only inside a tunnel: if its sender is not your mirror or tap, the packets may be forged (see its finding)"

// accusations are the codes whose findings name a culprit.
var accusations = map[string]bool{CodeFTPBounce: true, CodeLoginAttack: true, CodeDataForeignSource: true}

// hedgeTunnel hedges f, an accusation of a session that came only inside
// such a tunnel.
func hedgeTunnel(f *Finding) {
	s := f.Session
	if s == nil || !accusations[f.Code] || !s.TunnelUnverified() {
		return
	}
	f.tunnelOnly = true
	f.Message += " " + tunnelWhy(s) + "."
}

// tunnelWhy says whose packets the capture showed s's tunnel carry
// (wire data: the outer addresses, and the kind is decode's own name).
func tunnelWhy(s *track.Session) string {
	t := s.Tunnel()
	from := t.OuterSrc[0].String()
	switch {
	case t.Inside[0] == 0:
		from = t.OuterSrc[1].String()
	case t.Inside[1] > 0 && t.OuterSrc[0] != t.OuterSrc[1]:
		from += " and " + t.OuterSrc[1].String()
	}
	return "Seen only inside " + t.Kind + " from " + from + ": if that is not your mirror or tap, the packets may be forged"
}
