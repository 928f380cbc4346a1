package track

import "github.com/ftpsniff/ftpsniff/decode"

// noteTunnel keeps what decode saw of the tunnel the session's control
// connection came inside (decode/encap.go), from its close; a session
// picked up again after an idle close adds the next close's counts.
func (s *Session) noteTunnel(t *decode.Tunnel) {
	r := s.memo().rareMemo()
	if r.tunnel == nil {
		r.tunnel = t
		return
	}
	for side := range 2 {
		if r.tunnel.Inside[side] == 0 && t.Inside[side] > 0 {
			r.tunnel.OuterSrc[side], r.tunnel.OuterDst[side] = t.OuterSrc[side], t.OuterDst[side]
		}
		r.tunnel.Inside[side] += t.Inside[side]
		r.tunnel.Plain[side] += t.Plain[side]
	}
}

// Tunnel is what the capture showed of the tunnel the session's control
// connection came inside (its kind, the outer addresses of each side's
// segments), or nil when it came in none (or in a monitoring
// encapsulation, ERSPAN or TZSP: the capture's own path).
func (s *Session) Tunnel() *decode.Tunnel {
	r := s.rare()
	if r == nil {
		return nil
	}
	if r.tunnel != nil {
		return r.tunnel
	}
	// Before the close: its shape so far, for findings raised while
	// the session is open.
	return r.tunnelSoFar
}

// TunnelUnverified tells whether the session came only inside a tunnel
// whose outer addresses are not plausibly a monitored fabric's tunnel
// endpoints (decode.Tunnel.Fabric): anyone can send such packets, from
// their own address to any host, so what the session shows, and whom
// it accuses, the capture cannot verify.
// Once an accusation of the session was hedged for it
// (KeepTunnelHedged), it stays so when the session goes on outside the
// tunnel: the accusation rests on what came inside.
func (s *Session) TunnelUnverified() bool {
	t := s.Tunnel()
	if t != nil && s.xfer.rare.tunnelHedged {
		return true
	}
	return t != nil && t.Only() && !t.Fabric()
}

// KeepTunnelHedged notes that an accusation of the session was hedged
// for its tunnel (TunnelUnverified true when it was raised), so that
// the session's own reading (its transcript, its JSON) stays the
// finding's.
func (s *Session) KeepTunnelHedged() {
	if s.Tunnel() != nil {
		s.xfer.rare.tunnelHedged = true
	}
}
