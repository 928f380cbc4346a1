package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode"
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

// tunnelLoginDoubt hedges a password-guessing verdict whose every
// login-brute-force warning rests on failures seen only inside such a
// tunnel.
const tunnelLoginDoubt = "; the failures it rests on were seen only inside a tunnel: if its sender is not your mirror or tap, the packets may be forged (see its finding)"

// accusations are the codes whose findings name a culprit.
var accusations = map[string]bool{CodeFTPBounce: true, CodeLoginAttack: true, CodeDataForeignSource: true}

// hedgeTunnel hedges f, an accusation of a session that came only inside
// such a tunnel.
func hedgeTunnel(f *Finding) {
	s := f.Session
	if s == nil || !accusations[f.Code] {
		return
	}
	if f.tunnelWeighed {
		// login-brute-force weighed each failure's own tunnel
		// (hedgeLoginTunnel).
		if f.tunnelOnly && s.TunnelUnverified() {
			s.KeepTunnelHedged()
		}
		return
	}
	if !s.TunnelUnverified() {
		return
	}
	f.tunnelOnly = true
	s.KeepTunnelHedged()
	f.Message += seenOnlyInside(tunnelFrom(s.Tunnel()))
}

// seenOnlyInside is the hedge a finding's message ends with when all it
// rests on came inside the tunnel from (tunnelFrom).
func seenOnlyInside(from string) string {
	return " Seen only inside " + from + ": if that is not your mirror or tap, the packets may be forged."
}

// hedgeLoginTunnel hedges f, a login-brute-force warning against addr
// that rests on tunnelled of its failures seen only inside a tunnel
// (from: tunnelFrom), of all: the sessions its count rests on, not the
// one whose failure raised it. Its fix says to check before blocking
// (and so stands apart from an unhedged one's in a summary).
func hedgeLoginTunnel(f *Finding, addr netip.Addr, tunnelled, all int, from string) {
	f.tunnelOnly, f.tunnelWeighed = true, true
	f.Advice = "Check first that " + from + " is your mirror or tap: if not, those failures may be forged to have " + addr.String() + " blocked. " + f.Advice
	if tunnelled == all {
		f.Message += seenOnlyInside(from)
		return
	}
	f.Message += fmt.Sprintf(" %d of these %d failures were seen only inside %s, and the others alone do not show guessing: if that is not your mirror or tap, those packets may be forged, naming this address.", tunnelled, all, from)
}

// tunnelFrom says what tunnel t is and whose packets the capture showed
// it carry ("VXLAN from 198.51.100.66"; wire data: the outer addresses,
// and the kind is decode's own name).
func tunnelFrom(t *decode.Tunnel) string {
	from := t.OuterSrc[0].String()
	switch {
	case t.Inside[0] == 0:
		from = t.OuterSrc[1].String()
	case t.Inside[1] > 0 && t.OuterSrc[0] != t.OuterSrc[1]:
		from += " and " + t.OuterSrc[1].String()
	}
	return t.Kind + " from " + from
}
