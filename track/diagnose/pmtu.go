package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
)

// pmtuBlackHole finds a path MTU black hole on a data connection
// (track.PathMTU.BlackHole): a router on the path could not forward the
// sender's segments, too large for its next link, dropped them and said
// so with ICMP "fragmentation needed" (type 3 code 4) or ICMPv6 "Packet
// Too Big" (type 2), and the sender kept sending the same segment as
// large, while the receiver acknowledged nothing past it. The sender's
// TCP never took the error (the capture shows the sender's own
// segments after it, still too large: not the router's errors alone, nor
// a copy of one seen twice; when the capture's segments are larger than
// any standard link carries, offload or jumbo frames, their sizes say
// nothing of the wire's, and the router quoting the resent data again
// shows it): a firewall between the capture and the
// sender (its own host's, most often) drops it, or the sender ignores it.
// The transfer stalls until one side gives up. A sender that honoured
// the error (sent the data again smaller, and it got through) raises
// nothing.
func pmtuBlackHole(s *track.Session, dc *track.DataConn) *Finding {
	if dc == nil {
		return nil
	}
	p := dc.TooBig()
	if !p.BlackHole() {
		return nil
	}
	f := &Finding{Code: CodePMTUBlackHole, Severity: SeverityError, Session: s, Data: dc, TS: p.First}
	ann, what, sender, receiver, pk := tooBigRoles(dc, p.Sender, p.Num)
	// The family of the errors and of the packets they quote: an IPv6
	// path takes ip6tables rules, which iptables's leave alone.
	x := describeTooBig(p, p.Sender.Addr().Is6(), "its data")
	errsOf := fmt.Sprintf("%d %s error", p.Errors, x.kind)
	if p.Errors != 1 {
		errsOf += "s"
	}
	got := "nothing past the first segment the errors quoted"
	if dc.Outcome == track.OutcomeConnected {
		got = "none of the data"
	}
	f.Evidence = joinEvidence(ann,
		fmt.Sprintf("data connection #%d from %s to %s: %s, %s, from %s to %s (first at packet %d); %s; %s acknowledged %s",
			dc.ID, dc.Client, dc.Server, errsOf, x.mtu, p.From, p.Sender.Addr(), p.Num, x.resent, receiver, got))
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("A path MTU black hole on %s: the router %s could not forward %s's segments, too large for its next link (%s), and answered with %s (%s); yet %s kept sending the same segment as large, and %s acknowledged %s. The capture shows the errors on their way to %s (%s), so they are lost after this point, on %s's side: a firewall there (most often on its own host) drops them, or its TCP ignores them. The transfer cannot go on.",
		what, p.From, sender, x.mtu, x.kind, x.errs, sender, receiver, got, sender, p.Sender.Addr(), sender)
	f.Advice = x.advice(p, sender)
	return f
}

// controlPMTUBlackHole is pmtuBlackHole for the session's control
// connection (track.Session.ControlTooBig): a classic FTPS hang, the TLS
// handshake after AUTH TLS whose certificate chain fills full-size
// segments, or a long multi-line reply (FEAT, HELP, a listing over the
// control connection), dropped by a router whose next link is smaller,
// whose errors never reach the sender's TCP. Raised only when the capture
// shows it: the sender sent the quoted bytes again as large and the
// receiver never acknowledged past them. A sender that sent them again
// smaller, and got through, raises nothing.
func controlPMTUBlackHole(s *track.Session) *Finding {
	p := s.ControlTooBig()
	if !p.BlackHole() {
		return nil
	}
	f := &Finding{Code: CodePMTUBlackHole, Severity: SeverityError, Session: s, TS: p.First, Packets: packets([]uint64{p.Num})}
	sender, receiver := "the server", "the client"
	if p.Sender == s.Client {
		sender, receiver = "the client", "the server"
	}
	x := describeTooBig(p, p.Sender.Addr().Is6() && !p.Sender.Addr().Is4In6(), "the quoted bytes")
	what := "a long reply or line (a multi-line FEAT or HELP, a listing over the control connection)"
	if s.Encrypted || s.ImplicitTLS {
		what = "TLS records (the handshake's certificate chain after AUTH TLS fills full-size segments)"
	}
	f.Evidence = fmt.Sprintf("control connection %s to %s: %s, %s, from %s to %s (first at packet %d); %s; %s acknowledged nothing past the first segment they quoted",
		s.Client, s.Server, x.errs, x.mtu, p.From, p.Sender.Addr(), p.Num, x.resent, receiver)
	f.Message = fmt.Sprintf("A path MTU black hole on the control connection: the router %s could not forward %s's segments of %s, too large for its next link (%s), and answered with %s (%s); yet %s kept sending them as large, and %s acknowledged nothing past them. The capture shows the errors on their way to %s (%s), so they are lost after this point, on %s's side: a firewall there (most often on its own host) drops them, or its TCP ignores them. The session hangs.",
		p.From, sender, what, x.mtu, x.kind, x.errs, sender, receiver, sender, p.Sender.Addr(), sender)
	f.Advice = x.advice(p, sender)
	return f
}

// tooBigText is what a path MTU black hole finding says of its errors,
// for a data connection's and a control connection's alike.
type tooBigText struct {
	v6             bool
	kind, mtu, mss string
	errs, resent   string
}

// describeTooBig words p's errors; sent names what the sender sent again
// ("its data").
func describeTooBig(p *track.PathMTU, v6 bool, sent string) tooBigText {
	x := tooBigText{v6: v6, kind: "ICMP type 3 code 4 (fragmentation needed)", mtu: "no MTU given", errs: "1 error"}
	hdr := uint32(40) // IPv4 and TCP headers without options
	if v6 {
		x.kind, hdr = "ICMPv6 type 2 (Packet Too Big)", 60
	}
	if p.MTU > 0 {
		x.mtu = fmt.Sprintf("MTU %d", p.MTU)
		if p.MTU > hdr {
			x.mss = fmt.Sprintf(" (an MSS of at most %d)", p.MTU-hdr)
		}
	}
	if p.Errors != 1 {
		x.errs = fmt.Sprintf("%d errors", p.Errors)
	}
	again := "once"
	if p.Repeated != 1 {
		again = fmt.Sprintf("%d times", p.Repeated)
	}
	// What shows the sender kept sending as large (track.PathMTU.Repeated):
	// its segments after the errors, of bytes it had sent, too large for
	// the MTU given; with no MTU given, or segments larger than a
	// 1500-byte link carries (offload, jumbo frames: the capture's sizes
	// are not the wire's), the router quoting its resent bytes again.
	x.resent = fmt.Sprintf("%s sent again in segments of more than %d bytes (what the MTU leaves room for) %s after them", sent, p.Room(), again)
	switch {
	case p.MTU == 0:
		x.resent = fmt.Sprintf("the same segment sent again and quoted again by the router %s", again)
	case p.Offload:
		x.resent = fmt.Sprintf("its segments in the capture are larger than a 1500-byte link carries (segmentation offload or jumbo frames: their sizes are not the wire's); %s sent again and quoted again by the router %s", sent, again)
	}
	return x
}

// advice is what to change so that p's errors reach sender, or are not
// needed.
func (x tooBigText) advice(p *track.PathMTU, sender string) string {
	return fmt.Sprintf("Let the path MTU errors reach %s (%s): never filter them (RFC 4890 4.3.1 for ICMPv6 Packet Too Big; RFC 2923 for IPv4's fragmentation needed), e.g. on its host %s, and on every firewall between it and %s. Or clamp the TCP MSS on the router %s so that no segment exceeds its link%s: %s. On a Linux sender, net.ipv4.tcp_mtu_probing=1%s finds a size that passes without the errors (RFC 4821).",
		sender, p.Sender.Addr(), pmtuAllowRule(x.v6), p.From, p.From, x.mss, mssClampRule(x.v6), probingFamilies(x.v6))
}

// pmtuAllowRule is the host rule that lets the path MTU errors of the
// family in: ICMP fragmentation needed, ICMPv6 Packet Too Big.
func pmtuAllowRule(v6 bool) string {
	if v6 {
		return "ip6tables -I INPUT -p icmpv6 --icmpv6-type packet-too-big -j ACCEPT (nft: icmpv6 type packet-too-big accept)"
	}
	return "iptables -I INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT (nft: icmp type destination-unreachable icmp code frag-needed accept)"
}

// mssClampRule is the router rule that clamps the MSS of the family's
// forwarded connections to the outgoing link's MTU (the nft form serves
// both in an inet table).
func mssClampRule(v6 bool) string {
	return iptablesCmd(v6) + " -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu (nft: tcp flags syn tcp option maxseg size set rt mtu)"
}

// probingFamilies is what to say of net.ipv4.tcp_mtu_probing for an IPv6
// sender: its name says IPv4, but Linux's TCP reads it for IPv6 too.
func probingFamilies(v6 bool) string {
	if v6 {
		return " (IPv6 too, despite its name)"
	}
	return ""
}

// tooBigRoles names, for a path MTU finding on dc whose large segments
// from is sending: dc's announcement, the connection (by its transfer
// command when it has one), the sender and receiver in FTP roles (the
// server is the side connected to in passive mode, the opener in active
// mode), and the packets of its evidence (the announcement's, the SYN,
// extra, the command).
func tooBigRoles(dc *track.DataConn, from netip.AddrPort, extra ...uint64) (ann, what, sender, receiver string, pk []uint64) {
	ann, pk = announcement(dc)
	pk = append(append(pk, dc.SYNNum), extra...)
	what = fmt.Sprintf("data connection #%d", dc.ID)
	if c := dc.Command; c != nil {
		what = fmt.Sprintf("the data connection of %s", commandText(c))
		pk = append(pk, c.Num)
	}
	sender, receiver = "the server", "the client"
	if (from == dc.Server) != dc.Passive {
		sender, receiver = "the client", "the server"
	}
	return ann, what, sender, receiver, pk
}
