package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// A capture taken on a box that forwards a conversation (tcpdump -i any
// on a router, a firewall, a NAT) sees each of its packets twice:
// arriving on one interface and leaving on another. A SYN it saw
// arriving and never leaving did not pass the box: the box's own
// forward chain dropped it, not a firewall beyond it. Where the capture
// records which way each packet crossed the host (decode.LinkDir: the
// cooked header of tcpdump -i any), that is read; else the copies tell:
// the same connection under the addresses of each side of a NAT
// (track.Session.SameConnection), or, routed, each packet of the
// opener's a second time one hop lower.

// boxWhy says what showed that the capture's own box dropped a data
// connection's SYNs (boxDropped).
type boxWhy uint8

const (
	boxNot     boxWhy = iota
	boxLinkDir        // the link header's direction: the opener's packets arriving and leaving, the SYNs arriving only
	boxNATCopy        // the other copy of the session, across the NAT, saw no SYN
	boxTTLCopy        // the opener's other packets seen again one hop lower, the SYNs never
)

// boxDropped tells whether dc's SYNs, unanswered, were dropped by the
// box the capture was taken on, and what showed it.
func boxDropped(s *track.Session, dc *track.DataConn) boxWhy {
	if s == nil || dc.Outcome != track.OutcomeUnanswered || dc.SYNs == 0 || dc.SYNSeenTwice() || dc.SynAckLost || dc.Reflected != nil {
		return boxNot
	}
	openerServer := !dc.Passive
	listener := s.Server.Addr()
	if openerServer {
		listener = s.Client.Addr()
	}
	if dc.Server.Addr().Unmap() != listener.Unmap() {
		// To another address than the session's own host (an announced
		// address that leads elsewhere: nat-mismatch, another host): what
		// stopped them is that address's doing first.
		return boxNot
	}
	switch {
	case dc.SYNsStoppedHere() && s.Hops.Forwarded(openerServer):
		return boxLinkDir
	case s.SameConnection != nil && dc.Twin != nil && dc.Twin.SYNs == 0 && openerSide(s, dc):
		return boxNATCopy
	case ttlCopies(s.Hops, openerServer) && dc.Hops&(decode.ClientUnrouted|decode.ClientRouted|decode.ClientFar) == decode.ClientUnrouted &&
		siblingForwarded(s, dc):
		// (A data connection's client bits are its opener's.)
		return boxTTLCopy
	}
	return boxNot
}

// openerSide tells whether s, one copy of a connection seen on both
// sides of a NAT, is the copy on the side of dc's opener: the client's
// (whose control SYN came first) for a passive data connection, the
// server's for an active one. A SYN seen there and not on the other side
// stopped at the box.
func openerSide(s *track.Session, dc *track.DataConn) bool {
	clientSide := !s.SameConnection.First
	return clientSide == dc.Passive
}

// sideBits is the client's Hops bits h as the side's (the server's when
// server).
func sideBits(server bool, h decode.Hops) decode.Hops {
	if server {
		return h << 2
	}
	return h
}

// ttlCopies tells whether the side's control segments came both with a
// host's initial TTL and one lower, never further: each seen arriving
// from its host next to the box and leaving it, routed.
func ttlCopies(h decode.Hops, server bool) bool {
	all := sideBits(server, decode.ClientUnrouted|decode.ClientRouted|decode.ClientFar)
	return h&all == sideBits(server, decode.ClientUnrouted|decode.ClientRouted)
}

// siblingForwarded tells whether another data connection of s opened by
// the same side had its SYN seen twice at once, once one hop lower: the
// box passed that one on, under the capture's eyes.
func siblingForwarded(s *track.Session, dc *track.DataConn) bool {
	for _, o := range s.Data {
		if o != dc && o.Passive == dc.Passive && o.SYNSeenTwice() && ttlCopies(o.Hops, false) {
			return true
		}
	}
	return false
}

// boxPlace is where the firewall to open sits when the capture's own box
// dropped dc's SYNs: that box's forward chain, for the listener's
// address as that chain sees it. A NAT pair whose listener address
// differs between the copies is a NAT in front of the listener (a DNAT
// of the server's passive range, the client's masquerade that its FTP
// helper rewrites a PORT for): the box must forward the range to it too.
func boxPlace(s *track.Session, dc *track.DataConn) place {
	p := place{router: true, box: true}
	t := s.SameConnection
	if t == nil {
		// Routed: the forward chain sees the listener's own address.
		p.inside = dc.Server.Addr().Unmap()
		return p
	}
	here, there := s.Server.Addr().Unmap(), t.Server.Addr().Unmap()
	if !dc.Passive {
		here, there = s.Client.Addr().Unmap(), t.Client.Addr().Unmap()
	}
	if here == there {
		// Only the opener's address translated: the forward chain
		// sees the listener's own.
		p.inside = here
		return p
	}
	// The copy on the listener's side holds its inside address: the
	// server's side (its SYN second, t.First) for a passive data
	// connection, the client's for an active one.
	p.nat = true
	if t.First == dc.Passive {
		p.inside, p.public = here, there
	} else {
		p.inside, p.public = there, here
	}
	return p
}

// boxSentence says that the capture's own box dropped the SYNs to dst,
// and what showed it (why: boxDropped's).
func boxSentence(s *track.Session, dc *track.DataConn, why boxWhy, dst netip.Addr) string {
	the, they, were := "the SYNs", "them", "were"
	if dc.SYNs == 1 {
		the, they, were = "the SYN", "it", "was"
	}
	opener := dc.Opener()
	var how string
	switch why {
	case boxLinkDir:
		how = fmt.Sprintf("the %s's other packets arrived at it and left it again, as the capture's link header records", opener)
	case boxNATCopy:
		how = fmt.Sprintf("it holds this connection on both sides of the box's NAT, session %d the other side", s.SameConnection.ID)
	default:
		how = fmt.Sprintf("the %s's other packets were seen twice, arriving and again one hop lower as the box sent them on", opener)
	}
	chain := "in its forward chain"
	if boxPlace(s, dc).nat {
		listener := "server"
		if !dc.Passive {
			listener = "client"
		}
		// The listener's address translated: the box may not forward
		// the port to it at all, its own address keeping the SYNs.
		chain = "in its forward chain or by not forwarding (DNAT) the port to the " + listener
	}
	return fmt.Sprintf("This capture was taken on a box that forwards this conversation, a router or firewall (tcpdump -i any there): %s; %s %s seen arriving from the %s but never leaving toward %s, so the box itself dropped %s, %s, not a firewall beyond it.",
		how, the, were, opener, dst, they, chain)
}
