package main

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// routeFrom rewrites the Ethernet/IPv4 capture at path so that every
// packet from addr carries ttl (a router between addr and the capture
// point lowers a host's 64 to 63), its header checksum made again.
func routeFrom(t *testing.T, path string, addr netip.Addr, ttl uint8) {
	t.Helper()
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		const ip = 14 // after the Ethernet header
		if len(data) >= ip+20 && data[ip]>>4 == 4 {
			if src, _ := netip.AddrFromSlice(data[ip+12 : ip+16]); src == addr {
				data[ip+8] = ttl
				binary.BigEndian.PutUint16(data[ip+10:], 0)
				hl := int(data[ip]&0xf) * 4
				var sum uint32
				for i := 0; i < hl; i += 2 {
					sum += uint32(binary.BigEndian.Uint16(data[ip+i:]))
				}
				for sum>>16 != 0 {
					sum = sum&0xffff + sum>>16
				}
				binary.BigEndian.PutUint16(data[ip+10:], ^uint16(sum))
			}
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(data), Length: ci.Length}, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHelperPrivateAnnouncerMayBeTranslated guards the verdict on a data
// connection to the private address the announcer is seen at, on a
// capture that does not show the announcer at its own address: a NAT
// router's helper compares the announced address with the announcer's
// own (nf_conntrack_ftp help(): cmd.u3 against
// ct->tuplehash[dir].tuple.src.u3, the server's real address after a
// DNAT; loose=0: no expectation), and private addresses are DNATed too
// (pcaps/real/nat-pasv-address-client.pcap: 10.99.1.1 forwarded to the
// server at 10.99.2.2, which announces 10.99.1.1; its segments reach the
// client with TTL 63). Before: helper-opens "RELATED, let through" for
// any private announcer, next to a data connection that failed.
func TestHelperPrivateAnnouncerMayBeTranslated(t *testing.T) {
	client := netip.MustParseAddrPort("172.16.0.50:40000")
	server := netip.MustParseAddrPort("172.16.0.1:21")
	pasv := func(refused bool) natSession {
		return natSession{client: client, server: server,
			segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (172,16,0,1,156,64).\r\n"}},
			dataFrom: netip.MustParseAddrPort("172.16.0.50:50001"), dataTo: netip.MustParseAddrPort("172.16.0.1:40000"), refused: refused}
	}
	for _, tc := range []struct {
		name     string
		s        natSession
		routed   bool // the server's segments reach the capture through a router
		code     string
		severity string
		says     []string
		related  bool // says "RELATED, let through"
	}{
		// A router between the server and the capture, which may DNAT
		// 172.16.0.1 to a server that wrote it into the 227 itself.
		{"routed-refused", pasv(true), true, CodeHelperBlocks, "warning",
			[]string{"may not have opened", "this capture cannot tell", "not RELATED (no expectation, loose=0)", "lowered TTL", "would explain the failure"}, false},
		{"routed-worked", pasv(false), true, CodeHelperOpens, "info",
			[]string{"tells which", "not RELATED (no expectation, loose=0)", "lowered TTL"}, false},
		// The server's segments with a host's initial TTL: no router
		// between it and the capture, so the address seen is its own.
		{"unrouted", pasv(true), false, CodeHelperOpens, "info", []string{"RELATED, let through"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeNATCapture(t, tc.s)
			if tc.routed {
				routeFrom(t, path, server.Addr(), 63)
			}
			fs := helperCodeFindings(t, path)
			got := findingsOf(fs, tc.code)
			if len(got) != 1 || len(fs) != 1 {
				t.Fatalf("want one %s alone, got %v", tc.code, fs)
			}
			if got[0]["severity"] != tc.severity {
				t.Errorf("severity %v, want %s", got[0]["severity"], tc.severity)
			}
			msg, _ := got[0]["message"].(string)
			for _, w := range tc.says {
				if !strings.Contains(msg, w) {
					t.Errorf("does not say %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "RELATED, let through") != tc.related {
				t.Errorf("RELATED, let through: want %v: %s", tc.related, msg)
			}
		})
	}
	// A private client's PORT to a public server: the capture is on the
	// client's side of any NAT that makes it public, and sees its own
	// address unless a router in between may translate one private
	// address to another (its segments with a lowered TTL): then the
	// verdict is hedged as above.
	for _, routed := range []bool{false, true} {
		s := natSession{client: netip.MustParseAddrPort("192.168.1.10:40000"), server: netip.MustParseAddrPort("198.51.100.10:21"),
			segs:     []natLine{{true, "PORT 192,168,1,10,195,80\r\n"}, {false, "200 PORT ok\r\n"}},
			dataFrom: netip.MustParseAddrPort("198.51.100.10:20"), dataTo: netip.MustParseAddrPort("192.168.1.10:50000")}
		path := writeNATCapture(t, s)
		if routed {
			routeFrom(t, path, s.client.Addr(), 63)
		}
		fs := helperCodeFindings(t, path)
		op := findingsOf(fs, CodeHelperOpens)
		if len(op) != 1 || len(fs) != 1 || strings.Contains(op[0]["message"].(string), "RELATED, let through") == routed ||
			routed && !strings.Contains(op[0]["message"].(string), "lowered TTL") {
			t.Errorf("private client, public server, routed %v: %v", routed, fs)
		}
	}
	// A public announcer with a host's initial TTL may still sit behind
	// a NAT on its own host or one that lowers no TTL: hedged.
	pub := natSession{client: netip.MustParseAddrPort("198.51.100.50:40000"), server: netip.MustParseAddrPort("20.99.1.1:21"),
		segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (20,99,1,1,156,64).\r\n"}},
		dataFrom: netip.MustParseAddrPort("198.51.100.50:50001"), dataTo: netip.MustParseAddrPort("20.99.1.1:40000")}
	fs := helperCodeFindings(t, writeNATCapture(t, pub))
	if op := findingsOf(fs, CodeHelperOpens); len(op) != 1 || strings.Contains(op[0]["message"].(string), "RELATED, let through") {
		t.Errorf("public server at a host's initial TTL: %v", fs)
	}
}
