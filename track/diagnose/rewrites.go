package diagnose

import "net/netip"

// Rewrite is what another capture point showed of a server's 227: the
// server sends From, and past a box in between (a NAT router's FTP helper,
// or an ALG) the client's side sees To instead. A capture on the server's
// side alone cannot see this; read --vantage can, and tells the diagnoser
// of each point with KnowRewrite, so that its advice follows what the
// packets at both points show.
type Rewrite struct {
	Server netip.AddrPort // the server, as this capture sees it
	From   netip.Addr     // the address the server announces
	To     netip.Addr     // the address the client's side saw in its place
	Where  string         // the capture point that saw To
}

// MaxRewrites bounds the rewrites a Diagnoser keeps.
const MaxRewrites = 256

// KnowRewrite tells the diagnoser that the 227s of rw.Server naming
// rw.From reach the client's side naming rw.To. It reports whether the
// rewrite was kept (at most MaxRewrites; the same server and address again
// replaces the earlier one).
func (d *Diagnoser) KnowRewrite(rw Rewrite) bool {
	if !rw.Server.IsValid() || !rw.From.IsValid() || !rw.To.IsValid() {
		return false
	}
	rw.Server = unmapPort(rw.Server)
	rw.From, rw.To = rw.From.Unmap(), rw.To.Unmap()
	for i := range d.rewrites {
		if d.rewrites[i].Server == rw.Server && d.rewrites[i].From == rw.From {
			d.rewrites[i] = rw
			return true
		}
	}
	if len(d.rewrites) >= MaxRewrites {
		return false
	}
	d.rewrites = append(d.rewrites, rw)
	return true
}

// rewriteOf is the rewrite known for server's 227s naming a.
func (d *Diagnoser) rewriteOf(server netip.AddrPort, a netip.Addr) (Rewrite, bool) {
	server, a = unmapPort(server), a.Unmap()
	for _, rw := range d.rewrites {
		if rw.Server == server && rw.From == a {
			return rw, true
		}
	}
	return Rewrite{}, false
}

func unmapPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
