package decode

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestOuterAddrs reads a frame's first IP header behind VLAN tags, and
// nothing from a link type it does not know.
func TestOuterAddrs(t *testing.T) {
	ip := make([]byte, 20)
	ip[0] = 0x45
	copy(ip[12:], []byte{198, 51, 100, 66, 203, 0, 113, 250})
	frame := append([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 5, 0x08, 0x00}, ip...)
	src, dst, ok := outerAddrs(frame, layers.LinkTypeEthernet)
	if !ok || src != netip.MustParseAddr("198.51.100.66") || dst != netip.MustParseAddr("203.0.113.250") {
		t.Errorf("outerAddrs = %v %v %v", src, dst, ok)
	}
	if _, _, ok := outerAddrs(frame, layers.LinkTypePPP); ok {
		t.Error("an address read from a link type not known")
	}
}

// TestTunnelFabric: both sides inside, each from the endpoint the other
// goes to, is a fabric's; one sender for both sides is not.
func TestTunnelFabric(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	fabric := Tunnel{Kind: "VXLAN", OuterSrc: [2]netip.Addr{a, b}, OuterDst: [2]netip.Addr{b, a}, Inside: [2]uint32{3, 3}}
	if !fabric.Fabric() || !fabric.Only() {
		t.Error("a fabric's tunnel not taken for one")
	}
	made := Tunnel{Kind: "VXLAN", OuterSrc: [2]netip.Addr{a, a}, OuterDst: [2]netip.Addr{b, b}, Inside: [2]uint32{3, 3}}
	if made.Fabric() {
		t.Error("one sender of both sides taken for a fabric")
	}
	half := Tunnel{Kind: "GRE", OuterSrc: [2]netip.Addr{a}, OuterDst: [2]netip.Addr{b}, Inside: [2]uint32{3, 0}, Plain: [2]uint32{0, 2}}
	if half.Fabric() || half.Only() {
		t.Error("one side inside taken for a fabric, or for a tunnel only")
	}
}
