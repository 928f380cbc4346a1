package decode

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// icmpQuotingSYN is an ICMP (or ICMPv6, for IPv6 addresses) message from
// router to the SYN's client, of type typ and code, its 4 bytes after the
// checksum rest, quoting the SYN src -> dst with sequence number seq.
func icmpQuotingSYN(router netip.Addr, src, dst netip.AddrPort, seq uint32, typ, code uint8, rest uint32) []byte {
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12], tcp[13] = 5<<4, 0x02
	msg := []byte{typ, code, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[4:], rest)
	if src.Addr().Is4() {
		quoted := make([]byte, 20, 40)
		quoted[0], quoted[8], quoted[9] = 0x45, 1, 6
		binary.BigEndian.PutUint16(quoted[2:], 60)
		s, d := src.Addr().As4(), dst.Addr().As4()
		copy(quoted[12:], s[:])
		copy(quoted[16:], d[:])
		msg = append(append(msg, quoted...), tcp...)
		ip := make([]byte, 20, 20+len(msg))
		ip[0], ip[8], ip[9] = 0x45, 64, 1
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(msg)))
		r, c := router.As4(), src.Addr().As4()
		copy(ip[12:], r[:])
		copy(ip[16:], c[:])
		binary.BigEndian.PutUint16(ip[10:], ipv4Checksum(ip))
		return append(ip, msg...)
	}
	quoted := make([]byte, 40, 60)
	quoted[0], quoted[6], quoted[7] = 0x60, 6, 1
	binary.BigEndian.PutUint16(quoted[4:], 20)
	s, d := src.Addr().As16(), dst.Addr().As16()
	copy(quoted[8:], s[:])
	copy(quoted[24:], d[:])
	msg = append(append(msg, quoted...), tcp...)
	ip := make([]byte, 40, 40+len(msg))
	ip[0], ip[6], ip[7] = 0x60, 58, 64
	binary.BigEndian.PutUint16(ip[4:], uint16(len(msg)))
	r, c := router.As16(), src.Addr().As16()
	copy(ip[8:], r[:])
	copy(ip[24:], c[:])
	return append(ip, msg...)
}

// TestICMPErrorsQuotingTCPReachHandler: every ICMP error a TCP stack acts
// on reaches the Handler as an Unreachable with its family, type, code
// and (packet too big, fragmentation needed) MTU, not only destination
// unreachable: time exceeded and parameter problem end a connect on Linux
// (tcp_v4_err: EHOSTUNREACH, EPROTO; icmpv6_err_convert), packet too big
// and fragmentation needed lower the path MTU. Redirects, source quench
// and informational messages are not errors of the connection.
func TestICMPErrorsQuotingTCPReachHandler(t *testing.T) {
	v4 := [3]string{"10.1.0.1", "10.1.0.2:51000", "192.0.2.10:40001"}
	v6 := [3]string{"2001:db8:1::1", "[2001:db8:1::2]:51000", "[2001:db8:2::10]:40001"}
	for _, tc := range []struct {
		name      string
		addrs     [3]string
		typ, code uint8
		rest      uint32
		passed    bool
		ends      bool
		tooBig    bool
		mtu       uint32
	}{
		{"v4 port unreachable", v4, 3, 3, 0, true, true, false, 0},
		{"v4 host unreachable", v4, 3, 1, 0, true, true, false, 0},
		{"v4 fragmentation needed", v4, 3, 4, 1400, true, false, true, 1400},
		{"v4 fragmentation needed, no MTU", v4, 3, 4, 0, true, false, true, 0},
		{"v4 unreachable code 16", v4, 3, 16, 0, true, false, false, 0},
		{"v4 time exceeded", v4, 11, 0, 0, true, true, false, 0},
		{"v4 reassembly time exceeded", v4, 11, 1, 0, true, true, false, 0},
		{"v4 parameter problem", v4, 12, 0, 20 << 24, true, true, false, 0},
		{"v4 source quench", v4, 4, 0, 0, false, false, false, 0},
		{"v4 redirect", v4, 5, 1, 0x0a010001, false, false, false, 0},
		{"v6 port unreachable", v6, 1, 4, 0, true, true, false, 0},
		{"v6 no route", v6, 1, 0, 0, true, true, false, 0},
		{"v6 packet too big", v6, 2, 0, 1280, true, false, true, 1280},
		{"v6 time exceeded", v6, 3, 0, 0, true, true, false, 0},
		{"v6 parameter problem", v6, 4, 1, 40, true, true, false, 0},
		// RFC 4443 2.4(d): an unknown error type goes to the upper
		// layer; Linux's tcp_v6_err ends a connect with EPROTO.
		{"v6 unknown error type 5", v6, 5, 0, 0, true, true, false, 0},
		{"v6 unknown error type 100", v6, 100, 7, 0, true, true, false, 0},
		{"v6 unknown error type 127", v6, 127, 0, 0, true, true, false, 0},
		{"v6 type 0 (reserved)", v6, 0, 0, 0, false, false, false, 0},
		{"v6 echo request", v6, 128, 0, 0, false, false, false, 0},
		{"v6 redirect", v6, 137, 0, 0, false, false, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			router := netip.MustParseAddr(tc.addrs[0])
			src, dst := netip.MustParseAddrPort(tc.addrs[1]), netip.MustParseAddrPort(tc.addrs[2])
			pkt := icmpQuotingSYN(router, src, dst, 777000, tc.typ, tc.code, tc.rest)
			rec := &recorder{}
			d := New(rec, Options{})
			ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			d.Decode(pkt, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
			st := d.Stats()
			if !tc.passed {
				if len(rec.unreach) != 0 || st.ICMPErrors != 0 || st.NotTCP != 1 {
					t.Fatalf("passed on: %+v, icmp_errors %d, not_tcp %d", rec.unreach, st.ICMPErrors, st.NotTCP)
				}
				return
			}
			if len(rec.unreach) != 1 || st.ICMPErrors != 1 || st.NotTCP != 0 {
				t.Fatalf("%d unreachables, icmp_errors %d, not_tcp %d; want 1, 1, 0", len(rec.unreach), st.ICMPErrors, st.NotTCP)
			}
			u := rec.unreach[0]
			want := Unreachable{Num: 1, TS: ts, From: router, V6: tc.addrs == v6, Type: tc.typ, Code: tc.code,
				Src: src, Dst: dst, Seq: 777000, MTU: tc.mtu, TTL: 64}
			if u.Fragments != nil || u.FragmentsUnlisted != 0 {
				t.Errorf("unfragmented message names fragments %v (+%d)", u.Fragments, u.FragmentsUnlisted)
			}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("got %+v\nwant %+v", u, want)
			}
			if u.EndsConnect() != tc.ends {
				t.Errorf("EndsConnect %v, want %v", u.EndsConnect(), tc.ends)
			}
			if mtu, ok := u.PacketTooBig(); ok != tc.tooBig || mtu != int(tc.mtu) {
				t.Errorf("PacketTooBig %d, %v; want %d, %v", mtu, ok, tc.mtu, tc.tooBig)
			}
		})
	}
}
