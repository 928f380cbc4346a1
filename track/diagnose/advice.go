package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// nftRule accepts new connections to the ports rs on the server.
func nftRule(rs policy.Ranges) string {
	return fmt.Sprintf("nft insert rule inet filter input tcp dport %s ct state new accept", nftPorts(rs))
}

// nftForwardRule accepts new connections to the ports rs that a router
// forwards: to inside when the packets show the listener's address behind
// it (after a DNAT the forward chain sees that address), else to any.
func nftForwardRule(rs policy.Ranges, inside netip.Addr) string {
	to := ""
	if inside.IsValid() {
		ipf := "ip"
		if inside.Unmap().Is6() {
			ipf = "ip6"
		}
		to = fmt.Sprintf("%s daddr %s ", ipf, inside.Unmap())
	}
	return fmt.Sprintf("nft insert rule inet filter forward %stcp dport %s ct state new accept", to, nftPorts(rs))
}

func nftPorts(rs policy.Ranges) string {
	if len(rs) == 1 {
		return rs[0].String()
	}
	return "{ " + strings.ReplaceAll(rs.String(), ",", ", ") + " }"
}

// iptablesRule is the same for iptables (ip6tables for an IPv6 server),
// as prose: one rule, or several joined by "; " (iptablesRules).
func iptablesRule(rs policy.Ranges, v6 bool) string {
	return strings.Join(iptablesRules(rs, v6), "; ")
}

// iptablesRules are iptablesRule's rules, one a line.
func iptablesRules(rs policy.Ranges, v6 bool) []string {
	return iptablesChainRules("INPUT", "", rs, v6)
}

// nftForwardRuleAt accepts, in a router's forward chain, new connections
// to the ports rs of the listener at p. To p.inside when the packets show
// the listener's address behind the router: after a DNAT the forward chain
// sees that address. Else, when they show the address the clients reach
// (p.public), to that address and those ports as conntrack saw them before
// any DNAT (ct original): that matches whether the router routes to a
// listener at that address or forwards (DNAT) its own address to one
// behind it, where "ip daddr" of the address reached never matches after
// the DNAT, and "tcp dport" misses a DNAT to another port. Else to any
// address. forwardNote says which.
func nftForwardRuleAt(rs policy.Ranges, p place) string {
	if a := p.public.Unmap(); !p.inside.IsValid() && a.IsValid() {
		return fmt.Sprintf("nft insert rule inet filter forward meta l4proto tcp ct original %s daddr %s ct original proto-dst %s ct state new accept", ipFamily(a), a, nftPorts(rs))
	}
	return nftForwardRule(rs, p.inside)
}

// iptablesForwardRulesAt are nftForwardRuleAt's iptables (ip6tables)
// rules, one a line: the conntrack match's original destination takes one
// port or range a rule.
func iptablesForwardRulesAt(rs policy.Ranges, v6 bool, p place) []string {
	a := p.public.Unmap()
	if p.inside.IsValid() || !a.IsValid() {
		return iptablesForwardRules(rs, v6, p.inside)
	}
	var out []string
	for _, r := range rs {
		port := r.String()
		if r.Lo != r.Hi {
			port = fmt.Sprintf("%d:%d", r.Lo, r.Hi)
		}
		out = append(out, fmt.Sprintf("%s -I FORWARD -p tcp -m conntrack --ctstate NEW --ctorigdst %s --ctorigdstport %s -j ACCEPT", iptablesCmd(v6), a, port))
	}
	return out
}

// forwardNote says what a forward rule of p matches when that is not
// plain: the address the clients reach as conntrack saw it before any
// DNAT (ct original), or no address at all, every host behind the router.
func forwardNote(p place) string {
	switch {
	case p.inside.IsValid():
		return ""
	case p.public.IsValid():
		return fmt.Sprintf("ct original matches %s and the port as the client reached them, before any DNAT: whether the router routes to %s or forwards it to a server behind it", p.public.Unmap(), p.public.Unmap())
	}
	return "this accepts the ports to every host behind the router: add ip daddr (iptables -d) with the server's address, the one the router forwards them to, to open them for the server only"
}

func ipFamily(a netip.Addr) string {
	if a.Unmap().Is6() {
		return "ip6"
	}
	return "ip"
}

// iptablesForwardRules are nftForwardRule's iptables rules, one a line.
func iptablesForwardRules(rs policy.Ranges, v6 bool, inside netip.Addr) []string {
	to := ""
	if inside.IsValid() {
		to = "-d " + inside.Unmap().String() + " "
	}
	return iptablesChainRules("FORWARD", to, rs, v6)
}

// forwardRules are the nftables and iptables rules of a router in front
// of the listener at p (nftForwardRuleAt), in prose.
func forwardRules(rs policy.Ranges, v6 bool, p place) string {
	r := nftOrIptables(nftForwardRuleAt(rs, p), strings.Join(iptablesForwardRulesAt(rs, v6, p), "; "))
	if n := forwardNote(p); n != "" {
		r += " (" + n + ")"
	}
	return r
}

// forwardLines are the same as change lines, under a comment when they
// name no address.
func forwardLines(rs policy.Ranges, v6 bool, p place) []string {
	var l []string
	if n := forwardNote(p); n != "" {
		l = append(l, "# "+n+":")
	}
	l = append(l, nftForwardRuleAt(rs, p))
	return append(l, iptablesForwardRulesAt(rs, v6, p)...)
}

// serverPlaceholder stands for the server's address behind the NAT when
// the packets do not show it; publicPlaceholder for the router's public
// address, the one the clients reach, when neither the packets nor
// --public-address give it.
const (
	serverPlaceholder = "<server's address behind the NAT>"
	publicPlaceholder = "<router's public address>"
)

// nftDNATRule forwards (DNAT) new connections to the ports rs, arriving
// at public (publicPlaceholder when not known: a prerouting DNAT of no
// address would also catch the connections the hosts behind the router
// open to those ports elsewhere), to inside on a NAT router: a
// router that forwards port 21 only answers connections to the passive
// ports itself (an RST from its own address), and no accept in its
// forward chain changes that. It assumes a table ip (ip6) nat with a
// prerouting chain of type nat, as a router that forwards port 21 has.
func nftDNATRule(rs policy.Ranges, inside, public netip.Addr) string {
	ipf := "ip"
	if inside.IsValid() && inside.Unmap().Is6() || !inside.IsValid() && public.IsValid() && public.Unmap().Is6() {
		ipf = "ip6"
	}
	to := serverPlaceholder
	if inside.IsValid() {
		to = inside.Unmap().String()
	}
	dst := publicPlaceholder
	if public.IsValid() {
		dst = public.Unmap().String()
	}
	return fmt.Sprintf("nft add rule %s nat prerouting %s daddr %s tcp dport %s dnat to %s", ipf, ipf, dst, nftPorts(rs), to)
}

// iptablesDNATRules are nftDNATRule's iptables (ip6tables) rules.
func iptablesDNATRules(rs policy.Ranges, v6 bool, inside, public netip.Addr) []string {
	to := serverPlaceholder
	if inside.IsValid() {
		to = inside.Unmap().String()
	}
	dst := publicPlaceholder
	if public.IsValid() {
		dst = public.Unmap().String()
	}
	return iptablesPortRules(iptablesCmd(v6)+" -t nat -A PREROUTING -d "+dst+" ", rs, "-j DNAT --to-destination "+to)
}

// dnatRules are the DNAT rules of p's NAT router, in prose.
func dnatRules(rs policy.Ranges, v6 bool, p place) string {
	return nftOrIptables(nftDNATRule(rs, p.inside, p.public), strings.Join(iptablesDNATRules(rs, v6, p.inside, p.public), "; "))
}

// dnatLines are the same as change lines.
func dnatLines(rs policy.Ranges, v6 bool, p place) []string {
	return append([]string{nftDNATRule(rs, p.inside, p.public)}, iptablesDNATRules(rs, v6, p.inside, p.public)...)
}

// linuxOpenRule is the nftables and iptables rule, in prose, that opens rs
// on a Linux server's own host firewall.
func linuxOpenRule(rs policy.Ranges, v6 bool) string {
	return nftOrIptables(nftRule(rs), iptablesRule(rs, v6))
}

// nftOrIptables puts an nftables rule and its iptables twin in prose.
func nftOrIptables(nft, iptables string) string {
	return nft + " (or " + iptables + ")"
}

// iptablesCmd is the command for a rule of an address family: iptables
// never sees IPv6 packets, ip6tables does.
func iptablesCmd(v6 bool) string {
	if v6 {
		return "ip6tables"
	}
	return "iptables"
}

// maxMultiportSlots is how many ports one iptables multiport match takes
// (XT_MULTI_PORTS in linux/netfilter/xt_multiport.h), a range counting two.
const maxMultiportSlots = 15

// iptablesChainRules accept new connections to rs in chain: one rule per
// run of ranges that fits a multiport match, a single port or range
// without one.
func iptablesChainRules(chain, to string, rs policy.Ranges, v6 bool) []string {
	return iptablesPortRules(fmt.Sprintf("%s -I %s %s", iptablesCmd(v6), chain, to), rs, "-m conntrack --ctstate NEW -j ACCEPT")
}

// iptablesPortRules are the rules head, a match of the ports rs, tail:
// one rule per run of ranges that fits a multiport match, a single port
// or range without one.
func iptablesPortRules(head string, rs policy.Ranges, tail string) []string {
	var out, ports []string
	slots := 0
	flush := func() {
		switch len(ports) {
		case 0:
		case 1:
			out = append(out, fmt.Sprintf("%s-p tcp --dport %s %s", head, ports[0], tail))
		default:
			out = append(out, fmt.Sprintf("%s-p tcp -m multiport --dports %s %s", head, strings.Join(ports, ","), tail))
		}
		ports, slots = ports[:0], 0
	}
	for _, r := range rs {
		port, n := r.String(), 1
		if r.Lo != r.Hi {
			port, n = fmt.Sprintf("%d:%d", r.Lo, r.Hi), 2
		}
		if slots+n > maxMultiportSlots {
			flush()
		}
		ports = append(ports, port)
		slots += n
	}
	flush()
	return out
}

// nftHelperTable is the nftables table, one command that loads as printed,
// that attaches the FTP conntrack helper to connections to controlPort:
// the helper object "ct helper set" refers to (without it the rule does
// not load), and a chain at the prerouting hook (connections that arrive
// or pass) or, outgoing, the output hook (connections the host opens
// itself). Its priority is filter: nft(8) says a helper is assigned after
// the conntrack lookup (priority -200), so not in a raw-priority chain.
// The port is the connection's original destination port (ct original
// proto-dst), not the packet's: at priority filter a router's DNAT
// (priority dstnat, -100) has already rewritten the packet, so "tcp dport
// 21" misses a connection forwarded to another port (checked on Linux
// 6.18: 10.99.1.1:21 DNATed to 10.99.2.2:2121 got no expectation with
// tcp dport 21, one with ct original proto-dst 21). The iptables raw
// table runs before NAT and needs no such care.
func nftHelperTable(controlPort uint16, outgoing bool) string {
	chain, hook := "pre", "prerouting"
	if outgoing {
		chain, hook = "out", "output"
	}
	return fmt.Sprintf(`nft 'table inet ftphelper { ct helper ftp-std { type "ftp" protocol tcp; }; chain %s { type filter hook %s priority filter; policy accept; meta l4proto tcp ct original proto-dst %d ct helper set "ftp-std"; }; }'`,
		chain, hook, controlPort)
}

// iptablesHelperRule is the same for iptables (ip6tables for IPv6): the
// raw table's PREROUTING, or OUTPUT for the host's own connections.
func iptablesHelperRule(controlPort uint16, outgoing, v6 bool) string {
	chain := "PREROUTING"
	if outgoing {
		chain = "OUTPUT"
	}
	return fmt.Sprintf("%s -t raw -A %s -p tcp --dport %d -j CT --helper ftp", iptablesCmd(v6), chain, controlPort)
}

// nftRelatedRule and iptablesRelatedRule accept, in chain (input or
// forward), the RELATED data connections the helper expects. The nft form
// is a table and base chain of its own, so it loads on any host (an
// "insert rule inet filter ..." fails where that table does not exist).
// But every base chain at a hook judges each packet, and an accept in one
// does not stop a drop in another: the rule's comment, printed with the
// command and kept in the ruleset, says that the host's own chain that
// drops must accept them too. (A comment, not prose after the command, so
// that a summary's rule line still pastes into a shell.)
func nftRelatedRule(chain string) string {
	return fmt.Sprintf(`nft 'table inet ftphelper { chain %s { type filter hook %s priority filter; policy accept; ct state related accept comment "an accept here does not override a drop in another %s chain: accept ct state related there too"; }; }'`,
		chain, chain, chain)
}

func iptablesRelatedRule(chain string, v6 bool) string {
	return fmt.Sprintf("%s -I %s -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT", iptablesCmd(v6), strings.ToUpper(chain))
}

// helperLines are a summary's change lines that attach the helper
// (nftables, then iptables) and accept what it expects in chain.
func helperLines(controlPort uint16, outgoing bool, chain string, v6 bool) []string {
	return []string{
		nftHelperTable(controlPort, outgoing), nftRelatedRule(chain),
		iptablesHelperRule(controlPort, outgoing, v6), iptablesRelatedRule(chain, v6),
	}
}

// PortMayBeTranslated reports whether the capture may see s's control
// port after a router's DNAT changed it: the server is at a private
// address (behind a NAT, may be) and the client's segments are not seen
// all with a host's initial TTL (a capture beside the client sees the
// port it dials, the one the router's rule matches). A single capture
// cannot tell the port before the DNAT (rv-nat pub21-srv2121: the
// router's 21 forwarded to the server's 2121, seen as 2121 there).
func PortMayBeTranslated(s *track.Session) bool {
	return Local(s.Server.Addr().Unmap()) && !s.Hops.Direct(false)
}

// helperRuleFor reports whether text holds an FTP helper rule (nft's or
// iptables') for control port port.
func helperRuleFor(text string, port uint16) bool {
	return strings.Contains(text, fmt.Sprintf("ct original proto-dst %d ct helper set", port)) ||
		strings.Contains(text, fmt.Sprintf("--dport %d -j CT --helper ftp", port))
}

// ctlPortNote says which port a helper rule for port must match when
// the capture may see it after a router's DNAT (PortMayBeTranslated).
func ctlPortNote(port uint16) string {
	return fmt.Sprintf("port %d in the helper rules is the control port as this capture sees it, which may be after a router's DNAT changed it: on that router, or before it, match the port the clients dial; on the server itself, %d is right", port, port)
}

// ctlPortNoted is advice with ctlPortNote added when it gives a helper
// rule for port and does not say which port already (hairpinDirectFix).
// Every finding passes here (Diagnoser.report) when its capture may see
// the port after a DNAT: no helper rule for a port the router's clients
// may not dial goes out without the note.
func ctlPortNoted(advice string, port uint16) string {
	if !helperRuleFor(advice, port) || strings.Contains(advice, "before its DNAT") {
		return advice
	}
	advice = strings.TrimRight(advice, " ")
	if strings.HasSuffix(advice, ".") {
		n := ctlPortNote(port)
		return advice + " P" + n[1:] + "."
	}
	return advice + " (" + ctlPortNote(port) + ")"
}

// ctlPortLines is a summary's change lines with ctlPortNote as a comment
// over the first helper rule for port, when any.
func ctlPortLines(rules []string, port uint16) []string {
	for i, l := range rules {
		if strings.HasPrefix(l, "#") || !helperRuleFor(l, port) {
			continue
		}
		out := make([]string, 0, len(rules)+1)
		out = append(out, rules[:i]...)
		out = append(out, "# "+ctlPortNote(port)+":")
		return append(out, rules[i:]...)
	}
	return rules
}

// NFTHelperTable is nftHelperTable for other packages' advice (the
// --helper simulation's): the helper object and a prerouting chain of
// priority filter that attaches it to connections to controlPort.
func NFTHelperTable(controlPort uint16) string { return nftHelperTable(controlPort, false) }

// IptablesHelperRule is iptablesHelperRule for a router's PREROUTING.
func IptablesHelperRule(controlPort uint16, v6 bool) string {
	return iptablesHelperRule(controlPort, false, v6)
}

// AddrSetting names the setting that makes the server of s announce its
// public address, in its family's words with the family named
// ("ProFTPD's MasqueradeAddress"), or, for a server not known, every
// family's ("the server's passive address setting: vsftpd pasv_address,
// ..."). The family is the configuration's, else its greeting's.
func (d *Diagnoser) AddrSetting(s *track.Session) string {
	fam := d.family(s)
	if fam.known() {
		return possessive(fam.kind.Product()) + " " + fam.addrName()
	}
	return fam.addrNameIn()
}

// helperAdvice is how to attach the FTP conntrack helper: since Linux 4.7
// loading nf_conntrack_ftp is not enough. outgoing: for the connection the
// host opens itself (the raw table's OUTPUT, an output hook), else for
// connections that arrive or pass (PREROUTING covers both). related names
// the chain that must accept the RELATED data connections. v6: the
// session is IPv6 (ip6tables).
func helperAdvice(controlPort uint16, outgoing bool, related string, v6 bool) string {
	if related != "" {
		related = " " + related
	}
	return fmt.Sprintf("attach the FTP conntrack helper explicitly (not automatic since Linux 4.7): %s, or in nftables: %s, plus ct state related accept%s",
		iptablesHelperRule(controlPort, outgoing, v6), nftHelperTable(controlPort, outgoing), related)
}

// pathOpenAdvice says how to open rs on the router or NAT box in front of
// the server, which must also forward (DNAT) them to the server at inside
// when they arrive at public: in its forward chain, nftables/iptables
// whatever the server's own system. Rules for the server's own host are
// family.hostRule.
func pathOpenAdvice(rs policy.Ranges, v6 bool, inside, public netip.Addr) string {
	to := "the server"
	if inside.IsValid() {
		to = inside.Unmap().String()
	}
	p := place{nat: true, inside: inside, public: public}
	return fmt.Sprintf("forward (DNAT) %s to %s: %s; and accept them in the forward chain: %s", rs, to, dnatRules(rs, v6, p), forwardRules(rs, v6, p))
}

// place is where, as far as a session's packets show, the firewall that
// must let a data connection through sits: on the host that listens for it
// (its input chain, or Windows Defender Firewall), on a router or NAT box
// in front of that host (its forward chain, whatever the host's system), or
// either. Never a guess: when the packets do not tell, both are named,
// each with the case it is for.
type place struct {
	host, router bool
	// nat: a NAT in front of the listener is proven (the router must also
	// forward the ports to it); inside is the listener's address behind
	// it, when the packets show it.
	nat    bool
	inside netip.Addr
	// public: the address the clients reach the listener at, when the
	// packets or --public-address show it: with a NAT, the router's (the
	// control connection's seen outside it, or the one the server
	// announces), which the DNAT rule matches; a forward rule with no
	// inside address names it as conntrack's original destination
	// (nftForwardRuleAt).
	public netip.Addr
	// answers: a router in front of the server answered a data SYN
	// itself (routerReset: an RST with a TTL from fewer hops away than
	// the server's own segments), so it does not pass the ports on: a
	// NAT router that forwards port 21 only, or one whose forward chain
	// rejects them. Its rules come first, the server host's after
	// (openAt, openLines); host and router are set with it. ctl is the
	// control port an FTP helper there would follow, 0 when none can
	// (the control connection encrypted).
	answers bool
	ctl     uint16
	// far: the server's control segments came lowered by two hops or
	// more (decode.ServerFar) on a capture of the client's side: at
	// least two routers lie between, so "the router in front of the
	// server" does not name one (rv-nat double-*: the client's NAT
	// router and the server's DNAT router, the server's TTL 62). The
	// rules then name the router by what is known of it (frontRouter).
	far bool
	// box: the router is the box this capture was taken on, which
	// dropped the SYNs itself (boxDropped): its forward chain, and no
	// host's, is the one to open (router set with it).
	box bool
}

// frontRouter names the router in front of the server whose rules p's
// advice gives: "the router in front of the server" (nat: "the NAT
// router ..."), or, when the TTLs show two routers or more (p.far),
// the one that forwards the address the clients dial (p.public, when
// known) to the server, which need not be the nearest the server; the
// box this capture was taken on when that one dropped the SYNs (p.box).
func (p place) frontRouter(nat bool) string {
	kind := "router"
	if nat {
		kind = "NAT router"
	}
	if p.box {
		return "the " + kind + " this capture was taken on"
	}
	if !p.far {
		return "the " + kind + " in front of the server"
	}
	dial := "the address the clients dial"
	if p.public.IsValid() {
		dial = p.public.Unmap().String()
	}
	return fmt.Sprintf("the %s that forwards %s to the server", kind, dial)
}

// farNote is what a rule's comment adds to frontRouter when p.far: which
// of the routers it is, and the others.
func (p place) farNote() string {
	if !p.far {
		return ""
	}
	return " (of the two or more routers the server's segments crossed to this capture, whichever does; any other on the path must pass the range too)"
}

// farFrom sets p.far from the TTLs of s's control connection: every
// server segment came lowered, one of them by two hops or more, and the
// capture is on the client's side of them (the client's segments with a
// host's initial TTL).
func (p place) farFrom(s *track.Session) place {
	if p.router && !p.box && s.Hops.Beyond(true) && s.Hops&decode.ServerFar != 0 && s.Hops.Direct(false) {
		p.far = true
	}
	return p
}

// withPublic is p with public a when p has none.
func (p place) withPublic(a netip.Addr) place {
	if !p.public.IsValid() && a.IsValid() {
		p.public = a.Unmap()
	}
	return p
}

var placeHost = place{host: true}

// either is the place when the packets cannot tell.
func (p place) either() place {
	p.host, p.router = true, true
	return p
}

// natBehind is what the packets prove about a NAT or router in front of
// the server of s: a public client reaching a private server address (the
// capture is behind it); an announced address of the server's own, private,
// that is neither the address the client reaches nor on the client's
// network; under TLS, a failed data connection to such an address (what the
// hidden 227 named, hiddenPrivateAddress). dc narrows the look to one data
// connection; nil looks at the session's.
func natBehind(s *track.Session, dc *track.DataConn) place {
	cli, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	if !Local(cli) && Local(srv) {
		return place{nat: true, inside: srv}
	}
	elsewhere := func(a netip.Addr) bool {
		a = a.Unmap()
		c := Classify(a)
		return (c == ClassPrivate || c == ClassCGNAT) && a != srv && a.Is4() == srv.Is4() && !(Local(cli) && SameNet(a, cli))
	}
	var reached reachedAnnounced // (filled at the first address elsewhere)
	look := func(x *track.DataConn) (netip.Addr, bool) {
		switch {
		case !x.Passive:
		case x.Via != 0 && x.Announced.IsValid() && elsewhere(x.Announced.Addr()):
			// (Not one the client reached as announced and got through
			// to: it routes there, no NAT forwards to it; otherAddress.)
			if !reached.has(s, x.Announced.Addr().Unmap()) {
				return x.Announced.Addr().Unmap(), true
			}
		case x.Via == 0 && encryptedControl(s) && x.SYNs > 0 && elsewhere(x.Server.Addr()) && !inferredMisfit(s, x):
			// (Not one that does not fit those that worked: maybe the
			// client's connection to another host's service.)
			return x.Server.Addr().Unmap(), true
		}
		return netip.Addr{}, false
	}
	// A wrong address on the client's own network, with the control
	// address there too yet reached through a router (routedOnLAN):
	// that address is most likely the NAT router's own, forwarding
	// port 21 to the server behind it (its inside address not shown).
	wrongOnLAN := func(x *track.DataConn) bool {
		a := x.Announced.Addr().Unmap()
		return x.Passive && x.Via != 0 && a.IsValid() && a != srv && SameNet(a, cli) && routedOnLAN(s)
	}
	if dc != nil {
		if a, ok := look(dc); ok {
			return place{nat: true, inside: a, public: srv}
		}
		if wrongOnLAN(dc) {
			return place{nat: true, public: srv}
		}
		return place{}
	}
	for _, x := range s.Data {
		if a, ok := look(x); ok {
			return place{nat: true, inside: a, public: srv}
		}
	}
	for _, x := range s.Data {
		if wrongOnLAN(x) {
			return place{nat: true, public: srv}
		}
	}
	return place{}
}

// reachedAnnounced holds the first announced addresses of a session its
// client's passive data connections reached as announced and got
// through to (answeredAt), gathered in one look at the session's data
// connections the first time has asks.
type reachedAnnounced struct {
	done bool
	n    int
	addr [4]netip.Addr
}

// has tells whether s's client reached a as announced and got through
// (answeredAt, without a connection to leave out). Past len(addr)
// addresses the rest are not kept: read as not reached, as before.
func (r *reachedAnnounced) has(s *track.Session, a netip.Addr) bool {
	if !r.done {
		r.done = true
		for _, x := range s.Data {
			if r.n == len(r.addr) {
				break
			}
			if b := x.Announced.Addr().Unmap(); reachedAsAnnounced(x) && !slices.Contains(r.addr[:r.n], b) {
				r.addr[r.n] = b
				r.n++
			}
		}
	}
	return slices.Contains(r.addr[:r.n], a)
}

// routedOnLAN tells whether the client of s reaches the server at an
// address of its own network (SameNet) though the TTLs show a router in
// front of the server: every server segment came lowered (decode.Hops).
// Most likely that address is a NAT router's own on the client's
// network, forwarding (DNAT) port 21 to the server behind it (rv-nat
// pasvaddr-wrong: 10.99.1.1 on the client's 10.99.1.0/24, the server's
// segments one hop lower): no "shared network, no router" then, and an
// address setting naming it does not make that router forward the
// passive range (rv-nat pasvaddr-public: its own RST).
func routedOnLAN(s *track.Session) bool {
	return SameNet(s.Client.Addr().Unmap(), s.Server.Addr().Unmap()) &&
		s.Hops.Beyond(true)
}

// noRouterBetween: no router can lie between the client and the address
// it reaches the server at. Sharing a /24 or /64 (SameNet) does not prove
// it: the address the client reaches may be a NAT router's own, on the
// client's network, that forwards (DNAT) to a server behind it, and
// nothing in the packets tells it from the server's when the server
// announces it too (pasv_address set, or EPSV); applying the server
// host's input rule then changes nothing (rev-applyrule, a lab router at
// 10.99.1.1 in the client's 10.99.1.0/24 forwarding to 10.99.2.2). Only
// link-local addresses, which no router forwards, prove it; and, for
// two addresses of one network, the TTLs of the control connection's
// packets: every packet of both sides with a host's initial TTL (64,
// 128, 255) crossed no router between them and the capture point
// (decode.Hops), where a NAT router in front of the server lowers the
// server's by one. Anything else names both places, each with its case.
func noRouterBetween(s *track.Session) bool {
	cli, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	if !SameNet(cli, srv) {
		return false
	}
	return s.Hops.NoRouter() || Classify(cli) == ClassLinkLocal && Classify(srv) == ClassLinkLocal
}

// icmpPlace: an ICMP error from the destination itself is its own
// firewall's reject; from any other address, a router's on the path.
func icmpPlace(dc *track.DataConn) (place, bool) {
	if dc == nil || dc.Outcome != track.OutcomeUnreachable || dc.ICMP == nil {
		return place{}, false
	}
	if dc.ICMP.From.Unmap() == dc.Server.Addr().Unmap() {
		return placeHost, true
	}
	return place{router: true}, true
}

// atServer tells whether c's reading of the capture point of s is the
// server's side.
func atServer(c *captureShared, s *track.Session) bool {
	v, _ := c.vantage(s)
	return v == VantageServer
}

// listenerInside tells whether a capture read as the listener's side of
// s (the server's when server is set, else the client's, which listens
// in active mode) was taken inside any router in front of the listener,
// so that SYNs seen arriving there got through it: the listener seen at
// a private address (behind its NAT, whose outside shows the public
// one), or each of its control segments seen with a host's initial TTL
// (decode.Hops: no router forwarded them to the capture point). A public
// address alone does not show it: tcpdump on a router's public
// interface (a server's DNAT router, a client's NAT router) reads as
// that side by the handshake timing too, and sees the SYNs the router
// then drops (a lab DNAT router forwarding only part of vsftpd's passive
// range, captured on its public interface: TTL 63 from the server).
func listenerInside(s *track.Session, server bool) bool {
	a, unrouted, routed := s.Client.Addr(), decode.ClientUnrouted, decode.ClientRouted
	if server {
		a, unrouted, routed = s.Server.Addr(), decode.ServerUnrouted, decode.ServerRouted
	}
	return Local(a.Unmap()) || s.Hops&unrouted != 0 && s.Hops&routed == 0
}

// routerReset tells whether the RST that refused dc, a passive data
// connection to the server's control address, came from a box nearer
// the capture point than the server: with a host's initial TTL
// (decode.InitialTTL), while every control segment of the server's came
// lowered (decode.Hops). A host sends its RSTs with the TTL of its other
// segments; a router that answers for a port it does not forward (a NAT
// router forwarding port 21 only: rv-nat pasvaddr-public, TTL 64 where
// the server's segments have 63) or that rejects it with tcp-reset
// sends its own, from fewer hops away, in the server's name. oneHop: the
// server's segments came exactly one hop lower (decode.ServerOneHop), so
// that box is the router right in front of the server.
func routerReset(s *track.Session, dc *track.DataConn) (nearer, oneHop bool) {
	if !dc.Passive || dc.Outcome != track.OutcomeRefused || !dc.RSTFromServer || !decode.InitialTTL(dc.RSTTTL) ||
		dc.Server.Addr().Unmap() != s.Server.Addr().Unmap() ||
		!s.Hops.Beyond(true) {
		return false, false
	}
	return true, s.Hops.ServerOneHop()
}

// passivePlace is where the firewall between the client and the passive
// data port of dc sits; c holds the capture's votes on where it was taken.
func passivePlace(c *captureShared, s *track.Session, dc *track.DataConn) place {
	return passivePlaceAt(c, s, dc).farFrom(s)
}

// passivePlaceAt is passivePlace but for the routers' count (place.far).
func passivePlaceAt(c *captureShared, s *track.Session, dc *track.DataConn) place {
	if boxDropped(s, dc) != boxNot {
		return boxPlace(s, dc)
	}
	if p, ok := icmpPlace(dc); ok {
		return reachedAt(c, s, p, dc)
	}
	if nearer, _ := routerReset(s, dc); nearer {
		// The router in front answered: the capture is on its
		// client's side, where the address the SYN went to is the one
		// the client dialled, a DNAT's to match.
		p := natBehind(s, dc)
		p.host, p.router, p.answers = true, true, true
		if !encryptedControl(s) {
			p.ctl = s.Server.Port()
		}
		if !p.public.IsValid() {
			p.public = dc.Server.Addr().Unmap()
		}
		return p
	}
	if atServer(c, s) && dc.SYNs > 0 && listenerInside(s, true) {
		// Captured behind any router in front of the server: the SYNs
		// got through it, so they die on the server or right before it.
		return placeHost
	}
	p := natBehind(s, dc)
	if !p.nat && noRouterBetween(s) {
		return placeHost
	}
	return reachedAt(c, s, p.either(), dc)
}

// reachedAt is p, a place with a router, with the address the client
// reached dc at as public, when p shows no address behind a NAT and the
// capture shows the address reached (clientReached). Else p keeps no
// public address, and its forward rule names none (nftForwardRuleAt):
// a capture behind a DNAT shows the server's inside address, which is no
// connection's original destination, so a rule matching it as one would
// match nothing.
func reachedAt(c *captureShared, s *track.Session, p place, dc *track.DataConn) place {
	if a := dc.Server.Addr(); p.router && !p.inside.IsValid() && clientReached(c, s, a) {
		return p.withPublic(a)
	}
	return p
}

// clientReached tells whether a, the server's address in s as the
// capture shows it, is the address the client sent its SYNs to, the one
// conntrack's original destination holds (ct original daddr) on a router
// that forwards (DNAT) it. The capture shows it when taken on the
// client's side of any router in front of the server: the client's
// segments came with a host's initial TTL, so no router (and no DNAT)
// lies between the client and the capture point (decode.Hops), or the
// capture reads as the client's side (vantage). A public a is taken as
// reached wherever the capture was taken: a NAT in front of a server
// forwards, as good as always, to a private address. A private a on a capture of the
// server's side, or one that does not tell, may be the inside address a
// DNAT forwarded the client's connection to (a lab router's 10.99.1.1
// forwarded to 10.99.2.2, captured at 10.99.2.2).
func clientReached(c *captureShared, s *track.Session, a netip.Addr) bool {
	if !Local(a) || s.Hops&decode.ClientUnrouted != 0 && s.Hops&decode.ClientRouted == 0 {
		return true
	}
	v, _ := c.vantage(s)
	return v == VantageClient
}

// activePlace is where the firewall between the server and the client's
// listening port (PORT/EPRT announced) sits: the client is the listener.
func activePlace(c *captureShared, s *track.Session, dc *track.DataConn, announced netip.Addr) place {
	if dc != nil && boxDropped(s, dc) != boxNot {
		return boxPlace(s, dc)
	}
	if p, ok := icmpPlace(dc); ok {
		return p
	}
	cli := s.Client.Addr().Unmap()
	v, _ := c.vantage(s)
	if v == VantageClient && dc != nil && dc.SYNs > 0 {
		if listenerInside(s, false) {
			// Captured behind any router in front of the client: the
			// server's SYNs got through it.
			return placeHost
		}
		// Perhaps on that router's outside, and the router drops them
		// itself: the client's firewall or the router's, each named.
		v = VantageUnknown
	}
	a := announced.Unmap()
	if v == VantageClient || a.IsValid() && a != cli && a.Is4() == cli.Is4() && (Classify(a) == ClassPrivate || Classify(a) == ClassCGNAT) && !(Local(cli) && SameNet(a, cli)) {
		// A private client seen from a public server's side, or a PORT
		// naming a private address the client is not seen at: a NAT in
		// front of the client.
		if v != VantageClient && lanActiveClient(s) {
			// A client of the server's own network: a NAT between them
			// is one reading only (natActiveLAN).
			return place{}.either()
		}
		return place{nat: true}.either()
	}
	if SameNet(s.Client.Addr(), s.Server.Addr()) {
		// Client and server share a network, and the PORT names the
		// client's own address: no router between, or a NAT router in
		// front of the client whose FTP helper rewrote the PORT and so
		// expects the connection and lets it through. Either way the
		// client host's firewall is the one (unlike a server's DNAT
		// router, which forwards the passive range only if told to:
		// noRouterBetween).
		return placeHost
	}
	return place{}.either()
}

// related is the chain that must accept the RELATED data connections a
// helper expects, at p.
func (p place) related() string {
	switch {
	case p.answers:
		return "in the forward chain of " + p.frontRouter(false)
	case p.host && p.router:
		return "in the input chain (in the forward chain on a router in front)"
	case p.router:
		return "in the forward chain"
	}
	return "in the input chain"
}

// openAt says how to open rs for new connections to the server at p.
// host is the rule for the server's own host (family.hostRule).
func openAt(p place, rs policy.Ranges, v6 bool, host string) string {
	fwd := forwardRules(rs, v6, p)
	switch {
	case p.answers:
		return fmt.Sprintf("first on %s, which answered the SYN itself: %sforward (DNAT) the range to the server: %s; and accept it in its forward chain: %s; then on the server's own firewall, if it has one: %s", p.frontRouter(false), ownAddress(p), dnatRules(rs, v6, p), fwd, host)
	case p.host && p.router && p.nat:
		return fmt.Sprintf("on %s, which must forward (DNAT) the range to it, in the forward chain: %s, and, unless it forwards the range already, %s; and on the server's own firewall, if it has one: %s", p.frontRouter(true), fwd, dnatRules(rs, v6, p), host)
	case p.host && p.router && p.far:
		return fmt.Sprintf("%s on the server's own firewall, or, if the firewall is on a router between, in its forward chain (the server's segments crossed two routers or more to this capture): %s", host, fwd)
	case p.host && p.router:
		return fmt.Sprintf("%s on the server's own firewall, or, if the firewall is a router in front of the server, in its forward chain: %s", host, fwd)
	case p.router && p.nat:
		return fmt.Sprintf("on %s, which must forward (DNAT) the range to it, in the forward chain: %s, and, unless it forwards the range already, %s", p.frontRouter(true), fwd, dnatRules(rs, v6, p))
	case p.router:
		return "on " + p.frontRouter(false) + ", in its forward chain: " + fwd
	}
	return host
}

func isV6(a netip.AddrPort) bool { return a.Addr().Unmap().Is6() }

// nat64WKP is the NAT64 well-known prefix (RFC 6052, one of sharedV6).
// A network-specific prefix cannot be told from a native IPv6 address,
// so only this one is read as a translation.
var nat64WKP = netip.MustParsePrefix("64:ff9b::/96")

// nat64Of is the IPv4 address a, an address of 64:ff9b::/96, stands for:
// the host behind the NAT64 that answers for a.
func nat64Of(a netip.Addr) (netip.Addr, bool) {
	if !nat64WKP.Contains(a) {
		return netip.Addr{}, false
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:])), true
}

// rulesV6 tells the family of the rules for a listener reached at a: a
// listener behind a NAT64 is an IPv4 host, whose firewall (and any past
// the NAT64) sees IPv4 only, so ip6 rules there match nothing.
func rulesV6(a netip.AddrPort) bool {
	_, nat64 := nat64Of(a.Addr())
	return isV6(a) && !nat64
}

// v4Side is p for a listener behind a NAT64: its addresses of
// 64:ff9b::/96 given as the IPv4 ones the rules past the NAT64 match.
func (p place) v4Side() place {
	if a, ok := nat64Of(p.inside); ok {
		p.inside = a
	}
	if a, ok := nat64Of(p.public); ok {
		p.public = a
	}
	return p
}

// nat64Lines is nat64Note for the summary's change lines.
func nat64Lines(a netip.Addr) []string {
	v4, ok := nat64Of(a)
	if !ok {
		return nil
	}
	return []string{fmt.Sprintf("# %s is a NAT64 translation (RFC 6052) of the IPv4 host %s: the rules below are IPv4 ones, for it and any firewall past the NAT64 (an ip6 rule fits only a router on the IPv6 side, before the NAT64):", a, v4)}
}

// nat64Note says, for rules given for a listener at a behind a NAT64,
// that they are IPv4 ones and which place ip6 rules fit; "" for another.
func nat64Note(a netip.Addr) string {
	v4, ok := nat64Of(a)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" These rules are IPv4 ones: %s is a NAT64 translation (RFC 6052, 64:ff9b::/96) of the IPv4 host %s, and the server and every firewall past the NAT64 see IPv4 only; an ip6 rule (ip6 daddr %s) fits only a router on the IPv6 side, before the NAT64, in its forward chain.", a, v4, a)
}

// mainRange is the range a server's passive ports should come from when
// the policy lists several (--pasv-range 21,40000-40100): the widest of
// unprivileged ports, never the control port's.
func mainRange(rs policy.Ranges) policy.PortRange {
	var best policy.PortRange
	for _, r := range rs {
		if r.Lo >= 1024 && (best.Hi == 0 || r.Len() > best.Len()) {
			best = r
		}
	}
	if best.Hi == 0 && len(rs) > 0 {
		best = rs[0]
		for _, r := range rs[1:] {
			if r.Len() > best.Len() {
				best = r
			}
		}
	}
	return best
}

// exampleRange is the passive range advice proposes when the server has
// none: an example, named as one.
var exampleRange = policy.PortRange{Lo: 40000, Hi: 40100}

// anyPortBehaviour says what a server of kind k (one whose configuration
// ftpsniff reads) does without a passive range: the port changes every
// session, so no rule for one port helps.
func anyPortBehaviour(k policy.ServerKind) string {
	switch k {
	case policy.ServerProFTPD:
		return "without PassivePorts ProFTPD lets the kernel pick any ephemeral port (net.ipv4.ip_local_port_range)"
	case policy.ServerPureFTPd:
		return "without a PassivePortRange (-p) Pure-FTPd picks a random port from 1024-65534 itself"
	}
	// privops.c vsf_privop_pasv_listen: a random port from its built-in
	// pasv_min_port, 5001 (tunables.c), to 65535 when neither line is in
	// effect; from 1024 with a pasv_min_port line at or below 1024
	// (Pure-FTPd's dopasv: from firstport-lastport, 1024-65534 by default).
	return "without pasv_min_port/pasv_max_port in effect vsftpd picks a random port from 5001-65535 itself (from 1024 with a pasv_min_port of 1024 or less)"
}

// noRangeAdvice is what to do when the server's passive range is not known
// (no --pasv-range, no range in --server-config): a rule for the server's
// fixed range if it has one, else a fixed range first (a port the server
// picks itself changes every session), never a rule for the ports one
// capture happened to see. Only a configuration given that sets no range
// says the server has none; without one, ftpsniff cannot tell, and says
// so. p is where the firewall to open it on sits (passivePlace).
func (d *Diagnoser) noRangeAdvice(fam family, v6 bool, p place) string {
	return d.noRangeAdviceFor(fam, v6, p, exampleRange)
}

// exampleNear is the example range for ports lo-hi seen announced, at
// least two different ones (distinct): the hundreds around them (50006
// and 50040: 50000-50100), a range such a server may well have, rather
// than one that ignores what was seen. exampleRange when fewer were seen
// (one port a server picked itself tells nothing of a range).
//
// Ports over 1000 apart are one configured range's only when enough were
// seen (wideRangeMinPorts) to show its ends: n ports drawn from a range
// lie about span/(n-1) inside them, so 3,000 ports between 40000 and
// 50078 are a range of about 40000-50100, where a few ports that far
// apart, or many spread as wide as a server's own pick (vsftpd's
// 5001-65535, the kernel's 32768-60999, Windows' 49152-65535), are no
// range at all.
func exampleNear(lo, hi uint16, distinct int) policy.PortRange {
	if distinct < 2 || lo < 1024 || hi <= lo {
		return exampleRange
	}
	first, last := uint32(lo), uint32(hi)
	if span := last - first; span > 1000 {
		if distinct < wideRangeMinPorts {
			return exampleRange
		}
		edge := span / uint32(distinct-1)
		first, last = max(first-min(edge, first), 1024), last+edge
		if last-first >= wideRangeMaxWidth {
			return exampleRange
		}
		// Read ends are estimates: the nearest hundreds that keep every
		// port seen.
		first, last = min((first+50)/100*100, uint32(lo)), max((last+50)/100*100, uint32(hi))
	}
	// Never below 1024: a range of privileged ports is no passive range
	// (ProFTPD's PassivePorts refuses one).
	r := policy.PortRange{Lo: uint16(max(first/100*100, 1024))}
	top := (last + 99) / 100 * 100
	if top < uint32(r.Lo)+100 {
		top = uint32(r.Lo) + 100
	}
	if top > 65535 {
		top = 65535
	}
	r.Hi = uint16(top)
	return r
}

// wideRangeMinPorts: the different ports it takes to read a range wider
// than 1000 ports from them (with 16 drawn from Windows' dynamic range,
// 7 % of draws read as a narrower range; with 40, 0.25 %); wideRangeMaxWidth: a range read that wide
// is a server picking any port (Windows' dynamic range, 16,384 ports, is
// the narrowest such pool), not one configured.
const (
	wideRangeMinPorts = 40
	wideRangeMaxWidth = 14000
)

// serverExample is the example range for the advice of a finding about
// s's server, whose passive range is not known, for its port that
// failed: the one the server's findings named first (serverAcc.example),
// so that one output proposes one range per server, the verdict's change
// lines too (a second session's failure far from the first's then gets
// the first's example, which need not hold its port: the range to set
// the server to, not the one it used); the first is sessionExample's.
// A server with no range setting (family.noPassive) is told the
// kernel's range instead, and keeps sessionExample's.
func (d *Diagnoser) serverExample(s *track.Session, port uint16) policy.PortRange {
	a := d.server(s)
	if a == d.overflow || d.family(s).noPassive {
		return sessionExample(s, port) // (the overflow counts many servers)
	}
	if a.example == (policy.PortRange{}) {
		a.example = sessionExample(s, port)
	}
	return a.example
}

// sessionExample is exampleNear for the passive ports s announced: all
// of them, also those of data connections s.Data no longer keeps (the
// output's choice must not change the advice). It always holds port,
// the one that failed: where the ports seen read as no range
// (exampleRange) that leaves it out, the hundred around it (50011:
// 50000-50100), the range the server's change block proposes for such a
// port too; never a range that holds none of the ports that failed.
func sessionExample(s *track.Session, port uint16) policy.PortRange {
	ps := s.PassivePorts()
	r := exampleNear(ps.Lo, ps.Hi, int(ps.Widened))
	if r.Contains(port) || port < 1024 {
		return r
	}
	return hundredAround(port)
}

// hundredAround is the example range of the hundred ports port is in
// (50011: 50000-50100).
func hundredAround(port uint16) policy.PortRange {
	lo := port / 100 * 100
	return policy.PortRange{Lo: lo, Hi: uint16(min(int(lo)+100, 65535))}
}

// noRangeAdviceFor is noRangeAdvice with ex as the example range.
func (d *Diagnoser) noRangeAdviceFor(fam family, v6 bool, p place, exampleRange policy.PortRange) string {
	if fam.noPassive {
		return kernelRangeAdvice(fam, v6, p)
	}
	ex := policy.Ranges{exampleRange}
	linux := linuxOpenRule(ex, v6)
	if sc := fam.cfg; sc != nil && len(sc.PassiveRange) == 0 {
		if u := sc.Unread(); u != "" {
			// An Include not followed may set one: not "sets none".
			return fmt.Sprintf("%s sets no passive range in what ftpsniff read, but %s may set one: if so, open that range; if not, %s, a different one every session: add a fixed range, e.g. %s, restart the server, then open that range: %s",
				sc.Path, u, anyPortBehaviour(sc.Kind), fam.rangeSet(exampleRange), openAt(p, ex, v6, linux))
		}
		return fmt.Sprintf("%s sets no passive range, and %s, a different one every session: add a fixed range, e.g. %s, restart the server, then open that range: %s",
			sc.Path, anyPortBehaviour(sc.Kind), fam.rangeSet(exampleRange), openAt(p, ex, v6, linux))
	}
	return fmt.Sprintf("%s: if the server has a fixed passive range, open that range; if it has none, set one (%s) and restart the server, since a port it picks itself changes every session. To open a range, e.g. %s: %s",
		rangeUnknown(fam), fam.rangeExample(exampleRange), exampleRange, openAt(p, ex, v6, fam.hostRule(ex, v6, linux)))
}

// kernelRangeAdvice is noRangeAdvice for a server without a passive range
// setting (family.noPassive): its passive ports are the kernel's
// ephemeral ports, so the range to open is the kernel's, Linux's default
// unless the server's host says otherwise, never an example range it does
// not use. Narrowing the kernel's range takes effect without a restart,
// but for every program on the host.
func kernelRangeAdvice(fam family, v6 bool, p place) string {
	rs := policy.Ranges{kernelDefault}
	return fmt.Sprintf("Its greeting names %s, which has no passive port range setting: its passive ports are the kernel's ephemeral ports, %s by Linux's default (cat /proc/sys/net/ipv4/ip_local_port_range on the server shows its range: if another, open that one instead). Open that range: %s. Narrowing it (e.g. %s, in effect at once, no restart) narrows every program's outgoing connections on the host too; or use a server with a passive range setting",
		fam.unlisted.Product(), kernelDefault, openAt(p, rs, v6, fam.hostRule(rs, v6, linuxOpenRule(rs, v6))), sysctlRange(exampleRange))
}

// kernelRangeVerdict is kernelRangeAdvice for a verdict, after the ports.
func kernelRangeVerdict(fam family) string {
	return fmt.Sprintf("its greeting names %s, which has no passive port range setting: open the kernel's ephemeral port range it takes them from, %s by Linux's default, or the range /proc/sys/net/ipv4/ip_local_port_range shows on the server", fam.unlisted.Product(), kernelDefault)
}

// rangeUnknown says that ftpsniff does not know the server's passive range
// and what would tell it: not that the server has none.
func rangeUnknown(fam family) string {
	return fmt.Sprintf("The server's passive range is not known here (%s)", fam.giveRange())
}

// giveRange is what to give for the server's passive range to be known: a
// family whose configuration --server-config cannot read is told to give
// --pasv-range only.
func (f family) giveRange() string {
	if f.known() && !configReadable(f.kind) || f.unlisted != policy.UnlistedNone {
		return "give --pasv-range"
	}
	return "give --server-config or --pasv-range"
}

// configReadable reports whether --server-config reads configurations of
// family k (policy.ParseServerConfig): a family known from its greeting
// only is not told to give one.
func configReadable(k policy.ServerKind) bool {
	switch k {
	case policy.ServerVsftpd, policy.ServerProFTPD, policy.ServerPureFTPd:
		return true
	}
	return false
}

// noRangeRules are the summary lines for the same case.
// fams gives the families to open (serverAcc.passiveFamilies).
func (d *Diagnoser) noRangeRules(fam family, fams func() (v4, v6 bool), p place, exampleRange policy.PortRange) []string {
	if fam.noPassive {
		rs := policy.Ranges{kernelDefault}
		l := []string{fmt.Sprintf("# its greeting names %s, which has no passive port range setting: its passive ports are the kernel's ephemeral ports, %s by Linux's default (cat /proc/sys/net/ipv4/ip_local_port_range on the server: if it shows another range, open that one instead):", fam.unlisted.Product(), kernelDefault)}
		l = append(l, openLinesIn(fam, p, rs, fams)...)
		return append(l, "# or use a server with a passive range setting; narrowing the kernel's range takes effect at once but is host-wide (every program's outgoing connections get only those ports): "+sysctlRange(exampleRange))
	}
	// (Two comment lines: the text output never wraps a change line, and
	// each fits its 100 columns.)
	head := []string{"# the server's passive range is not known here: if it has a fixed range, open that;",
		"# if not, set one (a port it picks itself changes every session) and open it, e.g.:"}
	if sc := fam.cfg; sc != nil && len(sc.PassiveRange) == 0 {
		head = []string{fmt.Sprintf("# %s sets no passive range (%s, a different one every session): add one, then open it, e.g.:", sc.Path, anyPortBehaviour(sc.Kind))}
		if u := sc.Unread(); u != "" {
			head = []string{fmt.Sprintf("# %s sets no passive range in what ftpsniff read, but %s may set one: if so, open that range; if not (%s, a different one every session), add one, then open it, e.g.:", sc.Path, u, anyPortBehaviour(sc.Kind))}
		}
	}
	ex := policy.Ranges{exampleRange}
	return append(append(head, fam.rangeLines(exampleRange)...), openLinesIn(fam, p, ex, fams)...)
}

// openLinesIn are openLines for each family fams gives: with both, each
// line of the IPv4 rules followed by its IPv6 counterpart where the two
// differ (an nft inet rule, a comment and a host firewall's rule serve
// both, and come once).
func openLinesIn(fam family, p place, rs policy.Ranges, fams func() (v4, v6 bool)) []string {
	v4, v6 := fams()
	if !v4 || !v6 {
		return openLines(fam, p, rs, v6)
	}
	l4, l6 := openLines(fam, p, rs, false), openLines(fam, p, rs, true)
	if len(l4) != len(l6) {
		// (The same lines but for the command: a guard.)
		return dedupe(append(l4, l6...))
	}
	l := make([]string, 0, len(l4)+len(l6))
	for i := range l4 {
		l = append(l, l4[i])
		if l6[i] != l4[i] {
			l = append(l, l6[i])
		}
	}
	return l
}

// openLines are the summary's change lines that open rs at p: the server
// host's (family.hostLines) and the forward chain's of a router in front,
// each under a comment saying which firewall it is for when both are
// named.
func openLines(fam family, p place, rs policy.Ranges, v6 bool) []string {
	host := fam.hostLines(rs, v6)
	fwd := forwardLines(rs, v6, p)
	switch {
	case p.answers:
		l := append([]string{answersHead(p)}, dnatLines(rs, v6, p)...)
		if p.nat {
			l = append(l, "# and accept them in its forward chain:")
		} else {
			l = append(l, "# and accept them in its forward chain (a router that routes to the server, with no NAT, needs only this):")
		}
		l = append(l, fwd...)
		if p.ctl != 0 && !p.nat {
			// (A NAT the addresses prove, the server announcing its
			// inside address: the verdict's own lines name the helper,
			// with the address setting to leave unset: natNote,
			// addressUnreachable.)
			l = append(l, answersHelperHead)
			l = append(l, helperLines(p.ctl, false, "forward", v6)...)
		}
		l = append(l, "# then, on the server's own firewall, if it has one:")
		return append(l, host...)
	case p.host && p.router && p.nat:
		l := append([]string{natRouterHead(p)}, fwd...)
		l = append(l, natDNATHead)
		l = append(l, dnatLines(rs, v6, p)...)
		l = append(l, "# on the server's own firewall, if it has one:")
		return append(l, host...)
	case p.host && p.router:
		l := append([]string{"# on the server's own firewall:"}, host...)
		if p.far {
			l = append(l, "# or, on a router or firewall between (the server's segments crossed two routers or more to this capture), its forward chain:")
		} else {
			l = append(l, "# or, on a router or firewall in front of the server, its forward chain:")
		}
		return append(l, fwd...)
	case p.router && p.nat:
		l := append([]string{natRouterHead(p)}, fwd...)
		l = append(l, natDNATHead)
		return append(l, dnatLines(rs, v6, p)...)
	case p.router:
		return append([]string{"# on " + p.frontRouter(false) + p.farNote() + ", the forward chain:"}, fwd...)
	}
	return host
}

// ownAddress is the condition under which the router in front that
// answered a data SYN (place.answers) is to forward the range: when its
// NAT is not proven, the address the client reached may be the
// server's own, routed, and the router's forward chain the one that
// rejects. "" when the NAT is proven.
func ownAddress(p place) string {
	if p.nat {
		return ""
	}
	a := publicPlaceholder
	if p.public.IsValid() {
		a = p.public.Unmap().String()
	}
	return fmt.Sprintf("if %s is its own address (NAT, port forwarding), ", a)
}

// answersHead is the comment over the rules of the router in front that
// answered a data SYN itself (place.answers): its DNAT of the range.
func answersHead(p place) string {
	return "# first, on " + p.frontRouter(false) + p.farNote() + ", which answered the data SYNs itself (its RSTs come from fewer hops away than the server's own segments) and so does not pass these ports to the server: " +
		ownAddress(p) + "forward (DNAT) the range to the server there:"
}

// answersHelperHead is the comment over the FTP helper, the other way
// for that router to pass the data connections: its expectation
// forwards each one, as nf_nat_ftp rewrites the 227; a 227 naming the
// public address itself gets none (loose=0).
const answersHelperHead = "# or, instead of the DNAT and that accept, attach the FTP helper on that router (" + helperOwnAddress + "; not under FTPS):"

// helperOwnAddress is what the FTP helper on a NAT router in front of
// the server needs of a PASV: the server's own address in the 227.
const helperOwnAddress = "for PASV, the server must announce its own address, its passive address setting unset, which nf_nat_ftp rewrites: a 227 naming the public address gets no expectation"

// natRouterHead and natDNATHead are the comments over a NAT router's
// rules: its forward chain's accept, and its DNAT of the range (a router
// that forwards port 21 only answers the passive ports itself).
func natRouterHead(p place) string {
	if p.far {
		return "# on " + p.frontRouter(true) + p.farNote() + ", which must forward the range to it too, the forward chain:"
	}
	return "# on " + p.frontRouter(true) + " (which must forward the range to it), the forward chain:"
}

const natDNATHead = "# and its forward (DNAT) of the range to the server, unless it has one (a router that forwards port 21 only answers the passive ports itself, with an RST from its own address):"

// configSetsRange reports whether sc, the part of the server configuration
// given that configures the server (Diagnoser.pol), already sets rs: advice
// must never tell the admin to set what it sets.
func configSetsRange(sc *policy.ServerConfig, rs policy.Ranges) bool {
	return sc != nil && len(sc.PassiveRange) > 0 && sc.PassiveRange.String() == rs.String()
}

// encryptedControl reports whether the session's control channel is TLS:
// no conntrack helper or ALG can read its announcements.
func encryptedControl(s *track.Session) bool { return s.Encrypted || s.ImplicitTLS }

// tlsRangeAdvice replaces helper advice for an encrypted session.
const tlsRangeAdvice = "the control channel is encrypted, so no FTP conntrack helper or ALG can see the data ports (see control-encrypted): open the fixed passive range statically and forward it as a whole, and behind NAT make the server announce its public address itself"

// routerHelperAdvice is where the helper goes for an active-mode client
// behind a NAT router: on the router, which must rewrite the PORT.
func routerHelperAdvice(controlPort uint16, v6 bool) string {
	return fmt.Sprintf("on the NAT router in front of the client (not on the client host), attach the FTP conntrack helper to the control connection so nf_nat_ftp rewrites the PORT/EPRT address: %s, or in nftables: %s, plus ct state related accept in its forward chain: %s (%s) (not possible under FTPS)",
		iptablesHelperRule(controlPort, false, v6), nftHelperTable(controlPort, false), nftRelatedRule("forward"), iptablesRelatedRule("forward", v6))
}

// activeLetIn says how to let the server's connection back in to an
// active-mode client, at p: on the client host, the helper on the
// connection it opens and the RELATED accept in its input chain; on a
// router in front of it, the helper in prerouting and the accept in its
// forward chain. v6: the session is IPv6 (ip6tables).
func activeLetIn(p place, controlPort uint16, v6 bool) string {
	host := helperAdvice(controlPort, true, "", v6) + fmt.Sprintf(", and accept it with %s (%s)", nftRelatedRule("input"), iptablesRelatedRule("input", v6))
	router := fmt.Sprintf("attach the FTP conntrack helper to the control connection there: %s (or in nftables: %s), and accept it with %s (%s)",
		iptablesHelperRule(controlPort, false, v6), nftHelperTable(controlPort, false), nftRelatedRule("forward"), iptablesRelatedRule("forward", v6))
	switch {
	case p.box:
		return "let the connection in on " + p.frontRouter(p.nat) + ", which dropped it: " + router
	case p.host && p.router && p.nat:
		return "let the connection in on the NAT router in front of the client (whose helper also rewrites the PORT/EPRT address): " + router + "; and on the client, if its own firewall filters: " + host
	case p.host && p.router:
		return "let the connection in on the client: " + host + "; or, if a router or firewall in front of the client drops it, on that router: " + router
	case p.router:
		return "let the connection in on the router in front of the client: " + router
	}
	return "let the connection in on the client: " + host
}
