package ftp

import (
	"net/netip"
	"strconv"
	"strings"
)

// The writers below are the parsers' inverses, for generators and tests
// that need wire text for an endpoint.

// FormatPORT writes an IPv4 (or IPv4-mapped) endpoint as PORT's argument
// and 227's numbers: "192,0,2,10,156,64". It panics for other IPv6.
func FormatPORT(ap netip.AddrPort) string {
	a := ap.Addr().Unmap().As4()
	n := [6]int{int(a[0]), int(a[1]), int(a[2]), int(a[3]), int(ap.Port() >> 8), int(ap.Port() & 0xff)}
	var b strings.Builder
	for i, x := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

// FormatLong writes an endpoint in RFC 1639 form, LPRT's argument and
// 228's numbers: "4,4,h1,h2,h3,h4,2,p1,p2" (16 address bytes for IPv6).
func FormatLong(ap netip.AddrPort) string {
	var b strings.Builder
	addr := ap.Addr() // an IPv4-mapped address stays in the IPv6 form
	if addr.Is4() {
		b.WriteString("4,4")
	} else {
		b.WriteString("6,16")
	}
	for _, x := range addr.AsSlice() {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(int(x)))
	}
	b.WriteString(",2,")
	b.WriteString(strconv.Itoa(int(ap.Port() >> 8)))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(int(ap.Port() & 0xff)))
	return b.String()
}
