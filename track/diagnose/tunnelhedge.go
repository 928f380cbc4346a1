package diagnose

import (
	"github.com/ftpsniff/ftpsniff/track"
)

// Accusations resting on a tunnel. A session that came only inside a
// tunnel whose outer addresses are no monitored fabric's tunnel
// endpoints (track.Session.TunnelUnverified: one sender made both sides)
// may be made up by whoever sent the tunnel's packets, from their own
// address to any host. A finding that names a culprit (a bounce, password
// guessing, a data connection taken by another host) says so, and the
// server's verdict on a bounce does.

// tunnelVerdictDoubt hedges a bounce verdict whose finding's session
// came only inside an unverified tunnel.
const tunnelVerdictDoubt = "; unverified: that session came only inside a tunnel whose outer sender made both sides, so it may be made up (see its session)"

// accusations are the codes whose findings name a culprit.
var accusations = map[string]bool{CodeFTPBounce: true, CodeLoginAttack: true, CodeDataForeignSource: true}

// hedgeTunnel hedges f, an accusation of a session that came only inside
// an unverified tunnel.
func hedgeTunnel(f *Finding) {
	s := f.Session
	if s == nil || !accusations[f.Code] || !s.TunnelUnverified() {
		return
	}
	f.tunnelOnly = true
	f.Message += " Unverified: " + tunnelWhy(s) + ": the session may be made up, and who its client is cannot be verified."
}

// tunnelWhy says what the capture showed of s's tunnel.
func tunnelWhy(s *track.Session) string {
	t := s.Tunnel()
	why := "every packet of this session came inside a tunnel (" + t.Kind + ")"
	if t.Inside[0] > 0 && t.Inside[1] > 0 && t.OuterSrc[0] == t.OuterSrc[1] {
		return why + " from " + t.OuterSrc[0].String() + ", which sent both sides' packets (no tunnel endpoint of a monitored fabric does)"
	}
	return why + " whose outer addresses are not two tunnel endpoints each carrying one side, as a monitored fabric's are"
}
