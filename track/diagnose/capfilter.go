package diagnose

import (
	"strconv"
	"strings"
)

// CaptureFilter is what the capture file being read records of the
// filter it was taken with (a pcapng interface description's if_filter:
// dumpcap, Wireshark and tshark write the filter given to them, and none
// when none was), as ReadCaptureFilter reads it. The zero value: the file
// tells nothing (a pcap file).
type CaptureFilter struct {
	// Text is the filter as the file records it (its bytes: escape
	// before printing); empty when it records none.
	Text string
	// Passive and Active tell what the recorded filter does to the
	// data connections of either mode.
	Passive, Active FilterEffect
}

// FilterEffect is what a recorded capture filter does to data
// connections.
type FilterEffect uint8

const (
	// FilterUnknown: the file records nothing, or a filter whose effect
	// cannot be told (a host filter, a port range, a BPF program).
	FilterUnknown FilterEffect = iota
	// FilterKeeps: the file records a filter that keeps them ('tcp',
	// 'tcp or icmp').
	FilterKeeps
	// FilterDrops: it records a filter that leaves them out ('port 21',
	// 'tcp port ftp').
	FilterDrops
)

// ReadCaptureFilter reads what a capture file records of its capture
// filter: of interfaces described, unfiltered record none; the others
// record text, unless mixed (they differ, or one records no string).
// Every interface must record the same filter for the file to tell
// anything.
func ReadCaptureFilter(interfaces, unfiltered int, text string, mixed bool) CaptureFilter {
	switch {
	case interfaces == 0 || mixed || unfiltered > 0:
		// No filter recorded tells nothing: mergecap, editcap and a
		// conversion to pcapng write none for a pcap taken with
		// 'port 21', as for one taken with no filter.
		return CaptureFilter{}
	}
	return CaptureFilter{Text: text, Passive: filterEffect(text, true), Active: filterEffect(text, false)}
}

// effect returns what c does to a data connection of the given mode.
func (c CaptureFilter) effect(passive bool) FilterEffect {
	if passive {
		return c.Passive
	}
	return c.Active
}

// tri is a three-valued truth: whether some packet of a data connection
// passes a filter expression.
type tri uint8

const (
	triMaybe tri = iota
	triNo
	triYes
)

func (a tri) and(b tri) tri {
	switch {
	case a == triNo || b == triNo:
		return triNo
	case a == triYes && b == triYes:
		return triYes
	}
	return triMaybe
}

func (a tri) or(b tri) tri {
	switch {
	case a == triYes || b == triYes:
		return triYes
	case a == triNo && b == triNo:
		return triNo
	}
	return triMaybe
}

func (a tri) not() tri {
	switch a {
	case triYes:
		return triNo
	case triNo:
		return triYes
	}
	return a
}

// filterEffect tells whether the libpcap filter expr (pcap-filter(7))
// keeps the packets of a data connection of the given mode: TCP between
// two unprivileged ports (passive), or from port 20 or an unprivileged
// one to an unprivileged one (active), between hosts a filter naming
// addresses may or may not take in. Only what the expression's port,
// protocol and logic words settle is told; anything else, or any word
// it does not know, is FilterUnknown.
func filterEffect(expr string, passive bool) FilterEffect {
	p := filterParser{toks: filterTokens(expr), passive: passive}
	if len(p.toks) == 0 {
		return FilterKeeps
	}
	t := p.expr()
	if p.bad || p.i != len(p.toks) {
		return FilterUnknown
	}
	switch t {
	case triYes:
		return FilterKeeps
	case triNo:
		return FilterDrops
	}
	return FilterUnknown
}

// filterTokens splits a filter expression into words, parentheses and
// the operators !, &&, ||, lower-cased.
func filterTokens(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case c == '!' && (i+1 == len(s) || s[i+1] != '='):
			toks = append(toks, "!")
			i++
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			toks = append(toks, s[i:i+2])
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()", rune(s[j])) && !(s[j] == '!' && (j+1 == len(s) || s[j+1] != '=')) {
				j++
			}
			toks = append(toks, strings.ToLower(s[i:j]))
			i = j
		}
		if len(toks) > 256 {
			return []string{"("} // no filter line is this long: unparsed
		}
	}
	return toks
}

// filterParser reads a filter expression's tokens; bad: a word or a form
// it does not know.
type filterParser struct {
	toks    []string
	i       int
	passive bool
	bad     bool
	// kind is the latest primitive's protocol and type words, which a
	// bare value after and/or takes ('port 21 or 20').
	proto, kind string
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// expr reads factors joined by and/or. libpcap's grammar gives the two
// the same precedence, grouped left to right (only not binds tighter):
// 'tcp or udp and port 21' is '(tcp or udp) and port 21', no TCP at all
// past port 21.
func (p *filterParser) expr() tri {
	t := p.factor()
	for !p.bad {
		switch p.peek() {
		case "or", "||":
			p.i++
			t = t.or(p.factor())
		case "and", "&&":
			p.i++
			t = t.and(p.factor())
		default:
			return t
		}
	}
	return t
}

func (p *filterParser) factor() tri {
	switch p.peek() {
	case "not", "!":
		p.i++
		return p.factor().not()
	case "(":
		p.i++
		t := p.expr()
		if p.peek() != ")" {
			p.bad = true
			return triMaybe
		}
		p.i++
		return t
	case "", ")":
		p.bad = true
		return triMaybe
	}
	return p.primitive()
}

// Protocol words: whether a data connection's packets are of it.
var filterProtos = map[string]tri{
	"tcp": triYes, "ip": triMaybe, "ip6": triMaybe, "ether": triMaybe, "link": triMaybe, "wlan": triMaybe,
	"udp": triNo, "sctp": triNo, "icmp": triNo, "icmp6": triNo, "igmp": triNo, "arp": triNo, "rarp": triNo,
	"vrrp": triNo, "stp": triNo, "ipx": triNo, "decnet": triNo, "atalk": triNo, "aarp": triNo, "lat": triNo,
	"mopdl": triNo, "moprc": triNo, "iso": triNo, "netbeui": triNo, "pim": triNo, "ah": triNo, "esp": triNo,
}

// primitive reads one primitive: [proto] [dir] [type] value, or a
// protocol alone; a value alone takes the kind of the one before.
func (p *filterParser) primitive() tri {
	proto, kind := "", ""
	w := p.peek()
	if _, ok := filterProtos[w]; ok {
		proto = w
		p.i++
		if n := p.peek(); n == "" || n == ")" || n == "and" || n == "or" || n == "&&" || n == "||" {
			return filterProtos[w] // 'tcp', 'icmp'
		}
	}
	for {
		switch w := p.peek(); w {
		case "src", "dst":
			p.i++
			if n := p.peek(); (n == "or" || n == "and") && p.i+1 < len(p.toks) && (p.toks[p.i+1] == "src" || p.toks[p.i+1] == "dst") {
				p.i += 2
			}
			continue
		case "host", "net", "gateway", "port", "portrange":
			kind = w
			p.i++
		}
		break
	}
	v := p.peek()
	if v == "" || v == ")" || v == "(" || v == "and" || v == "or" || v == "&&" || v == "||" || v == "not" || v == "!" {
		p.bad = true
		return triMaybe
	}
	if kind == "" && proto == "" {
		// A value alone: the kind of the primitive before it.
		if p.kind == "" {
			p.bad = true
			return triMaybe
		}
		proto, kind = p.proto, p.kind
	}
	p.i++
	if kind == "" {
		p.bad = true // 'ip proto 6', 'tcp[13] & 2 != 0', 'less 100'...
		return triMaybe
	}
	p.proto, p.kind = proto, kind
	inProto := triYes
	if proto != "" {
		inProto = filterProtos[proto]
	}
	switch kind {
	case "port":
		return inProto.and(p.port(v))
	case "portrange":
		return inProto.and(p.portRange(v))
	}
	return inProto.and(triMaybe) // an address: the data connection's hosts may be it
}

// port tells whether a data connection has port v on one side: an
// unprivileged port may be one of its own; port 20 is the active-mode
// server's; another privileged one never is (a passive-mode port below
// 1024 is no server's usual).
func (p *filterParser) port(v string) tri {
	var n int
	switch v {
	case "ftp":
		n = 21
	case "ftp-data":
		n = 20
	default:
		u, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return triMaybe // a service name not known here
		}
		n = int(u)
	}
	switch {
	case n >= 1024:
		return triMaybe
	case n == 20 && !p.passive:
		return triMaybe
	}
	return triNo
}

// portRange is port for a range lo-hi.
func (p *filterParser) portRange(v string) tri {
	a, b, ok := strings.Cut(v, "-")
	lo, err1 := strconv.ParseUint(a, 10, 16)
	hi, err2 := strconv.ParseUint(b, 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return triMaybe
	}
	lo, hi = min(lo, hi), max(lo, hi)
	if hi >= 1024 || !p.passive && lo <= 20 && hi >= 20 {
		return triMaybe
	}
	return triNo
}
