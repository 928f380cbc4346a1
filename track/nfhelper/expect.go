package nfhelper

import (
	"net/netip"
	"strconv"
	"time"
)

// Expectation is the nf_conntrack_expect that help() creates: the tuple a
// new connection must have, as the router receives its first packet, to be
// RELATED to the control connection.
type Expectation struct {
	Kind    Kind
	Family  Family
	Proto   uint8      // always ProtoTCP
	Src     netip.Addr // exact; the source port is a wildcard
	Dst     netip.Addr
	DstPort uint16 // the port after nf_nat_ftp chose one (the announced port when free)
	// Dir is the direction the data connection's SYN travels in control
	// connection terms: ClientToServer for 227/229, ServerToClient for
	// PORT/EPRT.
	Dir Dir
	// NATed: nf_nat_ftp registered it with nf_nat_follow_master, so the
	// data connection is translated to NATSrc -> NATDst.
	NATed  bool
	NATSrc netip.Addr
	NATDst netip.AddrPort
	// Created is the time of the segment that created it; Expires is
	// Created + ExpectTimeout.
	Created time.Time
	Expires time.Time
}

// Valid reports whether e holds an expectation.
func (e Expectation) Valid() bool { return e.Kind != KindNone }

func (e Expectation) String() string {
	if !e.Valid() {
		return "no expectation"
	}
	// An IPv6 source is bracketed like the AddrPorts around it:
	// "[fd00:1::2]:any".
	src := e.Src.String()
	if e.Src.Is6() {
		src = "[" + src + "]"
	}
	s := "tcp " + src + ":any -> " + netip.AddrPortFrom(e.Dst, e.DstPort).String()
	if e.NATed {
		s += " (nat to " + e.NATSrc.String() + " -> " + e.NATDst.String() + ")"
	}
	return s
}

// Mismatch says why a data connection did not match an expectation.
type Mismatch uint8

const (
	MatchOK Mismatch = iota
	MismatchNoExpectation
	MismatchProto
	MismatchFamily
	MismatchSource
	MismatchDestination
	MismatchPort
	MismatchExpired
)

var mismatchNames = [...]string{"match", "no expectation", "not TCP", "other address family", "source address differs", "destination address differs", "destination port differs", "expectation expired"}

func (m Mismatch) String() string {
	if int(m) < len(mismatchNames) {
		return mismatchNames[m]
	}
	return "mismatch(" + strconv.Itoa(int(m)) + ")"
}

// Match compares a data connection's first packet with an expectation the
// way nf_ct_find_expectation does (nf_ct_tuple_mask_cmp: protocol, both
// addresses and the destination port exact, any source port) and checks
// the expectation's timer. A zero syn.Time skips the timer check.
func Match(exp Expectation, syn DataSYN) Mismatch {
	if !exp.Valid() {
		return MismatchNoExpectation
	}
	if syn.Proto != exp.Proto {
		return MismatchProto
	}
	src, dst := syn.Src.Addr().Unmap(), syn.Dst.Addr().Unmap()
	if familyOf(src) != exp.Family || familyOf(dst) != exp.Family {
		return MismatchFamily
	}
	if src != exp.Src {
		return MismatchSource
	}
	if dst != exp.Dst {
		return MismatchDestination
	}
	if syn.Dst.Port() != exp.DstPort {
		return MismatchPort
	}
	if !syn.Time.IsZero() && !exp.Expires.IsZero() && !syn.Time.Before(exp.Expires) {
		return MismatchExpired
	}
	return MatchOK
}

// Matches reports whether syn would have been RELATED through exp.
func Matches(exp Expectation, syn DataSYN) bool { return Match(exp, syn) == MatchOK }

func familyOf(a netip.Addr) Family {
	if a.Is4() {
		return IPv4
	}
	if a.Is6() {
		return IPv6
	}
	return 0
}
