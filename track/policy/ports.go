// Package policy is what ftpsniff checks data connections against: the
// passive ports the firewall is meant to allow, the address clients should
// be told, and what the FTP server's own configuration says.
package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrBadRange is returned (wrapped) for a port range that does not parse.
var ErrBadRange = errors.New("bad port range")

// PortRange is an inclusive range of TCP ports; Lo == Hi for one port.
type PortRange struct{ Lo, Hi uint16 }

// Contains reports whether port p is in r.
func (r PortRange) Contains(p uint16) bool { return p >= r.Lo && p <= r.Hi }

// Len is how many ports r holds.
func (r PortRange) Len() int { return int(r.Hi) - int(r.Lo) + 1 }

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
}

// Ranges is a set of port ranges, kept sorted and merged.
type Ranges []PortRange

// Contains reports whether port p is in any of the ranges.
func (rs Ranges) Contains(p uint16) bool {
	for _, r := range rs {
		if r.Contains(p) {
			return true
		}
	}
	return false
}

// Covers reports whether every port of r is in rs.
func (rs Ranges) Covers(r PortRange) bool {
	for _, x := range rs {
		if x.Lo <= r.Lo && r.Hi <= x.Hi {
			return true
		}
	}
	return false
}

func (rs Ranges) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// normalize sorts and merges overlapping or adjacent ranges, so equal sets
// print the same.
func normalize(rs Ranges) Ranges {
	if len(rs) == 0 {
		return nil
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b PortRange) int { return int(a.Lo) - int(b.Lo) })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if int(r.Lo) <= int(last.Hi)+1 {
			if r.Hi > last.Hi {
				last.Hi = r.Hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// ParsePortRanges parses a comma-separated list of ports and ranges, as
// given to --pasv-range: "40000-41000", "21,40000-40100", "50000". A range
// may also be written "40000:41000" (iptables) or "40000 41000" (ProFTPD).
// Port 0 is refused: no server listens on it.
func ParsePortRanges(s string) (Ranges, error) {
	var rs Ranges
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadRange)
	}
	for part := range strings.SplitSeq(s, ",") {
		r, err := parseRange(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return normalize(rs), nil
}

func parseRange(s string) (PortRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		lo, hi, isRange = strings.Cut(s, ":")
	}
	if !isRange {
		if f := strings.Fields(s); len(f) == 2 {
			lo, hi, isRange = f[0], f[1], true
		}
	}
	if !isRange {
		hi = lo
	}
	a, err := parsePort(strings.TrimSpace(lo))
	if err != nil {
		return PortRange{}, err
	}
	b, err := parsePort(strings.TrimSpace(hi))
	if err != nil {
		return PortRange{}, err
	}
	if a > b {
		return PortRange{}, fmt.Errorf("%w: %q: the first port is above the last", ErrBadRange, s)
	}
	return PortRange{a, b}, nil
}

func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: missing port number", ErrBadRange)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q is not a port number", ErrBadRange, s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: %q is not a port number (1-65535)", ErrBadRange, s)
	}
	return uint16(n), nil
}
